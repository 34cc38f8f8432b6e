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
//
// Layout: a state is one packed array of doubles — a header, then its non-empty buckets in ascending
// order — because millions of small states must be cheap to hold, to update and to snapshot. Distinct
// counts hold their values beside the header.
import { BUCKETS_PER_WINDOW, MINUTE, parseDuration, type Aggregation, type WindowedFeature } from './definition.js';

/** Values a distinct-count state remembers; beyond it the value seen longest ago is forgotten. */
export const DISTINCT_CAP = 512;

const LAST_TS = 0;
const FIRST_TS = 1;
const NEWEST = 2;
/** velocity: earliest bucket (epoch minute) at which the count reached k, or -1. */
const TRIGGER = 3;
const HEADER = 4;

/** Header and buckets: [lastTs, firstTs, newest, trigger, (bucket, ...values)*]. */
export type BucketState = number[];

/** A distinct count: the header, and each value with the newest bucket it was seen in. */
export interface DistinctState {
  h: number[];
  values: string[];
  buckets: number[];
  /** The smallest bucket held, so most bucket advances need not look at the values. */
  oldest: number;
  /** value → position, kept once there are too many values for a linear search to be cheap. */
  index?: Map<string, number>;
}

const DISTINCT_LINEAR_SEARCH = 16;

export type WindowState = BucketState | DistinctState;

export interface WindowSpec {
  agg: Aggregation;
  /** Bucket width in ms (0 when unwindowed). */
  g: number;
  /** Buckets per window (0 when unwindowed). */
  n: number;
  ttl: number;
  k: number;
  /** Numbers per bucket: the bucket index and the aggregation's values. */
  stride: number;
}

const STRIDE: Record<Aggregation, number> = {
  count: 2, // bucket, count
  velocity: 2, // bucket, count
  sum: 3, // bucket, count, sum
  mean: 3, // bucket, count, sum
  min: 2, // bucket, min
  max: 2, // bucket, max
  last: 4, // bucket, value, ts, seq
  distinct: 0,
  since_last: 0,
  since_first: 0,
};

export function windowSpec(def: WindowedFeature): WindowSpec {
  const ttl = parseDuration(def.ttl)!;
  const stride = STRIDE[def.agg];
  if (def.window === undefined) return { agg: def.agg, g: 0, n: 0, ttl, k: 0, stride: def.agg === 'last' ? 3 : 0 };
  const window = parseDuration(def.window)!;
  if (def.agg === 'velocity') return { agg: def.agg, g: MINUTE, n: window / MINUTE, ttl, k: def.k!, stride };
  return { agg: def.agg, g: window / BUCKETS_PER_WINDOW, n: BUCKETS_PER_WINDOW, ttl, k: 0, stride };
}

export function newState(spec: WindowSpec): WindowState {
  const header = [-Infinity, Infinity, -Infinity, -1];
  return spec.agg === 'distinct' ? { h: header, values: [], buckets: [], oldest: Infinity } : header;
}

function headerOf(state: WindowState): number[] {
  return Array.isArray(state) ? state : state.h;
}

export function isDead(state: WindowState, spec: WindowSpec, watermark: number): boolean {
  return watermark - headerOf(state)[LAST_TS]! > spec.ttl;
}

