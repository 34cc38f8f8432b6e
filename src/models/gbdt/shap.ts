// Exact path-dependent TreeSHAP (Lundberg et al. 2018, "Consistent Individualized Feature
// Attribution for Tree Ensembles", Algorithm 2): O(leaves × depth²) per tree. Follows XGBoost's
// implementation step by step so contributions agree with `pred_contribs=True`.
import type { FlatForest } from './forest.js';

export interface ShapValues {
  /** Expected margin over the training distribution (base margin + each tree's cover-weighted mean). */
  bias: number;
  /** One contribution per feature, in margin units; bias + Σ contributions = the row's margin. */
  contributions: Float64Array;
}

/** Reusable per-forest state: path buffers and each tree's expected value. */
export class TreeShapExplainer {
  private readonly pathFeature: Int32Array;
  private readonly pathZero: Float64Array;
  private readonly pathOne: Float64Array;
  private readonly pathWeight: Float64Array;
  /** Expected margin: base margin + Σ over trees of the cover-weighted mean leaf value. */
  readonly bias: number;

  constructor(private readonly forest: FlatForest) {
    // The path of a node at depth d has up to d + 2 elements and each recursion level keeps its
    // own copy: (D + 2)(D + 3) / 2 elements cover depth D.
    const maxPath = forest.maxDepth + 2;
    const size = ((maxPath + 1) * (maxPath + 2)) / 2;
    this.pathFeature = new Int32Array(size);
    this.pathZero = new Float64Array(size);
    this.pathOne = new Float64Array(size);
    this.pathWeight = new Float64Array(size);
    let bias = forest.baseMargin;
    for (let t = 0; t < forest.nTrees; t++) bias += this.meanValue(forest.treeRoots[t]!);
    this.bias = bias;
  }

  /** Contributions for one row (float32 feature values, NaN = missing). */
  explain(row: Float32Array): ShapValues {
    const contributions = new Float64Array(this.forest.nFeatures);
    for (let t = 0; t < this.forest.nTrees; t++) {
      this.recurse(row, contributions, this.forest.treeRoots[t]!, 0, 0, 1, 1, -1);
    }
    return { bias: this.bias, contributions };
  }

  /** Cover-weighted mean of the leaf values under `node` (XGBoost's FillNodeMeanValues). */
  private meanValue(node: number): number {
    const f = this.forest;
    if (f.feature[node]! < 0) return f.value[node]!;
    const l = f.left[node]!;
    const r = f.right[node]!;
    return (this.meanValue(l) * f.cover[l]! + this.meanValue(r) * f.cover[r]!) / f.cover[node]!;
  }

  /**
   * `parentPath` is where the parent's path segment starts in the buffers; this call's segment
   * starts right after it (parentPath + uniqueDepth + 1), so unwinding here never disturbs the
   * parent's copy.
   */
  private recurse(
    row: Float32Array,
    phi: Float64Array,
    node: number,
    parentPath: number,
    uniqueDepth: number,
    parentZeroFraction: number,
    parentOneFraction: number,
    parentFeature: number,
  ): void {
    const f = this.forest;
    const path = parentPath + uniqueDepth + 1;
    // A plain loop: the path is a few elements long, shorter than the cost of four copyWithin calls.
    for (let i = 0; i <= uniqueDepth; i++) {
      this.pathFeature[path + i] = this.pathFeature[parentPath + i]!;
      this.pathZero[path + i] = this.pathZero[parentPath + i]!;
      this.pathOne[path + i] = this.pathOne[parentPath + i]!;
      this.pathWeight[path + i] = this.pathWeight[parentPath + i]!;
    }
    this.extend(path, uniqueDepth, parentZeroFraction, parentOneFraction, parentFeature);

    const feature = f.feature[node]!;
    if (feature < 0) {
      const leafValue = f.value[node]!;
      for (let i = 1; i <= uniqueDepth; i++) {
        const w = this.unwoundPathSum(path, uniqueDepth, i);
        phi[this.pathFeature[path + i]!]! += w * (this.pathOne[path + i]! - this.pathZero[path + i]!) * leafValue;
      }
      return;
    }

    const x = row[feature]!;
    const goesLeft = x < f.threshold[node]! || (x !== x && f.defaultLeft[node] === 1);
    const hot = goesLeft ? f.left[node]! : f.right[node]!;
    const cold = goesLeft ? f.right[node]! : f.left[node]!;
    const cover = f.cover[node]!;
    const hotZeroFraction = f.cover[hot]! / cover;
    const coldZeroFraction = f.cover[cold]! / cover;
    let incomingZeroFraction = 1;
    let incomingOneFraction = 1;
    // A feature already on the path is unwound and re-extended at this node, so each feature appears once.
    let pathIndex = 0;
    for (; pathIndex <= uniqueDepth; pathIndex++) if (this.pathFeature[path + pathIndex] === feature) break;
    let depth = uniqueDepth;
    if (pathIndex !== uniqueDepth + 1) {
      incomingZeroFraction = this.pathZero[path + pathIndex]!;
      incomingOneFraction = this.pathOne[path + pathIndex]!;
      this.unwind(path, depth, pathIndex);
      depth -= 1;
    }
    this.recurse(row, phi, hot, path, depth + 1, hotZeroFraction * incomingZeroFraction, incomingOneFraction, feature);
    this.recurse(row, phi, cold, path, depth + 1, coldZeroFraction * incomingZeroFraction, 0, feature);
  }

