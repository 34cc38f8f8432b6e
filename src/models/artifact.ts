// A registered model: an immutable artifact that carries everything needed to score and to explain
// — the model itself, the feature set version and inputs it was trained on, its calibration, the
// thresholds it is served with, its training period, parameters and metrics — and a content hash.
import { createHash } from 'node:crypto';
import { canonicalJson } from '../lib/canonical-json.js';
import type { Calibrator } from './calibration.js';
import type { GbdtArtifact } from './gbdt/index.js';
import type { LogisticArtifact } from './linear/index.js';

export const MODEL_FORMAT = 'riskgate-model';
export const MODEL_FORMAT_VERSION = 1;

export type ModelBody =
  | { kind: 'gbdt'; model: GbdtArtifact }
  | { kind: 'logistic'; model: LogisticArtifact }
  /** An ONNX graph (base64) with one float input [1, n] and an output giving P(fraud) or a margin. */
  | { kind: 'onnx'; onnx: string; inputName: string; outputName: string; output: 'probability' | 'margin' };

/** Calibrated probability thresholds: block at or above `block`; review at or above `review`; else allow. */
export interface Policy {
  block: number;
  review: number;
}

export interface ModelArtifact {
  format: typeof MODEL_FORMAT;
  formatVersion: typeof MODEL_FORMAT_VERSION;
  /** `m_` + the first 16 hex digits of the content hash. */
  id: string;
  /** The model line this belongs to, e.g. `checkout`. */
  name: string;
  createdAt: number;
  featureSetVersion: string;
  /** Names from the feature set's vector (values and `_missing` indicators), in the model's input order. */
  inputs: string[];
  body: ModelBody;
  calibration: Calibrator;
  policy: Policy;
  training: {
    source: 'riskgate' | 'xgboost' | 'onnx';
    /** Event-time period of the training rows, epoch ms. */
    from?: number;
    to?: number;
    rows?: number;
    positives?: number;
    params?: unknown;
    notes?: string;
  };
  metrics: Record<string, unknown>;
  /** SHA-256 over the canonical JSON of everything above except id and contentHash. */
  contentHash: string;
}

export type UnsealedArtifact = Omit<ModelArtifact, 'id' | 'contentHash' | 'format' | 'formatVersion'>;

/** Fill in format, content hash and id: the artifact is then immutable by construction. */
export function sealArtifact(unsealed: UnsealedArtifact): ModelArtifact {
  const body = { format: MODEL_FORMAT, formatVersion: MODEL_FORMAT_VERSION, ...unsealed } as const;
  const contentHash = createHash('sha256').update(canonicalJson(body)).digest('hex');
  return { ...body, id: `m_${contentHash.slice(0, 16)}`, contentHash };
}

/** Recompute the hash: false when the stored artifact was altered. */
export function verifyArtifact(artifact: ModelArtifact): boolean {
  const { id: _id, contentHash, ...rest } = artifact;
  return createHash('sha256').update(canonicalJson(rest)).digest('hex') === contentHash;
}

/**
 * A threshold above every probability: as a block threshold it blocks nothing, as a review threshold
 * (equal to the block threshold) it reviews nothing. Just above 1 rather than Infinity, so that it
 * survives JSON.
 */
export const NEVER = 1 + Number.EPSILON;

export function validatePolicy(policy: Policy): string | undefined {
  if (!(policy.block >= 0 && policy.block <= NEVER)) return 'policy.block must be a probability between 0 and 1 (or NEVER, just above 1)';
  if (!(policy.review >= 0 && policy.review <= NEVER)) return 'policy.review must be a probability between 0 and 1 (or NEVER, just above 1)';
  if (policy.review > policy.block) return 'policy.review must not be above policy.block';
  return undefined;
}
