// Per-entity state of one windowed feature, and the two pure operations on it: add an event, read as of
// a time. Memory per entity is bounded by keeping time in buckets.
//
// Time semantics (the online store and the offline replay share this code, so they agree exactly):
// - A window W is cut into BUCKETS_PER_WINDOW = 60 buckets of g = W/60 (1m → 1s, 1h → 1min,
//   24h → 24min, 7d → 2h48min, 30d → 12h); velocity features use 1-minute buckets.
//   Bucket of a time t: b(t) = floor(t / g).
// - A state keeps only the buckets newer than its newest bucket minus N (N = buckets per window).
// - A read as of time t covers the buckets j with max(b(t), newest) − N < j ≤ b(t): the N buckets that
//   end with t's bucket — between W − g and W of history, including events in t's own bucket — cut at the
//   retention edge for reads timestamped before events already seen. So a window may reach back up to
//   one bucket less than W; that is the error the bounded memory allows.
// - TTL: a state whose newest event time lastTs is more than ttl before the global watermark (the
//   greatest event time applied so far) is dead: it is reset by its next event, evicted by sweeps, and
//   reads as missing. A read as of t is also missing when t − lastTs > ttl. Exactly ttl old is alive.
import { BUCKETS_PER_WINDOW, MINUTE, parseDuration, type Aggregation, type WindowedFeature } from './definition.js';

/** Values a distinct-count state remembers; beyond it the value seen longest ago is forgotten. */
export const DISTINCT_CAP = 512;

export interface WindowState {
  /** Greatest event time applied (TTL, since_last). */
  lastTs: number;
  /** Smallest event time applied (since_first). */
  firstTs: number;
  /** Greatest bucket index applied. */
  newest: number;
  /** Bucket indices, ascending. */
  b: number[];
  /** Per bucket: count (count, mean, velocity) or min/max or last value, by aggregation. */
  v: number[];
  /** Per bucket: sum (sum, mean) or the time of the last value (last). */
  w: number[];
  /** Per bucket: log sequence number of the last value (last). */
  q: number[];
  /** distinct: value → newest bucket it was seen in. */
  d?: Map<string, number>;
  /** velocity: earliest bucket (minute) at which the count reached k, or -1. */
  trig: number;
}

export interface WindowSpec {
  agg: Aggregation;
  /** Bucket width in ms (0 when unwindowed). */
  g: number;
  /** Buckets per window (0 when unwindowed). */
  n: number;
  ttl: number;
  k: number;
}

export function windowSpec(def: WindowedFeature): WindowSpec {
  const ttl = parseDuration(def.ttl)!;
  if (def.window === undefined) return { agg: def.agg, g: 0, n: 0, ttl, k: 0 };
  const window = parseDuration(def.window)!;
  if (def.agg === 'velocity') return { agg: def.agg, g: MINUTE, n: window / MINUTE, ttl, k: def.k! };
  return { agg: def.agg, g: window / BUCKETS_PER_WINDOW, n: BUCKETS_PER_WINDOW, ttl, k: 0 };
}

export function newState(): WindowState {
  return { lastTs: -Infinity, firstTs: Infinity, newest: -Infinity, b: [], v: [], w: [], q: [], trig: -1 };
}

export function isDead(state: WindowState, spec: WindowSpec, watermark: number): boolean {
  return watermark - state.lastTs > spec.ttl;
}

/** Apply one event (time ts, log position seq, extracted value) to a live state. */
export function addEvent(state: WindowState, spec: WindowSpec, ts: number, seq: number, value: number | string): void {
  if (ts > state.lastTs) state.lastTs = ts;
  if (ts < state.firstTs) state.firstTs = ts;
  if (spec.g === 0) {
    if (spec.agg === 'last') addUnwindowedLast(state, ts, seq, value as number);
    return;
  }
  const j = Math.floor(ts / spec.g);
  if (j > state.newest) {
    state.newest = j;
    dropBucketsUpTo(state, j - spec.n);
  } else if (j <= state.newest - spec.n) {
    return; // older than anything a read can still see
  }
  if (spec.agg === 'distinct') {
    addDistinct(state, j, String(value));
    return;
  }
  const i = findOrInsertBucket(state, j, spec.agg);
  switch (spec.agg) {
    case 'count':
      state.v[i]! += 1;
      break;
    case 'sum':
    case 'mean':
      state.v[i]! += 1;
      state.w[i]! += value as number;
      break;
    case 'min':
      if ((value as number) < state.v[i]!) state.v[i] = value as number;
      break;
    case 'max':
      if ((value as number) > state.v[i]!) state.v[i] = value as number;
      break;
    case 'last':
      if (ts > state.w[i]! || (ts === state.w[i]! && seq > state.q[i]!)) {
        state.v[i] = value as number;
        state.w[i] = ts;
        state.q[i] = seq;
      }
      break;
    case 'velocity':
      state.v[i]! += 1;
      if (state.trig === -1 || j < state.trig) noteVelocityTrigger(state, spec, j);
      break;
    default:
      break;
  }
}

/**
 * Read as of time t. Returns NaN for "missing" (no state, dead, idle past ttl, or an undefined value
 * such as the mean of an empty window).
 */
