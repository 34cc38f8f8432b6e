// The records of one entity key, by entity id: an open-addressing hash table of our own instead of a
// Map, so that a vector read can look up all of its entities' records in phases — every key's hash,
// then every slot, then every stored key — and the processor overlaps the cache misses of the nine
// lookups of a booking instead of waiting for each lookup's chain of misses in turn (a Map lookup is
// one opaque call: the read's nine `Map.get`s cost ~6 µs in process, the phased lookups ~4 µs).
//
// Slots hold (32-bit hash, entry + 1) pairs with linear probing, at most half full; entries keep keys
// and records side by side in insertion order, like a Map, so iteration (sweeps, snapshots) visits
// entities in the order they first appeared. A deletion empties its slot with backward shifting (no
// tombstones) and leaves a hole in the entries, squeezed out when the holes outnumber the live
// entries. The hash is seeded per process, so that a client cannot work out in advance ids that would
// pile up in one run of slots.
import { randomBytes } from 'node:crypto';

const SEEDS = randomBytes(8);
const SEED_A = SEEDS.readInt32LE(0);
const SEED_B = SEEDS.readInt32LE(4);
/** Joins the parts of a composite key (user×device): a character no id contains. */
export const KEY_SEPARATOR = '\u0001';
const SEPARATOR_CODE = 1;

/** The running state of a key's hash: fold characters in, then finish. */
function mix(h: number, c: number): number {
  return Math.imul((h ^ c) | 0, 0x01000193) ^ SEED_B;
}

function finish(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return h ^ (h >>> 16);
}

function fold(h: number, part: string): number {
  for (let i = 0; i < part.length; i++) h = mix(h, part.charCodeAt(i));
  return h;
}

/** Hash of a key. */
export function keyHash(key: string): number {
  return finish(fold(SEED_A, key));
}

/** Hash of the composite key `parts.join(KEY_SEPARATOR)`, without building it. */
export function partsHash(parts: readonly string[]): number {
  let h = fold(SEED_A, parts[0]!);
  for (let p = 1; p < parts.length; p++) h = fold(mix(h, SEPARATOR_CODE), parts[p]!);
  return finish(h);
}

/** Whether `key` is `parts.join(KEY_SEPARATOR)`, without building the latter. */
export function keyIsParts(key: string, parts: readonly string[]): boolean {
  let at = 0;
  for (let p = 0; p < parts.length; p++) {
    const part = parts[p]!;
    if (p > 0) {
      if (key.charCodeAt(at) !== SEPARATOR_CODE) return false;
      at++;
    }
    if (!key.startsWith(part, at)) return false;
    at += part.length;
  }
  return at === key.length;
}

/** A position in a table's entries that survives deletions and compaction (the sweep's cursor). */
export interface TableCursor {
  /** Index of the next entry to visit. */
  next: number;
}

export class EntityTable<V> {
  /** (hash, entry + 1) pairs; entry 0 marks an empty slot. */
  private slots = new Int32Array(32);
  private mask = 15;
  /** Keys and values side by side: entry e's key at 2e, its value at 2e + 1; a hole holds undefined. */
  private items: Array<string | V | undefined> = [];
  /** Each entry's hash, so that growing re-slots the entries without hashing their keys again. */
  private hashes: number[] = [];
  private live = 0;
  private readonly cursors = new Set<TableCursor>();

  get size(): number {
    return this.live;
  }

  /** The entry of `key` with hash `hash`, or -1. */
  find(key: string, hash: number): number {
    const slots = this.slots;
    const mask = this.mask;
    for (let s = hash & mask; ; s = (s + 1) & mask) {
      const entry = slots[2 * s + 1]!;
      if (entry === 0) return -1;
      if (slots[2 * s] === hash && this.items[2 * (entry - 1)] === key) return entry - 1;
    }
  }

  /**
   * The first entry whose hash is `hash`, or -1: the first phase of a phased lookup (probe every
   * key's slot, then confirm the keys with keyAt and findFrom).
   */
  probe(hash: number): number {
    const slots = this.slots;
    const mask = this.mask;
    for (let s = hash & mask; ; s = (s + 1) & mask) {
      const entry = slots[2 * s + 1]!;
      if (entry === 0) return -1;
      if (slots[2 * s] === hash) return entry - 1;
    }
  }

  /** After probe() found `entry` but its key is another with the same hash: the next candidate, or -1. */
  probeAfter(hash: number, entry: number): number {
    const slots = this.slots;
    const mask = this.mask;
    let s = hash & mask;
    while (slots[2 * s + 1] !== entry + 1) s = (s + 1) & mask;
    for (s = (s + 1) & mask; ; s = (s + 1) & mask) {
      const candidate = slots[2 * s + 1]!;
      if (candidate === 0) return -1;
      if (slots[2 * s] === hash) return candidate - 1;
    }
  }

  keyAt(entry: number): string {
    return this.items[2 * entry] as string;
  }

