// Scoring with a flattened forest. Inputs are converted to float32 first and leaf values are
// summed in float32 in tree order, starting from the base margin — exactly what XGBoost's CPU
// predictor does — so imported XGBoost models reproduce its predictions to the last bit or so.
import { copyRow, matrixShape, type FeatureMatrix } from './data.js';
import { ModelInputError } from './errors.js';
import { flattenForest, type CompleteForest, type FlatForest } from './forest.js';
import { sigmoid } from './metrics.js';
import { parseGbdt, type GbdtArtifact } from './model.js';
import { PathExplainer } from './path-contributions.js';
import { TreeShapExplainer, type ShapValues } from './shap.js';

export type FeatureRow = Float32Array | Float64Array | readonly number[];

export class GbdtPredictor {
  readonly featureNames: readonly string[];
  readonly forest: FlatForest;
  /** Row buffer for non-float32 inputs: single-row scoring allocates nothing. */
  private readonly row32: Float32Array;
  private explainer: TreeShapExplainer | undefined;
  private pathExplainer: PathExplainer | undefined;

  constructor(readonly artifact: GbdtArtifact) {
    this.featureNames = Object.freeze([...artifact.featureNames]);
    this.forest = flattenForest(artifact.trees, artifact.featureNames.length, artifact.baseScore);
    this.row32 = new Float32Array(this.featureNames.length);
  }

  get nFeatures(): number {
    return this.forest.nFeatures;
  }

  get nTrees(): number {
    return this.forest.nTrees;
  }

  /** Raw score (log-odds). */
  predictMargin(row: FeatureRow): number {
    return this.marginOf(this.asFloat32(row));
  }

  /** Probability of the positive class. */
  predictProba(row: FeatureRow): number {
    return sigmoid(this.marginOf(this.asFloat32(row)));
  }

  /** Score every row of a matrix; probabilities by default, margins on request. */
  predictMatrix(matrix: FeatureMatrix, output: 'probability' | 'margin' = 'probability'): Float64Array {
    const { nRows, nCols } = matrixShape(matrix);
    if (nCols !== this.nFeatures) throw new ModelInputError(`matrix has ${nCols} features, the model expects ${this.nFeatures}`);
    const out = new Float64Array(nRows);
    const buffer = this.row32;
    for (let r = 0; r < nRows; r++) {
      let row: Float32Array;
      if (matrix.layout === 'rows') row = matrix.values.subarray(r * nCols, (r + 1) * nCols);
      else {
        copyRow(matrix, r, buffer);
        row = buffer;
      }
      const margin = this.marginOf(row);
      out[r] = output === 'margin' ? margin : sigmoid(margin);
    }
    return out;
  }

  /** Leaf value that tree `t` gives the row (the margin is the base margin plus these, in float32). */
  treeValue(t: number, row: FeatureRow): number {
    if (!Number.isInteger(t) || t < 0 || t >= this.nTrees) throw new ModelInputError(`tree index ${t} out of range [0, ${this.nTrees})`);
    const f = this.forest;
    return f.value[leafOf(f, f.treeRoots[t]!, this.asFloat32(row))]!;
  }

  /** Exact TreeSHAP contributions per feature; bias + Σ contributions = predictMargin(row). */
  explain(row: FeatureRow): ShapValues {
    this.explainer ??= new TreeShapExplainer(this.forest);
    return this.explainer.explain(this.asFloat32(row));
  }

  /**
   * Path (Saabas) contributions — they also sum with the bias to the margin — and the exact margin, in
   * one pass; into `contributions` when given (a caller explaining row after row allocates nothing).
   */
  explainFast(row: FeatureRow, contributions?: Float64Array): ShapValues & { margin: number } {
    return this.pathExplainerOf().explain(this.asFloat32(row), contributions);
  }

  /** Resolves when explainFast runs at full speed (its trees compiled to code; starts the compilation); it answers the same before. */
  explainFastReady(): Promise<void> {
    return this.pathExplainerOf().ready;
  }

