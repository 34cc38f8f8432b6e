// Per-entity state of windowed features, and the two pure operations on it: add an event, read as of
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
// Layout: all of an entity's states for one entity key sit in one packed array of doubles, the entity
// record — slot offsets first, then each feature's state (a header and its non-empty buckets in
// ascending order) — because a read or an update is bound by memory latency: one record costs a few
// cache misses where one small array per feature cost two or three each. A distinct count keeps
// (hash of the value, newest bucket) pairs in the record and the values themselves beside it, for the
// console's linked entities; a hash hit is confirmed against the value, so colliding values stay apart.
import { hash53 } from '../lib/hash53.js';
import { BUCKETS_PER_WINDOW, MINUTE, parseDuration, type Aggregation, type WindowedFeature } from './definition.js';

/** Values a distinct-count state remembers; beyond it the value seen longest ago is forgotten. */
export const DISTINCT_CAP = 512;

const LAST_TS = 0;
const FIRST_TS = 1;
const NEWEST = 2;
/** velocity: earliest bucket (epoch minute) at which the count reached k, or -1. */
const TRIGGER = 3;
/** distinct: the smallest bucket held, so most bucket advances need not look at the values. */
const OLDEST = 3;
const HEADER = 4;

/**
 * The states of one entity for the features of its entity key: slots + 1 offsets (slot s spans
 * record[s] … record[s + 1]; an empty slot has no state), then the states. Distinct counts keep their
 * values in `s` (one list per distinct-count feature, in the order of its pairs), a property of the
 * array itself so that reading or updating numbers never loads another object.
 */
export type EntityRecord = number[] & { s?: string[][] };

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
  /** Distinct counts: which of the record's value lists is this feature's (-1 otherwise). */
  values: number;
}

const STRIDE: Record<Aggregation, number> = {
  count: 2, // bucket, count
  velocity: 2, // bucket, count
  sum: 3, // bucket, count, sum
  mean: 3, // bucket, count, sum
  min: 2, // bucket, min
  max: 2, // bucket, max
  last: 4, // bucket, value, ts, seq
  distinct: 2, // hash, bucket
  since_last: 0,
  since_first: 0,
};

/** `values`: for a distinct count, the index of its value list in the record. */
export function windowSpec(def: WindowedFeature, values = -1): WindowSpec {
  const ttl = parseDuration(def.ttl)!;
  const stride = STRIDE[def.agg];
  if (def.window === undefined) return { agg: def.agg, g: 0, n: 0, ttl, k: 0, stride: def.agg === 'last' ? 3 : 0, values };
  const window = parseDuration(def.window)!;
  if (def.agg === 'velocity') return { agg: def.agg, g: MINUTE, n: window / MINUTE, ttl, k: def.k!, stride, values };
  return { agg: def.agg, g: window / BUCKETS_PER_WINDOW, n: BUCKETS_PER_WINDOW, ttl, k: 0, stride, values };
}

export function newRecord(slots: number, valueLists: number): EntityRecord {
  // Born holding doubles, so every record keeps one elements kind (no transition on the first -Infinity).
  const record: EntityRecord = [0.5];
  record[0] = slots + 1;
  for (let i = 1; i <= slots; i++) record.push(slots + 1);
  if (valueLists > 0) {
    record.s = [];
    for (let i = 0; i < valueLists; i++) record.s.push([]);
  }
  return record;
}

export function hasState(record: EntityRecord, slot: number): boolean {
  return record[slot] !== record[slot + 1];
}

/** Whether the slot holds a state that is dead: idle past its TTL as of the watermark. */
export function isDead(record: EntityRecord, slot: number, spec: WindowSpec, watermark: number): boolean {
  const n = record;
  const b = n[slot]!;
  return b !== n[slot + 1] && watermark - n[b + LAST_TS]! > spec.ttl;
}

/** Give the slot a fresh, empty state (dropping a dead one). */
export function resetState(record: EntityRecord, slot: number, spec: WindowSpec): void {
  const n = record;
  const b = n[slot]!;
  const length = n[slot + 1]! - b;
  resize(n, slot, b, length, HEADER);
  n[b + LAST_TS] = -Infinity;
  n[b + FIRST_TS] = Infinity;
  n[b + NEWEST] = -Infinity;
  n[b + TRIGGER] = spec.agg === 'distinct' ? Infinity : -1;
  if (spec.values >= 0) truncate(record.s![spec.values]!, 0);
}

