import type { Command } from 'commander';
import type { SqliteAuditLog } from '../audit/stores/sqlite.js';
import { dataDir } from '../lib/config.js';
import { openStores } from '../runtime/embedded.js';
import { parseNumberOption } from './errors.js';

async function withAudit<T>(command: Command, run: (audit: SqliteAuditLog) => Promise<T>): Promise<T> {
  const stores = openStores(dataDir(command.optsWithGlobals<{ data?: string }>().data), { idIndex: 'first-use' });
  try {
    return await run(stores.audit);
  } finally {
    await stores.close();
  }
}

export function registerAudit(program: Command): void {
  const audit = program.command('audit').description('The hash-chained audit trail of decisions and changes');
  audit
    .command('verify')
    .description('Check the chain: exit 1 naming any altered, removed or reordered entry')
    .action(async (_opts, command: Command) => {
      await withAudit(command, async (log) => {
        const result = await log.verify();
        if (result.ok) {
          console.log(`audit trail intact: ${result.entries} entries`);
        } else {
          console.log(`audit trail BROKEN (${result.entries} entries checked):`);
          for (const p of result.problems) console.log(`  ${p}`);
          process.exitCode = 1;
        }
      });
    });
  audit
    .command('list')
    .description('The newest entries')
    .option('--limit <n>', 'how many', parseNumberOption('--limit', 1, 100_000, true), 50)
    .option('--action <action>', 'only this action, e.g. model.promote, rule.update, case.decide, decision')
    .action(async (opts, command: Command) => {
      await withAudit(command, async (log) => {
        for (const e of await log.list({ limit: opts.limit, ...(opts.action ? { action: opts.action } : {}) })) {
          console.log(`${String(e.seq).padStart(8)}  ${new Date(e.at).toISOString()}  ${e.actor.padEnd(28)} ${e.action.padEnd(16)} ${e.subject}  ${JSON.stringify(e.details)}`);
        }
      });
    });
}
