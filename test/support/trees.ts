// Random valid trees for the GBDT tests: structure, thresholds and values from a seeded generator.
import type { Prng } from '../../src/models/gbdt/prng.js';
import type { TreeArrays } from '../../src/models/gbdt/tree.js';

/**
 * A random valid tree over nFeatures features, grown to at most `depth` (each node stops early with
 * probability `stop`). Thresholds are uniform in [−1, 1) unless `threshold` draws them (from a few
 * values, paths often contradict themselves).
 */
export function randomTree(prng: Prng, nFeatures: number, depth: number, options: { stop?: number; threshold?: () => number } = {}): TreeArrays {
  const tree: TreeArrays = { left: [], right: [], feature: [], threshold: [], defaultLeft: [], value: [], cover: [] };
  const stop = options.stop ?? 0.2;
  const grow = (d: number, cover: number): number => {
    const id = tree.left.length;
    tree.left.push(-1);
    tree.right.push(-1);
    tree.feature.push(-1);
    tree.threshold.push(0);
    tree.defaultLeft.push(0);
    tree.value.push(0);
    tree.cover.push(cover);
    if (d === depth || prng.nextFloat() < stop) {
      tree.value[id] = Math.fround(prng.nextFloat() * 2 - 1);
      return id;
    }
    tree.feature[id] = prng.nextInt(nFeatures);
    tree.threshold[id] = options.threshold ? options.threshold() : Math.fround(prng.nextFloat() * 2 - 1);
    tree.defaultLeft[id] = prng.nextInt(2);
    const share = 0.1 + 0.8 * prng.nextFloat();
    tree.left[id] = grow(d + 1, cover * share);
    tree.right[id] = grow(d + 1, cover * (1 - share));
    return id;
  };
  grow(0, 100 + prng.nextFloat() * 1000);
  return tree;
}
