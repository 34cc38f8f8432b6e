// Which model decides a request: the active model, or — for a stable share of users — the canary.
// Shadow models are scored on every request and logged, never acted on.
import type { RegisteredModel, Scorer } from '../models/index.js';

export interface ServingModel {
  registered: RegisteredModel;
  scorer: Scorer;
}

export interface Lineup {
  active?: ServingModel;
  canary?: ServingModel;
  shadows: ServingModel[];
  /** Used when the deciding model fails or is unavailable. */
  fallback?: ServingModel;
}

/**
 * A user's place in [0, 1): 32-bit FNV-1a over the id's UTF-16 code units, then mixed (a shift-xor,
 * a multiply by 0x85ebca6b, a shift-xor: FNV's low bits alone are poorly spread), so the same user
 * always meets the same model, in every process and after every restart.
 */
export function canaryBucket(userId: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < userId.length; i++) {
    h ^= userId.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return (h >>> 0) / 2 ** 32;
}

export function decidingModel(lineup: Lineup, userId: string | undefined): { model: ServingModel; mode: 'active' | 'canary' } | undefined {
  const share = lineup.canary?.registered.canaryShare ?? 0;
  if (lineup.canary && userId !== undefined && canaryBucket(userId) < share) return { model: lineup.canary, mode: 'canary' };
  if (lineup.active) return { model: lineup.active, mode: 'active' };
  return undefined;
}
