// A forest compiled to JavaScript: each tree becomes nested ifs on constants, which V8 compiles to
// machine code, so a row's walk reads only the row (the node-table walk waits on a chain of loads at
// every step, and shares one branch instruction among all nodes, which the processor cannot predict)
// — 8.7 → 2.7 µs for the bench's 300 trees. The code adds exactly what the node-table walk adds, in
// the same order: path contributions root to leaf, tree after tree, and leaf values summed in
// float32, so the results are the same to the last bit.
import type { FlatForest } from './forest.js';

/** Adds the row's path contributions into `contributions` and returns the margin. */
export type CompiledExplain = (row: Float32Array, contributions: Float64Array) => number;

/**
 * Which forests are compiled. Past MAX_COMPILED_NODES the code (≈ 60 bytes of source a node) and its
 * warm-up grow too large. Full trees gain little: a row's path touches a few lines of a long stretch
 * of machine code in each tree (the inference bench's 300 XGBoost trees of depth 6, 105 nodes each,
 * on random rows: median 19.4 µs compiled against 23.2 µs as a node table, but p99 104 against 42 µs);
 * the trees riskgate trains (the decisions bench's model: 20 nodes each) explain in 2.7 µs against 8.7.
 */
export const MAX_COMPILED_NODES = 30_000;
const MAX_MEAN_TREE_NODES = 64;

export function worthCompiling(forest: FlatForest, maxNodes = MAX_COMPILED_NODES): boolean {
  const nodes = forest.feature.length;
  return nodes <= maxNodes && nodes <= MAX_MEAN_TREE_NODES * forest.nTrees;
}

/**
 * Nodes per generated function (whole trees; a larger tree gets one of its own): V8 does not optimise
 * a function past ~60 KB of bytecode, and one left to the interpreter explains a row 15× slower
 * (1,500 nodes went over; 400–1,000 measured alike).
 */
const NODES_PER_FUNCTION = 600;

type Part = (x: Float32Array, c: Float64Array, m: number) => number;

/**
 * `gainInto[node]` is what stepping into `node` credits its parent's split feature with (the change in
 * expected value). Numbers are written as JavaScript's shortest round-trip text, so every constant in
 * the code is the very double (or float32 value) of the forest; nothing but numbers is written into it.
 * One generated function at a time, each compiled and warmed up (see warmUp) in its own turn of the
 * event loop (a few ms each): a server that loads a model while it decides is not held for the whole.
 */
export async function compileExplain(forest: FlatForest, gainInto: Float64Array, nodesPerFunction = NODES_PER_FUNCTION): Promise<CompiledExplain> {
  const groups: string[][] = [[]];
  const treesOf: number[][] = [[]];
  let nodesInGroup = 0;
  for (let t = 0; t < forest.nTrees; t++) {
    const lines: string[] = [];
    const size = emitNode(forest, gainInto, forest.treeRoots[t]!, lines);
    if (nodesInGroup > 0 && nodesInGroup + size > nodesPerFunction) {
      groups.push([]);
      treesOf.push([]);
      nodesInGroup = 0;
    }
    groups[groups.length - 1]!.push(lines.join('\n'));
    treesOf[treesOf.length - 1]!.push(t);
    nodesInGroup += size;
  }
  const parts: Part[] = [];
  for (const [i, trees] of groups.entries()) {
    await new Promise((resolve) => setTimeout(resolve, 0));
    const part = new Function('fround', `return function forestPart(x, c, m) {\n${trees.join('\n')}\nreturn m;\n};`)(Math.fround) as Part;
    warmUp(forest, treesOf[i]!, part);
    parts.push(part);
  }
  const baseMargin = forest.baseMargin;
  if (parts.length === 1) {
    const only = parts[0]!;
    return (row, contributions) => only(row, contributions, baseMargin);
  }
  return (row, contributions) => {
    let margin = baseMargin;
    for (let i = 0; i < parts.length; i++) margin = parts[i]!(row, contributions, margin);
    return margin;
  };
}

