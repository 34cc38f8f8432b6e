// Before a server answers its first decision, it runs the stages of the decision path that only read —
// the feature vector, every serving model, the rules — on recent scored events, a few thousand times.
// A fresh process runs that code unoptimised: measured on the decision benchmark's world, its first
// decisions took 20–50 ms a stage where a warm one takes microseconds, past the model stage's 20 ms
// budget, so the first decisions after every start came out degraded. Nothing here writes: the online
// state, the breakers and the metrics are untouched.
import { setImmediate } from 'node:timers/promises';
import type { RiskEvent } from '../events/schema.js';
import type { Scorer } from '../models/index.js';
import { listsTimeFor, TOP_FEATURE_REASONS, type RulesPort } from './decide.js';

/** What a warm-up runs: the read-only halves of the decision path's stages. */
export interface WarmUpStages {
  /** The vector the event would be served now, without applying it. */
  peek(event: RiskEvent): Float64Array;
  /** Every model serving now; `explains` for those whose decisions carry reasons (all but shadows). */
  models: ReadonlyArray<{ scorer: Pick<Scorer, 'score' | 'scoreWithReasons'>; explains: boolean }>;
  rules: RulesPort;
}

export interface WarmUpLimits {
  /** Stop after this many rounds (one round: every stage on one sample). Default 3,000. */
  rounds?: number;
  /** Or after this much time, ms. Default 2,000. */
  ms?: number;
  /** Give the event loop back after this much work, ms (a port holder answers meanwhile). Default 20. */
  sliceMs?: number;
}

export interface WarmUpReport {
  rounds: number;
  ms: number;
}

/** Runs until `rounds` or `ms` is reached; the samples are used in turn. */
export async function warmUpDecisionPath(samples: readonly RiskEvent[], stages: WarmUpStages, limits: WarmUpLimits = {}): Promise<WarmUpReport> {
  const maxRounds = limits.rounds ?? 3_000;
  const maxMs = limits.ms ?? 2_000;
  const sliceMs = limits.sliceMs ?? 20;
  const started = performance.now();
  let rounds = 0;
  if (samples.length === 0) return { rounds, ms: 0 };
  let sliceStart = started;
  while (rounds < maxRounds && performance.now() - started < maxMs) {
    const event = samples[rounds % samples.length]!;
    const vector = stages.peek(event);
    let score: number | null = null;
    for (const { scorer, explains } of stages.models) {
      const scored = explains ? scorer.scoreWithReasons(vector, TOP_FEATURE_REASONS) : scorer.score(vector);
      const { probability } = scored instanceof Promise ? await scored : scored;
      score ??= probability;
    }
    stages.rules.evaluate(event, vector, score, listsTimeFor(event.ts, event.ts));
    rounds++;
    if (performance.now() - sliceStart >= sliceMs) {
      await setImmediate();
      sliceStart = performance.now();
    }
  }
  return { rounds, ms: performance.now() - started };
}
