import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TopK, type ScoredEntity } from './index.js';

/** Reference model: a Map and a full sort per query. */
class MapLeaderboard {
  readonly scores = new Map<string, number>();
  ranked(): ScoredEntity[] {
    return [...this.scores]
      .map(([entity, score]) => ({ entity, score }))
      .sort((a, b) => b.score - a.score || (a.entity < b.entity ? -1 : a.entity > b.entity ? 1 : 0));
  }
}

type Op =
  | { kind: 'update'; entity: string; value: number }
  | { kind: 'set'; entity: string; value: number }
  | { kind: 'remove'; entity: string }
  | { kind: 'topK'; k: number };

// A small pool of ids so entities recur, with ids that only differ in case, length or by non-ASCII
// characters; small integer values so ties are frequent, plus some arbitrary doubles.
const entityArb = fc.oneof(
  fc.constantFrom('', 'a', 'A', 'aa', 'ab', 'b', 'ä', 'z', '😀', 'a\u0000'),
  fc.string({ maxLength: 3 }),
);
const valueArb = fc.oneof(
  fc.integer({ min: -5, max: 5 }),
  fc.constantFrom(0, -0, 0.5, -0.5),
  fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }),
);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('update' as const), entity: entityArb, value: valueArb }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('set' as const), entity: entityArb, value: valueArb }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('remove' as const), entity: entityArb }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('topK' as const), k: fc.nat(12) }) },
);

describe('TopK', () => {
  it('behaves like a Map with a full sort per query (model-based)', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 200 }), (ops) => {
        const board = new TopK();
        const model = new MapLeaderboard();
        for (const op of ops) {
          switch (op.kind) {
            case 'update': {
              // The board turns −0 into 0; so does + 0 here.
              const next = (model.scores.get(op.entity) ?? 0) + op.value + 0;
              model.scores.set(op.entity, next);
              expect(board.update(op.entity, op.value)).toBe(next);
              break;
            }
            case 'set':
              model.scores.set(op.entity, op.value + 0);
              board.set(op.entity, op.value);
              break;
            case 'remove':
              expect(board.remove(op.entity)).toBe(model.scores.delete(op.entity));
              break;
            case 'topK':
              expect(board.topK(op.k)).toEqual(model.ranked().slice(0, op.k));
              break;
          }
          expect(board.size).toBe(model.scores.size);
          if (op.kind !== 'topK') expect(board.score(op.entity)).toBe(model.scores.get(op.entity));
        }
        expect(board.topK(board.size + 1)).toEqual(model.ranked());
      }),
      { numRuns: 300 },
    );
  });

  it('ranks by score descending, then by the smaller id', () => {
    const board = new TopK();
    board.update('carol', 5);
    board.update('bob', 7);
    board.update('alice', 5);
    board.update('dave', -1);
    board.update('bob', -2);
    expect(board.topK(3)).toEqual([
      { entity: 'alice', score: 5 },
      { entity: 'bob', score: 5 },
      { entity: 'carol', score: 5 },
    ]);
    expect(board.topK(0)).toEqual([]);
    expect(board.topK(10).map((e) => e.entity)).toEqual(['alice', 'bob', 'carol', 'dave']);
    expect(board.score('nobody')).toBeUndefined();
    expect(board.remove('nobody')).toBe(false);
  });

  it('rejects non-finite deltas and scores, overflow, and invalid k, leaving the board unchanged', () => {
    const board = new TopK();
    board.set('x', Number.MAX_VALUE);
    expect(() => board.update('x', Number.NaN)).toThrow(/delta must be a finite number, got NaN for 'x'/);
    expect(() => board.update('y', Infinity)).toThrow(/delta must be a finite number/);
    expect(() => board.set('y', -Infinity)).toThrow(/score must be a finite number/);
    expect(() => board.update('x', Number.MAX_VALUE)).toThrow(/would overflow/);
    expect(() => board.topK(-1)).toThrow(/k must be an integer ≥ 0/);
    expect(() => board.topK(1.5)).toThrow(/k must be an integer ≥ 0/);
    expect(board.topK(5)).toEqual([{ entity: 'x', score: Number.MAX_VALUE }]);
    expect(board.size).toBe(1);
  });

  it('handles 200k updates over 50k entities quickly', () => {
    const entities = Array.from({ length: 50_000 }, (_, i) => `user-${i}`);
    let seed = 12345;
    const random = (): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed / 2 ** 32;
    };
    const board = new TopK();
    const model = new Map<string, number>();
    const started = performance.now();
    for (let i = 0; i < 200_000; i++) {
      const entity = entities[Math.floor(random() * entities.length)]!;
      const delta = Math.floor(random() * 21) - 10;
      board.update(entity, delta);
      model.set(entity, (model.get(entity) ?? 0) + delta);
    }
    const top = board.topK(100);
    const elapsed = performance.now() - started;
    expect(elapsed).toBeLessThan(3_000); // typically ~100 ms
    expect(board.size).toBe(model.size);
    const expected = [...model]
      .sort(([ea, a], [eb, b]) => b - a || (ea < eb ? -1 : 1))
      .slice(0, 100)
      .map(([entity, score]) => ({ entity, score }));
    expect(top).toEqual(expected);
  });
});
