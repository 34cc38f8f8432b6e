// API keys: random bearer tokens, stored only as SHA-256 hashes, each with scopes and a rate limit.
import { createHash, randomBytes } from 'node:crypto';
import type { SqliteDatabase } from '../lib/sqlite.js';

export const SCOPES = ['decide', 'events', 'review', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

export interface ApiKey {
  /** Public handle: the token's first characters, safe to log and show. */
  id: string;
  name: string;
  scopes: Scope[];
  /** Requests per second allowed to this key. */
  rateLimit: number;
  createdAt: number;
  revokedAt: number | null;
}

export class KeyError extends Error {}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** admin holds every scope. */
export function allows(key: ApiKey, scope: Scope): boolean {
  return key.revokedAt === null && (key.scopes.includes(scope) || key.scopes.includes('admin'));
}

/** How a key's actions are recorded (audit trail, histories, a review case's lease): its name, then its id. */
export function actorForKey(key: Pick<ApiKey, 'name' | 'id'>): string {
  return `${key.name} (${key.id})`;
}

type Row = { id: string; name: string; scopes: string; rate_limit: number; created_at: number; revoked_at: number | null };

export class SqliteApiKeyStore {
  /** token hash → key, for the per-request lookup. */
  private cache = new Map<string, ApiKey>();

  constructor(private readonly db: SqliteDatabase) {
    db.exec(`CREATE TABLE IF NOT EXISTS api_keys (
      id TEXT PRIMARY KEY,
      token_hash TEXT NOT NULL UNIQUE,
      name TEXT NOT NULL,
      scopes TEXT NOT NULL,
      rate_limit INTEGER NOT NULL,
      created_at INTEGER NOT NULL,
      revoked_at INTEGER
    ) STRICT`);
    this.reload();
  }

  /** Create a key; the token is returned once and never stored. */
  create(name: string, scopes: readonly string[], rateLimit = 2_000): { key: ApiKey; token: string } {
    if (!/^[\w .@-]{1,64}$/.test(name)) throw new KeyError('key name must be 1–64 letters, digits, spaces, or . @ - _');
    if (scopes.length === 0) throw new KeyError(`give at least one scope (${SCOPES.join(', ')})`);
    for (const s of scopes) if (!(SCOPES as readonly string[]).includes(s)) throw new KeyError(`unknown scope "${s}" (known: ${SCOPES.join(', ')})`);
    if (!Number.isInteger(rateLimit) || rateLimit < 1 || rateLimit > 1_000_000) throw new KeyError('rate limit must be an integer from 1 to 1,000,000 requests per second');
    const token = `rg_${randomBytes(24).toString('base64url')}`;
    // The id is shown in lists, audit entries and logs: its own random value, no part of the secret.
    // (Keys made before 2026-11-27 kept the token's first 10 characters as their id.)
    const key: ApiKey = { id: `key_${randomBytes(6).toString('base64url')}`, name, scopes: [...new Set(scopes)] as Scope[], rateLimit, createdAt: Date.now(), revokedAt: null };
    this.db
      .prepare('INSERT INTO api_keys (id, token_hash, name, scopes, rate_limit, created_at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(key.id, hashToken(token), key.name, JSON.stringify(key.scopes), key.rateLimit, key.createdAt);
    this.reload();
    return { key, token };
  }

  /** The key a bearer token belongs to, if it exists and is not revoked. */
  authenticate(token: string): ApiKey | undefined {
    const key = this.cache.get(hashToken(token));
    return key && key.revokedAt === null ? key : undefined;
  }

  list(): ApiKey[] {
    return (this.db.prepare('SELECT * FROM api_keys ORDER BY created_at').all() as Row[]).map(toKey);
  }

  revoke(id: string): ApiKey {
    const result = this.db.prepare('UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').run(Date.now(), id);
    if (result.changes === 0) throw new KeyError(`no active key with id "${id}"`);
    this.reload();
    return this.list().find((k) => k.id === id)!;
  }

  /** Read the keys again (another process may have created or revoked some). */
  reload(): void {
    const rows = this.db.prepare('SELECT * FROM api_keys').all() as Array<Row & { token_hash: string }>;
    this.cache = new Map(rows.map((r) => [r.token_hash, toKey(r)]));
  }
}

function toKey(row: Row): ApiKey {
  return { id: row.id, name: row.name, scopes: JSON.parse(row.scopes) as Scope[], rateLimit: row.rate_limit, createdAt: row.created_at, revokedAt: row.revoked_at };
}
