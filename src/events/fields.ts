// What a dotted field path (`payload.amount`, `context.ip_country`) can hold in a stored event of a
// type, read off the same schemas that validate events on intake: feature definitions are checked
// against it, so a misspelt path or a comparison no stored value can satisfy is refused at load
// instead of making a feature that is constant on every event.
import { hashEmail, isHashedEmail, normaliseEmail } from './email.js';
import { canonicalIp } from './ip.js';
import { isCalendarDay } from '../lib/calendar.js';
import { Context, DATE_PATTERN, Entities, EventId, MAX_TS, MIN_TS, Payloads, REQUIRED_ENTITIES, type EntityKind, type EventType } from './schema.js';

/** The JSON Schema of what `path` holds in a stored event of `type`, or undefined when no such event can hold it. */
export function fieldSchema(type: EventType, path: string): FieldSchema | undefined {
  const [head, ...rest] = path.split('.');
  let node: FieldSchema | undefined;
  switch (head) {
    case 'id':
      node = EventId as FieldSchema;
      break;
    case 'type':
      node = { enum: [type] };
      break;
    case 'ts':
      node = { type: 'integer', minimum: MIN_TS, maximum: MAX_TS, description: 'epoch milliseconds' };
      break;
    case 'entities':
      node = Entities as FieldSchema;
      break;
    case 'context':
      node = Context as FieldSchema;
      break;
    case 'payload':
      node = Payloads[type] as FieldSchema;
      break;
    default:
      return undefined;
  }
  for (const part of rest) {
    if (node.type === 'object') node = node.properties !== undefined && Object.hasOwn(node.properties, part) ? node.properties[part] : undefined;
    else if (node.type === 'array') node = /^(0|[1-9]\d*)$/.test(part) ? node.items : undefined;
    else node = undefined;
    if (node === undefined) return undefined;
  }
  return node;
}

/**
 * Whether every stored event of `type` holds `path` (a `{"exists": false}` condition on it matches no
 * event): the envelope's fields, the entities the type requires, and required fields all the way down.
 */
export function alwaysHeld(type: EventType, path: string): boolean {
  const [head, ...rest] = path.split('.');
  if (head === 'id' || head === 'type' || head === 'ts') return rest.length === 0;
  if (head === 'entities') return rest.length === 1 && REQUIRED_ENTITIES[type].includes(rest[0] as EntityKind);
  if (head !== 'payload') return false;
  let node: FieldSchema | undefined = Payloads[type] as FieldSchema;
  for (const part of rest) {
    if (node?.type !== 'object' || !(node.required ?? []).includes(part)) return false;
    node = node.properties?.[part];
  }
  return node !== undefined;
}

/** The part of JSON Schema the event schemas use. */
export interface FieldSchema {
  type?: 'object' | 'array' | 'string' | 'number' | 'integer' | 'boolean';
  properties?: Record<string, FieldSchema>;
  required?: readonly string[];
  items?: FieldSchema;
  enum?: ReadonlyArray<string | number | boolean>;
  pattern?: string;
  description?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
}

/** What kind of value a field holds: a number (integers too), a string, a boolean, or a list or object. */
export function valueKind(schema: FieldSchema): 'number' | 'string' | 'boolean' | 'compound' {
  if (schema.enum !== undefined) {
    const kinds = new Set(schema.enum.map((v) => typeof v));
    return kinds.size === 1 ? (typeof schema.enum[0] as 'number' | 'string' | 'boolean') : 'compound';
  }
  if (schema.type === 'integer' || schema.type === 'number') return 'number';
  if (schema.type === 'string' || schema.type === 'boolean') return schema.type;
  return 'compound';
}

/** Fields riskgate stores upper-cased (countries, currencies) or lower-cased (e-mail domains), whatever the sender wrote. */
const STORED_CASE: Record<string, 'upper' | 'lower'> = {
  'context.ip_country': 'upper',
  'context.user_country': 'upper',
  'context.email_domain': 'lower',
  'payload.country': 'upper',
  'payload.card_country': 'upper',
  'payload.listing_country': 'upper',
  'payload.destination': 'upper',
  'payload.currency': 'upper',
};

/**
 * Why no stored value of `path` (of schema `schema`) can equal `value`, or undefined when one can: the
 * wrong kind of value, a value the field's list of allowed values lacks, a number out of its range, a
 * text its pattern refuses, or a spelling riskgate never stores (a case, an IP address's, an e-mail
 * address that it keeps only hashed).
 */
