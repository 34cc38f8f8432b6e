// Running the per-row kernels of tree growing on one thread or several.
//
// With threads > 1, worker threads share every input through SharedArrayBuffers and take jobs
// through an Atomics handshake (no messages, no copies of rows or gradients):
// - histograms are split by feature: the main thread fills the first share of the features and
//   each worker another share; each feature's slots are filled by exactly one thread, in row
//   order, so histograms (and the trained model) are bit-identical whatever the thread count;
// - partitions are split by rows: each thread partitions a contiguous chunk of the node's rows,
//   then the main thread concatenates the chunks' left and right parts (two memmoves), which
//   keeps the partition stable.
// Small jobs stay on the main thread: waking a worker costs tens of microseconds.
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { accumulateHistogram, partitionRange } from './kernels.js';

/** Everything the kernels read and write, in shared memory so worker threads can use it too. */
export interface KernelInputs {
  nRows: number;
  nCols: number;
  /** Row-major bins (histograms) and column-major bins (partitions). */
  rowBins: Uint8Array;
  columnBins: Uint8Array;
  /** (gradient, hessian) per row, interleaved. */
  gradHess: Float64Array;
  /** Row ids of the tree's sample, partitioned in place so every node owns a contiguous range. */
  rows: Uint32Array;
  /** Where partitions put right-going rows before moving them back. */
  partitionScratch: Uint32Array;
  /** Features sampled for the current tree, ascending; only the first nFeatures are valid. */
  features: Int32Array;
  slotOffsets: Int32Array;
}

export interface RowKernels {
  /** Fill `hist` from rows[start..end) for the first nFeatures sampled features. */
  buildHistogram(hist: Float64Array, start: number, end: number, nFeatures: number): void;
  /** Stable partition of rows[start..end): value bins 1..bin go left, missing by defaultLeft. Returns where the right part starts. */
  partition(start: number, end: number, feature: number, bin: number, defaultLeft: boolean): number;
  close(): Promise<void>;
}

export function serialKernels(inputs: KernelInputs): RowKernels {
  const { rowBins, columnBins, nRows, nCols, gradHess, rows, partitionScratch, features, slotOffsets } = inputs;
  return {
    buildHistogram(hist, start, end, nFeatures) {
      accumulateHistogram(hist, rowBins, nCols, gradHess, rows, start, end, features, 0, nFeatures, slotOffsets);
    },
    partition(start, end, feature, bin, defaultLeft) {
      const nLeft = partitionRange(rows, partitionScratch, columnBins, nRows, start, end, feature, bin, defaultLeft ? 0 : 1);
      rows.set(partitionScratch.subarray(start, start + end - start - nLeft), start + nLeft);
      return start + nLeft;
    },
    async close() {},
  };
}

const MIN_PARALLEL_ACCUMULATIONS = 100_000;
const MIN_PARALLEL_PARTITION_ROWS = 50_000;

// Control words, one Int32Array per worker.
const SEQUENCE = 0; // bumped by the main thread to start a job; -1 asks the worker to exit
const DONE = 1; // set by the worker to the sequence it finished
const FAILED = 2; // set to 1 by a worker whose job threw (it cannot report through events while the main thread waits)
const JOB = 3;
const START = 4;
const END = 5;
const FEATURE_FROM = 6; // histogram jobs
const FEATURE_TO = 7;
const SPLIT_FEATURE = 6; // partition jobs
const SPLIT_BIN = 7;
const MISSING_RIGHT = 8;
const RESULT = 9; // partition jobs: rows that went left
const CONTROL_WORDS = 10;
const HISTOGRAM_JOB = 1;
const PARTITION_JOB = 2;

