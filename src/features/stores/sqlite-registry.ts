import type { SqliteDatabase } from '../../lib/sqlite.js';
import type { FeatureSetSpec } from '../featureset.js';
import type { FeatureSetRegistry, RegisteredFeatureSet } from '../registry.js';

type Row = { version: string; name: string; spec: string; registered_at: number };

export class SqliteFeatureSetRegistry implements FeatureSetRegistry {
  constructor(private readonly db: SqliteDatabase) {
    db.exec(`CREATE TABLE IF NOT EXISTS feature_sets (
      version TEXT PRIMARY KEY,
      name TEXT NOT NULL,
      spec TEXT NOT NULL,
      registered_at INTEGER NOT NULL
    ) STRICT`);
    db.exec(`CREATE TABLE IF NOT EXISTS feature_set_served (
      id INTEGER PRIMARY KEY CHECK (id = 1),
      version TEXT NOT NULL REFERENCES feature_sets (version),
      since INTEGER NOT NULL
    ) STRICT`);
  }

  async register(version: string, spec: FeatureSetSpec): Promise<void> {
    this.db
      .prepare('INSERT INTO feature_sets (version, name, spec, registered_at) VALUES (?, ?, ?, ?) ON CONFLICT(version) DO NOTHING')
      .run(version, spec.name, JSON.stringify(spec), Date.now());
  }

  async get(version: string): Promise<RegisteredFeatureSet | undefined> {
    const row = this.db.prepare('SELECT * FROM feature_sets WHERE version = ?').get(version) as Row | undefined;
    return row && toRegistered(row);
  }

  async list(): Promise<RegisteredFeatureSet[]> {
    return (this.db.prepare('SELECT * FROM feature_sets ORDER BY registered_at, version').all() as Row[]).map(toRegistered);
  }

  async served(): Promise<string | undefined> {
    return this.db.prepare('SELECT version FROM feature_set_served WHERE id = 1').pluck().get() as string | undefined;
  }

  async setServed(version: string | undefined): Promise<void> {
    if (version === undefined) {
      this.db.prepare('DELETE FROM feature_set_served').run();
      return;
    }
    if (!(await this.get(version))) throw new Error(`feature set ${version} is not registered`);
    this.db.prepare('INSERT INTO feature_set_served (id, version, since) VALUES (1, ?, ?) ON CONFLICT (id) DO UPDATE SET version = excluded.version, since = excluded.since').run(version, Date.now());
  }
}

function toRegistered(row: Row): RegisteredFeatureSet {
  return { version: row.version, name: row.name, spec: JSON.parse(row.spec) as FeatureSetSpec, registeredAt: row.registered_at };
}
