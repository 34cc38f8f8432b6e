// A forest compiled to JavaScript: each tree becomes nested ifs on constants, which V8 compiles to
// machine code, so a row's walk reads only the row (the node-table walk waits on a chain of loads at
// every step, and shares one branch instruction among all nodes, which the processor cannot predict)
// — 8.7 → 2.7 µs for the decisions bench's 300 trees. The code adds exactly what the node-table walk
// adds, in the same order: path contributions root to leaf, tree after tree, and leaf values summed
// in float32, so the results are the same to the last bit.
import type { FlatForest } from './forest.js';

/** Adds the row's path contributions into `contributions` and returns the margin. */
export type CompiledExplain = (row: Float32Array, contributions: Float64Array) => number;

/**
 * Nodes per generated function (whole trees): V8 does not optimise a function past ~60 KB of bytecode,
 * and one left to the interpreter explains a row 15× slower (1,500 nodes went over; 400–1,000
 * measured alike). No tree may be larger (see worthCompiling).
 */
const NODES_PER_FUNCTION = 600;

/**
 * Which forests are compiled: at most MAX_NODES nodes, no tree over NODES_PER_FUNCTION, and trees of
 * at most MAX_MEAN_TREE_NODES nodes on average. Full trees gain little: a row's path touches a few
 * lines of a long stretch of machine code in each tree (the inference bench's 300 XGBoost trees of
 * depth 6, 105 nodes each, on random rows: median 19.4 µs compiled against 23.2 µs as a node table,
 * but p99 104 against 42 µs); the trees riskgate trains (the decisions bench's model: 20 nodes each)
 * explain in 2.7 µs against 8.7. Source text is ≈ 60 bytes a node.
 */
const MAX_NODES = 30_000;
const MAX_MEAN_TREE_NODES = 64;

export function worthCompiling(forest: FlatForest, maxNodes = MAX_NODES): boolean {
  const nodes = forest.feature.length;
  if (nodes > maxNodes || nodes > MAX_MEAN_TREE_NODES * forest.nTrees) return false;
  for (let t = 0; t < forest.nTrees; t++) if (treeSize(forest, t) > NODES_PER_FUNCTION) return false;
  return true;
}

/**
 * Warm-up calls per generated function, at least (see warmUp): with fewer, a function of a few small
 * trees was still thrown away on a branch it had been run down once (16 were enough in that test).
 */
const MIN_WARM_UP_CALLS = 32;

type Part = (x: Float32Array, c: Float64Array, m: number) => number;

/** For tests: smaller functions, and the code used whether or not V8 has optimised it. */
export interface CompileOptions {
  nodesPerFunction?: number;
  waitForOptimisation?: boolean;
}

/**
 * `gainInto[node]` is what stepping into `node` credits its parent's split feature with (the change in
 * expected value). Numbers are written as JavaScript's shortest round-trip text, so every constant in
 * the code is the very double (or float32 value) of the forest; nothing but numbers is written into it.
 * One generated function at a time, its source written and compiled in one turn of the event loop
 * (~1–2 ms), then warmed up and run until optimised in turns of ~1 ms: a server that compiles a model
 * while it decides is not held for long (the longest gaps between turns measured: 8 ms, against 3–5
 * for plain 1-ms turns on the same machine; V8's own work on the code and garbage collection).
 * Undefined when V8 did not optimise a function (it would be slower than the node table). The caller
 * checks worthCompiling first.
 */
