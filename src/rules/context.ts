// What a rule sees: the scored event as `request`, its feature vector as `features`, the model's
// probability as `score`. docs/RULES.md documents every field; this file is the one place that builds it.
import { ENTITY_KINDS, Payloads, type EntityKind, type EventType, type RiskEvent } from '../events/schema.js';

/** The scored event, in CEL's value model (integers as bigint, the time as a timestamp). */
export interface RuleRequest {
  id: string;
  type: EventType;
  ts: Date;
  /** Every entity kind is present; one the event does not carry is the empty string (in no list). */
  entities: Record<EntityKind, string>;
  /** Only the context fields the event carries. */
  context: Record<string, unknown>;
  /** Only the payload fields the event carries. */
  payload: Record<string, unknown>;
}

export interface RuleContext {
  request: RuleRequest;
  /** Feature name → value; a missing feature is absent (`has(features.x)`, `features.?x.orValue(0.0)`). */
  features: Map<string, number>;
  /** The calibrated model probability, null when no model ran. */
  score: number | null;
}

// Fields declared as integers in the event schema become CEL ints, so `request.payload.nights + 1`
// works; every other number is a CEL double.
const INTEGER_FIELDS: Record<string, ReadonlySet<string>> = Object.fromEntries(
  Object.entries(Payloads).map(([type, schema]) => [
    type,
    new Set(Object.entries(schema.properties as Record<string, { type?: unknown }>).filter(([, s]) => s.type === 'integer').map(([name]) => name)),
  ]),
);
const INTEGER_CONTEXT_FIELDS: ReadonlySet<string> = new Set(['tz_offset_min']);

function toCel(fields: object, integers: ReadonlySet<string> | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(fields)) {
    out[name] = typeof value === 'number' && integers?.has(name) ? BigInt(value) : value;
  }
  return out;
}

/** Names of the values of a vector layout (`FeatureSet.vectorNames`: values, then `<name>_missing`), cached per layout. */
const valueNamesOf = new WeakMap<readonly string[], readonly string[]>();

function valueNames(vectorNames: readonly string[]): readonly string[] {
  let names = valueNamesOf.get(vectorNames);
  if (names === undefined) {
    names = vectorNames.slice(0, vectorNames.length / 2);
    valueNamesOf.set(vectorNames, names);
  }
  return names;
}

/**
 * The context rules are evaluated on. `vectorNames` is the feature set's `vectorNames` and `vector` is
 * laid out the same way (values, then missing indicators: a value is missing when its indicator is 1);
 * null when no features could be read, in which case `features` is empty.
 */
export function buildRuleContext(event: RiskEvent, vectorNames: readonly string[], vector: Float64Array | null, score: number | null, only?: ReadonlySet<string>): RuleContext {
  const entities = {} as Record<EntityKind, string>;
  for (const kind of ENTITY_KINDS) entities[kind] = event.entities[kind] ?? '';
  const features = new Map<string, number>();
  if (vector !== null) {
    const names = valueNames(vectorNames);
    // `only`: the features the rules name; the others would be built for every decision and never read.
    for (let i = 0; i < names.length; i++) if (vector[names.length + i] !== 1 && (only === undefined || only.has(names[i]!))) features.set(names[i]!, vector[i]!);
  }
  return {
    request: {
      id: event.id,
      type: event.type,
      ts: new Date(event.ts),
      entities,
      context: toCel(event.context ?? {}, INTEGER_CONTEXT_FIELDS),
      payload: toCel(event.payload, INTEGER_FIELDS[event.type]),
    },
    features,
    score,
  };
}
