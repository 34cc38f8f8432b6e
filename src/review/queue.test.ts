import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { openSqlite } from '../lib/sqlite.js';
import { CaseConflictError, isSlaBreached, type QueuePolicy } from './case.js';
import { SqliteCaseStore } from './stores/sqlite.js';

const HOUR = 3_600_000;
const policy: QueuePolicy = { leaseMs: 10 * 60_000, slaMs: (p) => (p >= 250 ? HOUR : 4 * HOUR) };
const T0 = Date.UTC(2026, 2, 1, 9);

function store() {
  return new SqliteCaseStore(openSqlite(':memory:'), policy);
}

function open(s: SqliteCaseStore, seq: number, score: number, amount: number, openedAt = T0) {
  return s.open({ decisionId: `dec_${seq}`, decisionSeq: seq, eventId: `bk_${seq}`, user: `u_${seq % 3}`, amount, currency: 'EUR', score, reasons: ['r'], openedAt });
}

describe('review queue', () => {
  it('orders the queue by expected loss, or by SLA deadline', () => {
    const s = store();
    open(s, 1, 0.5, 100); // 50, 4h
    open(s, 2, 0.9, 1_000); // 900, 1h
    open(s, 3, 0.3, 1_000, T0 - 3 * HOUR); // 300, 1h, opened earlier
    expect(s.list({}, T0).cases.map((c) => c.eventId)).toEqual(['bk_2', 'bk_3', 'bk_1']);
    expect(s.list({ sort: 'sla' }, T0).cases.map((c) => c.eventId)).toEqual(['bk_3', 'bk_2', 'bk_1']);
    expect(open(s, 1, 0.5, 100).id).toBe(s.list({ q: 'bk_1' }, T0).cases[0]!.id); // idempotent by decision
  });

  it('never lets two reviewers hold or decide the same case', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 4 }), fc.constantFrom('claim', 'decide', 'escalate', 'release'), fc.integer({ min: 0, max: 20 * 60_000 })), { maxLength: 60 }), (steps) => {
        const s = store();
        const c = open(s, 1, 0.8, 500);
        const leases = new Map<number, string>();
        let now = T0;
        let decisions = 0;
        for (const [reviewer, action, dt] of steps) {
          now += dt;
          const name = `r${reviewer}`;
          try {
            if (action === 'claim') leases.set(reviewer, s.claim(c.id, name, now).leaseId);
            else if (action === 'decide') {
              s.decide(c.id, leases.get(reviewer) ?? 'none', 'fraud', null, name, `lbl_${c.id}`, now);
              decisions++;
            } else if (action === 'escalate') s.escalate(c.id, leases.get(reviewer) ?? 'none', 'senior please', name, now);
            else s.release(c.id, leases.get(reviewer) ?? 'none', name, now);
          } catch (error) {
            if (!(error instanceof CaseConflictError)) throw error;
          }
          const current = s.get(c.id)!;
          const holders = [...leases].filter(([, lease]) => current.leaseId === lease && (current.leaseExpiresAt ?? 0) > now);
          expect(holders.length).toBeLessThanOrEqual(1);
        }
        expect(decisions).toBeLessThanOrEqual(1);
        expect(s.history(c.id).filter((h) => h.action === 'decided').length).toBe(decisions);
      }),
      { numRuns: 300 },
    );
  });

  it('returns a case to the queue when its lease lapses', () => {
    const s = store();
    const c = open(s, 1, 0.8, 500);
    const { leaseId } = s.claim(c.id, 'alice', T0);
    expect(s.list({}, T0 + 60_000).total).toBe(0);
    expect(s.list({ status: 'claimed' }, T0 + 60_000).total).toBe(1);
    expect(() => s.claim(c.id, 'bob', T0 + 60_000)).toThrow(/claimed by alice/);
    const later = T0 + policy.leaseMs + 1;
    expect(s.list({}, later).total).toBe(1);
    const bob = s.claim(c.id, 'bob', later);
    expect(() => s.decide(c.id, leaseId, 'legit', null, 'alice', 'lbl', later + 1)).toThrow(/not the current one/);
    expect(s.decide(c.id, bob.leaseId, 'legit', 'known guest', 'bob', 'lbl_1', later + 2)).toMatchObject({ status: 'decided', verdict: 'legit', decidedBy: 'bob', labelEventId: 'lbl_1' });
    expect(() => s.claim(c.id, 'carol', later + 3)).toThrow(/already decided/);
    expect(s.history(c.id).map((h) => h.action)).toEqual(['opened', 'claimed', 'claimed', 'decided']);
  });

  it('a second claim by the holder renews the same lease; once it lapsed, a claim makes a new one', () => {
    const s = store();
    const c = open(s, 1, 0.8, 500);
    const first = s.claim(c.id, 'alice', T0);
    const again = s.claim(c.id, 'alice', T0 + 60_000);
    expect(again.leaseId).toBe(first.leaseId);
    expect(again.expiresAt).toBe(T0 + 60_000 + policy.leaseMs);
    expect(s.get(c.id)?.leaseExpiresAt).toBe(again.expiresAt);
    const lapsed = T0 + 60_000 + policy.leaseMs + 1;
    const renewed = s.claim(c.id, 'alice', lapsed);
    expect(renewed.leaseId).not.toBe(first.leaseId);
    expect(() => s.decide(c.id, first.leaseId, 'legit', null, 'alice', 'lbl', lapsed + 1)).toThrow(/not the current one/);
    expect(s.decide(c.id, renewed.leaseId, 'legit', null, 'alice', 'lbl_2', lapsed + 2)).toMatchObject({ status: 'decided', decidedBy: 'alice' });
  });

  it('accounts for SLAs: breached when open past the deadline, or decided after it', () => {
    const s = store();
    const fast = open(s, 1, 0.9, 1_000); // 1h
    const slow = open(s, 2, 0.1, 100); // 4h
    const late = open(s, 3, 0.9, 1_000); // 1h
    s.decide(late.id, s.claim(late.id, 'alice', T0 + 61 * 60_000).leaseId, 'fraud', null, 'alice', 'lbl', T0 + 62 * 60_000);
    const now = T0 + 2 * HOUR;
    expect(isSlaBreached(s.get(fast.id)!, now)).toBe(true);
    expect(isSlaBreached(s.get(slow.id)!, now)).toBe(false);
    expect(isSlaBreached(s.get(late.id)!, now)).toBe(true);
    expect(s.stats(now, T0 - HOUR)).toEqual({ open: 2, claimed: 0, escalated: 0, decidedToday: 1, slaBreached: 2, openedToday: 3 });
  });

  it("hands back every case a revoked key's holder had claimed, and nothing else", () => {
    const s = store();
    const [a, b, c, d] = [1, 2, 3, 4].map((seq) => open(s, seq, 0.6, 300));
    s.claim(a!.id, 'mallory (key_1)', T0);
    const second = s.claim(b!.id, 'mallory (key_1)', T0);
    s.claim(c!.id, 'alice (key_2)', T0);
    s.decide(b!.id, second.leaseId, 'fraud', null, 'mallory (key_1)', 'lbl_b', T0 + 1);
    s.claim(d!.id, 'mallory (key_1)', T0 - 20 * 60_000); // lapsed already
    expect(s.releaseHeldBy('mallory (key_1)', 'cli:root', T0 + 2)).toEqual([a!.id]);
    expect(s.get(a!.id)).toMatchObject({ claimedBy: null, status: 'open' });
    expect(s.get(c!.id)!.claimedBy).toBe('alice (key_2)');
    expect(s.get(b!.id)!.status).toBe('decided');
    expect(s.history(a!.id).at(-1)).toMatchObject({ actor: 'cli:root', action: 'released', note: expect.stringMatching(/mallory \(key_1\), whose key was revoked/) });
  });

  it('escalates to senior reviewers', () => {
    const s = store();
    const c = open(s, 1, 0.6, 300);
    const { leaseId } = s.claim(c.id, 'alice', T0);
    expect(s.escalate(c.id, leaseId, 'looks like a ring', 'alice', T0 + 1)).toMatchObject({ status: 'escalated', note: 'looks like a ring', claimedBy: null });
    expect(s.list({ status: 'escalated' }, T0 + 2).total).toBe(1);
    const senior = s.claim(c.id, 'senior', T0 + 3);
    // Claimed, it is listed and counted once, as claimed (the list's buckets are the stats' buckets).
    expect([s.list({ status: 'escalated' }, T0 + 3).total, s.list({ status: 'claimed' }, T0 + 3).total]).toEqual([0, 1]);
    expect(s.stats(T0 + 3, T0)).toMatchObject({ escalated: 0, claimed: 1 });
    expect(s.decide(c.id, senior.leaseId, 'fraud', 'confirmed', 'senior', 'lbl', T0 + 4).status).toBe('decided');
  });
});