  private extend(path: number, uniqueDepth: number, zeroFraction: number, oneFraction: number, feature: number): void {
    const w = this.pathWeight;
    this.pathFeature[path + uniqueDepth] = feature;
    this.pathZero[path + uniqueDepth] = zeroFraction;
    this.pathOne[path + uniqueDepth] = oneFraction;
    w[path + uniqueDepth] = uniqueDepth === 0 ? 1 : 0;
    for (let i = uniqueDepth - 1; i >= 0; i--) {
      w[path + i + 1]! += (oneFraction * w[path + i]! * (i + 1)) / (uniqueDepth + 1);
      w[path + i] = (zeroFraction * w[path + i]! * (uniqueDepth - i)) / (uniqueDepth + 1);
    }
  }

  private unwind(path: number, uniqueDepth: number, pathIndex: number): void {
    const w = this.pathWeight;
    const oneFraction = this.pathOne[path + pathIndex]!;
    const zeroFraction = this.pathZero[path + pathIndex]!;
    let nextOnePortion = w[path + uniqueDepth]!;
    for (let i = uniqueDepth - 1; i >= 0; i--) {
      if (oneFraction !== 0) {
        const tmp = w[path + i]!;
        w[path + i] = (nextOnePortion * (uniqueDepth + 1)) / ((i + 1) * oneFraction);
        nextOnePortion = tmp - (w[path + i]! * zeroFraction * (uniqueDepth - i)) / (uniqueDepth + 1);
      } else {
        w[path + i] = (w[path + i]! * (uniqueDepth + 1)) / (zeroFraction * (uniqueDepth - i));
      }
    }
    for (let i = pathIndex; i < uniqueDepth; i++) {
      this.pathFeature[path + i] = this.pathFeature[path + i + 1]!;
      this.pathZero[path + i] = this.pathZero[path + i + 1]!;
      this.pathOne[path + i] = this.pathOne[path + i + 1]!;
    }
  }

  private unwoundPathSum(path: number, uniqueDepth: number, pathIndex: number): number {
    const w = this.pathWeight;
    const oneFraction = this.pathOne[path + pathIndex]!;
    const zeroFraction = this.pathZero[path + pathIndex]!;
    let nextOnePortion = w[path + uniqueDepth]!;
    let total = 0;
    for (let i = uniqueDepth - 1; i >= 0; i--) {
      if (oneFraction !== 0) {
        const tmp = (nextOnePortion * (uniqueDepth + 1)) / ((i + 1) * oneFraction);
        total += tmp;
        nextOnePortion = w[path + i]! - tmp * zeroFraction * ((uniqueDepth - i) / (uniqueDepth + 1));
      } else if (zeroFraction !== 0) {
        total += w[path + i]! / zeroFraction / ((uniqueDepth - i) / (uniqueDepth + 1));
      }
    }
    return total;
  }
}
