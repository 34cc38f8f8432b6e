// Import of XGBoost models saved as JSON (`bst.save_model('m.json')`, XGBoost 1.x schema) into
// the riskgate GBDT artifact, so they score through the same flattened predictor and explain
// through the same TreeSHAP.
import { GBDT_FORMAT, GBDT_VERSION, ModelInputError, parseGbdt, type GbdtArtifact, type TreeArrays } from '../gbdt/index.js';

/**
 * Convert an XGBoost JSON model (text or parsed) into a GBDT artifact. Refuses, with a message
 * naming the problem: malformed JSON, objectives other than binary:logistic, multi-class models,
 * boosters other than gbtree (dart, gblinear), and categorical splits.
 * Feature names come from the model when it has them (`learner.feature_names`), else f0, f1, ….
 */
export function importXgboostJson(input: string | unknown): GbdtArtifact {
  let root: unknown = input;
  if (typeof input === 'string') {
    try {
      root = JSON.parse(input.charCodeAt(0) === 0xfeff ? input.slice(1) : input);
    } catch (err) {
      // XGBoost writes a bare NaN into the JSON of models with categorical splits, which JSON cannot hold.
      const categorical = /\bNaN\b/.test(input) ? ' (it holds NaN, which XGBoost writes for categorical splits: models with categorical features are not supported)' : '';
      throw new ModelInputError(`XGBoost model is not valid JSON: ${(err as Error).message}${categorical}`);
    }
  }
  const learner = field(root, 'learner', 'the model');
  const objective = stringField(field(learner, 'objective', 'learner'), 'name', 'learner.objective');
  if (objective !== 'binary:logistic') {
    throw new ModelInputError(`XGBoost model: objective "${objective}" is not supported; only binary:logistic models can be imported`);
  }
  const modelParam = field(learner, 'learner_model_param', 'learner');
  const numClass = Number(stringField(modelParam, 'num_class', 'learner.learner_model_param'));
  if (!Number.isInteger(numClass) || numClass < 0) throw new ModelInputError(`XGBoost model: num_class must be a whole number, got "${stringField(modelParam, 'num_class', 'learner.learner_model_param')}"`);
  if (numClass > 1) throw new ModelInputError(`XGBoost model: multi-class models (num_class ${numClass}) are not supported`);
  const nFeatures = Number(stringField(modelParam, 'num_feature', 'learner.learner_model_param'));
  if (!Number.isInteger(nFeatures) || nFeatures < 1) throw new ModelInputError(`XGBoost model: num_feature must be a positive integer, got ${nFeatures}`);
  if (nFeatures > MAX_FEATURES) throw new ModelInputError(`XGBoost model: num_feature is ${nFeatures}; at most ${MAX_FEATURES} features can be imported`);
  // XGBoost 3 writes it as a one-element list, "[5E-1]"; earlier versions as "5E-1".
  const baseScore = Number(stringField(modelParam, 'base_score', 'learner.learner_model_param').replace(/^\[([^,\]]*)\]$/, '$1'));
  if (!(baseScore > 0 && baseScore < 1)) throw new ModelInputError(`XGBoost model: base_score must be in (0, 1) for binary:logistic, got ${baseScore}`);

  const booster = field(learner, 'gradient_booster', 'learner');
  const boosterName = stringField(booster, 'name', 'learner.gradient_booster');
  if (boosterName !== 'gbtree') throw new ModelInputError(`XGBoost model: booster "${boosterName}" is not supported; only gbtree`);
  const model = field(booster, 'model', 'learner.gradient_booster');
  const trees = field(model, 'trees', 'learner.gradient_booster.model');
  if (!Array.isArray(trees)) throw new ModelInputError('XGBoost model: learner.gradient_booster.model.trees must be an array');
  if (trees.length === 0) throw new ModelInputError('XGBoost model: it has no trees (every row would score base_score)');
  const treeInfo = (model as Record<string, unknown>).tree_info;
  if (Array.isArray(treeInfo) && treeInfo.some((group) => group !== 0)) {
    throw new ModelInputError('XGBoost model: trees for more than one output group (multi-class) are not supported');
  }

  const artifact: GbdtArtifact = {
    format: GBDT_FORMAT,
    version: GBDT_VERSION,
    objective: 'binary:logistic',
    source: 'xgboost',
    featureNames: featureNames(learner, nFeatures),
    baseScore,
    params: null,
    training: null,
    trees: trees.map((tree, t) => convertTree(tree, t, nFeatures)),
  };
  // The same structural checks as a riskgate artifact: indices, reachability, finite numbers.
  return parseGbdt(artifact);
}

/** Far more inputs than any feature set serves; a forged num_feature would otherwise size arrays by it. */
const MAX_FEATURES = 100_000;

