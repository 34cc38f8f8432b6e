// Path contributions (Saabas; XGBoost's `approx_contribs`): walk the row's path in every tree and
// credit each split's feature with the change in the node's expected value. Like TreeSHAP they sum
// with the bias to the margin, but they cost one tree walk instead of milliseconds, so every decision
// can carry its top reasons; exact TreeSHAP stays available for a case page.
import type { FlatForest } from './forest.js';
import type { ShapValues } from './shap.js';

export class PathExplainer {
  /** Cover-weighted mean leaf value under every node. */
  private readonly mean: Float64Array;
  readonly bias: number;

  constructor(private readonly forest: FlatForest) {
    this.mean = new Float64Array(forest.feature.length);
    let bias = forest.baseMargin;
    for (let t = 0; t < forest.nTrees; t++) bias += this.fillMean(forest.treeRoots[t]!);
    this.bias = bias;
  }

  explain(row: Float32Array, contributions = new Float64Array(this.forest.nFeatures)): ShapValues & { margin: number } {
    contributions.fill(0);
    const { feature, threshold, left, right, defaultLeft, treeRoots, value, baseMargin } = this.forest;
    const mean = this.mean;
    // The walk reaches each tree's leaf anyway: summing the leaves in float32, as scoring does, gives
    // the exact margin in the same pass.
    let margin = baseMargin;
    for (let t = 0; t < treeRoots.length; t++) {
      let node = treeRoots[t]!;
      while (feature[node]! >= 0) {
        const f = feature[node]!;
        const x = row[f]!;
        const next = x !== x ? (defaultLeft[node] ? left[node]! : right[node]!) : x < threshold[node]! ? left[node]! : right[node]!;
        contributions[f]! += mean[next]! - mean[node]!;
        node = next;
      }
      margin = Math.fround(margin + value[node]!);
    }
    return { bias: this.bias, contributions, margin };
  }

  private fillMean(node: number): number {
    const f = this.forest;
    if (f.feature[node]! < 0) return (this.mean[node] = f.value[node]!);
    const l = f.left[node]!;
    const r = f.right[node]!;
    const m = (this.fillMean(l) * f.cover[l]! + this.fillMean(r) * f.cover[r]!) / f.cover[node]!;
    return (this.mean[node] = m);
  }
}