export function whyNeverEqual(path: string, schema: FieldSchema, value: string | number | boolean): string | undefined {
  const kind = valueKind(schema);
  if (schema.enum !== undefined) {
    return schema.enum.includes(value) ? undefined : `${JSON.stringify(value)} is not one of its values (${schema.enum.map((v) => JSON.stringify(v)).join(', ')})`;
  }
  if (kind === 'compound') return `it holds a ${schema.type === 'array' ? 'list' : 'group of fields'}, never a single value`;
  if (typeof value !== kind) {
    const meant = kind === 'boolean' ? booleanMeant(value) : undefined;
    const what = `it holds ${kind === 'number' ? 'numbers' : kind === 'string' ? 'text' : 'true or false'}${schema.description !== undefined && kind === 'number' ? ` (${schema.description})` : ''}, not ${typeof value === 'string' ? 'text' : typeof value === 'number' ? 'a number' : 'true or false'}`;
    return meant === undefined ? what : `${what}: write {${JSON.stringify(path)}: ${meant}}`;
  }
  if (typeof value === 'number') {
    if (schema.type === 'integer' && !Number.isInteger(value)) return 'it holds whole numbers';
    if ((schema.minimum !== undefined && value < schema.minimum) || (schema.maximum !== undefined && value > schema.maximum)) return `it holds ${schema.type === 'integer' ? 'whole ' : ''}numbers ${range(schema)}`;
  }
  if (typeof value === 'string') {
    if (schema.minLength !== undefined && value.length < schema.minLength) return value === '' ? 'it is never empty' : `it is at least ${schema.minLength} characters long`;
    if (schema.maxLength !== undefined && value.length > schema.maxLength) return `it is at most ${schema.maxLength} characters long`;
    if (schema.pattern !== undefined && !new RegExp(schema.pattern).test(value)) return `${JSON.stringify(value)} does not have its form (${schema.description ?? schema.pattern})`;
    if (schema.pattern === DATE_PATTERN && !isCalendarDay(value)) return `${JSON.stringify(value)} is not a day of the calendar`;
    const stored = Object.hasOwn(STORED_CASE, path) ? STORED_CASE[path] : undefined;
    if (stored === 'upper' && value !== value.toUpperCase()) return `riskgate stores it upper-case: write ${JSON.stringify(value.toUpperCase())}`;
    if (stored === 'lower' && value !== value.toLowerCase()) return `riskgate stores it lower-case: write ${JSON.stringify(value.toLowerCase())}`;
    if (path === 'entities.email' && !isHashedEmail(value)) {
      if (/^em_/i.test(value)) return 'an e-mail hash is em_ and 32 lower-case hexadecimal digits';
      const address = normaliseEmail(value);
      return address === null ? 'riskgate stores e-mail addresses as em_ hashes' : `riskgate stores e-mail addresses hashed: write ${JSON.stringify(hashEmail(address))}`;
    }
    if (path === 'entities.ip' && canonicalIp(value) !== value) return `riskgate stores it as ${JSON.stringify(canonicalIp(value))}: write that`;
  }
  return undefined;
}


/** The true or false a number or text most likely meant (1, "true"), or undefined. */
function booleanMeant(value: string | number | boolean): 'true' | 'false' | undefined {
  if (value === 1 || value === 'true') return 'true';
  if (value === 0 || value === 'false') return 'false';
  return undefined;
}

/** Why no stored value of a field of schema `schema` passes `op` against `value` (a number), or undefined when one can. */
export function whyNeverCompares(schema: FieldSchema, op: 'gt' | 'gte' | 'lt' | 'lte', value: number): string | undefined {
  const kind = valueKind(schema);
  if (kind === 'boolean') {
    // Booleans are not compared as numbers; say which equality was meant.
    const meant = (op === 'gte' && value === 1) || (op === 'gt' && value >= 0 && value < 1) ? 'true' : (op === 'lte' && value === 0) || (op === 'lt' && value > 0 && value <= 1) ? 'false' : undefined;
    return `it holds true or false, not numbers${meant === undefined ? ': write true or false' : `: write ${meant}`}`;
  }
  if (kind !== 'number') return `it holds ${kind === 'string' ? 'text' : 'lists or groups of fields'}, not numbers`;
  const { minimum, maximum } = schema;
  const never = (op === 'gt' && maximum !== undefined && value >= maximum) || (op === 'gte' && maximum !== undefined && value > maximum) || (op === 'lt' && minimum !== undefined && value <= minimum) || (op === 'lte' && minimum !== undefined && value < minimum);
  return never ? `it holds ${schema.type === 'integer' ? 'whole ' : ''}numbers ${range(schema)}` : undefined;
}

function range(schema: FieldSchema): string {
  if (schema.minimum !== undefined && schema.maximum !== undefined) return `from ${schema.minimum} to ${schema.maximum}`;
  return schema.minimum !== undefined ? `from ${schema.minimum}` : `up to ${schema.maximum}`;
}