/** Apply one event (time ts, log position seq, extracted value) to a live state. */
export function addEvent(state: WindowState, spec: WindowSpec, ts: number, seq: number, value: number | string): void {
  const h = headerOf(state);
  if (ts > h[LAST_TS]!) h[LAST_TS] = ts;
  if (ts < h[FIRST_TS]!) h[FIRST_TS] = ts;
  if (spec.g === 0) {
    if (spec.agg === 'last') addUnwindowedLast(state as BucketState, ts, seq, value as number);
    return;
  }
  const j = Math.floor(ts / spec.g);
  if (j > h[NEWEST]!) {
    h[NEWEST] = j;
    if (Array.isArray(state)) dropBucketsUpTo(state, spec.stride, j - spec.n);
    else dropDistinctUpTo(state, j - spec.n);
  } else if (j <= h[NEWEST]! - spec.n) {
    return; // older than anything a read can still see
  }
  if (!Array.isArray(state)) {
    addDistinct(state, j, value as string);
    return;
  }
  const i = bucketSlot(state, spec, j);
  switch (spec.agg) {
    case 'count':
      state[i + 1]! += 1;
      break;
    case 'sum':
    case 'mean':
      state[i + 1]! += 1;
      state[i + 2]! += value as number;
      break;
    case 'min':
      if ((value as number) < state[i + 1]!) state[i + 1] = value as number;
      break;
    case 'max':
      if ((value as number) > state[i + 1]!) state[i + 1] = value as number;
      break;
    case 'last':
      if (ts > state[i + 2]! || (ts === state[i + 2]! && seq > state[i + 3]!)) {
        state[i + 1] = value as number;
        state[i + 2] = ts;
        state[i + 3] = seq;
      }
      break;
    case 'velocity':
      state[i + 1]! += 1;
      if (state[TRIGGER] === -1 || j < state[TRIGGER]!) noteVelocityTrigger(state, spec, j);
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
  if (state === undefined) return NaN;
  const h = headerOf(state);
  const lastTs = h[LAST_TS]!;
  if (watermark - lastTs > spec.ttl || t - lastTs > spec.ttl) return NaN;
  switch (spec.agg) {
    case 'since_last':
      return Math.max(0, t - lastTs) / 1000;
    case 'since_first':
      return Math.max(0, t - h[FIRST_TS]!) / 1000;
    default:
      break;
  }
  if (spec.g === 0) return spec.agg === 'last' ? ((state as BucketState)[HEADER] ?? NaN) : NaN;
  const upper = Math.floor(t / spec.g);
  const lower = Math.max(upper, h[NEWEST]!) - spec.n;
  if (!Array.isArray(state)) {
    let n = 0;
    for (const j of state.buckets) if (j > lower && j <= upper) n++;
    return n;
  }
  const stride = spec.stride;
  let count = 0;
  let sum = 0;
  let acc = spec.agg === 'min' ? Infinity : spec.agg === 'max' ? -Infinity : 0;
  let lastSlot = -1;
  for (let i = state.length - stride; i >= HEADER; i -= stride) {
    const j = state[i]!;
    if (j > upper) continue;
    if (j <= lower) break;
    switch (spec.agg) {
      case 'count':
      case 'velocity':
        count += state[i + 1]!;
        break;
      case 'sum':
      case 'mean':
        count += state[i + 1]!;
        sum += state[i + 2]!;
        break;
      case 'min':
        if (state[i + 1]! < acc) acc = state[i + 1]!;
        break;
      case 'max':
        if (state[i + 1]! > acc) acc = state[i + 1]!;
        break;
      case 'last':
        if (lastSlot === -1) lastSlot = i;
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
      return lastSlot === -1 ? NaN : state[lastSlot + 1]!;
    default:
      return NaN;
  }
}

/** Earliest minute (epoch minute) at which a velocity feature triggered, or NaN. */
export function velocityFirstMinute(state: WindowState | undefined): number {
  if (state === undefined) return NaN;
  const trigger = headerOf(state)[TRIGGER]!;
  return trigger === -1 ? NaN : trigger;
}

function addUnwindowedLast(state: BucketState, ts: number, seq: number, value: number): void {
  if (state.length === HEADER) {
    state.push(value, ts, seq);
  } else if (ts > state[HEADER + 1]! || (ts === state[HEADER + 1]! && seq > state[HEADER + 2]!)) {
    state[HEADER] = value;
    state[HEADER + 1] = ts;
    state[HEADER + 2] = seq;
  }
}

/** Slot of bucket j, inserted (in ascending order) when absent. */
function bucketSlot(state: BucketState, spec: WindowSpec, j: number): number {
  const stride = spec.stride;
  let i = state.length - stride;
  while (i >= HEADER && state[i]! > j) i -= stride;
  if (i >= HEADER && state[i] === j) return i;
  const at = i + stride;
  const initial = spec.agg === 'min' ? Infinity : spec.agg === 'max' ? -Infinity : 0;
  if (at === state.length) {
    if (stride === 2) state.push(j, initial);
    else if (stride === 3) state.push(j, 0, 0);
    else state.push(j, initial, -Infinity, 0);
  } else if (stride === 2) {
    state.splice(at, 0, j, initial);
  } else if (stride === 3) {
    state.splice(at, 0, j, 0, 0);
  } else {
    state.splice(at, 0, j, initial, -Infinity, 0);
  }
  return at;
}

function dropBucketsUpTo(state: BucketState, stride: number, edge: number): void {
  let end = HEADER;
  while (end < state.length && state[end]! <= edge) end += stride;
  if (end > HEADER) state.splice(HEADER, end - HEADER);
}

function dropDistinctUpTo(state: DistinctState, edge: number): void {
  if (state.oldest > edge) return;
  const { values, buckets } = state;
  let kept = 0;
  let oldest = Infinity;
  for (let i = 0; i < values.length; i++) {
    const j = buckets[i]!;
    if (j > edge) {
      values[kept] = values[i]!;
      buckets[kept] = j;
      if (j < oldest) oldest = j;
      kept++;
    }
  }
  values.length = kept;
  buckets.length = kept;
  state.oldest = oldest;
  state.index = undefined;
  if (kept > DISTINCT_LINEAR_SEARCH) buildIndex(state);
}

function buildIndex(state: DistinctState): void {
  state.index = new Map(state.values.map((v, i) => [v, i]));
}

function addDistinct(state: DistinctState, j: number, value: string): void {
  const { values, buckets } = state;
  const i = state.index ? (state.index.get(value) ?? -1) : values.indexOf(value);
  if (i !== -1) {
    if (j > buckets[i]!) buckets[i] = j;
    return;
  }
  if (j < state.oldest) state.oldest = j;
  if (values.length >= DISTINCT_CAP) {
    // Forget the value seen longest ago.
    let oldest = 0;
    for (let k = 1; k < buckets.length; k++) if (buckets[k]! < buckets[oldest]!) oldest = k;
    state.index?.delete(values[oldest]!);
    values[oldest] = value;
    buckets[oldest] = j;
    state.index?.set(value, oldest);
    state.oldest = Math.min(...buckets);
    return;
  }
  values.push(value);
  buckets.push(j);
  if (state.index) state.index.set(value, values.length - 1);
  else if (values.length > DISTINCT_LINEAR_SEARCH) buildIndex(state);
}

/**
 * After adding an event in minute j, the count can first reach k in a window ending at some minute
 * m ∈ [j, j + n − 1]; it only grows at minutes that hold events, so only j and the later buckets'
 * minutes need checking.
 */
function noteVelocityTrigger(state: BucketState, spec: WindowSpec, j: number): void {
  const candidates: number[] = [j];
  for (let i = HEADER; i < state.length; i += 2) {
    const bj = state[i]!;
    if (bj > j && bj < j + spec.n) candidates.push(bj);
  }
  for (const m of candidates) {
    if (state[TRIGGER] !== -1 && m >= state[TRIGGER]!) return;
    let count = 0;
    for (let i = HEADER; i < state.length; i += 2) {
      const bj = state[i]!;
      if (bj > m - spec.n && bj <= m) count += state[i + 1]!;
    }
    if (count >= spec.k) {
      state[TRIGGER] = m;
      return;
    }
  }
}