  private pathExplainerOf(): PathExplainer {
    this.pathExplainer ??= new PathExplainer(this.forest);
    return this.pathExplainer;
  }

  private marginOf(x: Float32Array): number {
    const complete = this.forest.complete;
    return complete ? completeMargin(complete, this.forest.nTrees, this.forest.baseMargin, x) : this.nodeTableMargin(x);
  }

  /** Scoring by walking the node table, for forests too deep for the complete layout. */
  private nodeTableMargin(x: Float32Array): number {
    const f = this.forest;
    let margin = f.baseMargin;
    for (let t = 0; t < f.nTrees; t++) margin = Math.fround(margin + f.value[leafOf(f, f.treeRoots[t]!, x)]!);
    return margin;
  }

  private asFloat32(row: FeatureRow): Float32Array {
    if (row.length !== this.nFeatures) throw new ModelInputError(`row has ${row.length} features, the model expects ${this.nFeatures}`);
    if (row instanceof Float32Array) return row;
    const buffer = this.row32;
    for (let f = 0; f < buffer.length; f++) buffer[f] = row[f]!;
    return buffer;
  }
}

function leafOf(f: FlatForest, root: number, x: Float32Array): number {
  let node = root;
  while (f.feature[node]! >= 0) {
    const v = x[f.feature[node]!]!;
    node = v < f.threshold[node]! ? f.left[node]! : v === v || f.defaultLeft[node] === 0 ? f.right[node]! : f.left[node]!;
  }
  return node;
}

/**
 * Margin from the complete layout, four trees at a time: the four walks are independent chains of
 * loads, so the CPU overlaps them. Leaf values are still added one tree at a time, in tree order.
 */
function completeMargin(c: CompleteForest, nTrees: number, baseMargin: number, x: Float32Array): number {
  const { depth, feature, threshold, missingRight, leafValue } = c;
  const internal = (1 << depth) - 1;
  const leaves = 1 << depth;
  let margin = baseMargin;
  let t = 0;
  for (; t + 3 < nTrees; t += 4) {
    const o0 = t * internal;
    const o1 = o0 + internal;
    const o2 = o1 + internal;
    const o3 = o2 + internal;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    for (let level = 0; level < depth; level++) {
      // Right child when x ≥ threshold; a missing value (x !== x) goes where the split learned.
      let v = x[feature[o0 + s0]!]!;
      s0 = 2 * s0 + 1 + (v !== v ? missingRight[o0 + s0]! : +(v >= threshold[o0 + s0]!));
      v = x[feature[o1 + s1]!]!;
      s1 = 2 * s1 + 1 + (v !== v ? missingRight[o1 + s1]! : +(v >= threshold[o1 + s1]!));
      v = x[feature[o2 + s2]!]!;
      s2 = 2 * s2 + 1 + (v !== v ? missingRight[o2 + s2]! : +(v >= threshold[o2 + s2]!));
      v = x[feature[o3 + s3]!]!;
      s3 = 2 * s3 + 1 + (v !== v ? missingRight[o3 + s3]! : +(v >= threshold[o3 + s3]!));
    }
    margin = Math.fround(margin + leafValue[t * leaves + s0 - internal]!);
    margin = Math.fround(margin + leafValue[(t + 1) * leaves + s1 - internal]!);
    margin = Math.fround(margin + leafValue[(t + 2) * leaves + s2 - internal]!);
    margin = Math.fround(margin + leafValue[(t + 3) * leaves + s3 - internal]!);
  }
  for (; t < nTrees; t++) {
    const o = t * internal;
    let s = 0;
    for (let level = 0; level < depth; level++) {
      const v = x[feature[o + s]!]!;
      s = 2 * s + 1 + (v !== v ? missingRight[o + s]! : +(v >= threshold[o + s]!));
    }
    margin = Math.fround(margin + leafValue[t * leaves + s - internal]!);
  }
  return margin;
}

/** Build a predictor from an artifact object or its JSON text (validated). */
export function loadGbdt(input: string | unknown): GbdtPredictor {
  return new GbdtPredictor(parseGbdt(input));
}
