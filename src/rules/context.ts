// What a rule sees: the scored event as `request`, its feature vector as `features`, the model's
// probability as `score`. docs/RULES.md documents every field; this file is the one place that builds it.
import { Payloads, type EntityKind, type EventType, type RiskEvent } from '../events/schema.js';

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
  // for…in rather than Object.entries: no array per field on every decision (events are plain parsed
  // objects: nothing enumerable is inherited).
  for (const name in fields) {
    const value = (fields as Record<string, unknown>)[name];
    out[name] = typeof value === 'number' && integers !== undefined && integers.has(name) ? BigInt(value) : value;
  }
  return out;
}

/** A vector layout (`FeatureSet.vectorNames`: values, then `<name>_missing`) as contexts read it. */
interface Layout {
  /** The values' names. */
  names: readonly string[];
  /** Every value's position. */
  all: Int32Array;
  /** The positions of the values each rule set names. */
  named: WeakMap<ReadonlySet<string>, Int32Array>;
}

/** Worked out once per layout, not per decision. */
const layouts = new WeakMap<readonly string[], Layout>();

function layoutOf(vectorNames: readonly string[]): Layout {
  let layout = layouts.get(vectorNames);
  if (layout === undefined) {
    const names = vectorNames.slice(0, vectorNames.length / 2);
    layout = { names, all: Int32Array.from(names, (_, i) => i), named: new WeakMap() };
    layouts.set(vectorNames, layout);
  }
  return layout;
}

/** Positions of the values a context carries: all of them, or those `only` names. */
function carriedPositions(layout: Layout, only: ReadonlySet<string> | undefined): Int32Array {
  if (only === undefined) return layout.all;
  let positions = layout.named.get(only);
  if (positions === undefined) {
    positions = Int32Array.from(layout.all.filter((i) => only.has(layout.names[i]!)));
    layout.named.set(only, positions);
  }
  return positions;
}

/**
 * The context rules are evaluated on. `vectorNames` is the feature set's `vectorNames` and `vector` is
 * laid out the same way (values, then missing indicators: a value is missing when its indicator is 1);
 * null when no features could be read, in which case `features` is empty.
 */
export function buildRuleContext(event: RiskEvent, vectorNames: readonly string[], vector: Float64Array | null, score: number | null, only?: ReadonlySet<string>): RuleContext {
  // Written out rather than looped over ENTITY_KINDS: one object of a fixed shape, built at once
  // (`satisfies` keeps it in step with the entity kinds).
  const e = event.entities;
  const entities = {
    user: e.user ?? '',
    device: e.device ?? '',
    card: e.card ?? '',
    ip: e.ip ?? '',
    email: e.email ?? '',
    listing: e.listing ?? '',
    host: e.host ?? '',
  } satisfies Record<EntityKind, string>;
  const features = new Map<string, number>();
  if (vector !== null) {
    // `only`: the features the rules name; the others would be built for every decision and never read.
    const layout = layoutOf(vectorNames);
    const { names } = layout;
    for (const i of carriedPositions(layout, only)) if (vector[names.length + i] !== 1) features.set(names[i]!, vector[i]!);
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
