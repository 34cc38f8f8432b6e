// Operational settings that change at run time and must survive a restart: the kill switch, the
// fallback model, the stage budgets. Every change is made by an actor (the audit trail records it).
import type { SqliteDatabase } from '../lib/sqlite.js';
import type { CostModel } from '../policy/costs.js';

export interface Budgets {
  /** The whole request, from validation to response. */
  totalMs: number;
  featuresMs: number;
  modelMs: number;
  /** Rules run synchronously: no rule is started after this, the lower-priority rest is reported as not evaluated. */
  rulesMs: number;
}

export interface ServingSettings {
  /** Model line served at the checkpoint. */
  modelName: string;
  /** When on, no model decides: rules only, `degraded: "kill_switch"`. */
  killSwitch: boolean;
  /** Decides when the deciding model fails or is unavailable; none → rules only. */
  fallbackModelId: string | null;
  budgets: Budgets;
  /** Reviews the team can do in a day: the review band narrows when inflow would exceed it. */
  reviewCapacityPerDay: number;
  /** What the thresholds were chosen for (set by `riskgate policy optimize --apply`); the explorer prices with it. */
  costs: CostModel;
  /**
   * The ISO 4217 code of the currency amounts are sent in (riskgate converts none): the threshold
   * explorer and the executive page show money in it.
   */
  currency: string;
}

export const DEFAULT_SETTINGS: ServingSettings = {
  modelName: 'checkout',
  killSwitch: false,
  fallbackModelId: null,
  budgets: { totalMs: 250, featuresMs: 50, modelMs: 20, rulesMs: 20 },
  reviewCapacityPerDay: 1_000,
  costs: { fnCost: { kind: 'multiple', value: 20 }, fpCost: 1, reviewCost: 0.2 },
  currency: 'USD',
};

/** A currency setting: three upper-case letters, an ISO 4217 code. */
export const CURRENCY_CODE = /^[A-Z]{3}$/;

/** Where the capacity guard left the review band, for the policy and capacity named by `key`. */
export interface ReviewBandState {
  key: string;
  narrowedBy: number;
  changedAt: number;
}

export interface SettingsStore {
  load(): ServingSettings;
  save(settings: ServingSettings, actor: string): void;
  loadReviewBand(): ReviewBandState | undefined;
  saveReviewBand(state: ReviewBandState): void;
  clearReviewBand(): void;
}

export class SqliteSettingsStore implements SettingsStore {
  constructor(private readonly db: SqliteDatabase) {
    db.exec('CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL, updated_at INTEGER NOT NULL, updated_by TEXT NOT NULL) STRICT');
  }

  load(): ServingSettings {
    const row = this.db.prepare("SELECT value FROM settings WHERE key = 'serving'").get() as { value: string } | undefined;
    if (!row) return structuredClone(DEFAULT_SETTINGS);
    const stored = JSON.parse(row.value) as Partial<ServingSettings>;
    return { ...DEFAULT_SETTINGS, ...stored, budgets: { ...DEFAULT_SETTINGS.budgets, ...stored.budgets } };
  }

  save(settings: ServingSettings, actor: string): void {
    this.db
      .prepare("INSERT INTO settings (key, value, updated_at, updated_by) VALUES ('serving', ?, ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at, updated_by = excluded.updated_by")
      .run(JSON.stringify(settings), Date.now(), actor);
  }

  /** Undefined when there is none — or when what is there cannot be read: it is only a hint. */
  loadReviewBand(): ReviewBandState | undefined {
    try {
      const row = this.db.prepare("SELECT value FROM settings WHERE key = 'review_band'").get() as { value: string } | undefined;
      const state = row ? (JSON.parse(row.value) as unknown) : undefined;
      if (typeof state !== 'object' || state === null) return undefined;
      const { key, narrowedBy, changedAt } = state as Partial<ReviewBandState>;
      return typeof key === 'string' && Number.isInteger(narrowedBy) && Number.isFinite(changedAt) ? { key, narrowedBy: narrowedBy!, changedAt: changedAt! } : undefined;
    } catch {
      return undefined;
    }
  }

  clearReviewBand(): void {
    this.db.prepare("DELETE FROM settings WHERE key = 'review_band'").run();
  }

  saveReviewBand(state: ReviewBandState): void {
    this.db
      .prepare("INSERT INTO settings (key, value, updated_at, updated_by) VALUES ('review_band', ?, ?, 'riskgate capacity guard') ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at")
      .run(JSON.stringify(state), Date.now());
  }
}
