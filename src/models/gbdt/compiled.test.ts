import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PathRows } from './compiled.js';
import { flattenForest, type FlatForest } from './forest.js';
import { Prng } from './prng.js';
import { randomTree } from '../../../test/support/trees.js';

function leafOf(f: FlatForest, root: number, row: Float32Array): number {
  let node = root;
  while (f.feature[node]! >= 0) {
    const x = row[f.feature[node]!]!;
    node = (x !== x ? f.defaultLeft[node] === 1 : x < f.threshold[node]!) ? f.left[node]! : f.right[node]!;
  }
  return node;
}

describe('warm-up rows', () => {
  it('reach every leaf a row can reach, each once', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e6 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 0, max: 7 }), (seed, nFeatures, depth) => {
        const prng = new Prng(seed);
        // Thresholds from a few values (±Infinity and ±0 among them): paths often contradict themselves.
        const threshold = () => [-Infinity, -2, -0.5, -0, 0, 0.25, 1, 3.5, Infinity][prng.nextInt(9)]!;
        const forest = flattenForest([randomTree(prng, nFeatures, depth, { stop: 0.15, threshold })], nFeatures, 0.5);
        const root = forest.treeRoots[0]!;
        const reached: number[] = [];
        new PathRows(nFeatures).forEachRow(forest, root, (row) => reached.push(leafOf(forest, root, row)));
        expect(new Set(reached).size).toBe(reached.length);
        // Rows made of the thresholds, the values just around them and NaN reach every reachable leaf.
        const values = [NaN, -Infinity, -3, -2, -1, -0.5, -0.25, 0, 0.1, 0.25, 0.5, 1, 2, 3.5, 4, Infinity];
        for (let i = 0; i < 300; i++) {
          const row = Float32Array.from({ length: nFeatures }, () => values[prng.nextInt(values.length)]!);
          const leaf = leafOf(forest, root, row);
          expect(reached, `leaf ${leaf} of row ${Array.from(row)}`).toContain(leaf);
        }
      }),
      { numRuns: 300 },
    );
  });
});
