import { describe, expect, it } from 'vitest';
import { parseEvent } from '../events/index.js';
import { EXAMPLE_EVENTS } from '../events/examples.js';
import type { RiskEvent } from '../events/schema.js';
import type { RuleOutcome, RulesPort } from './decide.js';
import { warmUpDecisionPath, type WarmUpStages } from './warmup.js';

const booking = (id: string): RiskEvent => {
  const parsed = parseEvent({ ...EXAMPLE_EVENTS.booking_attempted, id });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.event;
};

/** Stages that record what they were called with. */
function recordingStages(options: { asyncModel?: boolean; peekMs?: number } = {}) {
  const calls = { peek: [] as string[], explained: 0, scored: 0, rules: [] as Array<{ id: string; score: number | null; vector: Float64Array }> };
  const vectors = new Map<string, Float64Array>();
  const busy = (ms: number) => {
    const until = performance.now() + ms;
    while (performance.now() < until);
  };
  const score = (vector: Float64Array) => ({ probability: vector[0]!, margin: 0 });
  const rules: RulesPort = {
    version: 'r1',
    evaluated: [],
    listsVersion: 0,
    evaluate(event, vector, s): RuleOutcome {
      calls.rules.push({ id: event.id, score: s, vector: vector! });
      return { action: null, hits: [], shadowHits: [], errors: [] };
    },
  };
  const stages: WarmUpStages = {
    peek(event) {
      if (options.peekMs) busy(options.peekMs);
      calls.peek.push(event.id);
      let vector = vectors.get(event.id);
      if (!vector) vectors.set(event.id, (vector = Float64Array.of(vectors.size / 10)));
      return vector;
    },
    models: [
      {
        explains: true,
        scorer: {
          score: () => {
            throw new Error('a model that explains is asked for its reasons');
          },
          scoreWithReasons: (vector) => {
            calls.explained++;
            const scored = { ...score(vector), reasons: [] };
            return options.asyncModel ? Promise.resolve(scored) : scored;
          },
        },
      },
      {
        explains: false,
        scorer: {
          score: () => {
            calls.scored++;
            return { probability: 0.99, margin: 0 };
          },
          scoreWithReasons: () => {
            throw new Error('a shadow is not asked for reasons');
          },
        },
      },
    ],
    rules,
  };
  return { stages, calls, vectors };
}

describe('warming up the decision path', () => {
  it('runs every stage on each sample in turn, the rules seeing the vector and the first model’s score', async () => {
    const samples = [booking('a'), booking('b'), booking('c')];
    const { stages, calls, vectors } = recordingStages();
    const report = await warmUpDecisionPath(samples, stages, { rounds: 7, ms: 60_000 });
    expect(report.rounds).toBe(7);
    expect(calls.peek).toEqual(['a', 'b', 'c', 'a', 'b', 'c', 'a']);
    expect([calls.explained, calls.scored]).toEqual([7, 7]);
    expect(calls.rules.map((r) => r.id)).toEqual(calls.peek);
    for (const r of calls.rules) {
      expect(r.vector).toBe(vectors.get(r.id));
      expect(r.score).toBe(vectors.get(r.id)![0]);
    }
  });

  it('waits for models that answer asynchronously', async () => {
    const { stages, calls } = recordingStages({ asyncModel: true });
    await warmUpDecisionPath([booking('a'), booking('b')], stages, { rounds: 4 });
    expect(calls.rules.map((r) => r.score)).toEqual([0, 0.1, 0, 0.1]);
  });

  it('stops at its time limit, handing the event loop back meanwhile', async () => {
    const { stages } = recordingStages({ peekMs: 2 });
    let turns = 0;
    const ticking = setInterval(() => turns++, 0);
    const report = await warmUpDecisionPath([booking('a')], stages, { rounds: 1_000_000, ms: 120, sliceMs: 10 });
    clearInterval(ticking);
    expect(report.rounds).toBeLessThan(1_000_000);
    expect(report.ms).toBeGreaterThanOrEqual(120);
    expect(turns).toBeGreaterThan(2);
  });

  it('does nothing without samples', async () => {
    const { stages, calls } = recordingStages();
    expect(await warmUpDecisionPath([], stages)).toEqual({ rounds: 0, ms: 0 });
    expect(calls.peek).toEqual([]);
  });
});
