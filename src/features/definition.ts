// Feature definitions are data, not code: declarative TypeScript objects that hash to a stable version
// and that the online store, the offline replay and the docs all read the same way.
import { alwaysHeld, fieldSchema, valueKind, whyNeverCompares, whyNeverEqual, type FieldSchema } from '../events/fields.js';
import { Context, Entities, ENTITY_KINDS, EVENT_TYPES, Payloads, type EntityKind, type EventType } from '../events/schema.js';
import { TEXT_TYPES } from './derived.js';

export const AGGREGATIONS = ['count', 'sum', 'mean', 'min', 'max', 'distinct', 'last', 'since_last', 'since_first', 'velocity'] as const;
export type Aggregation = (typeof AGGREGATIONS)[number];

/** A duration: a number followed by s, m, h or d (`90s`, `10m`, `24h`, `30d`). */
export type Duration = `${number}${'s' | 'm' | 'h' | 'd'}`;

/** Conditions on an event, all of which must hold (AND). Paths are dotted (`payload.status`). */
export type Condition = Record<
  string,
  | string
  | number
  | boolean
  | { in: ReadonlyArray<string | number | boolean> }
  | { ne: string | number | boolean }
  | { gt: number }
  | { gte: number }
  | { lt: number }
  | { lte: number }
  | { exists: boolean }
>;

export type EntityKey = EntityKind | readonly EntityKind[];

/** An aggregation over the events of one entity (or composite key) in a sliding window. */
export interface WindowedFeature {
  kind?: 'windowed';
  name: string;
  description: string;
  /** Whose feature this is; an array makes a composite key such as user×device. */
  entity: EntityKey;
  /** Event types that feed it. */
  events: readonly EventType[];
  where?: Condition;
  agg: Aggregation;
  /**
   * The aggregated value: a dotted path into the event (`payload.amount`, `entities.card`) or a derived
   * signal (`$text.off_platform`, `$text.url`, `$text.phone`, `$text.email`: 1 or 0 from the message text).
   */
  field?: string;
  /** Sliding window, 1m..30d; required except for last, since_last and since_first. */
  window?: Duration;
  /** An entity idle for longer than this reads as missing. At least the window. */
  ttl: Duration;
  /** velocity only: the event count that triggers. */
  k?: number;
  /** Value served when missing (the `<name>_missing` indicator is 1 either way); default NaN. */
  missingValue?: number;
}

/** numerator ÷ denominator of two windowed features; missing when the denominator is missing or 0. */
export interface RatioFeature {
  kind: 'ratio';
  name: string;
  description: string;
  numerator: string;
  denominator: string;
  missingValue?: number;
}

/**
 * A request-time feature, computed from the scored event and other features by one of a fixed set of
 * operations (see ondemand.ts), so that definitions stay data and hash to a version.
 */
export interface OnDemandFeature {
  kind: 'on_demand';
  name: string;
  description: string;
  op: string;
  /** Operands: feature names, or `$event.<path>` for a field of the scored event. */
  args: readonly string[];
  /** A constant the operation needs, e.g. which text signal. */
  param?: string;
  missingValue?: number;
}

export type FeatureDefinition = WindowedFeature | RatioFeature | OnDemandFeature;

export class FeatureDefinitionError extends Error {}

const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
export const MINUTE = 60_000;
export const DAY = 86_400_000;
export const MAX_WINDOW = 30 * DAY;
/** TTLs reach back years (an account's first event); a bound keeps a typo such as 9999999999d from becoming a state that never dies. */
export const MAX_TTL = 36_500 * DAY;
/** Windows are cut into this many buckets: the granularity is window ÷ BUCKETS_PER_WINDOW. */
export const BUCKETS_PER_WINDOW = 60;

export function parseDuration(value: string): number | null {
  const match = /^(\d+(?:\.\d+)?)([smhd])$/.exec(value);
  if (!match) return null;
  return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
}

export function kindOf(def: FeatureDefinition): 'windowed' | 'ratio' | 'on_demand' {
  return def.kind ?? 'windowed';
}

export function entityKinds(entity: EntityKey): readonly EntityKind[] {
  return typeof entity === 'string' ? [entity] : entity;
}

