// The GBDT model artifact: plain, versioned JSON. Trees carry real-valued thresholds (no bins),
// leaf values and covers, so inference and TreeSHAP need nothing else.
import { canonicalJson } from '../../lib/canonical-json.js';
import { ModelInputError } from './errors.js';
import type { GbdtParams } from './params.js';
import type { TreeArrays } from './tree.js';

export const GBDT_FORMAT = 'riskgate-gbdt';
export const GBDT_VERSION = 1;

/** Training parameters as recorded in an artifact: all but `threads`, which does not change the model. */
export type ModelParams = Omit<GbdtParams, 'threads'>;

/** What training saw on the validation set (present when one was given). */
export interface TrainingSummary {
  /** Rounds actually trained (early stopping may end before params.nRounds). */
  rounds: number;
  /** 0-based round with the best validation metric; with early stopping the model keeps trees 0..bestIteration only. */
  bestIteration: number;
  evalMetric: GbdtParams['evalMetric'];
  bestScore: number;
  /** Validation metric after every trained round. */
  history: number[];
}

export interface GbdtArtifact {
  format: typeof GBDT_FORMAT;
  version: typeof GBDT_VERSION;
  objective: 'binary:logistic';
  /** Where the trees come from: trained here, or imported from an XGBoost JSON model. */
  source: 'riskgate' | 'xgboost';
  featureNames: string[];
  /**
   * Prior probability; the margin starts at float32(logit(baseScore)), as in XGBoost, and each
   * tree's leaf is added in float32.
   */
  baseScore: number;
  /** Training parameters (null for imported models). */
  params: ModelParams | null;
  training: TrainingSummary | null;
  trees: TreeArrays[];
}

/** Deterministic text: sorted keys, so the same model always serialises to the same bytes. */
export function serializeGbdt(model: GbdtArtifact): string {
  return canonicalJson(model);
}

/** Parse and check an artifact (text or parsed JSON); throws ModelInputError naming the problem. */
export function parseGbdt(input: string | unknown): GbdtArtifact {
  let value: unknown = input;
  if (typeof input === 'string') {
    try {
      value = JSON.parse(input);
    } catch (err) {
      throw new ModelInputError(`GBDT model is not valid JSON: ${(err as Error).message}`);
    }
  }
  if (!isObject(value)) throw new ModelInputError('GBDT model must be a JSON object');
  if (value.format !== GBDT_FORMAT) throw new ModelInputError(`GBDT model: format must be "${GBDT_FORMAT}", got ${JSON.stringify(value.format)}`);
  if (value.version !== GBDT_VERSION) throw new ModelInputError(`GBDT model: unsupported version ${JSON.stringify(value.version)} (this build reads ${GBDT_VERSION})`);
  if (value.objective !== 'binary:logistic') throw new ModelInputError(`GBDT model: objective must be "binary:logistic", got ${JSON.stringify(value.objective)}`);
  if (value.source !== 'riskgate' && value.source !== 'xgboost') throw new ModelInputError(`GBDT model: unknown source ${JSON.stringify(value.source)}`);
  const names = value.featureNames;
  if (!Array.isArray(names) || names.length === 0 || !names.every((n) => typeof n === 'string')) {
    throw new ModelInputError('GBDT model: featureNames must be a non-empty array of strings');
  }
  const baseScore = value.baseScore;
  if (typeof baseScore !== 'number' || !(baseScore > 0 && baseScore < 1)) {
    throw new ModelInputError(`GBDT model: baseScore must be a probability in (0, 1), got ${JSON.stringify(baseScore)}`);
  }
  if (!Array.isArray(value.trees)) throw new ModelInputError('GBDT model: trees must be an array');
  value.trees.forEach((tree, t) => checkTree(tree, t, names.length));
  return value as unknown as GbdtArtifact;
}

const TREE_FIELDS = ['left', 'right', 'feature', 'threshold', 'defaultLeft', 'value', 'cover'] as const;

/** Structure checks that make traversal safe: indices in range, children after parents (no cycles), every node reached once. */
function checkTree(tree: unknown, t: number, nFeatures: number): asserts tree is TreeArrays {
  const where = `GBDT model: tree ${t}`;
  if (!isObject(tree)) throw new ModelInputError(`${where} must be an object`);
  const arrays: Record<string, unknown[]> = {};
  for (const field of TREE_FIELDS) {
    const a = tree[field];
    if (!Array.isArray(a)) throw new ModelInputError(`${where}: ${field} must be an array`);
    if (!a.every((x) => typeof x === 'number' && Number.isFinite(x))) throw new ModelInputError(`${where}: ${field} must hold finite numbers`);
    arrays[field] = a;
  }
  const n = arrays.left!.length;
  if (n === 0) throw new ModelInputError(`${where} has no nodes`);
  for (const field of TREE_FIELDS) {
    if (arrays[field]!.length !== n) throw new ModelInputError(`${where}: ${field} has ${arrays[field]!.length} entries, left has ${n}`);
  }
  const { left, right, feature, cover } = tree as unknown as TreeArrays;
  const parents = new Int32Array(n).fill(-1);
  // Children come after their parents, so a node's depth is known before its children are reached.
  const depth = new Int32Array(n);
  for (let node = 0; node < n; node++) {
    const l = left[node]!;
    const r = right[node]!;
    if (cover[node]! < 0) throw new ModelInputError(`${where}: node ${node} has negative cover`);
    if (l === -1 && r === -1) {
      if (feature[node] !== -1) throw new ModelInputError(`${where}: leaf ${node} must have feature -1`);
      continue;
    }
    // A split's expected value is its children's, weighted by cover: a split without cover has none
    // (every explanation of every decision would read NaN).
    if (!(cover[node]! > 0)) throw new ModelInputError(`${where}: split node ${node} has cover 0; a split must cover some training weight`);
    if (depth[node]! >= MAX_TREE_DEPTH) throw new ModelInputError(`${where} is deeper than ${MAX_TREE_DEPTH} levels`);
    const f = feature[node]!;
    if (!Number.isInteger(f) || f < 0 || f >= nFeatures) throw new ModelInputError(`${where}: node ${node} splits on feature ${f}, the model has ${nFeatures}`);
    for (const child of [l, r]) {
      if (!Number.isInteger(child) || child <= node || child >= n) throw new ModelInputError(`${where}: node ${node} has child ${child} (children must come after their parent, within ${n} nodes)`);
      if (parents[child] !== -1) throw new ModelInputError(`${where}: node ${child} has two parents`);
      parents[child] = node;
      depth[child] = depth[node]! + 1;
    }
  }
  for (let node = 1; node < n; node++) {
    if (parents[node] === -1) throw new ModelInputError(`${where}: node ${node} is not reachable from the root`);
  }
}

/** Deeper trees than any booster grows (XGBoost's default is 6): walks of them would recurse past the stack. */
export const MAX_TREE_DEPTH = 64;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
