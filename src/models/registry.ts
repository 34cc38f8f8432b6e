// The model registry: immutable artifacts, each with a stage. Stages move candidate → shadow →
// canary → active → retired; one model per name is active and at most one is in canary; promoting a
// new active model retires the old one, and rollback brings the previous active model back.
import type { ModelArtifact, Policy } from './artifact.js';

export const STAGES = ['candidate', 'shadow', 'canary', 'active', 'retired'] as const;
export type Stage = (typeof STAGES)[number];

export interface RegisteredModel {
  artifact: ModelArtifact;
  /** 1, 2, 3… within the model's name, in registration order. */
  version: number;
  stage: Stage;
  /** Share of traffic (by stable user hash) a canary model decides. */
  canaryShare: number | null;
  /** The thresholds in force: the artifact's, unless changed since (changes are kept in the history). */
  policy: Policy;
  stageChangedAt: number;
}

export interface StageChange {
  modelId: string;
  name: string;
  from: Stage | null;
  to: Stage;
  canaryShare: number | null;
  actor: string;
  at: number;
  /** Set on the activation a rollback made. */
  via?: 'rollback';
}

export class RegistryError extends Error {}

export interface ModelRegistry {
  /** Add a candidate; registering the same artifact again returns the stored one. */
  register(artifact: ModelArtifact, actor: string): Promise<RegisteredModel>;
  get(id: string): Promise<RegisteredModel | undefined>;
  list(name?: string): Promise<RegisteredModel[]>;
  /** Move a model to a stage, enforcing one active and one canary per name. Returns the models whose stage changed. */
  promote(id: string, stage: Exclude<Stage, 'candidate'>, options: { actor: string; canaryShare?: number }): Promise<RegisteredModel[]>;
  /** Retire the active model of `name` and make the previously active one active again. */
  rollback(name: string, actor: string): Promise<RegisteredModel[]>;
  /** The model rollback() would make active again (throws as rollback() would when there is none). */
  rollbackTarget(name: string): Promise<RegisteredModel>;
  /** Set a model's thresholds; `changed` is false (and nothing recorded) when they were in force already. */
  setPolicy(id: string, policy: Policy, actor: string): Promise<{ model: RegisteredModel; changed: boolean }>;
  history(name?: string): Promise<StageChange[]>;
}
