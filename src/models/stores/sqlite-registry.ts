import type { SqliteDatabase } from '../../lib/sqlite.js';
import { validatePolicy, verifyArtifact, type ModelArtifact, type Policy } from '../artifact.js';
import { RegistryError, STAGES, type ModelRegistry, type RegisteredModel, type Stage, type StageChange } from '../registry.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS models (
  id               TEXT PRIMARY KEY,
  name             TEXT NOT NULL,
  version          INTEGER NOT NULL,
  stage            TEXT NOT NULL,
  canary_share     REAL,
  policy           TEXT,
  artifact         TEXT NOT NULL,
  created_at       INTEGER NOT NULL,
  stage_changed_at INTEGER NOT NULL,
  UNIQUE (name, version)
) STRICT;
CREATE TABLE IF NOT EXISTS model_stage_history (
  seq          INTEGER PRIMARY KEY,
  model_id     TEXT NOT NULL,
  name         TEXT NOT NULL,
  from_stage   TEXT,
  to_stage     TEXT NOT NULL,
  canary_share REAL,
  actor        TEXT NOT NULL,
  at           INTEGER NOT NULL,
  via          TEXT
) STRICT;
`;

type Row = {
  id: string;
  name: string;
  version: number;
  stage: Stage;
  canary_share: number | null;
  policy: string | null;
  artifact: string;
  stage_changed_at: number;
};

type HistoryRow = { model_id: string; name: string; from_stage: Stage | null; to_stage: Stage; canary_share: number | null; actor: string; at: number; via: 'rollback' | null };

export class SqliteModelRegistry implements ModelRegistry {
  constructor(
    private readonly db: SqliteDatabase,
    private readonly now: () => number = Date.now,
  ) {
    db.exec(SCHEMA);
    // Histories written before rollbacks were marked: their rollbacks read as promotions.
    const columns = db.prepare("SELECT name FROM pragma_table_info('model_stage_history')").pluck().all() as string[];
    if (!columns.includes('via')) db.exec('ALTER TABLE model_stage_history ADD COLUMN via TEXT');
  }

  async register(artifact: ModelArtifact, actor: string): Promise<RegisteredModel> {
    if (!verifyArtifact(artifact)) throw new RegistryError(`model ${artifact.id}: content hash does not match its content`);
    const problem = validatePolicy(artifact.policy);
    if (problem) throw new RegistryError(`model ${artifact.id}: ${problem}`);
    const existing = this.row(artifact.id);
    if (existing) return toModel(existing);
    const at = this.now();
    this.db.transaction(() => {
      const { n } = this.db.prepare('SELECT COUNT(*) AS n FROM models WHERE name = ?').get(artifact.name) as { n: number };
      this.db
        .prepare('INSERT INTO models (id, name, version, stage, artifact, created_at, stage_changed_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
        .run(artifact.id, artifact.name, n + 1, 'candidate', JSON.stringify(artifact), at, at);
      this.recordChange(artifact.id, artifact.name, null, 'candidate', null, actor, at);
    }).immediate();
    return toModel(this.row(artifact.id)!);
  }

  async get(id: string): Promise<RegisteredModel | undefined> {
    const row = this.row(id);
    return row && toModel(row);
  }

  async list(name?: string): Promise<RegisteredModel[]> {
    const rows = (name
      ? this.db.prepare('SELECT * FROM models WHERE name = ? ORDER BY name, version').all(name)
      : this.db.prepare('SELECT * FROM models ORDER BY name, version').all()) as Row[];
    return rows.map(toModel);
  }

  async promote(id: string, stage: Exclude<Stage, 'candidate'>, options: { actor: string; canaryShare?: number }): Promise<RegisteredModel[]> {
    if (!(STAGES as readonly string[]).includes(stage) || stage === ('candidate' as Stage)) {
      throw new RegistryError(`stage must be one of shadow, canary, active, retired; got "${stage}"`);
    }
    const target = this.row(id);
    if (!target) throw new RegistryError(`no model with id "${id}"`);
    let share: number | null = null;
    if (stage === 'canary') {
      // Promoted to canary again without a share, a canary keeps the one it has: the call looks like a no-op.
      share = options.canaryShare ?? (target.stage === 'canary' && target.canary_share !== null ? target.canary_share : 0.1);
      if (!(share > 0 && share < 1)) throw new RegistryError('canary share must be between 0 and 1 (exclusive)');
    } else if (options.canaryShare !== undefined) {
      throw new RegistryError('a canary share only applies to the canary stage');
    }
    // Where it is already (with the same share): nothing changes, and nothing is written to the history.
    if (target.stage === stage && target.canary_share === share) return [];
    const changed = new Set<string>();
    this.db.transaction(() => {
      if (stage === 'active' || stage === 'canary') {
        // One active and one canary per model line: the one it replaces steps down.
        const displaced = this.db.prepare('SELECT * FROM models WHERE name = ? AND stage = ? AND id != ?').all(target.name, stage, id) as Row[];
        for (const other of displaced) {
          this.setStage(other, stage === 'active' ? 'retired' : 'shadow', null, options.actor);
          changed.add(other.id);
        }
      }
      this.setStage(target, stage, share, options.actor);
      changed.add(id);
    }).immediate();
    return [...changed].map((changedId) => toModel(this.row(changedId)!));
  }

  async rollbackTarget(name: string): Promise<RegisteredModel> {
    return toModel(this.rollbackRows(name).restored);
  }

  async rollback(name: string, actor: string): Promise<RegisteredModel[]> {
    const { active, restored } = this.rollbackRows(name);
    this.db.transaction(() => {
      this.setStage(active, 'retired', null, actor);
      this.setStage(restored, 'active', null, actor, 'rollback');
    }).immediate();
    return [toModel(this.row(active.id)!), toModel(this.row(restored.id)!)];
  }

  private rollbackRows(name: string): { active: Row; restored: Row } {
    const active = this.db.prepare("SELECT * FROM models WHERE name = ? AND stage = 'active'").get(name) as Row | undefined;
    if (!active) throw new RegistryError(`model line "${name}" has no active model to roll back`);
    const previous = previousActive(this.db.prepare("SELECT model_id, via FROM model_stage_history WHERE name = ? AND to_stage = 'active' ORDER BY seq").all(name) as Array<Pick<HistoryRow, 'model_id' | 'via'>>, active.id);
    if (!previous) throw new RegistryError(`model line "${name}" has no earlier active model to roll back to`);
    return { active, restored: this.row(previous)! };
  }

  async setPolicy(id: string, policy: Policy, actor: string): Promise<{ model: RegisteredModel; changed: boolean }> {
    const row = this.row(id);
    if (!row) throw new RegistryError(`no model with id "${id}"`);
    const problem = validatePolicy(policy);
    if (problem) throw new RegistryError(problem);
    const current = toModel(row).policy;
    if (current.block === policy.block && current.review === policy.review) return { model: toModel(row), changed: false };
    const at = this.now();
    this.db.transaction(() => {
      this.db.prepare('UPDATE models SET policy = ? WHERE id = ?').run(JSON.stringify({ block: policy.block, review: policy.review }), id);
      this.recordChange(id, row.name, row.stage, row.stage, row.canary_share, `${actor} (policy block ${policy.block}, review ${policy.review})`, at);
    }).immediate();
    return { model: toModel(this.row(id)!), changed: true };
  }

  async history(name?: string): Promise<StageChange[]> {
    const rows = (name
      ? this.db.prepare('SELECT * FROM model_stage_history WHERE name = ? ORDER BY seq').all(name)
      : this.db.prepare('SELECT * FROM model_stage_history ORDER BY seq').all()) as HistoryRow[];
    return rows.map((r) => ({ modelId: r.model_id, name: r.name, from: r.from_stage, to: r.to_stage, canaryShare: r.canary_share, actor: r.actor, at: r.at, ...(r.via ? { via: r.via } : {}) }));
  }

  private row(id: string): Row | undefined {
    return this.db.prepare('SELECT * FROM models WHERE id = ?').get(id) as Row | undefined;
  }

  private setStage(row: Row, stage: Stage, share: number | null, actor: string, via?: 'rollback'): void {
    const at = this.now();
    this.db.prepare('UPDATE models SET stage = ?, canary_share = ?, stage_changed_at = ? WHERE id = ?').run(stage, share, at, row.id);
    this.recordChange(row.id, row.name, row.stage, stage, share, actor, at, via);
  }

  private recordChange(id: string, name: string, from: Stage | null, to: Stage, share: number | null, actor: string, at: number, via?: 'rollback'): void {
    this.db
      .prepare('INSERT INTO model_stage_history (model_id, name, from_stage, to_stage, canary_share, actor, at, via) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run(id, name, from, to, share, actor, at, via ?? null);
  }
}

function toModel(row: Row): RegisteredModel {
  const artifact = JSON.parse(row.artifact) as ModelArtifact;
  return {
    artifact,
    version: row.version,
    stage: row.stage,
    canaryShare: row.canary_share,
    policy: row.policy ? (JSON.parse(row.policy) as Policy) : artifact.policy,
    stageChangedAt: row.stage_changed_at,
  };
}

/**
 * The model a rollback restores: the line's activations replayed as a stack — a promotion pushes its
 * model, a rollback pops the model it replaced — so that rolling back again goes one step further
 * back (v3 → v2 → v1) instead of returning to the model just rolled back from.
 */
export function previousActive(activations: ReadonlyArray<{ model_id: string; via: 'rollback' | null }>, activeId: string): string | undefined {
  const stack: string[] = [];
  for (const { model_id, via } of activations) {
    if (via === 'rollback') stack.pop();
    if (stack.at(-1) !== model_id) stack.push(model_id);
  }
  while (stack.at(-1) === activeId) stack.pop();
  return stack.at(-1);
}
