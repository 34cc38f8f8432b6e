// The two per-row loops of tree growing: histogram building and row partitioning. Both are
// self-contained functions (no imports, no closures, no helpers) because worker threads run them
// from their source text (parallel.ts).
//
// Histogram layout: feature f owns slots slotOffsets[f] .. slotOffsets[f + 1] − 1 (its first slot
// is the missing bin); slot s keeps the gradient sum at 2s and the hessian sum at 2s + 1, as
// Float64 so sums over a million rows lose nothing.

/**
 * Zero, then fill, the histogram slots of features[featureFrom..featureTo) from the rows
 * rows[start..end). rowBins is row-major (nCols bytes per row); gradHess holds (g, h) pairs per row.
 */
export function accumulateHistogram(
  hist: Float64Array,
  rowBins: Uint8Array,
  nCols: number,
  gradHess: Float64Array,
  rows: Uint32Array,
  start: number,
  end: number,
  features: Int32Array,
  featureFrom: number,
  featureTo: number,
  slotOffsets: Int32Array,
): void {
  for (let j = featureFrom; j < featureTo; j++) {
    const f = features[j]!;
    hist.fill(0, 2 * slotOffsets[f]!, 2 * slotOffsets[f + 1]!);
  }
  // Eight rows per step: eight independent gradient pairs in registers keep the CPU's load/add
  // pipelines busy and overlap the cache misses of scattered rows (measured on 800k × 30:
  // 2.95 ns per accumulation against 3.6 with four rows per step and 3.4+ with one).
  let i = start;
  for (; i + 7 < end; i += 8) {
    const r0 = rows[i]!;
    const r1 = rows[i + 1]!;
    const r2 = rows[i + 2]!;
    const r3 = rows[i + 3]!;
    const r4 = rows[i + 4]!;
    const r5 = rows[i + 5]!;
    const r6 = rows[i + 6]!;
    const r7 = rows[i + 7]!;
    const g0 = gradHess[2 * r0]!;
    const h0 = gradHess[2 * r0 + 1]!;
    const g1 = gradHess[2 * r1]!;
    const h1 = gradHess[2 * r1 + 1]!;
    const g2 = gradHess[2 * r2]!;
    const h2 = gradHess[2 * r2 + 1]!;
    const g3 = gradHess[2 * r3]!;
    const h3 = gradHess[2 * r3 + 1]!;
    const g4 = gradHess[2 * r4]!;
    const h4 = gradHess[2 * r4 + 1]!;
    const g5 = gradHess[2 * r5]!;
    const h5 = gradHess[2 * r5 + 1]!;
    const g6 = gradHess[2 * r6]!;
    const h6 = gradHess[2 * r6 + 1]!;
    const g7 = gradHess[2 * r7]!;
    const h7 = gradHess[2 * r7 + 1]!;
    const b0 = r0 * nCols;
    const b1 = r1 * nCols;
    const b2 = r2 * nCols;
    const b3 = r3 * nCols;
    const b4 = r4 * nCols;
    const b5 = r5 * nCols;
    const b6 = r6 * nCols;
    const b7 = r7 * nCols;
    for (let j = featureFrom; j < featureTo; j++) {
      const f = features[j]!;
      const offset = slotOffsets[f]!;
      let s = (offset + rowBins[b0 + f]!) << 1;
      hist[s]! += g0;
      hist[s + 1]! += h0;
      s = (offset + rowBins[b1 + f]!) << 1;
      hist[s]! += g1;
      hist[s + 1]! += h1;
      s = (offset + rowBins[b2 + f]!) << 1;
      hist[s]! += g2;
      hist[s + 1]! += h2;
      s = (offset + rowBins[b3 + f]!) << 1;
      hist[s]! += g3;
      hist[s + 1]! += h3;
      s = (offset + rowBins[b4 + f]!) << 1;
      hist[s]! += g4;
      hist[s + 1]! += h4;
      s = (offset + rowBins[b5 + f]!) << 1;
      hist[s]! += g5;
      hist[s + 1]! += h5;
      s = (offset + rowBins[b6 + f]!) << 1;
      hist[s]! += g6;
      hist[s + 1]! += h6;
      s = (offset + rowBins[b7 + f]!) << 1;
      hist[s]! += g7;
      hist[s + 1]! += h7;
    }
  }
  for (; i < end; i++) {
    const r = rows[i]!;
    const g = gradHess[2 * r]!;
    const h = gradHess[2 * r + 1]!;
    const base = r * nCols;
    for (let j = featureFrom; j < featureTo; j++) {
      const f = features[j]!;
      const s = (slotOffsets[f]! + rowBins[base + f]!) << 1;
      hist[s]! += g;
      hist[s + 1]! += h;
    }
  }
}

/**
 * Stable partition of rows[start..end) by one split: rows going left are compacted in place from
 * `start`; rows going right are written to scratch[start..]. Returns how many went left.
 * Branch-free: each row is written to both sides and only the cursor of its side moves, because
 * which side a row takes is a coin flip the CPU cannot predict.
 */
export function partitionRange(
  rows: Uint32Array,
  scratch: Uint32Array,
  columnBins: Uint8Array,
  nRows: number,
  start: number,
  end: number,
  feature: number,
  bin: number,
  missingRight: number,
): number {
  const offset = feature * nRows;
  let nextLeft = start;
  let nextRight = start;
  for (let i = start; i < end; i++) {
    const row = rows[i]!;
    const b = columnBins[offset + row]!;
    // 1 when b ≤ bin (the missing bin 0 included), flipped for missing rows that go right.
    const left = ((b - 1 - bin) >>> 31) ^ (((b - 1) >>> 31) & missingRight);
    rows[nextLeft] = row;
    scratch[nextRight] = row;
    nextLeft += left;
    nextRight += 1 - left;
  }
  return nextLeft - start;
}

/** target -= other over the slots of the listed features: the sibling's histogram from the parent's. */
export function subtractHistogram(
  target: Float64Array,
  other: Float64Array,
  features: Int32Array,
  nFeatures: number,
  slotOffsets: Int32Array,
): void {
  for (let j = 0; j < nFeatures; j++) {
    const f = features[j]!;
    const end = 2 * slotOffsets[f + 1]!;
    for (let s = 2 * slotOffsets[f]!; s < end; s++) target[s]! -= other[s]!;
  }
}

