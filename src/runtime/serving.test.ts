import { describe, expect, it } from 'vitest';
import { FeatureSet, MARKETPLACE_FEATURE_SET, type FeatureSetSpec, type WindowedFeature } from '../features/index.js';
import type { RegisteredModel } from '../models/index.js';
import { loadServingModel } from './serving.js';

const served = FeatureSet.create(MARKETPLACE_FEATURE_SET);

/** A model trained on `spec`, reading `inputs`: all loadServingModel looks at before it builds a scorer. */
function trainedOn(spec: FeatureSetSpec, inputs: string[]) {
  const set = FeatureSet.create(spec);
  const model = { artifact: { id: 'm_test', featureSetVersion: set.version, inputs } } as unknown as RegisteredModel;
  const registry = { get: async (version: string) => (version === set.version ? { version, name: spec.name, spec, registeredAt: 0 } : undefined) };
  return loadServingModel(model, served, registry);
}

describe('serving a model trained on another feature set', () => {
  it('names the feature that keeps it from being served', async () => {
    const added: WindowedFeature = { name: 'user_bookings_6h_new', description: '', entity: 'user', events: ['booking_attempted'], agg: 'count', window: '6h', ttl: '90d' };
    await expect(trainedOn({ ...MARKETPLACE_FEATURE_SET, features: [...MARKETPLACE_FEATURE_SET.features, added] }, ['user_bookings_1h', 'user_bookings_6h_new_missing'])).rejects.toThrow(
      /^model m_test was trained on feature set fs_\w+; the features here are fs_\w+, where "user_bookings_6h_new", which the model reads, is not served here$/,
    );
    const redefined = MARKETPLACE_FEATURE_SET.features.map((f) => (f.name === 'user_bookings_24h' ? { ...f, window: '12h' as const } : f));
    await expect(trainedOn({ ...MARKETPLACE_FEATURE_SET, features: redefined }, ['user_bookings_24h'])).rejects.toThrow(/where "user_bookings_24h", which the model reads, does not mean here what it meant in training/);
  });
});