/** Drop the slot's state: it then reads as missing. */
export function clearState(record: EntityRecord, slot: number, spec: WindowSpec): void {
  const n = record;
  const b = n[slot]!;
  const length = n[slot + 1]! - b;
  resize(n, slot, b, length, 0);
  if (spec.values >= 0) truncate(record.s![spec.values]!, 0);
}

/** Shorten a value list with pop(), compiled inline: setting the length is a call into the runtime (2–3 % of a backfill). */
function truncate(values: string[], length: number): void {
  while (values.length > length) values.pop();
}

/** Apply one event (time ts, log position seq, extracted value) to the slot's live state. */
export function addEvent(record: EntityRecord, slot: number, spec: WindowSpec, ts: number, seq: number, value: number | string): void {
  const n = record;
  const b = n[slot]!;
  if (ts > n[b + LAST_TS]!) n[b + LAST_TS] = ts;
  if (ts < n[b + FIRST_TS]!) n[b + FIRST_TS] = ts;
  if (spec.g === 0) {
    if (spec.agg === 'last') addUnwindowedLast(n, slot, b, ts, seq, value as number);
    return;
  }
  const j = Math.floor(ts / spec.g);
  if (j > n[b + NEWEST]!) {
    n[b + NEWEST] = j;
    if (spec.agg === 'distinct') dropDistinctUpTo(record, slot, spec, j - spec.n);
    else dropBucketsUpTo(n, slot, spec.stride, j - spec.n);
  } else if (j <= n[b + NEWEST]! - spec.n) {
    return; // older than anything a read can still see
  }
  if (spec.agg === 'distinct') {
    addDistinct(record, slot, spec, j, value as string);
    return;
  }
  const i = bucketSlot(n, slot, spec, j);
  switch (spec.agg) {
    case 'count':
      n[i + 1]! += 1;
      break;
    case 'sum':
    case 'mean':
      n[i + 1]! += 1;
      n[i + 2]! += value as number;
      break;
    case 'min':
      if ((value as number) < n[i + 1]!) n[i + 1] = value as number;
      break;
    case 'max':
      if ((value as number) > n[i + 1]!) n[i + 1] = value as number;
      break;
    case 'last':
      if (ts > n[i + 2]! || (ts === n[i + 2]! && seq > n[i + 3]!)) {
        n[i + 1] = value as number;
        n[i + 2] = ts;
        n[i + 3] = seq;
      }
      break;
    case 'velocity':
      n[i + 1]! += 1;
      if (n[b + TRIGGER] === -1 || j < n[b + TRIGGER]!) noteVelocityTrigger(n, slot, spec, j);
      break;
    default:
      break;
  }
}

/**
 * Aggregations whose value over an empty window is 0 (counts, sums, distinct counts, velocity): for
 * an entity that is live in any of its features, such a feature with no live state of its own reads 0
 * — a user with payments and none failed has 0 failed payments, not a missing count.
 */
export function zeroWhenEntityKnown(agg: Aggregation): boolean {
  return agg === 'count' || agg === 'sum' || agg === 'distinct' || agg === 'velocity';
}

/** Whether the slot holds a state a read as of t sees (not idle past its TTL as of the watermark or of t). */
export function isLiveAt(record: EntityRecord, slot: number, spec: WindowSpec, t: number, watermark: number): boolean {
  const n = record;
  const b = n[slot]!;
  if (b === n[slot + 1]) return false;
  const lastTs = n[b + LAST_TS]!;
  return watermark - lastTs <= spec.ttl && t - lastTs <= spec.ttl;
}

/**
 * Read as of time t. Returns NaN for "missing" (no state, dead, idle past ttl, or an undefined value
 * such as the mean of an empty window).
 */
