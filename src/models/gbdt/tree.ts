/**
 * One regression tree as parallel arrays indexed by node id (root = 0, children after their
 * parent): the artifact's tree format, and what XGBoost's JSON import produces.
 * - internal node: feature ≥ 0; `x < threshold` goes to left, other values to right, missing
 *   (NaN) to left when defaultLeft is 1, else right; value is 0;
 * - leaf: feature = left = right = −1, threshold 0, value = the leaf's contribution to the margin.
 * cover is the training hessian sum of the node (TreeSHAP weighs paths by it).
 */
export interface TreeArrays {
  left: number[];
  right: number[];
  feature: number[];
  threshold: number[];
  defaultLeft: number[];
  value: number[];
  cover: number[];
}

export function emptyTree(): TreeArrays {
  return { left: [], right: [], feature: [], threshold: [], defaultLeft: [], value: [], cover: [] };
}

/** Append a leaf and return its id. */
export function addLeaf(tree: TreeArrays, value: number, cover: number): number {
  tree.left.push(-1);
  tree.right.push(-1);
  tree.feature.push(-1);
  tree.threshold.push(0);
  tree.defaultLeft.push(0);
  tree.value.push(value);
  tree.cover.push(cover);
  return tree.left.length - 1;
}

/** Turn leaf `node` into a split with the given children. */
export function setSplit(tree: TreeArrays, node: number, feature: number, threshold: number, defaultLeft: boolean, left: number, right: number): void {
  tree.feature[node] = feature;
  tree.threshold[node] = threshold;
  tree.defaultLeft[node] = defaultLeft ? 1 : 0;
  tree.left[node] = left;
  tree.right[node] = right;
  tree.value[node] = 0;
}

export function maxDepthOf(tree: TreeArrays): number {
  let deepest = 0;
  const walk = (node: number, depth: number): void => {
    if (tree.feature[node]! < 0) {
      deepest = Math.max(deepest, depth);
      return;
    }
    walk(tree.left[node]!, depth + 1);
    walk(tree.right[node]!, depth + 1);
  };
  walk(0, 0);
  return deepest;
}
