import { ModelInputError } from './errors.js';

/**
 * A numeric feature matrix. NaN means missing. Float32 because that is what the model compares
 * against (thresholds are float32, as in XGBoost) and it halves the memory of a training set.
 * - 'columns': one Float32Array per feature, each nRows long (what a feature store backfill
 *   naturally produces);
 * - 'rows': one row-major Float32Array of nRows × nCols (what numpy hands over).
 */
export type FeatureMatrix =
  | { layout: 'columns'; columns: readonly Float32Array[] }
  | { layout: 'rows'; values: Float32Array; nRows: number; nCols: number };

/** Labeled rows: labels are 0/1; optional non-negative sample weights. */
export interface LabeledSet {
  features: FeatureMatrix;
  labels: ArrayLike<number>;
  weights?: ArrayLike<number>;
}

export interface ValidatedSet {
  nRows: number;
  nCols: number;
  labels: Uint8Array;
  /** Per-row weights, or undefined when none were given (every row weighs 1). */
  weights: Float64Array | undefined;
}

export function matrixShape(m: FeatureMatrix, what = 'feature matrix'): { nRows: number; nCols: number } {
  if (m.layout === 'columns') {
    const nCols = m.columns.length;
    const nRows = m.columns[0]?.length ?? 0;
    m.columns.forEach((c, f) => {
      if (!(c instanceof Float32Array)) throw new ModelInputError(`${what}: column ${f} is not a Float32Array`);
      if (c.length !== nRows) throw new ModelInputError(`${what}: column ${f} has ${c.length} rows, column 0 has ${nRows}`);
    });
    return { nRows, nCols };
  }
  if (m.layout === 'rows') {
    const { nRows, nCols, values } = m;
    if (!Number.isInteger(nRows) || nRows < 0 || !Number.isInteger(nCols) || nCols < 0) {
      throw new ModelInputError(`${what}: nRows and nCols must be non-negative integers, got ${nRows} × ${nCols}`);
    }
    if (!(values instanceof Float32Array)) throw new ModelInputError(`${what}: values is not a Float32Array`);
    if (values.length !== nRows * nCols) {
      throw new ModelInputError(`${what}: values has ${values.length} entries, expected nRows × nCols = ${nRows * nCols}`);
    }
    return { nRows, nCols };
  }
  throw new ModelInputError(`${what}: layout must be 'columns' or 'rows'`);
}

/**
 * Visit the matrix in chunks of rows, each as one contiguous Float32Array per feature: views
 * for 'columns'; for 'rows', a cache-friendly transpose of the chunk (reading a whole row-major
 * matrix one column at a time would pull every cache line in once per feature).
 */
export function forEachColumnChunk(
  m: FeatureMatrix,
  nRows: number,
  nCols: number,
  visit: (start: number, columns: readonly Float32Array[]) => void,
  chunkRows = 8192,
): void {
  if (m.layout === 'columns') {
    for (let start = 0; start < nRows; start += chunkRows) {
      const end = Math.min(nRows, start + chunkRows);
      visit(start, m.columns.map((c) => c.subarray(start, end)));
    }
    return;
  }
  const buffers = Array.from({ length: nCols }, () => new Float32Array(chunkRows));
  const { values } = m;
  for (let start = 0; start < nRows; start += chunkRows) {
    const length = Math.min(chunkRows, nRows - start);
    for (let i = 0, base = start * nCols; i < length; i++, base += nCols) {
      for (let f = 0; f < nCols; f++) buffers[f]![i] = values[base + f]!;
    }
    visit(start, length === chunkRows ? buffers : buffers.map((b) => b.subarray(0, length)));
  }
}

/** Row `r` copied into `out` (length ≥ nCols). */
export function copyRow(m: FeatureMatrix, r: number, out: Float32Array): void {
  if (m.layout === 'rows') {
    out.set(m.values.subarray(r * m.nCols, (r + 1) * m.nCols));
    return;
  }
  const cols = m.columns;
  for (let f = 0; f < cols.length; f++) out[f] = cols[f]![r]!;
}

/** Check a labeled set and normalise labels/weights; every message names the set, row and problem. */
export function validateLabeledSet(set: LabeledSet, what: string, expectedCols?: number): ValidatedSet {
  const { nRows, nCols } = matrixShape(set.features, what);
  if (nRows === 0) throw new ModelInputError(`${what} is empty (0 rows)`);
  if (nCols === 0) throw new ModelInputError(`${what} has no features (0 columns)`);
  if (expectedCols !== undefined && nCols !== expectedCols) {
    throw new ModelInputError(`${what} has ${nCols} features, the training set has ${expectedCols}`);
  }
  if (set.labels.length !== nRows) {
    throw new ModelInputError(`${what}: ${set.labels.length} labels for ${nRows} rows`);
  }
  const labels = new Uint8Array(nRows);
  for (let r = 0; r < nRows; r++) {
    const y = set.labels[r];
    if (y !== 0 && y !== 1) throw new ModelInputError(`${what}: label at row ${r} is ${String(y)}; labels must be 0 or 1`);
    labels[r] = y;
  }
  let weights: Float64Array | undefined;
  if (set.weights !== undefined) {
    if (set.weights.length !== nRows) throw new ModelInputError(`${what}: ${set.weights.length} weights for ${nRows} rows`);
    weights = new Float64Array(nRows);
    let total = 0;
    for (let r = 0; r < nRows; r++) {
      const w = set.weights[r]!;
      if (typeof w !== 'number' || !Number.isFinite(w) || w < 0) {
        throw new ModelInputError(`${what}: weight at row ${r} is ${String(w)}; weights must be finite and ≥ 0`);
      }
      weights[r] = w;
      total += w;
    }
    if (!(total > 0)) throw new ModelInputError(`${what}: all weights are 0`);
  }
  return { nRows, nCols, labels, weights };
}

/** Refuse a training set whose labels are all one class: nothing can be learned from it. */
export function requireBothClasses(set: ValidatedSet, what: string): void {
  let positives = 0;
  for (let r = 0; r < set.nRows; r++) positives += set.labels[r]!;
  if (positives === 0 || positives === set.nRows) {
    throw new ModelInputError(`${what} has only one class (every label is ${positives === 0 ? 0 : 1}); need both 0 and 1`);
  }
}

/** Default feature names are XGBoost's (f0, f1, …); given names must be unique and match the column count. */
export function resolveFeatureNames(names: readonly string[] | undefined, nCols: number): string[] {
  if (names === undefined) return Array.from({ length: nCols }, (_, f) => `f${f}`);
  if (names.length !== nCols) throw new ModelInputError(`featureNames has ${names.length} names for ${nCols} features`);
  const seen = new Set<string>();
  for (const name of names) {
    if (typeof name !== 'string' || name === '') throw new ModelInputError('featureNames must be non-empty strings');
    if (seen.has(name)) throw new ModelInputError(`featureNames: "${name}" appears twice`);
    seen.add(name);
  }
  return [...names];
}
