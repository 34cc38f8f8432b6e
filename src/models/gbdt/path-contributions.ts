// Path contributions (Saabas; XGBoost's `approx_contribs`): walk the row's path in every tree and
// credit each split's feature with the change in the node's expected value. Like TreeSHAP they sum
// with the bias to the margin, but they cost one tree walk instead of milliseconds, so every decision
// can carry its top reasons; exact TreeSHAP stays available for a case page.
import { compileExplain, worthCompiling, type CompiledExplain, type CompileOptions } from './compiled.js';
import type { FlatForest } from './forest.js';
import type { ShapValues } from './shap.js';

/**
 * One node in 24 bytes, everything a step of the walk reads on one or two cache lines (the forest's
 * separate arrays cost a miss each): int32 0 the split feature with the default-left flag in bit 30
 * (−1 for a leaf), float32 1 the threshold (a leaf's value), int32 2 and 3 the children, float64 at
 * byte 16 the change in expected value from the parent to this node — what stepping into it credits.
 */
const STRIDE = 6;
const DEFAULT_LEFT = 1 << 30;
const FEATURE = DEFAULT_LEFT - 1;

/** Explanations after which the trees are compiled (see ready). */
const HOT_CALLS = 1_000;

export class PathExplainer {
  readonly bias: number;
  private readonly ints: Int32Array;
  private readonly floats: Float32Array;
  private readonly gains: Float64Array;
  /** The forest as code (see compiled.ts) once it is compiled, if it is worth it; until then and otherwise the node table is walked. */
  private compiled: CompiledExplain | undefined;
  private compiling: Promise<void> | undefined;
  private readonly compileWorthIt: boolean;
  private readonly compileOptions: CompileOptions;
  private calls = 0;

  /** `limits` are for tests: which forests are compiled, and how (see CompileOptions). */
  constructor(
    private readonly forest: FlatForest,
    limits: { maxCompiledNodes?: number } & CompileOptions = {},
  ) {
    const mean = new Float64Array(forest.feature.length);
    let bias = forest.baseMargin;
    for (let t = 0; t < forest.nTrees; t++) bias += fillMean(forest, mean, forest.treeRoots[t]!);
    this.bias = bias;
    const buffer = new ArrayBuffer(forest.feature.length * STRIDE * 4);
    this.ints = new Int32Array(buffer);
    this.floats = new Float32Array(buffer);
    this.gains = new Float64Array(buffer);
    for (let node = 0; node < forest.feature.length; node++) {
      const at = node * STRIDE;
      const f = forest.feature[node]!;
      if (f < 0) {
        this.ints[at] = -1;
        this.floats[at + 1] = forest.value[node]!;
        continue;
      }
      this.ints[at] = f | (forest.defaultLeft[node] ? DEFAULT_LEFT : 0);
      this.floats[at + 1] = forest.threshold[node]!;
      const l = forest.left[node]!;
      const r = forest.right[node]!;
      this.ints[at + 2] = l;
      this.ints[at + 3] = r;
      this.gains[l * 3 + 2] = mean[l]! - mean[node]!;
      this.gains[r * 3 + 2] = mean[r]! - mean[node]!;
    }
    const { maxCompiledNodes, ...compileOptions } = limits;
    this.compileWorthIt = worthCompiling(forest, maxCompiledNodes);
    this.compileOptions = compileOptions;
  }

  /**
   * Resolves when the explainer runs at full speed (its trees compiled, if that is worth it); the
   * answers are the same before. Starts the compilation if it has not started: it otherwise starts
   * once the explainer is in use (HOT_CALLS explanations), so that a command that explains a few rows
   * and exits does not compile a forest first.
   */
  get ready(): Promise<void> {
    this.compiling ??= this.compile();
    return this.compiling;
  }

  private async compile(): Promise<void> {
    if (!this.compileWorthIt) return;
    const forest = this.forest;
    const gainInto = new Float64Array(forest.feature.length);
    for (let node = 0; node < gainInto.length; node++) gainInto[node] = this.gains[node * 3 + 2]!;
    try {
      this.compiled = await compileExplain(forest, gainInto, this.compileOptions);
    } catch (error) {
      process.stderr.write(`riskgate: a model's trees could not be compiled to code (${String(error)}); reasons are computed from the node table, with the same results\n`);
    }
  }

  /** Whether rows are explained by the compiled code now (for tests and diagnostics). */
  get isCompiled(): boolean {
    return this.compiled !== undefined;
  }

  explain(row: Float32Array, contributions: Float64Array = new Float64Array(this.forest.nFeatures)): ShapValues & { margin: number } {
    contributions.fill(0);
    if (this.compiled) return { bias: this.bias, contributions, margin: this.compiled(row, contributions) };
    if (++this.calls === HOT_CALLS) void this.ready;
    const { treeRoots, baseMargin } = this.forest;
    const { ints, floats, gains } = this;
    // The walk reaches each tree's leaf anyway: summing the leaves in float32, as scoring does, gives
    // the exact margin in the same pass.
    let margin = baseMargin;
    for (let t = 0; t < treeRoots.length; t++) {
      let at = treeRoots[t]! * STRIDE;
      for (let code = ints[at]!; code >= 0; code = ints[at]!) {
        const f = code & FEATURE;
        const x = row[f]!;
        const next = x !== x ? ints[at + ((code & DEFAULT_LEFT) !== 0 ? 2 : 3)]! : ints[at + (x < floats[at + 1]! ? 2 : 3)]!;
        contributions[f]! += gains[next * 3 + 2]!;
        at = next * STRIDE;
      }
      margin = Math.fround(margin + floats[at + 1]!);
    }
    return { bias: this.bias, contributions, margin };
  }
}

/** Cover-weighted mean leaf value under every node, filled into `mean`; returns the root's. */
function fillMean(f: FlatForest, mean: Float64Array, node: number): number {
  if (f.feature[node]! < 0) return (mean[node] = f.value[node]!);
  const l = f.left[node]!;
  const r = f.right[node]!;
  const m = (fillMean(f, mean, l) * f.cover[l]! + fillMean(f, mean, r) * f.cover[r]!) / f.cover[node]!;
  return (mean[node] = m);
}
