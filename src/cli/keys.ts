import type { Command } from 'commander';
import { actorForKey, KeyError, SCOPES, SqliteApiKeyStore } from '../auth/keys.js';
import { SqliteCaseStore } from '../review/stores/sqlite.js';
import type { SqliteDatabase } from '../lib/sqlite.js';
import type { SqliteAuditLog } from '../audit/stores/sqlite.js';
import { openStores } from '../runtime/embedded.js';
import { CLI_ACTOR } from './actor.js';
import { UserError, parseNumberOption } from './errors.js';
import { dataDirOf } from './data-dir.js';

async function withKeys<T>(command: Command, run: (keys: SqliteApiKeyStore, audit: SqliteAuditLog, db: SqliteDatabase) => Promise<T> | T): Promise<T> {
  const stores = openStores(dataDirOf(command), { idIndex: 'first-use' });
  try {
    return await run(new SqliteApiKeyStore(stores.db), stores.audit, stores.db);
  } catch (error) {
    if (error instanceof KeyError) throw new UserError(error.message);
    throw error;
  } finally {
    await stores.close();
  }
}

export function registerKeys(program: Command): void {
  const keys = program.command('keys').description(`API keys (bearer tokens) with scopes: ${SCOPES.join(', ')}`);
  keys
    .command('create')
    .description('Create a key; the token is printed once and stored only as a hash')
    .requiredOption('--name <name>', 'who or what uses it')
    .requiredOption('--scopes <scopes>', `comma-separated: ${SCOPES.join(', ')} (admin holds them all)`)
    .option('--rate-limit <n>', 'requests per second', parseNumberOption('--rate-limit', 1, 1_000_000, true), 2_000)
    .action(async (opts, command: Command) => {
      await withKeys(command, async (store, audit) => {
        const { key, token } = store.create(opts.name, String(opts.scopes).split(',').map((s) => s.trim()).filter(Boolean), opts.rateLimit);
        await audit.append({ actor: CLI_ACTOR, action: 'key.create', subject: key.id, details: { name: key.name, scopes: key.scopes, rate_limit: key.rateLimit } });
        console.log(`created key ${key.id} "${key.name}" scopes ${key.scopes.join(',')} rate limit ${key.rateLimit}/s`);
        console.log(token);
      });
    });
  keys
    .command('list')
    .description('Keys (ids, names, scopes; never the tokens)')
    .action(async (_opts, command: Command) => {
      await withKeys(command, (store) => {
        for (const k of store.list()) {
          console.log(`${k.id}  ${k.name.padEnd(32)} ${k.scopes.join(',').padEnd(28)} ${k.rateLimit}/s  ${k.revokedAt ? `revoked ${new Date(k.revokedAt).toISOString()}` : 'active'}`);
        }
      });
    });
  keys
    .command('revoke <id>')
    .description('Revoke a key by id')
    .action(async (id: string, _opts, command: Command) => {
      await withKeys(command, async (store, audit, db) => {
        // The cases its holder had claimed go back to the queue now, not when their leases run out: in
        // the same transaction as the revocation, so that neither happens without the other.
        const cases = new SqliteCaseStore(db);
        const { key, released } = db
          .transaction(() => {
            const revoked = store.revoke(id);
            return { key: revoked, released: cases.releaseHeldBy(actorForKey(revoked), CLI_ACTOR, Date.now()) };
          })
          .immediate();
        await audit.append({ actor: CLI_ACTOR, action: 'key.revoke', subject: key.id, details: { name: key.name, cases_released: released } });
        console.log(`revoked ${key.id}${released.length > 0 ? `; its ${released.length} claimed case${released.length === 1 ? '' : 's'} went back to the queue (${released.join(', ')})` : ''}`);
      });
    });
}
