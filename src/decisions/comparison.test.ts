import { describe, expect, it } from 'vitest';
import { compareShadow } from './comparison.js';
import type { Decision } from './decision.js';

const POLICY = { block: 0.8, review: 0.5 };

function decision(score: number | null, shadowScore: number | null, ts: number): Decision {
  const shadowAction = shadowScore === null ? null : shadowScore >= 0.9 ? 'block' : shadowScore >= 0.3 ? 'review' : 'allow';
  return {
    score,
    policy: score === null ? null : POLICY,
    model: score === null ? null : { id: 'm_active', version: 1, mode: 'active' },
    shadow: [{ id: 'm_trial', version: 2, score: shadowScore, action: shadowAction }],
    ts,
    decided_at: 1_000 + ts,
  } as Decision;
}

describe('shadow comparison', () => {
  it('counts actions side by side on the decisions both models scored', () => {
    const decisions = [
      decision(0.1, 0.1, 1), // allow / allow
      decision(0.6, 0.4, 2), // review / review
      decision(0.9, 0.95, 3), // block / block
      decision(0.2, 0.35, 4), // allow / review
      decision(0.85, 0.5, 5), // block / review
      decision(null, 0.99, 6), // no deciding model (kill switch): not comparable
      decision(0.5, null, 7), // the shadow failed: not comparable
    ];
    const c = compareShadow(decisions, 'm_trial');
    expect(c.decisions).toBe(5);
    // When they were decided, not the events' own times (a client may send an old event).
    expect([c.from, c.to]).toEqual([1_001, 1_005]);
    expect(c.agreement).toBeCloseTo(3 / 5, 12);
    expect(c.matrix).toEqual({ allow: { allow: 1, review: 1, block: 0 }, review: { allow: 0, review: 1, block: 0 }, block: { allow: 0, review: 1, block: 1 } });
    expect(c.mean_score.deciding).toBeCloseTo((0.1 + 0.6 + 0.9 + 0.2 + 0.85) / 5, 12);
    // Deciding flags 3 (review + 2 blocks), the shadow flags 4.
    expect(c.flagged_ratio).toBeCloseTo(4 / 3, 12);
    expect(c.score_correlation).toBeGreaterThan(0.8);
    expect(c.score_correlation).toBeLessThanOrEqual(1);
  });

  it('says so when nothing is comparable', () => {
    const c = compareShadow([decision(0.5, 0.5, 1)], 'm_other');
    expect(c).toMatchObject({ decisions: 0, agreement: null, from: null, score_correlation: null, flagged_ratio: null });
  });
});
