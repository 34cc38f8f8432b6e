// Growing one tree on binned data: depth-wise or loss-guided, with the histogram subtraction trick.
import type { FeatureCuts } from './binning.js';
import { subtractHistogram } from './kernels.js';
import type { RowKernels } from './parallel.js';
import type { GbdtParams } from './params.js';
import { ALL_VALUES_THRESHOLD, emptyCandidate, findBestSplit, leafWeight, type SplitCandidate } from './split.js';
import { addLeaf, emptyTree, setSplit, type TreeArrays } from './tree.js';

/** Buffers shared by every tree of one training run (allocated once: no per-tree or per-row garbage). */
export interface GrowContext {
  params: GbdtParams;
  cuts: FeatureCuts;
  /** Features sampled for the current tree (ascending); nFeatures of them are valid. */
  features: Int32Array;
  nFeatures: number;
  slotOffsets: Int32Array;
  histLength: number;
  kernels: RowKernels;
  /** Free histograms, reused across nodes and trees. */
  histogramPool: Float64Array[];
}

export interface GrownTree {
  tree: TreeArrays;
  /** Per node: value bins 1..splitBin go left (0 for leaves); lets training route binned rows. */
  splitBin: number[];
  /** Per node: the node's rows are rows[rowStart..rowEnd) of the kernels' row array once growth is done. */
  rowStart: number[];
  rowEnd: number[];
}

interface Pending {
  node: number;
  depth: number;
  hist: Float64Array;
  split: SplitCandidate;
}

/** Grow one tree over rows[0..nSampled) of the context, whose gradients are already computed. */
export function growTree(ctx: GrowContext, nSampled: number): GrownTree {
  const { params, features, nFeatures, slotOffsets } = ctx;
  const tree = emptyTree();
  const splitBin: number[] = [];
  const rowStart: number[] = [];
  const rowEnd: number[] = [];
  const nodeGrad: number[] = [];
  const addNode = (start: number, end: number, grad: number, hess: number): number => {
    splitBin.push(0);
    rowStart.push(start);
    rowEnd.push(end);
    nodeGrad.push(grad);
    return addLeaf(tree, Math.fround(params.eta * leafWeight(grad, hess, params)), hess);
  };

  const rootHist = acquire(ctx);
  ctx.kernels.buildHistogram(rootHist, 0, nSampled, nFeatures);
  const [rootGrad, rootHess] = featureTotals(rootHist, features[0]!, slotOffsets);
  const root = addNode(0, nSampled, rootGrad, rootHess);

  const queue = new PendingQueue(params.growPolicy);
  const evaluate = (node: number, depth: number, hist: Float64Array): void => {
    const split = emptyCandidate();
    findBestSplit(hist, features, nFeatures, slotOffsets, nodeGrad[node]!, tree.cover[node]!, params, split);
    if (split.feature >= 0) queue.push({ node, depth, hist, split });
    else release(ctx, hist);
  };
  evaluate(root, 0, rootHist);

  let leaves = 1;
  while (queue.size > 0 && (params.maxLeaves === 0 || leaves < params.maxLeaves)) {
    const { node, depth, hist, split } = queue.pop();
    const start = rowStart[node]!;
    const end = rowEnd[node]!;
    const mid = ctx.kernels.partition(start, end, split.feature, split.bin, split.defaultLeft);
    const grad = nodeGrad[node]!;
    const hess = tree.cover[node]!;
    const left = addNode(start, mid, split.leftGrad, split.leftHess);
    const right = addNode(mid, end, grad - split.leftGrad, hess - split.leftHess);
    const cuts = ctx.cuts[split.feature]!;
    const threshold = split.bin <= cuts.length ? cuts[split.bin - 1]! : ALL_VALUES_THRESHOLD;
    setSplit(tree, node, split.feature, threshold, split.defaultLeft, left, right);
    splitBin[node] = split.bin;
    leaves++;

    const childDepth = depth + 1;
    const leftCanSplit = canSplit(params, childDepth, mid - start, split.leftHess);
    const rightCanSplit = canSplit(params, childDepth, end - mid, hess - split.leftHess);
    if (!leftCanSplit && !rightCanSplit) {
      release(ctx, hist);
      continue;
    }
    // Build the smaller child's histogram from its rows; the larger one is parent − smaller.
    const leftIsSmaller = mid - start <= end - mid;
    const small = leftIsSmaller ? left : right;
    const large = leftIsSmaller ? right : left;
    const smallCanSplit = leftIsSmaller ? leftCanSplit : rightCanSplit;
    const largeCanSplit = leftIsSmaller ? rightCanSplit : leftCanSplit;
    const smallHist = acquire(ctx);
    ctx.kernels.buildHistogram(smallHist, rowStart[small]!, rowEnd[small]!, nFeatures);
    if (largeCanSplit) {
      subtractHistogram(hist, smallHist, features, nFeatures, slotOffsets);
      evaluate(large, childDepth, hist);
    } else {
      release(ctx, hist);
    }
    if (smallCanSplit) evaluate(small, childDepth, smallHist);
    else release(ctx, smallHist);
  }
  for (const pending of queue.drain()) release(ctx, pending.hist);
  return { tree, splitBin, rowStart, rowEnd };
}

function canSplit(params: GbdtParams, depth: number, rows: number, hess: number): boolean {
  return (params.maxDepth === 0 || depth < params.maxDepth) && rows >= 2 && hess >= 2 * params.minChildWeight;
}

/** Gradient and hessian totals of a node: the sum over any one feature's slots (missing bin included). */
function featureTotals(hist: Float64Array, feature: number, slotOffsets: Int32Array): [number, number] {
  let grad = 0;
  let hess = 0;
  for (let s = slotOffsets[feature]!; s < slotOffsets[feature + 1]!; s++) {
    grad += hist[2 * s]!;
    hess += hist[2 * s + 1]!;
  }
  return [grad, hess];
}

function acquire(ctx: GrowContext): Float64Array {
  return ctx.histogramPool.pop() ?? new Float64Array(ctx.histLength);
}

function release(ctx: GrowContext, hist: Float64Array): void {
  ctx.histogramPool.push(hist);
}

/**
 * Expandable nodes in growth order, as a binary heap. Depth-wise: shallower first, then by node
 * id (level order, as XGBoost); loss-guided: larger gain first, then by node id.
 */
class PendingQueue {
  private readonly heap: Pending[] = [];
  private readonly before: (a: Pending, b: Pending) => boolean;

  constructor(policy: GbdtParams['growPolicy']) {
    this.before =
      policy === 'depthwise'
        ? (a, b) => a.depth < b.depth || (a.depth === b.depth && a.node < b.node)
        : (a, b) => a.split.gain > b.split.gain || (a.split.gain === b.split.gain && a.node < b.node);
  }

  get size(): number {
    return this.heap.length;
  }

  push(item: Pending): void {
    const heap = this.heap;
    heap.push(item);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(heap[i]!, heap[parent]!)) break;
      [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
      i = parent;
    }
  }

  pop(): Pending {
    const heap = this.heap;
    const top = heap[0]!;
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let first = i;
        if (l < heap.length && this.before(heap[l]!, heap[first]!)) first = l;
        if (r < heap.length && this.before(heap[r]!, heap[first]!)) first = r;
        if (first === i) break;
        [heap[i], heap[first]] = [heap[first]!, heap[i]!];
        i = first;
      }
    }
    return top;
  }

  drain(): Pending[] {
    return this.heap.splice(0);
  }
}