const NEEDS_WINDOW: ReadonlySet<Aggregation> = new Set(['count', 'sum', 'mean', 'min', 'max', 'distinct', 'velocity']);
const NEEDS_FIELD: ReadonlySet<Aggregation> = new Set(['sum', 'mean', 'min', 'max', 'distinct', 'last']);

/**
 * Throws a FeatureDefinitionError naming the feature and the problem (FeatureSet.create checks every
 * name first).
 *
 * `registered`: the definition comes from the feature-set registry — it was valid when registered, and
 * checks added since (newer bounds and reserved names) do not refuse it, so its version and the models
 * trained on it stay servable.
 */
export function validateWindowed(def: WindowedFeature, registered = false): void {
  const fail = (problem: string): never => {
    throw new FeatureDefinitionError(`feature "${def.name}": ${problem}`);
  };
  if (def.description !== undefined && typeof def.description !== 'string') fail('description must be a string');
  if (typeof def.entity !== 'string' && !(Array.isArray(def.entity) && def.entity.every((k) => typeof k === 'string'))) {
    fail('entity must be an entity kind ("user") or a list of them (["user", "device"])');
  }
  const kinds = entityKinds(def.entity);
  if (kinds.length === 0 || kinds.length > 3) fail('entity must name one to three entity kinds');
  for (const kind of kinds) {
    if (!(ENTITY_KINDS as readonly string[]).includes(kind)) fail(`unknown entity "${kind}" (known: ${ENTITY_KINDS.join(', ')})`);
  }
  if (new Set(kinds).size !== kinds.length) fail('a composite entity names each kind once');
  if (!Array.isArray(def.events) || def.events.length === 0) fail('events must list at least one event type');
  for (const type of def.events) {
    if (!(EVENT_TYPES as readonly string[]).includes(type)) fail(`unknown event type "${String(type)}"`);
  }
  if (new Set(def.events).size !== def.events.length) fail('events names an event type twice (each event would count twice)');
  if (!(AGGREGATIONS as readonly string[]).includes(def.agg)) fail(`unknown aggregation "${def.agg}" (known: ${AGGREGATIONS.join(', ')})`);
  if (NEEDS_FIELD.has(def.agg) && !def.field) fail(`aggregation ${def.agg} needs a field`);
  if (def.field !== undefined) {
    if (typeof def.field !== 'string') fail('field must be a field path such as "payload.amount"');
    validatePath(def.field, fail, registered);
  }
  if (def.window !== undefined && (def.agg === 'since_last' || def.agg === 'since_first')) {
    fail(`aggregation ${def.agg} takes no window: it looks back as far as its ttl`);
  }
  if (def.ttl === undefined) fail('ttl is required: how long an idle entity keeps this state, a duration such as 30d');
  const ttl = parseDuration(def.ttl);
  if (ttl === null || ttl <= 0) fail(`ttl "${def.ttl}" must be a positive duration such as 30d`);
  if (ttl! > MAX_TTL && !registered) fail(`ttl ${def.ttl} is longer than the 36500d (100 years) maximum`);
  if (def.window !== undefined || NEEDS_WINDOW.has(def.agg)) {
    if (def.window === undefined) fail(`aggregation ${def.agg} needs a window`);
    const window = parseDuration(def.window!);
    if (window === null || window <= 0) fail(`window "${def.window}" must be a positive duration such as 10m`);
    if (window! < MINUTE) fail(`window ${def.window} is shorter than the 1m minimum`);
    if (window! > MAX_WINDOW) fail(`window ${def.window} is longer than the 30d maximum`);
    if (window! % MINUTE !== 0) fail(`window ${def.window} must be a whole number of minutes`);
    if (def.agg === 'velocity' && window! > DAY) fail('velocity windows are at most 24h');
    if (ttl! < window!) fail(`ttl ${def.ttl} is shorter than its window ${def.window}`);
  }
  if (def.agg === 'velocity') {
    if (!Number.isInteger(def.k) || def.k! < 1) fail('velocity needs k, a positive integer');
  } else if (def.k !== undefined) {
    fail('k only applies to velocity');
  }
  if (def.where !== undefined && (typeof def.where !== 'object' || def.where === null || Array.isArray(def.where))) {
    fail('where must be an object of field paths to conditions, e.g. {"payload.status": "declined"}');
  }
  for (const [path, condition] of Object.entries(def.where ?? {})) {
    validatePath(path, fail, registered);
    if (Array.isArray(condition)) fail(`where.${path}: a list of values is written {"in": [...]}`);
    if (condition === null) fail(`where.${path}: null matches no event (fields are absent, never null): write {"exists": false}`);
    if (typeof condition === 'object' && condition !== null) {
      const ops = Object.keys(condition);
      if (ops.length !== 1 || !['in', 'ne', 'gt', 'gte', 'lt', 'lte', 'exists'].includes(ops[0]!)) {
        fail(`where.${path} must be a value or one of {in}, {ne}, {gt}, {gte}, {lt}, {lte}, {exists}`);
      }
      const [op, operand] = Object.entries(condition)[0]!;
      if (op === 'in' && !Array.isArray(operand)) fail(`where.${path}.in must be a list of values`);
      if (op === 'in' && (operand as unknown[]).length === 0) fail(`where.${path}.in must list at least one value (an empty list matches no event)`);
      const scalar = (v: unknown) => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
      if ((op === 'in' && !(operand as unknown[]).every(scalar)) || (op === 'ne' && !scalar(operand))) fail(`where.${path}.${op} must hold strings, numbers or booleans`);
      if (['gt', 'gte', 'lt', 'lte'].includes(op) && (typeof operand !== 'number' || !Number.isFinite(operand))) fail(`where.${path}.${op} must be a finite number`);
      if (op === 'exists' && typeof operand !== 'boolean') fail(`where.${path}.exists must be true or false`);
    }
  }
  if (def.missingValue !== undefined && !Number.isFinite(def.missingValue)) fail('missingValue must be a finite number');
  if (!registered) checkAgainstEvents(def, fail);
}