  valueAt(entry: number): V {
    return this.items[2 * entry + 1] as V;
  }

  get(key: string, hash = keyHash(key)): V | undefined {
    const entry = this.find(key, hash);
    return entry < 0 ? undefined : (this.items[2 * entry + 1] as V);
  }

  has(key: string, hash = keyHash(key)): boolean {
    return this.find(key, hash) >= 0;
  }

  /** Add or replace; a new key goes after every other (insertion order). */
  set(key: string, value: V, hash = keyHash(key)): void {
    const entry = this.find(key, hash);
    if (entry >= 0) {
      this.items[2 * entry + 1] = value;
      return;
    }
    if ((this.live + 1) * 2 > this.mask + 1) this.rebuild((this.mask + 1) * 2);
    else if (this.hashes.length >= 2 * this.live + 32) this.rebuild(this.mask + 1);
    this.place(hash, this.hashes.length);
    this.items.push(key, value);
    this.hashes.push(hash);
    this.live++;
  }

  delete(key: string, hash = keyHash(key)): boolean {
    const slots = this.slots;
    const mask = this.mask;
    let s = hash & mask;
    for (; ; s = (s + 1) & mask) {
      const entry = slots[2 * s + 1]!;
      if (entry === 0) return false;
      if (slots[2 * s] === hash && this.items[2 * (entry - 1)] === key) {
        this.items[2 * (entry - 1)] = undefined;
        this.items[2 * (entry - 1) + 1] = undefined;
        break;
      }
    }
    // Backward-shift deletion: move later members of the probe run into the gap when their home slot
    // allows it, so lookups never need tombstones.
    let gap = s;
    for (let next = (gap + 1) & mask; slots[2 * next + 1] !== 0; next = (next + 1) & mask) {
      const home = slots[2 * next]! & mask;
      if (((next - home) & mask) >= ((next - gap) & mask)) {
        slots[2 * gap] = slots[2 * next]!;
        slots[2 * gap + 1] = slots[2 * next + 1]!;
        gap = next;
      }
    }
    slots[2 * gap] = 0;
    slots[2 * gap + 1] = 0;
    this.live--;
    return true;
  }

  clear(): void {
    this.slots = new Int32Array(32);
    this.mask = 15;
    this.items = [];
    this.hashes = [];
    this.live = 0;
    for (const cursor of this.cursors) cursor.next = 0;
  }

  *entries(): Generator<[string, V]> {
    // Deleting during the walk is fine (it leaves holes); adding may compact the entries: use a cursor.
    for (let e = 0; 2 * e < this.items.length; e++) {
      const key = this.items[2 * e];
      if (key !== undefined) yield [key as string, this.items[2 * e + 1] as V];
    }
  }

  *keys(): Generator<string> {
    for (const [key] of this.entries()) yield key;
  }

  *values(): Generator<V> {
    for (const [, value] of this.entries()) yield value;
  }

  [Symbol.iterator](): Iterator<[string, V]> {
    return this.entries();
  }

  /** A cursor at the first entry; release it when done with it. */
  cursor(): TableCursor {
    const cursor = { next: 0 };
    this.cursors.add(cursor);
    return cursor;
  }

  release(cursor: TableCursor): void {
    this.cursors.delete(cursor);
  }

  /** The cursor's next live entry (advancing past it), or undefined at the end. */
  advance(cursor: TableCursor): [string, V] | undefined {
    while (2 * cursor.next < this.items.length) {
      const e = cursor.next++;
      const key = this.items[2 * e];
      if (key !== undefined) return [key as string, this.items[2 * e + 1] as V];
    }
    return undefined;
  }

  private place(hash: number, entry: number): void {
    const slots = this.slots;
    const mask = this.mask;
    let s = hash & mask;
    while (slots[2 * s + 1] !== 0) s = (s + 1) & mask;
    slots[2 * s] = hash;
    slots[2 * s + 1] = entry + 1;
  }

  /** Squeeze the holes out of the entries (keeping their order) and re-slot them in `capacity` slots. */
  private rebuild(capacity: number): void {
    const old = this.items;
    const oldHashes = this.hashes;
    const items: Array<string | V | undefined> = [];
    const hashes: number[] = [];
    const moved = new Map<TableCursor, number>();
    for (let e = 0; e < oldHashes.length; e++) {
      for (const cursor of this.cursors) if (cursor.next === e) moved.set(cursor, hashes.length);
      const key = old[2 * e];
      if (key === undefined) continue;
      items.push(key, old[2 * e + 1]);
      hashes.push(oldHashes[e]!);
    }
    for (const cursor of this.cursors) cursor.next = moved.get(cursor) ?? hashes.length;
    this.items = items;
    this.hashes = hashes;
    this.slots = new Int32Array(2 * capacity);
    this.mask = capacity - 1;
    for (let e = 0; e < hashes.length; e++) this.place(hashes[e]!, e);
  }
}
