// A feature set: named, validated definitions with a version that is the hash of those definitions.
// A model records the version it was trained on; serving refuses a model whose version it does not serve.
import { createHash } from 'node:crypto';
import { fieldSchema, valueKind } from '../events/fields.js';
import { EVENT_TYPES, isLabelType, type EventType } from '../events/schema.js';
import { canonicalJson } from '../lib/canonical-json.js';
import {
  entityKinds,
  FeatureDefinitionError,
  isForbiddenPathPart,
  isReservedPathPart,
  knownFields,
  kindOf,
  parseDuration,
  reservedPathProblem,
  validateWindowed,
  type FeatureDefinition,
  type OnDemandFeature,
  type RatioFeature,
  type WindowedFeature,
} from './definition.js';
import { TEXT_TYPES } from './derived.js';
import { ON_DEMAND_OPS, ON_DEMAND_OPS_VERSION } from './ondemand.js';
import { TEXT_SIGNALS_VERSION } from './text/index.js';
import { zeroWhenEntityKnown } from './window.js';

/** Bump when the meaning of windows, TTL or missing values changes: every version changes with it. */
// 2: a count, sum, distinct count or velocity feature with no live state reads 0 (not missing) while
//    its entity is live in another feature of the same entity key.
export const ENGINE_SEMANTICS_VERSION = 2;

export interface FeatureSetSpec {
  name: string;
  description?: string;
  /** Event types scored at a checkpoint; their rows make training sets. */
  scored: readonly EventType[];
  features: readonly FeatureDefinition[];
}

export class FeatureSet {
  readonly name: string;
  readonly description: string;
  readonly version: string;
  readonly scored: ReadonlySet<EventType>;
  readonly definitions: readonly FeatureDefinition[];
  readonly windowed: readonly WindowedFeature[];
  readonly ratios: readonly RatioFeature[];
  /** On-demand features in an order where every input comes before its user. */
  readonly onDemand: readonly OnDemandFeature[];
  /** Names of the feature values, in vector order. */
  readonly valueNames: readonly string[];
  /** The full vector layout: every value, then every `<name>_missing` indicator. */
  readonly vectorNames: readonly string[];

  private constructor(spec: FeatureSetSpec) {
    this.name = spec.name;
    this.description = spec.description ?? '';
    this.definitions = spec.features;
    this.scored = new Set(spec.scored);
    this.windowed = spec.features.filter((f): f is WindowedFeature => kindOf(f) === 'windowed');
    this.ratios = spec.features.filter((f): f is RatioFeature => kindOf(f) === 'ratio');
    this.onDemand = orderOnDemand(spec.features.filter((f): f is OnDemandFeature => kindOf(f) === 'on_demand'));
    this.valueNames = [...this.windowed, ...this.ratios, ...this.onDemand].map((f) => f.name);
    this.vectorNames = [...this.valueNames, ...this.valueNames.map((n) => `${n}_missing`)];
    this.version = versionOf(spec);
  }

