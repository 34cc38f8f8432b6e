// Feature sets by version: what a model was trained on and what a server serves must be looked up by
// the version a model records.
import type { FeatureSetSpec } from './featureset.js';

export interface RegisteredFeatureSet {
  version: string;
  name: string;
  spec: FeatureSetSpec;
  registeredAt: number;
}

export interface FeatureSetRegistry {
  /** Idempotent: registering the same version again changes nothing. */
  register(version: string, spec: FeatureSetSpec): Promise<void>;
  get(version: string): Promise<RegisteredFeatureSet | undefined>;
  list(): Promise<RegisteredFeatureSet[]>;
  /** The registered version servers of this installation serve, when one was chosen (`serve --feature-set`); undefined: the built-in set. */
  served(): Promise<string | undefined>;
  /** Choose the served version (registered first); undefined goes back to the built-in set. */
  setServed(version: string | undefined): Promise<void>;
}