export async function compileExplain(
  forest: FlatForest,
  gainInto: Float64Array,
  { nodesPerFunction = NODES_PER_FUNCTION, waitForOptimisation = true }: CompileOptions = {},
): Promise<CompiledExplain | undefined> {
  const groups: number[][] = [[]];
  let nodesInGroup = 0;
  for (let t = 0; t < forest.nTrees; t++) {
    const size = treeSize(forest, t);
    if (nodesInGroup > 0 && nodesInGroup + size > nodesPerFunction) {
      groups.push([]);
      nodesInGroup = 0;
    }
    groups[groups.length - 1]!.push(t);
    nodesInGroup += size;
  }
  const parts: Part[] = [];
  for (const trees of groups) {
    await nextTurn();
    const lines: string[] = [];
    for (const t of trees) emitNode(forest, gainInto, forest.treeRoots[t]!, lines);
    const part = new Function('fround', `return function forestPart(x, c, m) {\n${lines.join('\n')}\nreturn m;\n};`)(Math.fround) as Part;
    await nextTurn(); // its first call compiles it to bytecode (~1 ms)
    const rows = await warmUp(forest, trees, part);
    // One that V8 would not optimise would be slower than the node table: the explainer keeps that.
    if (waitForOptimisation && !(await runUntilOptimised(part, rows, forest.nFeatures))) return undefined;
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

function treeSize(forest: FlatForest, t: number): number {
  return (t + 1 < forest.nTrees ? forest.treeRoots[t + 1]! : forest.feature.length) - forest.treeRoots[t]!;
}

/** Appends the code of the subtree at `node`. */
function emitNode(f: FlatForest, gainInto: Float64Array, node: number, out: string[]): void {
  const feature = f.feature[node]!;
  if (feature < 0) {
    out.push(`m = fround(m + ${literal(f.value[node]!)});`);
    return;
  }
  const l = f.left[node]!;
  const r = f.right[node]!;
  // NaN fails every comparison: `x < t` sends a missing value right, `!(x >= t)` sends it left.
  const x = `x[${feature}]`;
  const threshold = literal(f.threshold[node]!);
  out.push(f.defaultLeft[node] ? `if (!(${x} >= ${threshold})) {` : `if (${x} < ${threshold}) {`);
  out.push(`c[${feature}] += ${literal(gainInto[l]!)};`);
  emitNode(f, gainInto, l, out);
  out.push('} else {');
  out.push(`c[${feature}] += ${literal(gainInto[r]!)};`);
  emitNode(f, gainInto, r, out);
  out.push('}');
}

function literal(n: number): string {
  return Object.is(n, -0) ? '-0' : String(n);
}

/**
 * Runs `part` down every path of its trees that a row can take (again, until it has run at least
 * MIN_WARM_UP_CALLS times); returns copies of some of those rows. V8 optimises a function with the
 * types it has seen at each operation, and code never run has seen none: optimised code that reaches
 * it is thrown away ("insufficient type feedback") and the function runs in the interpreter until it
 * is optimised again — for the decisions that first meet a rare path, hours after start. Warmed up,
 * every operation has been seen (the bench's model: no such deoptimisation in 100k decisions). V8
 * keeps what a function sees only after its first calls: every path is run at least twice.
 */
async function warmUp(forest: FlatForest, trees: readonly number[], part: Part): Promise<Float32Array[]> {
  const scratch = new Float64Array(forest.nFeatures);
  const rows = new PathRows(forest.nFeatures);
  const kept: Float32Array[] = [];
  const keep = Math.max(1, Math.min(256, Math.floor(KEPT_VALUES / forest.nFeatures)));
  let calls = 0;
  let turnEnds = performance.now() + TURN_MS;
  for (let pass = 0; pass < 2 || calls < MIN_WARM_UP_CALLS; pass++) {
    for (const t of trees) {
      // A tree's paths in one go (a few hundred calls at most: ≤ 600 nodes), turns between trees.
      rows.forEachRow(forest, forest.treeRoots[t]!, (row) => {
        part(row, scratch, 0);
        calls++;
        if (kept.length < keep) kept.push(row.slice());
      });
      if (performance.now() >= turnEnds) {
        await nextTurn();
        turnEnds = performance.now() + TURN_MS;
      }
    }
  }
  return kept;
}

/** How long compiling holds the event loop at a time. */
const TURN_MS = 1;

function nextTurn(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** At most this many values in the rows warmUp keeps for runUntilOptimised. */
const KEPT_VALUES = 1 << 18;

/**
 * Calls `part` on `rows`, ~1 ms per turn of the event loop, until V8 has optimised it — seen as calls
 * running at least 4× faster than the first ones (measured: 3–4 µs a call for 600 nodes before, ~0.3
 * after); false when that has not happened after MAX_OPTIMISING_CALLS. V8 optimises a function once it has run a share of its size in
 * bytecode (≈ 14,000 calls for these functions, whatever their size: a smaller one also runs less of
 * itself a call); until then the compiled code is slower than the node table (40 µs a decision
 * against 8.7 for the bench's model), so the explainer keeps walking the node table meanwhile.
 */
async function runUntilOptimised(part: Part, rows: readonly Float32Array[], nFeatures: number): Promise<boolean> {
  const scratch = new Float64Array(nFeatures);
  let first = Infinity;
  let next = 0;
  for (let calls = 0; calls < MAX_OPTIMISING_CALLS; ) {
    const turnEnds = performance.now() + TURN_MS;
    while (performance.now() < turnEnds) {
      const started = performance.now();
      for (let i = 0; i < BATCH_CALLS; i++, next = (next + 1) % rows.length) part(rows[next]!, scratch, 0);
      const perCall = (performance.now() - started) / BATCH_CALLS;
      calls += BATCH_CALLS;
      if (calls <= 4 * BATCH_CALLS) first = Math.min(first, perCall);
      // A function this cheap unoptimised (a tree or two) costs nothing worth waiting for.
      else if (perCall * 4 <= first || first <= CHEAP_CALL_MS) return true;
    }
    await nextTurn();
  }
  return false;
}

const BATCH_CALLS = 32;
const CHEAP_CALL_MS = 0.000_25;
const MAX_OPTIMISING_CALLS = 40_000;

/**
 * Rows that reach every leaf a row can reach under a root, one per leaf, in one reused buffer (features
 * the path does not test are 0.5). A leaf no row reaches (a path that asks x < 1 and then x ≥ 2) gets
 * none. The per-feature bounds are allocated once and are back to "anything" after each tree.
 */
export class PathRows {
  // Per feature, what the path allows so far: x ≥ low, x < high when `bounded`, and whether NaN (missing) is allowed.
  private readonly low: Float64Array;
  private readonly high: Float64Array;
  private readonly bounded: Uint8Array;
  private readonly nanAllowed: Uint8Array;
  private readonly row: Float32Array;
  private readonly tested: number[] = [];

  constructor(nFeatures: number) {
    this.low = new Float64Array(nFeatures).fill(-Infinity);
    this.high = new Float64Array(nFeatures).fill(Infinity);
    this.bounded = new Uint8Array(nFeatures);
    this.nanAllowed = new Uint8Array(nFeatures).fill(1);
    this.row = new Float32Array(nFeatures).fill(0.5);
  }

  /** Calls `use` with a row for each reachable leaf under `root`; the row is only valid during the call. */
  forEachRow(forest: FlatForest, root: number, use: (row: Float32Array) => void): void {
    const { low, high, bounded, nanAllowed, row, tested } = this;
    const visit = (node: number): void => {
      const f = forest.feature[node]!;
      if (f < 0) {
        let reachable = true;
        for (const g of tested) {
          const value = valueWithin(low[g]!, high[g]!, bounded[g] === 1);
          if (value !== undefined) row[g] = value;
          else if (nanAllowed[g]) row[g] = NaN;
          else reachable = false;
        }
        if (reachable) use(row);
        for (const g of tested) row[g] = 0.5;
        return;
      }
      const saved = [low[f]!, high[f]!, bounded[f]!, nanAllowed[f]!] as const;
      tested.push(f);
      const threshold = forest.threshold[node]!;
      const missingLeft = forest.defaultLeft[node] === 1;
      // Left: x < threshold, or missing where missing goes left.
      high[f] = Math.min(saved[1], threshold);
      bounded[f] = 1;
      nanAllowed[f] = saved[3] && missingLeft ? 1 : 0;
      visit(forest.left[node]!);
      [low[f], high[f], bounded[f], nanAllowed[f]] = saved;
      // Right: x ≥ threshold, or missing where missing goes right.
      low[f] = Math.max(saved[0], threshold);
      nanAllowed[f] = saved[3] && !missingLeft ? 1 : 0;
      visit(forest.right[node]!);
      [low[f], high[f], bounded[f], nanAllowed[f]] = saved;
      tested.pop();
    };
    visit(root);
  }
}

/** A float32 value x with low ≤ x (and x < high when bounded), if there is one. */
function valueWithin(low: number, high: number, bounded: boolean): number | undefined {
  if (!bounded) return low === -Infinity ? 0.5 : low;
  if (!(low < high)) return undefined;
  return low !== -Infinity ? low : floatBelow(high);
}

/** The largest float32 value below `x` (x a float32 value above −Infinity). */
function floatBelow(x: number): number {
  const bits = new Float32Array([x]);
  const ints = new Int32Array(bits.buffer);
  if (x === 0) return -1.401298464324817e-45; // the negative float32 closest to 0
  ints[0]! += x > 0 ? -1 : 1;
  return bits[0]!;
}