  /**
   * Validate every definition; throws FeatureDefinitionError naming the first bad feature.
   * `registered`: the spec comes from the registry (see validateWindowed): checks added since it was
   * registered do not refuse it.
   */
  static create(spec: FeatureSetSpec, options: { registered?: boolean } = {}): FeatureSet {
    const registered = options.registered ?? false;
    // A spec may come from a file: its shape is checked before anything in it is read.
    if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) throw new FeatureDefinitionError('a feature set must be an object with name, scored and features');
    if (typeof spec.name !== 'string') throw new FeatureDefinitionError('feature set: name must be a string');
    if (!Array.isArray(spec.scored) || !spec.scored.every((t) => typeof t === 'string')) throw new FeatureDefinitionError(`feature set "${spec.name}": scored must be an array of event types`);
    if (!Array.isArray(spec.features)) throw new FeatureDefinitionError(`feature set "${spec.name}": features must be an array of feature definitions`);
    const unknownField = Object.keys(spec).find((key) => !SET_FIELDS.includes(key));
    if (unknownField !== undefined && !registered) throw new FeatureDefinitionError(`feature set "${spec.name}": unknown field "${unknownField}" (known: ${SET_FIELDS.join(', ')})`);
    if (!/^[a-z][a-z0-9_-]{0,63}$/.test(spec.name)) throw new FeatureDefinitionError(`feature set name "${spec.name}" must be lower-case, 1–64 characters`);
    if (spec.scored.length === 0) throw new FeatureDefinitionError(`feature set "${spec.name}": scored must list at least one event type`);
    for (const type of spec.scored) {
      if (!(EVENT_TYPES as readonly string[]).includes(type)) throw new FeatureDefinitionError(`feature set "${spec.name}": unknown scored event type "${type}"`);
      if (isLabelType(type)) throw new FeatureDefinitionError(`feature set "${spec.name}": scored event type "${type}" is a label, not something to score`);
    }
    if (new Set(spec.scored).size !== spec.scored.length) throw new FeatureDefinitionError(`feature set "${spec.name}": scored names an event type twice`);
    if (spec.features.length === 0) throw new FeatureDefinitionError(`feature set "${spec.name}": features must list at least one feature`);
    // Every decision reads every feature, and a model's rows hold them all: far past what a set needs, a
    // set is a mistake (20,000 features made an export run for hours).
    if (spec.features.length > MAX_FEATURES && !registered) throw new FeatureDefinitionError(`feature set "${spec.name}": at most ${MAX_FEATURES.toLocaleString('en-US')} features, got ${spec.features.length.toLocaleString('en-US')}`);
    if (spec.description !== undefined && !registered && (typeof spec.description !== 'string' || spec.description.length > MAX_DESCRIPTION)) {
      throw new FeatureDefinitionError(`feature set "${spec.name}": description must be a string of at most ${MAX_DESCRIPTION.toLocaleString('en-US')} characters`);
    }
    const names = new Set<string>();
    for (const def of spec.features) {
      if (typeof def !== 'object' || def === null || typeof def.name !== 'string') {
        throw new FeatureDefinitionError(`feature set "${spec.name}": every feature needs a name`);
      }
      // Names become CSV headers, Parquet columns and CEL identifiers: one safe spelling for every kind.
      if (!FEATURE_NAME.test(def.name)) throw new FeatureDefinitionError(`feature "${def.name}": name must be lower_snake_case, 1–64 characters, starting with a letter`);
      if (names.has(def.name)) throw new FeatureDefinitionError(`feature "${def.name}": defined twice`);
      const description: unknown = (def as { description?: unknown }).description;
      if (description !== undefined && !registered && (typeof description !== 'string' || description.length > MAX_DESCRIPTION)) {
        throw new FeatureDefinitionError(`feature "${def.name}": description must be a string of at most ${MAX_DESCRIPTION.toLocaleString('en-US')} characters`);
      }
      if (def.name.endsWith('_missing')) throw new FeatureDefinitionError(`feature "${def.name}": names ending in _missing are reserved for indicators`);
      if ((TRAINING_SET_COLUMNS as readonly string[]).includes(def.name)) throw new FeatureDefinitionError(`feature "${def.name}": is the name of a training-set column (${TRAINING_SET_COLUMNS.join(', ')}); rename it`);
      names.add(def.name);
    }
    const byName = new Map(spec.features.map((f) => [f.name, f]));
    for (const def of spec.features) {
      const kind = kindOf(def);
      // A misspelt field ("windw") would otherwise be ignored, and the feature be another than meant.
      // (Its own entry only: a kind named "__proto__" or "toString" is not a kind.)
      const fields = Object.hasOwn(FIELDS_OF_KIND, kind) ? FIELDS_OF_KIND[kind] : undefined;
      const unknown = fields && Object.keys(def).find((key) => !fields.includes(key));
      if (unknown !== undefined) throw new FeatureDefinitionError(`feature "${def.name}": unknown field "${unknown}" for a ${kind} feature (known: ${fields!.join(', ')})`);
      if (kind === 'windowed') validateWindowed(def as WindowedFeature, registered);
      else if (kind === 'ratio') validateRatio(def as RatioFeature, byName);
      else if (kind === 'on_demand') validateOnDemand(def as OnDemandFeature, byName, spec.scored as readonly EventType[], registered);
      else throw new FeatureDefinitionError(`feature "${def.name}": unknown kind "${String(kind)}"`);
    }
    return new FeatureSet(spec);
  }

  /** The definition of one feature, by name. */
  get(name: string): FeatureDefinition | undefined {
    return this.definitions.find((d) => d.name === name);
  }

  /**
   * Names (vector names, `_missing` indicators included) that this set serves with the same meaning as
   * `other`: the same definition, and the same for every feature it is computed from. A model trained on
   * `other` can be served by this set when all its inputs are among them — this is what lets a new
   * feature reach a canary model while the active model keeps running. Both sets are computed by this
   * engine: a model trained under an earlier engine's semantics is caught where its recorded version is
   * known (runtime/serving.ts).
   */
  servesLike(other: FeatureSet, names: readonly string[]): { ok: true } | { ok: false; feature: string } {
    if (other.version === this.version) return { ok: true };
    const same = (name: string): boolean => {
      const mine = this.get(name);
      const theirs = other.get(name);
      if (!mine || !theirs || canonicalJson(mine) !== canonicalJson(theirs)) return false;
      // A count or sum with no state of its own reads 0 while its entity is live in any feature of its
      // entity key (zeroWhenEntityKnown): its meaning also rests on what makes the entity live.
      if (kindOf(mine) === 'windowed' && zeroWhenEntityKnown((mine as WindowedFeature).agg) && liveness(this, mine as WindowedFeature) !== liveness(other, mine as WindowedFeature)) return false;
      const inputs = kindOf(mine) === 'ratio' ? [(mine as RatioFeature).numerator, (mine as RatioFeature).denominator] : kindOf(mine) === 'on_demand' ? (mine as OnDemandFeature).args.filter((a) => !a.startsWith('$event.')) : [];
      return inputs.every(same);
    };
    for (const name of names) {
      const feature = name.endsWith('_missing') ? name.slice(0, -'_missing'.length) : name;
      if (!same(feature)) return { ok: false, feature };
    }
    return { ok: true };
  }
}

