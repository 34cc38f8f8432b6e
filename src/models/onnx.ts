// ONNX models through onnxruntime-node's CPU binaries (shipped inside the npm package; its install
// script, which downloads GPU files, is not run: see allowScripts in package.json).
import type { ModelBody } from './artifact.js';

type OnnxBody = Extract<ModelBody, { kind: 'onnx' }>;

export interface OnnxSignature {
  inputs: string[];
  outputs: string[];
  /** Features per row the first input takes, when its shape fixes them. */
  width?: number;
}

/** The graph answered something its declared output kind cannot hold (a margin read as a probability). */
export class OnnxOutputError extends Error {}

async function runtime() {
  return import('onnxruntime-node');
}

/** Open an ONNX graph to check it and learn its input and output names. */
export async function inspectOnnx(bytes: Uint8Array): Promise<OnnxSignature> {
  const ort = await runtime();
  const session = await ort.InferenceSession.create(bytes);
  try {
    const first = session.inputMetadata[0];
    const last = first?.isTensor ? first.shape.at(-1) : undefined;
    return { inputs: [...session.inputNames], outputs: [...session.outputNames], ...(typeof last === 'number' && last > 0 ? { width: last } : {}) };
  } finally {
    await session.release();
  }
}

/** A function from one input row to the model's margin (log-odds). */
export async function createOnnxMarginFunction(body: OnnxBody, width: number): Promise<(row: Float64Array) => Promise<number>> {
  const ort = await runtime();
  const session = await ort.InferenceSession.create(Buffer.from(body.onnx, 'base64'));
  return async (row) => {
    // Copied before the first await: the caller reuses its row buffer.
    const input = new ort.Tensor('float32', Float32Array.from(row), [1, width]);
    const result = await session.run({ [body.inputName]: input });
    const output = result[body.outputName];
    if (!output) throw new Error(`ONNX model has no output "${body.outputName}"`);
    const data = output.data as Float32Array | Float64Array;
    // A classifier's probability output is [1, 2] (legit, fraud) or [1, 1] (fraud).
    const value = Number(data[data.length - 1]);
    if (body.output === 'margin') return value;
    // Checked before the clamp below, which would turn a margin read as a probability into a confident
    // 0 or 1. (NaN passes on: the scorer refuses it as it refuses any model's NaN.)
    if (value < 0 || value > 1) throw new OnnxOutputError(`the graph's output "${body.outputName}" answered ${value}, not a probability`);
    const p = Math.min(Math.max(value, 1e-12), 1 - 1e-12);
    return Math.log(p / (1 - p));
  };
}