const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { control, hist, rowBins, columnBins, nRows, nCols, gradHess, rows, partitionScratch, features, slotOffsets } = workerData;
const accumulateHistogram = ${accumulateHistogram.toString()};
const partitionRange = ${partitionRange.toString()};
let seen = 0;
for (;;) {
  Atomics.wait(control, ${SEQUENCE}, seen);
  seen = Atomics.load(control, ${SEQUENCE});
  if (seen < 0) break;
  try {
    if (control[${JOB}] === ${HISTOGRAM_JOB}) {
      accumulateHistogram(hist, rowBins, nCols, gradHess, rows, control[${START}], control[${END}], features, control[${FEATURE_FROM}], control[${FEATURE_TO}], slotOffsets);
    } else {
      control[${RESULT}] = partitionRange(rows, partitionScratch, columnBins, nRows, control[${START}], control[${END}], control[${SPLIT_FEATURE}], control[${SPLIT_BIN}], control[${MISSING_RIGHT}]);
    }
  } catch {
    Atomics.store(control, ${FAILED}, 1);
  }
  Atomics.store(control, ${DONE}, seen);
  Atomics.notify(control, ${DONE});
}
`;

interface KernelWorker {
  worker: Worker;
  control: Int32Array;
  /** The worker's histogram output: full size, of which it fills only its features' slots. */
  hist: Float64Array;
  sequence: number;
}

/** Start threads − 1 workers; resolves once they run (a worker does not start while the main thread blocks). */
export async function parallelKernels(inputs: KernelInputs, threads: number, histLength: number): Promise<RowKernels> {
  const { rowBins, columnBins, nRows, nCols, gradHess, rows, partitionScratch, features, slotOffsets } = inputs;
  const serial = serialKernels(inputs);
  const workers: KernelWorker[] = [];
  for (let t = 1; t < threads; t++) {
    const control = new Int32Array(new SharedArrayBuffer(CONTROL_WORDS * 4));
    const hist = new Float64Array(new SharedArrayBuffer(histLength * 8));
    const workerData = { control, hist, rowBins, columnBins, nRows, nCols, gradHess, rows, partitionScratch, features, slotOffsets };
    workers.push({ worker: new Worker(WORKER_SOURCE, { eval: true, workerData }), control, hist, sequence: 0 });
  }
  await Promise.all(workers.map((w) => once(w.worker, 'online')));
  // Idle workers must not keep the process alive if a caller never closes the kernels.
  for (const w of workers) w.worker.unref();

  const start = (w: KernelWorker, job: number, words: Record<number, number>): void => {
    w.control[JOB] = job;
    for (const [index, value] of Object.entries(words)) w.control[Number(index)] = value;
    w.sequence++;
    Atomics.store(w.control, SEQUENCE, w.sequence);
    Atomics.notify(w.control, SEQUENCE);
  };
  const finish = (w: KernelWorker): void => {
    // Wait on the very value compared: re-reading it for the wait could miss the worker's store
    // in between and then wait for a change that never comes.
    for (let done = Atomics.load(w.control, DONE); done !== w.sequence; done = Atomics.load(w.control, DONE)) {
      Atomics.wait(w.control, DONE, done);
    }
    if (w.control[FAILED] === 1) throw new Error('a GBDT training worker thread failed; retry with threads: 1');
  };

  return {
    buildHistogram(hist, from, to, nFeatures) {
      if ((to - from) * nFeatures < MIN_PARALLEL_ACCUMULATIONS || nFeatures < threads) {
        serial.buildHistogram(hist, from, to, nFeatures);
        return;
      }
      const share = Math.ceil(nFeatures / threads);
      const featureRange = (t: number): [number, number] => [Math.min(nFeatures, t * share), Math.min(nFeatures, (t + 1) * share)];
      workers.forEach((w, i) => {
        const [featureFrom, featureTo] = featureRange(i + 1);
        start(w, HISTOGRAM_JOB, { [START]: from, [END]: to, [FEATURE_FROM]: featureFrom, [FEATURE_TO]: featureTo });
      });
      accumulateHistogram(hist, rowBins, nCols, gradHess, rows, from, to, features, 0, featureRange(0)[1], slotOffsets);
      workers.forEach((w, i) => {
        finish(w);
        const [featureFrom, featureTo] = featureRange(i + 1);
        if (featureFrom < featureTo) {
          const slotFrom = 2 * slotOffsets[features[featureFrom]!]!;
          const slotTo = 2 * slotOffsets[features[featureTo - 1]! + 1]!;
          hist.set(w.hist.subarray(slotFrom, slotTo), slotFrom);
        }
      });
    },
    partition(from, to, feature, bin, defaultLeft) {
      if (to - from < MIN_PARALLEL_PARTITION_ROWS) return serial.partition(from, to, feature, bin, defaultLeft);
      const missingRight = defaultLeft ? 0 : 1;
      const chunk = Math.ceil((to - from) / threads);
      const bounds = Array.from({ length: threads + 1 }, (_, t) => Math.min(to, from + t * chunk));
      workers.forEach((w, i) => {
        start(w, PARTITION_JOB, { [START]: bounds[i + 1]!, [END]: bounds[i + 2]!, [SPLIT_FEATURE]: feature, [SPLIT_BIN]: bin, [MISSING_RIGHT]: missingRight });
      });
      const lefts = [partitionRange(rows, partitionScratch, columnBins, nRows, from, bounds[1]!, feature, bin, missingRight)];
      for (const w of workers) {
        finish(w);
        lefts.push(w.control[RESULT]!);
      }
      // Chunk t left its left rows at bounds[t] and its right rows at scratch[bounds[t]..]: move
      // the left parts together, then copy the right parts after them, chunk by chunk.
      let write = from;
      for (let t = 0; t < threads; t++) {
        rows.copyWithin(write, bounds[t]!, bounds[t]! + lefts[t]!);
        write += lefts[t]!;
      }
      const mid = write;
      for (let t = 0; t < threads; t++) {
        const rights = bounds[t + 1]! - bounds[t]! - lefts[t]!;
        rows.set(partitionScratch.subarray(bounds[t]!, bounds[t]! + rights), write);
        write += rights;
      }
      return mid;
    },
    async close() {
      await Promise.all(
        workers.map(async (w) => {
          Atomics.store(w.control, SEQUENCE, -1);
          Atomics.notify(w.control, SEQUENCE);
          await w.worker.terminate();
        }),
      );
    },
  };
}