/** What makes an entity of `def`'s key live in `set`: the windowed features of that key, as far as their states' existence goes (not their windows). */
function liveness(set: FeatureSet, def: WindowedFeature): string {
  const key = entityKinds(def.entity).join('×');
  const signatures = set.windowed.filter((f) => entityKinds(f.entity).join('×') === key).map(livenessSignature);
  // A feature another one dominates — every event that gives it a state gives the other one too, which
  // lives as long or longer — never makes an entity live that was not already: only the others count
  // (of equal ones, the first). So adding `user_logins_7d` beside `user_since_last_login` (login
  // events, 180 days) changes nothing, and a model trained without it keeps being served.
  const kept = signatures.filter((a, i) => !signatures.some((b, j) => j !== i && dominates(b, a) && !(dominates(a, b) && j > i)));
  return canonicalJson(kept.map((s) => canonicalJson({ events: [...s.events].sort(), where: [...s.where].sort(), value: s.value, ttl: s.ttl })).sort());
}

/** What decides whether a feature holds a live state for an entity: which events give it one, and how long it lives. */
interface LivenessSignature {
  events: ReadonlySet<string>;
  /** Its `where` conditions, each as canonical JSON. */
  where: readonly string[];
  /** Which events with the field give it a state (null: every matching event does). */
  value: string | null;
  ttl: number;
}

function livenessSignature(f: WindowedFeature): LivenessSignature {
  // engine.ts valueOf: without a field every matching event counts; with one, an event counts when the
  // field is present (count, since_*, velocity), a single value (distinct) or a number (the others).
  const kind = f.agg === 'distinct' ? 'scalar' : ['count', 'since_last', 'since_first', 'velocity'].includes(f.agg) ? 'present' : 'numeric';
  return {
    events: new Set(f.events),
    where: Object.entries(f.where ?? {}).map((condition) => canonicalJson(condition)),
    value: f.field === undefined ? null : `${f.field}:${kind}`,
    ttl: parseDuration(f.ttl)!,
  };
}

/** Whether `b` holds a live state whenever `a` does. */
function dominates(b: LivenessSignature, a: LivenessSignature): boolean {
  return [...a.events].every((e) => b.events.has(e)) && b.where.every((c) => a.where.includes(c)) && (b.value === null || b.value === a.value) && b.ttl >= a.ttl;
}

function versionOf(spec: FeatureSetSpec): string {
  const material = canonicalJson({
    engine: ENGINE_SEMANTICS_VERSION,
    ops: ON_DEMAND_OPS_VERSION,
    // Only sets that read text change when the text detectors do.
    ...(spec.features.some(readsText) ? { text: TEXT_SIGNALS_VERSION } : {}),
    scored: [...spec.scored].sort(),
    features: spec.features,
  });
  return `fs_${createHash('sha256').update(material).digest('hex').slice(0, 12)}`;
}

function readsText(def: FeatureDefinition): boolean {
  if (kindOf(def) === 'on_demand') return (def as OnDemandFeature).op === 'text_signal';
  if (kindOf(def) !== 'windowed') return false;
  const w = def as WindowedFeature;
  return [w.field, ...Object.keys(w.where ?? {})].some((path) => path?.startsWith('$text.'));
}

const FEATURE_NAME = /^[a-z][a-z0-9_]{0,63}$/;

/** The fields a feature set may have. */
const SET_FIELDS: readonly string[] = ['name', 'description', 'scored', 'features'];
const MAX_FEATURES = 1_000;
const MAX_DESCRIPTION = 2_000;

/** The fields a definition of each kind may have. */
const FIELDS_OF_KIND: Record<string, readonly string[]> = {
  windowed: ['kind', 'name', 'description', 'entity', 'events', 'where', 'agg', 'field', 'window', 'ttl', 'k', 'missingValue'],
  ratio: ['kind', 'name', 'description', 'numerator', 'denominator', 'missingValue'],
  on_demand: ['kind', 'name', 'description', 'op', 'args', 'param', 'missingValue'],
};

