import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { binMatrix, computeCuts } from './binning.js';
import { GbdtPredictor, loadGbdt, ModelInputError, parseGbdt, serializeGbdt, trainGbdt, type GbdtArtifact, type TreeArrays } from './index.js';
import { worthCompiling } from './compiled.js';
import { flattenForest, type FlatForest } from './forest.js';
import { PathExplainer } from './path-contributions.js';
import { Prng } from './prng.js';
import { randomTree } from '../../../test/support/trees.js';

/** `depth` splits on x0 < 1 down the left side; x0 = 0 reaches the deepest leaf, worth `depth`. */
function chain(depth: number): TreeArrays {
  const tree: TreeArrays = { left: [], right: [], feature: [], threshold: [], defaultLeft: [], value: [], cover: [] };
  // Node 2d splits: left to the next split (or, last, to the deep leaf 2·depth), right to leaf 2d + 1.
  for (let d = 0; d < depth; d++) {
    tree.left.push(2 * d + 2, -1);
    tree.right.push(2 * d + 1, -1);
    tree.feature.push(0, -1);
    tree.threshold.push(1, 0);
    tree.defaultLeft.push(0, 0);
    tree.value.push(0, -1);
    tree.cover.push(depth - d + 1, 1);
  }
  tree.left.push(-1);
  tree.right.push(-1);
  tree.feature.push(-1);
  tree.threshold.push(0);
  tree.defaultLeft.push(0);
  tree.value.push(depth);
  tree.cover.push(1);
  return tree;
}

function randomModel(seed: number, nFeatures: number, nTrees: number, depth: number): GbdtArtifact {
  const prng = new Prng(seed);
  return {
    format: 'riskgate-gbdt',
    version: 1,
    objective: 'binary:logistic',
    source: 'riskgate',
    featureNames: Array.from({ length: nFeatures }, (_, f) => `x${f}`),
    baseScore: 0.05 + 0.9 * prng.nextFloat(),
    params: null,
    training: null,
    trees: Array.from({ length: nTrees }, () => randomTree(prng, nFeatures, depth)),
  };
}

const rowArb = (nFeatures: number) =>
  fc.array(fc.oneof(fc.float({ min: -1.5, max: 1.5, noNaN: true }), fc.constant(NaN)), { minLength: nFeatures, maxLength: nFeatures });

/** Reference traversal over the artifact itself, independent of the flattened arrays. */
function referenceLeafValue(tree: TreeArrays, row: number[]): number {
  let node = 0;
  while (tree.feature[node]! >= 0) {
    const x = Math.fround(row[tree.feature[node]!]!);
    if (Number.isNaN(x)) node = tree.defaultLeft[node] ? tree.left[node]! : tree.right[node]!;
    else node = x < tree.threshold[node]! ? tree.left[node]! : tree.right[node]!;
  }
  return tree.value[node]!;
}

/** The plain walk the path explainer must reproduce, addition for addition: tree after tree, root to leaf. */
function referencePathContributions(forest: FlatForest, row: Float32Array): { contributions: Float64Array; margin: number } {
  const mean = new Float64Array(forest.feature.length);
  const fill = (node: number): number => {
    if (forest.feature[node]! < 0) return (mean[node] = forest.value[node]!);
    const l = forest.left[node]!;
    const r = forest.right[node]!;
    return (mean[node] = (fill(l) * forest.cover[l]! + fill(r) * forest.cover[r]!) / forest.cover[node]!);
  };
  const contributions = new Float64Array(forest.nFeatures);
  let margin = forest.baseMargin;
  for (const root of forest.treeRoots) {
    fill(root);
    let node = root;
    while (forest.feature[node]! >= 0) {
      const x = row[forest.feature[node]!]!;
      const left = x !== x ? forest.defaultLeft[node] === 1 : x < forest.threshold[node]!;
      const next = left ? forest.left[node]! : forest.right[node]!;
      contributions[forest.feature[node]!]! += mean[next]! - mean[node]!;
      node = next;
    }
    margin = Math.fround(margin + forest.value[node]!);
  }
  return { contributions, margin };
}