/** Appends the code of the subtree at `node`; returns its number of nodes. */
function emitNode(f: FlatForest, gainInto: Float64Array, node: number, out: string[]): number {
  const feature = f.feature[node]!;
  if (feature < 0) {
    out.push(`m = fround(m + ${literal(f.value[node]!)});`);
    return 1;
  }
  const l = f.left[node]!;
  const r = f.right[node]!;
  // NaN fails every comparison: `x < t` sends a missing value right, `!(x >= t)` sends it left.
  const x = `x[${feature}]`;
  const threshold = literal(f.threshold[node]!);
  out.push(f.defaultLeft[node] ? `if (!(${x} >= ${threshold})) {` : `if (${x} < ${threshold}) {`);
  out.push(`c[${feature}] += ${literal(gainInto[l]!)};`);
  let size = 1 + emitNode(f, gainInto, l, out);
  out.push('} else {');
  out.push(`c[${feature}] += ${literal(gainInto[r]!)};`);
  size += emitNode(f, gainInto, r, out);
  out.push('}');
  return size;
}

function literal(n: number): string {
  return Object.is(n, -0) ? '-0' : String(n);
}

/**
 * Runs `part` down every path of its trees that a row can take. V8 optimises a function with the
 * types it has seen at each operation, and code never run has seen none: optimised code that reaches
 * it is thrown away ("insufficient type feedback") and the function runs in the interpreter until it
 * is optimised again — for the decisions that first meet a rare path, hours after start. Warmed up,
 * every operation has been seen (the bench's model: no such deoptimisation in 100k decisions).
 */
function warmUp(forest: FlatForest, trees: readonly number[], part: Part): void {
  const scratch = new Float64Array(forest.nFeatures);
  const rows = trees.flatMap((t) => [...pathRows(forest, forest.treeRoots[t]!)]);
  // Twice: V8 gives a function somewhere to keep what it sees only after its first calls.
  for (let pass = 0; pass < 2; pass++) for (const row of rows) part(row, scratch, 0);
}

/**
 * For every leaf under `root` that some row reaches, a row that reaches it (features the path does
 * not test are 0.5). A leaf no row reaches (a path that asks x < 1 and then x ≥ 2) is skipped.
 */
export function* pathRows(forest: FlatForest, root: number): Generator<Float32Array> {
  const n = forest.nFeatures;
  // Per feature, the values the path allows so far: [low, high), and whether NaN (missing) is one.
  const low = new Float64Array(n).fill(-Infinity);
  const high = new Float64Array(n).fill(Infinity);
  const nanAllowed = new Uint8Array(n).fill(1);
  const tested: number[] = [];
  function* visit(node: number): Generator<Float32Array> {
    const f = forest.feature[node]!;
    if (f < 0) {
      const row = new Float32Array(n).fill(0.5);
      for (const g of tested) {
        if (low[g]! < high[g]!) row[g] = low[g] !== -Infinity ? low[g]! : high[g] !== Infinity ? below(high[g]!) : 0.5;
        else if (nanAllowed[g]) row[g] = NaN;
        else return;
      }
      yield row;
      return;
    }
    const saved = [low[f]!, high[f]!, nanAllowed[f]!] as const;
    tested.push(f);
    const threshold = forest.threshold[node]!;
    const missingLeft = forest.defaultLeft[node] === 1;
    // Left: x < threshold, or missing where missing goes left.
    high[f] = Math.min(saved[1], threshold);
    nanAllowed[f] = saved[2] && missingLeft ? 1 : 0;
    yield* visit(forest.left[node]!);
    [low[f], high[f], nanAllowed[f]] = saved;
    // Right: x ≥ threshold, or missing where missing goes right.
    low[f] = Math.max(saved[0], threshold);
    nanAllowed[f] = saved[2] && !missingLeft ? 1 : 0;
    yield* visit(forest.right[node]!);
    [low[f], high[f], nanAllowed[f]] = saved;
    tested.pop();
  }
  yield* visit(root);
}

/** The largest float32 value below `x` (a row value that is < x once stored as float32). */
function below(x: number): number {
  const bits = new Float32Array([x]);
  const ints = new Int32Array(bits.buffer);
  if (x > 0) ints[0]! -= 1;
  else if (x < 0) ints[0]! += 1;
  else return -1e-30;
  return bits[0]!;
}
