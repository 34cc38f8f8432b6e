// All trees of a model flattened into typed arrays: one node table for the whole forest, children
// as absolute indices into it, so scoring a row walks flat memory with no objects.
import type { TreeArrays } from './tree.js';

export interface FlatForest {
  nFeatures: number;
  nTrees: number;
  /** float32(logit(baseScore)): the margin before any tree. */
  baseMargin: number;
  /** Node index of each tree's root. */
  treeRoots: Int32Array;
  /** Split feature, −1 for leaves. */
  feature: Int32Array;
  threshold: Float32Array;
  left: Int32Array;
  right: Int32Array;
  defaultLeft: Uint8Array;
  /** Leaf values (0 for internal nodes). */
  value: Float32Array;
  cover: Float64Array;
  /** Deepest root-to-leaf path, in edges: sizes TreeSHAP's path buffers. */
  maxDepth: number;
  /** The same trees padded to complete trees, for fast scoring; absent for deep models. */
  complete: CompleteForest | undefined;
}

/**
 * Every tree padded to a complete binary tree of depth D = the forest's max depth: internal slots
 * in heap order (slot s has children 2s + 1 and 2s + 2), then 2^D leaf slots. A leaf shallower
 * than D becomes a pass-through slot whose leaf slots below all hold its value, so every row
 * takes exactly D steps and the next slot is arithmetic, not a branch: scoring a row stops
 * paying one mispredicted branch per node (measured 24 → 8 µs for 300 trees of depth 6).
 */
export interface CompleteForest {
  depth: number;
  /** Per tree 2^D − 1 internal slots. */
  feature: Int32Array;
  threshold: Float32Array;
  /** 1 where a missing value goes to the right child. */
  missingRight: Uint8Array;
  /** Per tree 2^D leaf values. */
  leafValue: Float32Array;
}

/** Deeper forests keep the node table only: 2^D slots per tree would outgrow the CPU caches. */
export const MAX_COMPLETE_DEPTH = 8;

export function flattenForest(trees: readonly TreeArrays[], nFeatures: number, baseScore: number): FlatForest {
  const nNodes = trees.reduce((n, t) => n + t.left.length, 0);
  const forest: FlatForest = {
    nFeatures,
    nTrees: trees.length,
    baseMargin: baseMarginOf(baseScore),
    treeRoots: new Int32Array(trees.length),
    feature: new Int32Array(nNodes),
    threshold: new Float32Array(nNodes),
    left: new Int32Array(nNodes),
    right: new Int32Array(nNodes),
    defaultLeft: new Uint8Array(nNodes),
    value: new Float32Array(nNodes),
    cover: new Float64Array(nNodes),
    maxDepth: 0,
    complete: undefined,
  };
  let offset = 0;
  trees.forEach((tree, t) => {
    forest.treeRoots[t] = offset;
    for (let i = 0; i < tree.left.length; i++) {
      const node = offset + i;
      const isLeaf = tree.feature[i]! < 0;
      forest.feature[node] = isLeaf ? -1 : tree.feature[i]!;
      forest.threshold[node] = tree.threshold[i]!;
      forest.left[node] = isLeaf ? -1 : offset + tree.left[i]!;
      forest.right[node] = isLeaf ? -1 : offset + tree.right[i]!;
      forest.defaultLeft[node] = tree.defaultLeft[i]!;
      forest.value[node] = tree.value[i]!;
      forest.cover[node] = tree.cover[i]!;
    }
    forest.maxDepth = Math.max(forest.maxDepth, depthBelow(forest, offset));
    offset += tree.left.length;
  });
  if (forest.maxDepth <= MAX_COMPLETE_DEPTH) forest.complete = completeForest(forest);
  return forest;
}

function completeForest(forest: FlatForest): CompleteForest {
  const depth = forest.maxDepth;
  const internal = (1 << depth) - 1;
  const leaves = 1 << depth;
  const complete: CompleteForest = {
    depth,
    feature: new Int32Array(forest.nTrees * internal),
    threshold: new Float32Array(forest.nTrees * internal),
    missingRight: new Uint8Array(forest.nTrees * internal),
    leafValue: new Float32Array(forest.nTrees * leaves),
  };
  for (let t = 0; t < forest.nTrees; t++) {
    const place = (node: number, slot: number, level: number): void => {
      if (level === depth) {
        complete.leafValue[t * leaves + slot - internal] = forest.value[node]!;
        return;
      }
      const isLeaf = forest.feature[node]! < 0;
      if (!isLeaf) {
        const at = t * internal + slot;
        complete.feature[at] = forest.feature[node]!;
        complete.threshold[at] = forest.threshold[node]!;
        complete.missingRight[at] = forest.defaultLeft[node] ? 0 : 1;
      }
      // A pass-through slot (feature 0, threshold 0) sends rows either way: both subtrees end in this leaf's value.
      place(isLeaf ? node : forest.left[node]!, 2 * slot + 1, level + 1);
      place(isLeaf ? node : forest.right[node]!, 2 * slot + 2, level + 1);
    };
    place(forest.treeRoots[t]!, 0, 0);
  }
  return complete;
}

/** XGBoost's ProbToMargin for logistic objectives, in float32 like XGBoost's. */
export function baseMarginOf(baseScore: number): number {
  return Math.fround(Math.log(baseScore / (1 - baseScore)));
}

function depthBelow(forest: FlatForest, node: number): number {
  if (forest.feature[node]! < 0) return 0;
  return 1 + Math.max(depthBelow(forest, forest.left[node]!), depthBelow(forest, forest.right[node]!));
}