/** The columns a training-set export writes beside the features. */
export const TRAINING_SET_COLUMNS = ['event_id', 'seq', 'ts', 'label', 'label_source', 'meta_scenario', 'meta_user', 'meta_amount', 'meta_country'] as const;

function validateRatio(def: RatioFeature, byName: Map<string, FeatureDefinition>): void {
  if (def.missingValue !== undefined && !Number.isFinite(def.missingValue)) throw new FeatureDefinitionError(`feature "${def.name}": missingValue must be a finite number`);
  for (const side of ['numerator', 'denominator'] as const) {
    const target = byName.get(def[side]);
    if (def[side] === def.name) throw new FeatureDefinitionError(`feature "${def.name}": ${side} refers to itself`);
    if (!target) throw new FeatureDefinitionError(`feature "${def.name}": ${side} "${def[side]}" is not defined`);
    if (kindOf(target) !== 'windowed') throw new FeatureDefinitionError(`feature "${def.name}": ${side} "${def[side]}" must be a windowed feature`);
  }
}

function validateOnDemand(def: OnDemandFeature, byName: Map<string, FeatureDefinition>, scored: readonly EventType[], registered: boolean): void {
  const fail = (problem: string): never => {
    throw new FeatureDefinitionError(`feature "${def.name}": ${problem}`);
  };
  const op = Object.hasOwn(ON_DEMAND_OPS, def.op) ? ON_DEMAND_OPS[def.op] : undefined;
  if (!op) fail(`unknown operation "${def.op}" (known: ${Object.keys(ON_DEMAND_OPS).join(', ')})`);
  if (!Array.isArray(def.args) || def.args.length !== op!.arity) fail(`operation ${def.op} takes ${op!.arity} operand(s)`);
  // (null is how a JSON file leaves a param out.)
  const problem = op!.checkParam ? op!.checkParam(def.param) : def.param != null && !registered ? `operation ${def.op} takes no param` : undefined;
  if (problem) fail(problem);
  if (op!.readsText && !registered && !scored.some((type) => TEXT_TYPES.includes(type))) fail(`operation ${def.op} reads the scored event's text, and no scored event (${scored.join(', ')}) carries any: it would be 0 on every row (${TEXT_TYPES.join(', ')} do)`);
  if (def.missingValue !== undefined && !Number.isFinite(def.missingValue)) fail('missingValue must be a finite number');
  for (const arg of def.args) {
    if (typeof arg !== 'string') fail('operands must be feature names or $event.<path> strings');
    if (arg === def.name) fail('depends on itself');
    if (arg.startsWith('$event.')) {
      const root = arg.slice('$event.'.length).split('.')[0];
      if (!['entities', 'context', 'payload', 'ts', 'type'].includes(root!)) fail(`operand "${arg}" must be $event.entities…, $event.context…, $event.payload…, $event.ts or $event.type`);
      const reserved = arg.split('.').slice(1).find(registered ? isForbiddenPathPart : isReservedPathPart);
      if (reserved !== undefined) fail(`operand ${reservedPathProblem(arg.slice('$event.'.length), reserved)}`);
      // Read from the scored event only: a path none of the scored types holds is missing on every row,
      // and their fields are the ones to name.
      if (!registered) {
        const path = arg.slice('$event.'.length);
        const schemas = scored.flatMap((type) => fieldSchema(type, path) ?? []);
        if (schemas.length === 0) fail(`operand "${arg}": no scored event (${scored.join(', ')}) has it${knownFields(path, scored)}`);
        if (schemas.every((schema) => valueKind(schema) === 'compound')) fail(`operand "${arg}": it holds a list or a group of fields, never a single value${knownFields(`${path}.?`, scored)}`);
        if (op!.numeric && schemas.every((schema) => valueKind(schema) === 'string')) fail(`operation ${def.op} reads numbers, and "${arg}" holds text: it would be missing on every row (differs and present read text)`);
      }
    } else if (!byName.has(arg)) {
      fail(`operand "${arg}" is not a defined feature (or $event.<path>)`);
    }
  }
}

/** Topological order of on-demand features; a cycle is an error naming a feature on it. */
function orderOnDemand(list: OnDemandFeature[]): OnDemandFeature[] {
  const onDemand = new Map(list.map((f) => [f.name, f]));
  const state = new Map<string, 'visiting' | 'done'>();
  const ordered: OnDemandFeature[] = [];
  const visit = (f: OnDemandFeature): void => {
    if (state.get(f.name) === 'done') return;
    if (state.get(f.name) === 'visiting') throw new FeatureDefinitionError(`feature "${f.name}": depends on itself through other on-demand features`);
    state.set(f.name, 'visiting');
    for (const arg of f.args) {
      const dep = onDemand.get(arg);
      if (dep) visit(dep);
    }
    state.set(f.name, 'done');
    ordered.push(f);
  };
  for (const f of list) visit(f);
  return ordered;
}