describe('GbdtPredictor properties', () => {
  it('predictMargin is the float32 sum of the per-tree traversals, from the base margin', () => {
    fc.assert(
      // Depths up to 11 cover both layouts: complete trees (≤ 8) and the node table (deeper).
      fc.property(fc.integer({ min: 0, max: 1e6 }), fc.integer({ min: 1, max: 30 }), fc.integer({ min: 0, max: 11 }), rowArb(5), (seed, nTrees, depth, row) => {
        const model = randomModel(seed, 5, nTrees, depth);
        const predictor = new GbdtPredictor(model);
        let expected = Math.fround(Math.log(model.baseScore / (1 - model.baseScore)));
        model.trees.forEach((tree, t) => {
          const value = referenceLeafValue(tree, row);
          expect(predictor.treeValue(t, row)).toBe(value);
          expected = Math.fround(expected + value);
        });
        expect(predictor.predictMargin(row)).toBe(expected);
      }),
      { numRuns: 200 },
    );
  });

  it('serialise → load round-trips predictions and explanations exactly', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e6 }), fc.array(rowArb(4), { minLength: 1, maxLength: 5 }), (seed, rows) => {
        const model = randomModel(seed, 4, 10, 4);
        const original = new GbdtPredictor(model);
        const text = serializeGbdt(model);
        const reloaded = loadGbdt(text);
        expect(serializeGbdt(reloaded.artifact)).toBe(text);
        for (const row of rows) {
          expect(reloaded.predictMargin(row)).toBe(original.predictMargin(row));
          expect(reloaded.explain(row)).toEqual(original.explain(row));
        }
      }),
      { numRuns: 100 },
    );
  });

  it('TreeSHAP contributions plus the bias sum to the margin (within 1e-5)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e6 }), fc.integer({ min: 0, max: 8 }), rowArb(6), (seed, depth, row) => {
        const predictor = new GbdtPredictor(randomModel(seed, 6, 8, depth));
        const { bias, contributions } = predictor.explain(row);
        const sum = contributions.reduce((a, b) => a + b, bias);
        expect(Math.abs(sum - predictor.predictMargin(row))).toBeLessThan(1e-5);
      }),
      { numRuns: 200 },
    );
  });

  it('path contributions plus the bias sum to the margin, with the same bias as TreeSHAP', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e6 }), fc.integer({ min: 0, max: 8 }), rowArb(6), (seed, depth, row) => {
        const predictor = new GbdtPredictor(randomModel(seed, 6, 8, depth));
        const fast = predictor.explainFast(row);
        const sum = fast.contributions.reduce((a, b) => a + b, fast.bias);
        expect(Math.abs(sum - predictor.predictMargin(row))).toBeLessThan(1e-5);
        expect(fast.margin).toBe(predictor.predictMargin(row));
        expect(fast.bias).toBeCloseTo(predictor.explain(row).bias, 9);
      }),
      { numRuns: 200 },
    );
  });

  it('path contributions are one tree after another, root to leaf, to the last bit (replays of earlier decisions depend on it)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 1e6 }), fc.integer({ min: 0, max: 10 }), fc.integer({ min: 1, max: 11 }), rowArb(6), async (seed, depth, nTrees, row) => {
        const predictor = new GbdtPredictor(randomModel(seed, 6, nTrees, depth));
        const x = Float32Array.from(row);
        const expected = referencePathContributions(predictor.forest, x);
        // Walked as a node table, and once compiled to code — in one function, in many; as served
        // (the code once V8 has optimised it, else the node table) and whether or not it is optimised.
        for (const limits of [{}, { waitForOptimisation: false }, { nodesPerFunction: 5, waitForOptimisation: false }, { maxCompiledNodes: 0 }]) {
          const explainer = new PathExplainer(predictor.forest, limits);
          for (let stage = 0; stage < 2; stage++) {
            if (stage === 1) await explainer.ready;
            const actual = explainer.explain(x);
            const how = `${JSON.stringify(limits)}, ${explainer.isCompiled ? 'compiled' : 'node table'}`;
            expect(actual.margin, how).toBe(expected.margin);
            expected.contributions.forEach((c, f) => expect(Object.is(actual.contributions[f], c), `${how}: feature ${f}: ${actual.contributions[f]} vs ${c}`).toBe(true));
          }
          if ('waitForOptimisation' in limits) expect(explainer.isCompiled).toBe(worthCompiling(predictor.forest));
          if ('maxCompiledNodes' in limits) expect(explainer.isCompiled).toBe(false);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('path contributions stay identical with ±0, ±Infinity, subnormal and equal values, and NaN or infinite gains', async () => {
    const special = [-Infinity, -1, -0, 0, 1.401298464324817e-45, 0.5, 1, Infinity];
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 1e6 }), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 0, max: 6 }), async (seed, nTrees, depth) => {
        const prng = new Prng(seed);
        const trees = Array.from({ length: nTrees }, () => {
          const tree = randomTree(prng, 4, depth);
          tree.threshold = tree.threshold.map(() => special[prng.nextInt(special.length)]!);
          tree.value = tree.value.map((v) => (prng.nextInt(4) === 0 ? -0 : v));
          tree.cover = tree.cover.map((c) => [0, 1e-300, c, 1e300][prng.nextInt(4)]!);
          return tree;
        });
        const forest = flattenForest(trees, 4, 0.5);
        const explainer = new PathExplainer(forest, { waitForOptimisation: false });
        await explainer.ready;
        expect(explainer.isCompiled).toBe(worthCompiling(forest));
        for (let i = 0; i < 40; i++) {
          const x = Float32Array.from({ length: 4 }, () => (prng.nextInt(9) === 0 ? NaN : special[prng.nextInt(special.length)]!));
          const expected = referencePathContributions(forest, x);
          const actual = explainer.explain(x);
          expect(Object.is(actual.margin, expected.margin), `margin ${actual.margin} vs ${expected.margin}, row ${Array.from(x)}`).toBe(true);
          expected.contributions.forEach((c, f) => expect(Object.is(actual.contributions[f], c), `feature ${f}: ${actual.contributions[f]} vs ${c}`).toBe(true));
        }
      }),
      { numRuns: 150 },
    );
  });

  it('compiles a forest once it is in use, not when a command explains a few rows', async () => {
    const forest = new GbdtPredictor(randomModel(3, 6, 20, 3)).forest;
    expect(worthCompiling(forest)).toBe(true);
    const explainer = new PathExplainer(forest, { waitForOptimisation: false });
    const row = new Float32Array(6);
    for (let i = 0; i < 999; i++) explainer.explain(row);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(explainer.isCompiled).toBe(false);
    explainer.explain(row);
    await explainer.ready;
    expect(explainer.isCompiled).toBe(true);
  });

  it('scores deep forests from the node table and shallow ones from complete trees', () => {
    expect(new GbdtPredictor(randomModel(4, 3, 2, 6)).forest.complete).toBeDefined();
    const deep: GbdtArtifact = { ...randomModel(4, 3, 2, 3), trees: [chain(12)] };
    const predictor = new GbdtPredictor(deep);
    expect(predictor.forest.complete).toBeUndefined();
    expect(predictor.predictMargin([0, 0, 0])).toBe(Math.fround(Math.fround(Math.log(deep.baseScore / (1 - deep.baseScore))) + 12));
  });

  it('refuses trees deeper than any booster grows (their walks would recurse past the stack)', () => {
    expect(() => parseGbdt({ ...randomModel(4, 3, 2, 3), trees: [chain(64)] })).not.toThrow();
    expect(() => parseGbdt({ ...randomModel(4, 3, 2, 3), trees: [chain(65)] })).toThrow(/deeper than 64 levels/);
  });

  it('a feature no tree splits on gets no contribution', () => {
    const model = randomModel(3, 3, 5, 4);
    for (const tree of model.trees) tree.feature = tree.feature.map((f) => (f === 2 ? 0 : f));
    expect(new GbdtPredictor(model).explain([0.1, 0.2, 0.3]).contributions[2]).toBe(0);
  });
});