export function readState(record: EntityRecord | undefined, slot: number, spec: WindowSpec, t: number, watermark: number): number {
  if (record === undefined) return NaN;
  const n = record;
  const b = n[slot]!;
  const end = n[slot + 1]!;
  if (b === end) return NaN;
  const lastTs = n[b + LAST_TS]!;
  if (watermark - lastTs > spec.ttl || t - lastTs > spec.ttl) return NaN;
  switch (spec.agg) {
    case 'since_last':
      return Math.max(0, t - lastTs) / 1000;
    case 'since_first':
      return Math.max(0, t - n[b + FIRST_TS]!) / 1000;
    default:
      break;
  }
  if (spec.g === 0) return spec.agg === 'last' && end > b + HEADER ? n[b + HEADER]! : NaN;
  const upper = Math.floor(t / spec.g);
  const lower = Math.max(upper, n[b + NEWEST]!) - spec.n;
  if (spec.agg === 'distinct') {
    let count = 0;
    for (let i = b + HEADER + 1; i < end; i += 2) {
      const j = n[i]!;
      if (j > lower && j <= upper) count++;
    }
    return count;
  }
  const first = b + HEADER;
  const stride = spec.stride;
  switch (spec.agg) {
    case 'count':
      return sumInWindow(n, first, end, stride, 1, lower, upper);
    case 'velocity':
      return sumInWindow(n, first, end, stride, 1, lower, upper) >= spec.k ? 1 : 0;
    case 'sum':
      return sumInWindow(n, first, end, stride, 2, lower, upper);
    case 'mean': {
      const count = sumInWindow(n, first, end, stride, 1, lower, upper);
      return count === 0 ? NaN : sumInWindow(n, first, end, stride, 2, lower, upper) / count;
    }
    default:
      break;
  }
  let acc = spec.agg === 'min' ? Infinity : -Infinity;
  for (let i = end - stride; i >= first; i -= stride) {
    const j = n[i]!;
    if (j > upper) continue;
    if (j <= lower) break;
    if (spec.agg === 'last') return n[i + 1]!;
    const v = n[i + 1]!;
    if (spec.agg === 'min' ? v < acc : v > acc) acc = v;
  }
  return Number.isFinite(acc) ? acc : NaN;
}

/** Sum of one column of the buckets j with lower < j ≤ upper, newest first (a loop per aggregation, no switch per bucket). */
function sumInWindow(n: number[], first: number, end: number, stride: number, column: number, lower: number, upper: number): number {
  let total = 0;
  for (let i = end - stride; i >= first; i -= stride) {
    const j = n[i]!;
    if (j > upper) continue;
    if (j <= lower) break;
    total += n[i + column]!;
  }
  return total;
}

/** Earliest minute (epoch minute) at which a velocity feature triggered, or NaN. */
export function velocityFirstMinute(record: EntityRecord | undefined, slot: number): number {
  if (record === undefined || !hasState(record, slot)) return NaN;
  const trigger = record[record[slot]! + TRIGGER]!;
  return trigger === -1 ? NaN : trigger;
}

/** A distinct count's values, each with the newest bucket it was seen in. */
export function distinctEntries(record: EntityRecord, slot: number, spec: WindowSpec): Array<[value: string, bucket: number]> {
  const n = record;
  const b = n[slot]!;
  const values = record.s![spec.values]!;
  const out: Array<[string, number]> = [];
  for (let i = b + HEADER, k = 0; i < n[slot + 1]!; i += 2, k++) out.push([values[k]!, n[i + 1]!]);
  return out;
}

/**
 * Replace `remove` numbers at `at` (inside slot `slot`) by `insert` numbers (their values left to the
 * caller), moving what follows and the offsets of the later slots. Plain loops, not splice (splice
 * allocates an array for what it removes), and the array is never shortened — setting its length is a
 * call into the runtime — so it keeps its largest size, past the end offset, until the record is dropped.
 */
function resize(n: number[], slot: number, at: number, remove: number, insert: number): void {
  const delta = insert - remove;
  if (delta === 0) return;
  const slots = n[0]! - 1;
  const end = n[slots]!;
  if (delta > 0) {
    while (n.length < end + delta) n.push(0);
    for (let i = end - 1; i >= at + remove; i--) n[i + delta] = n[i]!;
  } else {
    for (let i = at + remove; i < end; i++) n[i + delta] = n[i]!;
  }
  for (let s = slot + 1; s <= slots; s++) n[s]! += delta;
}

function addUnwindowedLast(n: number[], slot: number, b: number, ts: number, seq: number, value: number): void {
  const i = b + HEADER;
  if (n[slot + 1] === i) {
    resize(n, slot, i, 0, 3);
    n[i] = value;
    n[i + 1] = ts;
    n[i + 2] = seq;
  } else if (ts > n[i + 1]! || (ts === n[i + 1]! && seq > n[i + 2]!)) {
    n[i] = value;
    n[i + 1] = ts;
    n[i + 2] = seq;
  }
}