function featureNames(learner: unknown, nFeatures: number): string[] {
  const names = (learner as Record<string, unknown>).feature_names;
  if (names === undefined || (Array.isArray(names) && names.length === 0)) return Array.from({ length: nFeatures }, (_, f) => `f${f}`);
  if (!Array.isArray(names) || names.length !== nFeatures || !names.every((n) => typeof n === 'string')) {
    throw new ModelInputError(`XGBoost model: learner.feature_names must list ${nFeatures} strings`);
  }
  return names as string[];
}

/**
 * One XGBoost tree to TreeArrays, renumbering nodes in breadth-first order from the root so that
 * children follow parents (XGBoost may reuse the ids of pruned nodes). XGBoost keeps a leaf's
 * value in split_conditions; its cover is sum_hessian.
 */
function convertTree(tree: unknown, t: number, nFeatures: number): TreeArrays {
  const where = `learner.gradient_booster.model.trees[${t}]`;
  const left = numberArray(tree, 'left_children', where);
  const right = numberArray(tree, 'right_children', where);
  const splitIndex = numberArray(tree, 'split_indices', where);
  const splitCondition = numberArray(tree, 'split_conditions', where);
  const defaultLeft = numberArray(tree, 'default_left', where);
  const cover = numberArray(tree, 'sum_hessian', where);
  const n = left.length;
  for (const [name, a] of [
    ['right_children', right],
    ['split_indices', splitIndex],
    ['split_conditions', splitCondition],
    ['default_left', defaultLeft],
    ['sum_hessian', cover],
  ] as const) {
    if (a.length !== n) throw new ModelInputError(`XGBoost model: ${where}.${name} has ${a.length} entries, left_children has ${n}`);
  }
  const splitType = (tree as Record<string, unknown>).split_type;
  const categories = (tree as Record<string, unknown>).categories;
  if ((Array.isArray(splitType) && splitType.some((s) => s !== 0)) || (Array.isArray(categories) && categories.length > 0)) {
    throw new ModelInputError(`XGBoost model: ${where} has categorical splits, which are not supported`);
  }

  const out: TreeArrays = { left: [], right: [], feature: [], threshold: [], defaultLeft: [], value: [], cover: [] };
  const order = [0];
  const newId = new Map<number, number>([[0, 0]]);
  for (let i = 0; i < order.length; i++) {
    const old = order[i]!;
    if (!(old >= 0 && old < n)) throw new ModelInputError(`XGBoost model: ${where} refers to node ${old}, the tree has ${n}`);
    const isLeaf = left[old] === -1;
    out.cover.push(cover[old]!);
    out.defaultLeft.push(isLeaf ? 0 : defaultLeft[old] ? 1 : 0);
    if (isLeaf) {
      out.left.push(-1);
      out.right.push(-1);
      out.feature.push(-1);
      out.threshold.push(0);
      out.value.push(Math.fround(splitCondition[old]!));
      continue;
    }
    const feature = splitIndex[old]!;
    if (!Number.isInteger(feature) || feature < 0 || feature >= nFeatures) {
      throw new ModelInputError(`XGBoost model: ${where} node ${old} splits on feature ${feature}, the model has ${nFeatures}`);
    }
    out.feature.push(feature);
    out.threshold.push(Math.fround(splitCondition[old]!));
    out.value.push(0);
    for (const [child, ids] of [
      [left[old]!, out.left],
      [right[old]!, out.right],
    ] as const) {
      if (newId.has(child)) throw new ModelInputError(`XGBoost model: ${where} node ${child} is reached twice`);
      newId.set(child, order.length);
      ids.push(order.length);
      order.push(child);
    }
  }
  return out;
}

function field(obj: unknown, key: string, where: string): unknown {
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj) || !(key in obj)) {
    throw new ModelInputError(`XGBoost model: ${where} has no "${key}" (is this a JSON model saved by XGBoost's save_model?)`);
  }
  return (obj as Record<string, unknown>)[key];
}

function stringField(obj: unknown, key: string, where: string): string {
  const value = field(obj, key, where);
  if (typeof value !== 'string') throw new ModelInputError(`XGBoost model: ${where}.${key} must be a string`);
  return value;
}

/** A numeric array; XGBoost writes default_left as 0/1 numbers or booleans depending on version. */
function numberArray(obj: unknown, key: string, where: string): number[] {
  const value = field(obj, key, where);
  if (!Array.isArray(value)) throw new ModelInputError(`XGBoost model: ${where}.${key} must be an array`);
  return value.map((v, i) => {
    const x = typeof v === 'boolean' ? Number(v) : v;
    if (typeof x !== 'number' || !Number.isFinite(x)) throw new ModelInputError(`XGBoost model: ${where}.${key}[${i}] is not a finite number`);
    return x;
  });
}