describe('trained models', () => {
  it('explain sums to the margin on a trained model, and the bias is the mean training margin', async () => {
    const prng = new Prng(5);
    const n = 3000;
    const columns = [0, 1, 2].map(() => Float32Array.from({ length: n }, () => (prng.nextFloat() < 0.1 ? NaN : prng.nextFloat())));
    const labels = Uint8Array.from({ length: n }, (_, r) => ((columns[0]![r]! > 0.5) !== (columns[1]![r]! > 0.3) ? 1 : 0));
    const predictor = new GbdtPredictor(await trainGbdt({ features: { layout: 'columns', columns }, labels }, { params: { nRounds: 20, maxDepth: 4 } }));
    const margins = predictor.predictMatrix({ layout: 'columns', columns }, 'margin');
    let meanMargin = 0;
    for (let r = 0; r < n; r++) {
      const row = [columns[0]![r]!, columns[1]![r]!, columns[2]![r]!];
      const { bias, contributions } = predictor.explain(row);
      expect(Math.abs(contributions.reduce((a, b) => a + b, bias) - margins[r]!)).toBeLessThan(1e-5);
      meanMargin += margins[r]! / n;
    }
    // Covers are hessian sums, so the bias is a hessian-weighted mean: close to, not equal to, the plain mean.
    expect(Math.abs(predictor.explain([0, 0, 0]).bias - meanMargin)).toBeLessThan(0.5);
  });
});