/** Position of bucket j in the slot, inserted (in ascending order) when absent. */
function bucketSlot(n: number[], slot: number, spec: WindowSpec, j: number): number {
  const stride = spec.stride;
  const first = n[slot]! + HEADER;
  const end = n[slot + 1]!;
  let i = end - stride;
  while (i >= first && n[i]! > j) i -= stride;
  if (i >= first && n[i] === j) return i;
  const at = i + stride;
  resize(n, slot, at, 0, stride);
  n[at] = j;
  n[at + 1] = spec.agg === 'min' ? Infinity : spec.agg === 'max' ? -Infinity : 0;
  if (stride === 3) n[at + 2] = 0;
  if (stride === 4) {
    n[at + 2] = -Infinity;
    n[at + 3] = 0;
  }
  return at;
}

function dropBucketsUpTo(n: number[], slot: number, stride: number, edge: number): void {
  const first = n[slot]! + HEADER;
  const end = n[slot + 1]!;
  let cut = first;
  while (cut < end && n[cut]! <= edge) cut += stride;
  if (cut > first) resize(n, slot, first, cut - first, 0);
}

function dropDistinctUpTo(record: EntityRecord, slot: number, spec: WindowSpec, edge: number): void {
  const n = record;
  const b = n[slot]!;
  if (n[b + OLDEST]! > edge) return;
  const values = record.s![spec.values]!;
  const end = n[slot + 1]!;
  let kept = b + HEADER;
  let keptValues = 0;
  let oldest = Infinity;
  for (let i = b + HEADER, k = 0; i < end; i += 2, k++) {
    const j = n[i + 1]!;
    if (j > edge) {
      n[kept] = n[i]!;
      n[kept + 1] = j;
      values[keptValues++] = values[k]!;
      if (j < oldest) oldest = j;
      kept += 2;
    }
  }
  n[b + OLDEST] = oldest;
  if (kept < end) {
    truncate(values, keptValues);
    resize(n, slot, kept, end - kept, 0);
  }
}

// Several distinct counts of one event often count the same value (a device over 24 hours and over 30
// days): its hash is remembered from one to the next.
let lastValue: string | undefined;
let lastHash = 0;

function valueHash(value: string): number {
  if (value !== lastValue) {
    lastValue = value;
    lastHash = hash53(value);
  }
  return lastHash;
}

function addDistinct(record: EntityRecord, slot: number, spec: WindowSpec, j: number, value: string): void {
  const n = record;
  const b = n[slot]!;
  const end = n[slot + 1]!;
  const values = record.s![spec.values]!;
  const hash = valueHash(value);
  for (let i = b + HEADER, k = 0; i < end; i += 2, k++) {
    if (n[i] === hash && values[k] === value) {
      if (j > n[i + 1]!) n[i + 1] = j;
      return;
    }
  }
  if (values.length >= DISTINCT_CAP) {
    // Forget the value seen longest ago — which is the new one itself when a late event brings it from
    // before every value held.
    let oldest = b + HEADER;
    for (let i = oldest + 2; i < end; i += 2) if (n[i + 1]! < n[oldest + 1]!) oldest = i;
    if (j < n[oldest + 1]!) return;
    n[oldest] = hash;
    n[oldest + 1] = j;
    values[(oldest - b - HEADER) / 2] = value;
    let smallest = Infinity;
    for (let i = b + HEADER + 1; i < end; i += 2) if (n[i]! < smallest) smallest = n[i]!;
    n[b + OLDEST] = smallest;
    return;
  }
  if (j < n[b + OLDEST]!) n[b + OLDEST] = j;
  resize(n, slot, end, 0, 2);
  n[end] = hash;
  n[end + 1] = j;
  values.push(value);
}

/**
 * After adding an event in minute j, the count can first reach k in a window ending at some minute
 * m ∈ [j, j + n − 1]; it only grows at minutes that hold events, so only j and the later buckets'
 * minutes need checking.
 */
function noteVelocityTrigger(n: number[], slot: number, spec: WindowSpec, j: number): void {
  const b = n[slot]!;
  const first = b + HEADER;
  const end = n[slot + 1]!;
  const candidates: number[] = [j];
  for (let i = first; i < end; i += 2) {
    const bj = n[i]!;
    if (bj > j && bj < j + spec.n) candidates.push(bj);
  }
  for (const m of candidates) {
    if (n[b + TRIGGER] !== -1 && m >= n[b + TRIGGER]!) return;
    let count = 0;
    for (let i = first; i < end; i += 2) {
      const bj = n[i]!;
      if (bj > m - spec.n && bj <= m) count += n[i + 1]!;
    }
    if (count >= spec.k) {
      n[b + TRIGGER] = m;
      return;
    }
  }
}