/**
 * The field and every `where` path must be one that some of the feature's event types hold, with
 * values the aggregation and the conditions can use: otherwise the feature would be constant (a
 * misspelt `payload.amonut`, a sum over a currency, `{"payload.status": "decline"}`).
 */
function checkAgainstEvents(def: WindowedFeature, fail: (problem: string) => never): void {
  const held = (path: string): FieldSchema[] => {
    if (path.startsWith('$text.')) {
      // Derived from the event's text: 0 on events that carry none.
      if (!def.events.some((type) => TEXT_TYPES.includes(type))) fail(`"${path}": no ${def.events.join(' or ')} event carries text, so it is 0 on every event (${TEXT_TYPES.join(', ')} carry text)`);
      return [path === '$text.score' ? { type: 'number', minimum: 0, maximum: 1, description: 'a score' } : { type: 'integer', minimum: 0, maximum: 1, description: '1 when the text has it, else 0' }];
    }
    const schemas = def.events.flatMap((type) => fieldSchema(type, path) ?? []);
    if (schemas.length === 0) fail(`field path "${path}": no ${def.events.join(' or ')} event has it${knownFields(path, def.events)}`);
    return schemas;
  };
  if (def.field !== undefined) {
    const kinds = held(def.field).map(valueKind);
    if (['sum', 'mean', 'min', 'max', 'last'].includes(def.agg) && !kinds.some((k) => k === 'number' || k === 'boolean')) {
      fail(`aggregation ${def.agg} needs a numeric field: "${def.field}" holds ${describeKinds(kinds)}`);
    }
    if (def.agg === 'distinct' && !kinds.some((k) => k !== 'compound')) fail(`distinct counts single values: "${def.field}" holds ${describeKinds(kinds)}`);
  }
  for (const [path, condition] of Object.entries(def.where ?? {})) {
    const schemas = held(path);
    const canEqual = (value: string | number | boolean, op = ''): void => {
      const reasons = schemas.map((schema) => whyNeverEqual(path, schema, value));
      if (reasons.some((r) => r === undefined)) return;
      const outcome = op === 'ne' ? 'every event passes' : 'no event matches';
      // Of several event types, each with its own values (`type`, an enum one of them extends): all of them.
      const values = schemas.every((schema) => schema.enum !== undefined) ? [...new Set(schemas.flatMap((schema) => schema.enum!))] : undefined;
      const reason = values === undefined ? reasons[0] : `${JSON.stringify(value)} is not one of its values (${values.map((v) => JSON.stringify(v)).join(', ')})`;
      fail(`where.${path}${op && `.${op}`}: ${outcome}, no ${path} is ${JSON.stringify(value)}: ${reason}`);
    };
    if (typeof condition !== 'object') canEqual(condition);
    else if ('in' in condition) condition.in.forEach((value) => canEqual(value, 'in'));
    else if ('ne' in condition) canEqual(condition.ne, 'ne');
    else if ('exists' in condition) {
      if (!condition.exists && def.events.every((type) => alwaysHeld(type, path))) fail(`where.${path}.exists: no event matches, every ${def.events.join(' and ')} event has ${path}`);
    } else {
      const [op, operand] = Object.entries(condition)[0] as ['gt' | 'gte' | 'lt' | 'lte', number];
      const reasons = schemas.map((schema) => whyNeverCompares(schema, op, operand));
      if (reasons.every((r) => r !== undefined)) fail(`where.${path}.${op}: no event matches, no ${path} is ${OP_WORDS[op]} ${operand}: ${reasons[0]}`);
    }
  }
}