describe('inputs and artifacts', () => {
  const predictor = new GbdtPredictor(randomModel(1, 3, 4, 3));

  it('refuses rows of the wrong length', () => {
    expect(() => predictor.predictMargin([1, 2])).toThrow(/row has 2 features, the model expects 3/);
    expect(() => predictor.predictMatrix({ layout: 'rows', values: new Float32Array(4), nRows: 2, nCols: 2 })).toThrow(ModelInputError);
  });

  it('refuses malformed artifacts, naming the problem', () => {
    const model = randomModel(2, 3, 2, 3);
    const broken = (edit: (m: Record<string, unknown> & { trees: TreeArrays[] }) => void): string => {
      const copy = JSON.parse(serializeGbdt(model)) as Record<string, unknown> & { trees: TreeArrays[] };
      edit(copy);
      return JSON.stringify(copy);
    };
    expect(() => parseGbdt('not json')).toThrow(/not valid JSON/);
    expect(() => parseGbdt(broken((m) => (m.format = 'onnx')))).toThrow(/format must be "riskgate-gbdt"/);
    expect(() => parseGbdt(broken((m) => (m.version = 2)))).toThrow(/unsupported version 2/);
    expect(() => parseGbdt(broken((m) => (m.baseScore = 1)))).toThrow(/baseScore must be a probability/);
    expect(() => parseGbdt(broken((m) => m.trees[0]!.value.pop()))).toThrow(/tree 0: value has \d+ entries/);
    const split = model.trees.findIndex((t) => t.feature[0]! >= 0);
    expect(() => parseGbdt(broken((m) => (m.trees[split]!.feature[0] = 7)))).toThrow(new RegExp(`tree ${split}: node 0 splits on feature 7`));
    expect(() => parseGbdt(broken((m) => (m.trees[split]!.left[0] = 0)))).toThrow(/children must come after their parent/);
  });
});

describe('binning', () => {
  it('bins agree with the definition 1 + #(cuts ≤ x), 0 for missing', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.float({ noNaN: true, noDefaultInfinity: true }), fc.constant(NaN), fc.constantFrom(0, -0, 1, 2, 3)), { minLength: 1, maxLength: 400 }),
        fc.integer({ min: 2, max: 256 }),
        (values, maxBin) => {
          const column = Float32Array.from(values);
          const matrix = { layout: 'columns' as const, columns: [column] };
          const [cuts] = computeCuts(matrix, column.length, 1, maxBin, 0);
          expect(cuts!.length).toBeLessThanOrEqual(maxBin - 2);
          for (let i = 1; i < cuts!.length; i++) expect(cuts![i]!).toBeGreaterThan(cuts![i - 1]!);
          const { columnBins } = binMatrix(matrix, column.length, 1, [cuts!]);
          column.forEach((x, r) => {
            const expected = Number.isNaN(x) ? 0 : 1 + cuts!.filter((c) => c <= x).length;
            expect(columnBins[r]).toBe(expected);
          });
        },
      ),
      { numRuns: 200 },
    );
  });
});
