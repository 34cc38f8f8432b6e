import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RiskEvent } from '../../events/schema.js';
import { decisionIdFor, type StoredDecision } from '../decision.js';
import { SqliteDecisionStore } from './sqlite.js';

function stored(seq: number, user: string, rules = [{ id: 'r1', version: 2 }]): StoredDecision {
  const request = { id: `evt_${seq}`, type: 'booking_attempted', ts: 1_767_225_600_000 + seq, v: 1, entities: { user }, payload: { amount: 10, currency: 'EUR' } } as unknown as RiskEvent;
  return {
    decision: {
      decision_id: decisionIdFor(seq), event_id: request.id, seq, action: seq % 2 ? 'allow' : 'review', score: 0.1, reasons: [], model: null, shadow: [],
      rules_version: 'rv', rule_hits: [], shadow_rule_hits: [], rule_errors: [], feature_set_version: 'fs', degraded: null, policy: null,
      timings: { features_ms: 0, rules_ms: 0, model_ms: 0, total_ms: 0 }, ts: request.ts, decided_at: 0,
    },
    request,
    vector: new Float64Array([seq, 0.5]),
    ruleVersions: rules,
    listsVersion: 3,
  };
}

describe('SqliteDecisionStore', () => {
  let dir: string;
  // The event log's part: event id → seq.
  const seqOfEvent = (id: string) => (/^evt_\d+$/.test(id) ? Number(id.slice(4)) : undefined);
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'rg-decisions-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('finds decisions by decision id and by event id, and stores each rule set once', async () => {
    const store = new SqliteDecisionStore(join(dir, 'decisions.db'), 'os', seqOfEvent);
    try {
      await Promise.all([stored(7, 'u_a'), stored(8, 'u_b'), stored(9, 'u_a', [{ id: 'r1', version: 3 }])].map((s) => store.write(s)));
      expect(await store.get(decisionIdFor(8))).toEqual(stored(8, 'u_b'));
      expect((await store.getByEvent('evt_9'))!.ruleVersions).toEqual([{ id: 'r1', version: 3 }]);
      expect(await store.getByEvent('evt_10')).toBeUndefined();
      expect(await store.get('dec_unknown')).toBeUndefined();
      expect(await store.get(`${decisionIdFor(8)}x`)).toBeUndefined();
      expect((await store.listByUser('u_a', 10)).map((d) => d.decision.seq)).toEqual([9, 7]);
      expect((await store.list({ action: 'review' })).map((d) => d.decision.seq)).toEqual([8]);
      await store.close();
      const db = new Database(join(dir, 'decisions.db'), { readonly: true });
      expect(db.prepare('SELECT COUNT(*) FROM rule_sets').pluck().get()).toBe(2);
      db.close();
    } finally {
      await store.close();
    }
  });

  it("rebuilds the leaderboard from each user's latest decision with a score, among the newest", async () => {
    const store = new SqliteDecisionStore(join(dir, 'decisions.db'), 'os', seqOfEvent);
    const scored = (seq: number, user: string, score: number | null) => {
      const s = stored(seq, user);
      return { ...s, decision: { ...s.decision, score } };
    };
    try {
      // u_a: scored, then a login (no score) — its booking's score stands; u_b: only unscored; u_c: the
      // scored one is older than the newest 5.
      for (const s of [scored(1, 'u_c', 0.9), scored(2, 'u_a', 0.7), scored(3, 'u_b', null), scored(4, 'u_c', null), scored(5, 'u_a', null), scored(6, 'u_d', 0.2), scored(7, 'u_d', 0.4)]) await store.write(s);
      expect(await store.latestScoresByUser(6)).toEqual([
        { user: 'u_a', score: 0.7 },
        { user: 'u_d', score: 0.4 },
      ]);
      expect(await store.latestScoresByUser(100)).toEqual([
        { user: 'u_c', score: 0.9 },
        { user: 'u_a', score: 0.7 },
        { user: 'u_d', score: 0.4 },
      ]);
    } finally {
      await store.close();
    }
  });

  it('moves a decision log with unique id indexes into the table found by seq', async () => {
    const path = join(dir, 'old.db');
    const old = new Database(path);
    old.exec(`CREATE TABLE decisions (seq INTEGER PRIMARY KEY, decision_id TEXT NOT NULL UNIQUE, event_id TEXT NOT NULL UNIQUE, user TEXT, ts INTEGER NOT NULL,
      action TEXT NOT NULL, decision TEXT NOT NULL, request TEXT NOT NULL, vector BLOB, rules TEXT NOT NULL, recovered INTEGER NOT NULL DEFAULT 0, lists_version INTEGER) STRICT;
      CREATE INDEX decisions_ts ON decisions (ts); CREATE INDEX decisions_user ON decisions (user, seq);`);
    const s = stored(5, 'u_old');
    const v = s.vector!;
    old.prepare('INSERT INTO decisions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').run(5, s.decision.decision_id, s.decision.event_id, 'u_old', s.decision.ts, s.decision.action, JSON.stringify(s.decision), JSON.stringify(s.request), Buffer.from(v.buffer), JSON.stringify(s.ruleVersions), 0, 3);
    old.close();
    const store = new SqliteDecisionStore(path, 'os', seqOfEvent);
    try {
      expect(await store.getByEvent('evt_5')).toEqual(s);
      await store.write(stored(6, 'u_old'));
      expect((await store.listByUser('u_old', 5)).map((d) => d.decision.seq)).toEqual([6, 5]);
    } finally {
      await store.close();
    }
  });
});
