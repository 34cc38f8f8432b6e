import type { Command } from 'commander';
import { KeyError, SCOPES, SqliteApiKeyStore } from '../auth/keys.js';
import { openSqlite } from '../lib/sqlite.js';
import { join } from 'node:path';
import { UserError, parseNumberOption } from './errors.js';
import { dataDirOf } from './data-dir.js';

function withKeys<T>(command: Command, run: (keys: SqliteApiKeyStore) => T): T {
  const db = openSqlite(join(dataDirOf(command), 'riskgate.db'));
  try {
    return run(new SqliteApiKeyStore(db));
  } catch (error) {
    if (error instanceof KeyError) throw new UserError(error.message);
    throw error;
  } finally {
    db.close();
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
    .action((opts, command: Command) => {
      withKeys(command, (store) => {
        const { key, token } = store.create(opts.name, String(opts.scopes).split(',').map((s) => s.trim()).filter(Boolean), opts.rateLimit);
        console.log(`created key ${key.id} "${key.name}" scopes ${key.scopes.join(',')} rate limit ${key.rateLimit}/s`);
        console.log(token);
      });
    });
  keys
    .command('list')
    .description('Keys (ids, names, scopes; never the tokens)')
    .action((_opts, command: Command) => {
      withKeys(command, (store) => {
        for (const k of store.list()) {
          console.log(`${k.id}  ${k.name.padEnd(32)} ${k.scopes.join(',').padEnd(28)} ${k.rateLimit}/s  ${k.revokedAt ? `revoked ${new Date(k.revokedAt).toISOString()}` : 'active'}`);
        }
      });
    });
  keys
    .command('revoke <id>')
    .description('Revoke a key by id')
    .action((id: string, _opts, command: Command) => {
      withKeys(command, (store) => console.log(`revoked ${store.revoke(id).id}`));
    });
}
