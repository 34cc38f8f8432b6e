import type { Command } from 'commander';
import type { SqliteAuditLog } from '../audit/stores/sqlite.js';
import { openStores } from '../runtime/embedded.js';
import { parseNumberOption, UserError } from './errors.js';
import { dataDirOf } from './data-dir.js';

async function withAudit<T>(command: Command, run: (audit: SqliteAuditLog) => Promise<T>): Promise<T> {
  const stores = openStores(dataDirOf(command), { idIndex: 'first-use' });
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
    .option('--anchor <seq:hash>', 'a head printed by an earlier check: it must still be in the chain (catches the newest entries removed)', parseAnchor)
    .action(async (opts: { anchor?: { seq: number; hash: string } }, command: Command) => {
      await withAudit(command, async (log) => {
        const result = await log.verify(opts.anchor);
        if (result.ok) {
          console.log(`audit trail intact: ${result.entries} entries`);
          if (result.head) console.log(`head: ${result.head.seq}:${result.head.hash} (keep it elsewhere; pass it as --anchor to a later check)`);
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

function parseAnchor(value: string): { seq: number; hash: string } {
  const match = /^([1-9]\d{0,14}):([0-9a-f]{64})$/.exec(value);
  if (!match) throw new UserError(`--anchor must be <seq>:<hash>, as audit verify prints it, got "${value}"`);
  return { seq: Number(match[1]), hash: match[2]! };
}