export function readState(state: WindowState | undefined, spec: WindowSpec, t: number, watermark: number): number {
  if (state === undefined || isDead(state, spec, watermark) || t - state.lastTs > spec.ttl) return NaN;
  switch (spec.agg) {
    case 'since_last':
      return Math.max(0, t - state.lastTs) / 1000;
    case 'since_first':
      return Math.max(0, t - state.firstTs) / 1000;
    default:
      break;
  }
  if (spec.g === 0) return spec.agg === 'last' ? (state.v[0] ?? NaN) : NaN;
  const upper = Math.floor(t / spec.g);
  const lower = Math.max(upper, state.newest) - spec.n;
  if (spec.agg === 'distinct') {
    let n = 0;
    for (const j of state.d!.values()) if (j > lower && j <= upper) n++;
    return n;
  }
  const { b, v, w } = state;
  let count = 0;
  let sum = 0;
  let acc = spec.agg === 'min' ? Infinity : spec.agg === 'max' ? -Infinity : 0;
  let lastIndex = -1;
  for (let i = b.length - 1; i >= 0; i--) {
    const j = b[i]!;
    if (j > upper) continue;
    if (j <= lower) break;
    switch (spec.agg) {
      case 'count':
      case 'velocity':
        count += v[i]!;
        break;
      case 'sum':
      case 'mean':
        count += v[i]!;
        sum += w[i]!;
        break;
      case 'min':
        if (v[i]! < acc) acc = v[i]!;
        break;
      case 'max':
        if (v[i]! > acc) acc = v[i]!;
        break;
      case 'last':
        if (lastIndex === -1) lastIndex = i;
        break;
      default:
        break;
    }
  }
  switch (spec.agg) {
    case 'count':
      return count;
    case 'velocity':
      return count >= spec.k ? 1 : 0;
    case 'sum':
      return sum;
    case 'mean':
      return count === 0 ? NaN : sum / count;
    case 'min':
    case 'max':
      return Number.isFinite(acc) ? acc : NaN;
    case 'last':
      return lastIndex === -1 ? NaN : v[lastIndex]!;
    default:
      return NaN;
  }
}

/** Earliest minute (epoch minute) at which a velocity feature triggered, or NaN. */
export function velocityFirstMinute(state: WindowState | undefined): number {
  return state === undefined || state.trig === -1 ? NaN : state.trig;
}

function addUnwindowedLast(state: WindowState, ts: number, seq: number, value: number): void {
  if (state.w.length === 0 || ts > state.w[0]! || (ts === state.w[0]! && seq > state.q[0]!)) {
    state.v[0] = value;
    state.w[0] = ts;
    state.q[0] = seq;
  }
}

function findOrInsertBucket(state: WindowState, j: number, agg: Aggregation): number {
  const { b } = state;
  let i = b.length - 1;
  while (i >= 0 && b[i]! > j) i--;
  if (i >= 0 && b[i] === j) return i;
  const at = i + 1;
  const init = agg === 'min' ? Infinity : agg === 'max' ? -Infinity : 0;
  if (at === b.length) {
    b.push(j);
    state.v.push(init);
    state.w.push(agg === 'last' ? -Infinity : 0);
    state.q.push(0);
  } else {
    b.splice(at, 0, j);
    state.v.splice(at, 0, init);
    state.w.splice(at, 0, agg === 'last' ? -Infinity : 0);
    state.q.splice(at, 0, 0);
  }
  return at;
}

function dropBucketsUpTo(state: WindowState, edge: number): void {
  const { b } = state;
  let drop = 0;
  while (drop < b.length && b[drop]! <= edge) drop++;
  if (drop > 0) {
    b.splice(0, drop);
    state.v.splice(0, drop);
    state.w.splice(0, drop);
    state.q.splice(0, drop);
  }
  if (state.d) {
    for (const [value, j] of state.d) if (j <= edge) state.d.delete(value);
  }
}

function addDistinct(state: WindowState, j: number, value: string): void {
  const d = (state.d ??= new Map());
  const seen = d.get(value);
  if (seen !== undefined) {
    if (j > seen) d.set(value, j);
    return;
  }
  d.set(value, j);
  if (d.size > DISTINCT_CAP) evictOldestDistinct(d);
}

function evictOldestDistinct(d: Map<string, number>): void {
  let oldestValue: string | undefined;
  let oldest = Infinity;
  for (const [value, j] of d) {
    if (j < oldest) {
      oldest = j;
      oldestValue = value;
    }
  }
  d.delete(oldestValue!);
}

/**
 * After adding an event in minute j, the count can first reach k in a window ending at some minute
 * m ∈ [j, j + n − 1]; find the smallest such m among the retained buckets.
 */
function noteVelocityTrigger(state: WindowState, spec: WindowSpec, j: number): void {
  const { b, v } = state;
  for (let m = j; m < j + spec.n; m++) {
    if (state.trig !== -1 && m >= state.trig) return;
    let count = 0;
    for (let i = b.length - 1; i >= 0; i--) {
      const bj = b[i]!;
      if (bj > m) continue;
      if (bj <= m - spec.n) break;
      count += v[i]!;
    }
    if (count >= spec.k) {
      state.trig = m;
      return;
    }
    // Later minutes only lose events at the old edge unless a bucket starts there: skip to the next bucket.
    const next = b.find((bj) => bj > m);
    if (next === undefined || next >= j + spec.n) return;
    m = next - 1;
  }
}