const OP_WORDS = { gt: 'over', gte: 'at least', lt: 'under', lte: 'at most' };

function describeKinds(kinds: ReadonlyArray<ReturnType<typeof valueKind>>): string {
  const words = { number: 'numbers', string: 'text', boolean: 'true or false', compound: 'lists or groups of fields' };
  return [...new Set(kinds.map((k) => words[k]))].join(' or ');
}

/** The fields next to a path that names none, to point at the one meant. */
export function knownFields(path: string, types: readonly EventType[]): string {
  const [head] = path.split('.');
  if (head === 'context') return ` (context fields: ${Object.keys(Context.properties).join(', ')})`;
  if (head === 'entities') return ` (entities: ${Object.keys(Entities.properties).join(', ')})`;
  if (head !== 'payload') return '';
  return ` (${types.map((type) => `${type} payload fields: ${Object.keys(Payloads[type].properties).join(', ')}`).join('; ')})`;
}

const DERIVED = new Set(['$text.off_platform', '$text.url', '$text.phone', '$text.email', '$text.score']);

function validatePath(path: string, fail: (problem: string) => never, registered: boolean): void {
  if (path.startsWith('$')) {
    if (!DERIVED.has(path)) fail(`unknown derived field "${path}" (known: ${[...DERIVED].join(', ')})`);
    return;
  }
  const parts = path.split('.');
  if (!['id', 'type', 'ts', 'entities', 'context', 'payload'].includes(parts[0]!)) {
    fail(`field path "${path}" must start with entities., context. or payload.`);
  }
  const reserved = parts.find(registered ? isForbiddenPathPart : isReservedPathPart);
  if (reserved !== undefined) fail(reservedPathProblem(path, reserved));
  if (registered) return;
  // Paths that no event can hold would read as absent on every event: the feature would be constant.
  if (['id', 'type', 'ts'].includes(parts[0]!) && parts.length > 1) fail(`field path "${path}": ${parts[0]} is a single value, with no fields inside`);
  if (parts[0] === 'entities' && (parts.length !== 2 || !(ENTITY_KINDS as readonly string[]).includes(parts[1]!))) {
    fail(`field path "${path}": entities are ${ENTITY_KINDS.map((k) => `entities.${k}`).join(', ')}`);
  }
}

/** What was refused before the other inherited names were (2026-11-27): still refused in registered definitions. */
export function isForbiddenPathPart(part: string): boolean {
  return part === '' || part === '__proto__' || part === 'constructor' || part === 'prototype';
}

// Every object has these (hasOwnProperty, toString, __proto__, …): a path through one would read the
// built-in, not an event field, and match every event or none.
const INHERITED = new Set([...Object.getOwnPropertyNames(Object.prototype), 'prototype']);

/** Whether a path segment can never name an event field: empty, or a property every object inherits. */
export function isReservedPathPart(part: string): boolean {
  return part === '' || INHERITED.has(part);
}

export function reservedPathProblem(path: string, part: string): string {
  return part === '' ? `field path "${path}" has an empty part` : `field path "${path}" names "${part}", a built-in property of every object, not an event field`;
}
