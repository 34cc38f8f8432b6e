// Whether a registered model can be served by a server running a given feature set, and whether a
// promotion may go ahead: one check for the admin API and the CLI, so that neither retires a working
// model for one the server will refuse to load.
import type { ServingModel } from '../decisions/rollout.js';
import { FeatureSet, type FeatureSetRegistry } from '../features/index.js';
import { createScorer, ModelFeatureMismatch, type RegisteredModel, type Stage } from '../models/index.js';

/** The model ready to score with the served feature set; throws with the reason when it cannot be served. */
export async function loadServingModel(model: RegisteredModel, served: FeatureSet, featureSets: Pick<FeatureSetRegistry, 'get'>): Promise<ServingModel> {
  const trainedOn = await featureSets.get(model.artifact.featureSetVersion);
  const alsoServes = new Set<string>();
  if (trainedOn && model.artifact.featureSetVersion !== served.version) {
    const recreated = FeatureSet.create(trainedOn.spec, { registered: true });
    // The same definitions version otherwise now: the engine computes them otherwise than when the
    // model was trained (ENGINE_SEMANTICS_VERSION), so what it learnt is not what it would be served.
    if (recreated.version !== model.artifact.featureSetVersion) {
      throw new ModelFeatureMismatch(`model ${model.artifact.id} was trained on feature set ${model.artifact.featureSetVersion}, computed by an earlier version of riskgate's feature engine (the same definitions are ${recreated.version} now): retrain it`);
    }
    const like = served.servesLike(recreated, model.artifact.inputs);
    if (!like.ok) {
      const here = served.get(like.feature) === undefined ? 'is not served here' : 'does not mean here what it meant in training (its definition, a feature it is computed from, or the features that make its entity known differ)';
      throw new ModelFeatureMismatch(`model ${model.artifact.id} was trained on feature set ${model.artifact.featureSetVersion}; the features here are ${served.version}, where "${like.feature}", which the model reads, ${here}`);
    }
    alsoServes.add(model.artifact.featureSetVersion);
  }
  const scorer = await createScorer(model.artifact, { version: served.version, vectorNames: served.vectorNames, alsoServes });
  return { registered: model, scorer };
}

/** Why `model` cannot be served with the served feature set (null: it can): what a fallback model is checked for. */
export async function servingRefusal(model: RegisteredModel, served: FeatureSet, featureSets: Pick<FeatureSetRegistry, 'get'>): Promise<string | null> {
  try {
    await loadServingModel(model, served, featureSets);
    return null;
  } catch (error) {
    return `model ${model.artifact.id} cannot be served here: ${(error as Error).message}`;
  }
}

/**
 * Why moving `model` to `stage` must not happen (null: it may). `servedLine` is the model line the
 * server serves (settings' model_name): a model of another line would be promoted and then never scored.
 */
export async function promotionRefusal(
  model: RegisteredModel,
  stage: Exclude<Stage, 'candidate'>,
  served: FeatureSet,
  featureSets: Pick<FeatureSetRegistry, 'get'>,
  servedLine: string,
): Promise<string | null> {
  if (stage === 'retired') {
    return model.stage === 'active' ? `model ${model.artifact.id} is the active model: roll back, promote another model to active, or turn the kill switch on, so that every request keeps a deciding model` : null;
  }
  if (model.artifact.name !== servedLine) {
    return `model ${model.artifact.id} is on the "${model.artifact.name}" line, and the server serves the "${servedLine}" line only: it would never be scored; train or import it with --name ${servedLine}`;
  }
  const unservable = await servingRefusal(model, served, featureSets);
  if (unservable) return unservable;
  if (model.stage === 'active' && (stage === 'canary' || stage === 'shadow')) {
    return `model ${model.artifact.id} is the active model: promote another model to active first (or roll back), so that every request keeps a deciding model`;
  }
  return null;
}
