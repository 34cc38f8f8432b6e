import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EntityTable, KEY_SEPARATOR, keyHash, keyIsParts, partsHash } from './entity-table.js';

type Op = { kind: 'set'; key: string; value: number } | { kind: 'delete'; key: string } | { kind: 'sweep'; steps: number };

const keys = fc.oneof(fc.constantFrom('a', 'b', 'c', 'u_1', 'u_2', 'd_9', ''), fc.string({ maxLength: 6 }), fc.string({ unit: 'binary', maxLength: 4 }));
const ops = fc.array(
  fc.oneof(
    { weight: 5, arbitrary: fc.record({ kind: fc.constant('set' as const), key: keys, value: fc.integer() }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('delete' as const), key: keys }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('sweep' as const), steps: fc.integer({ min: 1, max: 20 }) }) },
  ),
  { maxLength: 400 },
);

/** Runs `ops` against the table and a Map; `hashOf` may force collisions. */
function check(ops: Op[], hashOf: (key: string) => number): void {
  const table = new EntityTable<number>();
  const model = new Map<string, number>();
  const cursor = table.cursor();
  // Keys present from the start of the cursor's round to now: a round must visit each of them.
  let round = new Set<string>();
  let visited = new Set<string>();
  for (const op of ops) {
    if (op.kind === 'set') {
      if (!model.has(op.key)) round.add(op.key);
      table.set(op.key, op.value, hashOf(op.key));
      model.set(op.key, op.value);
    } else if (op.kind === 'delete') {
      expect(table.delete(op.key, hashOf(op.key))).toBe(model.delete(op.key));
      round.delete(op.key);
    } else {
      for (let i = 0; i < op.steps; i++) {
        const next = table.advance(cursor);
        if (next === undefined) {
          for (const key of round) expect(visited, `a round missed "${key}"`).toContain(key);
          cursor.next = 0;
          round = new Set(model.keys());
          visited = new Set();
          continue;
        }
        expect(model.get(next[0])).toBe(next[1]);
        visited.add(next[0]);
      }
    }
    expect(table.size).toBe(model.size);
  }
  for (const [key, value] of model) {
    expect(table.get(key, hashOf(key))).toBe(value);
    expect(table.has(key, hashOf(key))).toBe(true);
  }
  expect([...table.entries()]).toEqual([...model.entries()]);
  expect([...table.keys()]).toEqual([...model.keys()]);
  expect([...table.values()]).toEqual([...model.values()]);
  table.release(cursor);
}

describe('EntityTable', () => {
  it('property: behaves as a Map (values, size, insertion order) under sets and deletes', () => {
    fc.assert(
      fc.property(ops, (list) => check(list, keyHash)),
      { numRuns: 300 },
    );
  });

  it('property: keys whose hashes collide stay apart, through deletes and growth', () => {
    fc.assert(
      fc.property(ops, fc.integer({ min: 1, max: 4 }), (list, buckets) => check(list, (key) => keyHash(key) % buckets)),
      { numRuns: 300 },
    );
  });

  it('a cursor carries on where it stopped when the entries are compacted under it', () => {
    const table = new EntityTable<number>();
    for (let i = 0; i < 200; i++) table.set(`k${i}`, i);
    const cursor = table.cursor();
    const seen: string[] = [];
    for (let i = 0; i < 150; i++) seen.push(table.advance(cursor)![0]);
    // Deleted on both sides of the cursor (it stands at k150), so where it lands after compaction matters.
    for (let i = 0; i < 140; i++) table.delete(`k${i}`);
    for (let i = 160; i < 190; i++) table.delete(`k${i}`);
    // Adding now squeezes the holes out: the cursor must still stand at k150.
    for (let i = 200; i < 260; i++) table.set(`k${i}`, i);
    for (let next = table.advance(cursor); next; next = table.advance(cursor)) seen.push(next[0]);
    const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => `k${from + i}`);
    expect(seen.slice(150)).toEqual([...range(150, 160), ...range(190, 200), ...range(200, 260)]);
    table.release(cursor);
  });

  it('finds a key from its hash in phases: probe, then confirm, then the next candidate', () => {
    const table = new EntityTable<string>();
    table.set('first', 'A', 7);
    table.set('second', 'B', 7);
    const entry = table.probe(7);
    expect(table.keyAt(entry)).toBe('first');
    const next = table.probeAfter(7, entry);
    expect([table.keyAt(next), table.valueAt(next)]).toEqual(['second', 'B']);
    expect(table.probeAfter(7, next)).toBe(-1);
    expect(table.probe(8)).toBe(-1);
  });

  it('hashes and compares a composite key from its parts without building it', () => {
    const key = ['u_1', 'd_2'].join(KEY_SEPARATOR);
    expect(partsHash(['u_1', 'd_2'])).toBe(keyHash(key));
    expect(partsHash(['solo'])).toBe(keyHash('solo'));
    expect(keyIsParts(key, ['u_1', 'd_2'])).toBe(true);
    expect(keyIsParts(key, ['u_1', 'd_'])).toBe(false);
    expect(keyIsParts(key, ['u_', '1d_2'])).toBe(false);
    expect(keyIsParts(`${key}x`, ['u_1', 'd_2'])).toBe(false);
    expect(keyIsParts('u_1', ['u_1'])).toBe(true);
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 5 }).filter((s) => !s.includes(KEY_SEPARATOR)), { minLength: 1, maxLength: 3 }), fc.string({ maxLength: 12 }), (parts, other) => {
        expect(partsHash(parts)).toBe(keyHash(parts.join(KEY_SEPARATOR)));
        expect(keyIsParts(parts.join(KEY_SEPARATOR), parts)).toBe(true);
        expect(keyIsParts(other, parts)).toBe(other === parts.join(KEY_SEPARATOR));
      }),
    );
  });
});
