// Intake of one event: check the envelope, then the payload of its type, then cross-field rules,
// then refuse anything that looks like a raw card number, then normalise. Every problem is
// reported with its field path; nothing is thrown for bad input.
import { Compile } from 'typebox/compile';
import { Settings } from 'typebox/system';
import type { TSchema } from 'typebox';
import { DECISION_ID_PREFIX, Envelope, EVENT_TYPES, MAX_TS, MIN_TS, Payloads, REQUIRED_ENTITIES, SCHEMA_VERSION, type EventType, type RiskEvent } from './schema.js';
import { looksLikeRawCardNumber } from './pan.js';
import { emailDomain, hashEmail, isHashedEmail, normaliseEmail } from './email.js';
import { canonicalIp } from './ip.js';
import { isCalendarDay } from '../lib/calendar.js';
import { hasInvisibleCharacter, INVISIBLE_IN_ID_MESSAGE } from '../lib/text-input.js';

export interface FieldError {
  /** Dotted path of the offending field, e.g. `payload.amount` or `entities.card`. */
  path: string;
  message: string;
}

/** Events may not come from the future: one far-future time would age every entity past its TTL. */
export const MAX_CLOCK_SKEW_MS = 24 * 3_600_000;

/** What is wrong with an event time more than MAX_CLOCK_SKEW_MS ahead of `now` (the API's, an import's). */
export function futureTimeError(ts: number, now: number): FieldError | undefined {
  if (ts <= now + MAX_CLOCK_SKEW_MS) return undefined;
  // Just past the limit, one decimal would say "24.0 hours": the excess is given where it is small.
  const hours = (ts - now) / 3_600_000;
  const excess = ts - now - MAX_CLOCK_SKEW_MS;
  const ahead = excess < 60_000 ? `24 hours and ${Math.ceil(excess / 1000)} s` : hours < 25 ? `24 hours and ${Math.floor(excess / 60_000)} min` : `${hours.toFixed(1)} hours`;
  return { path: 'ts', message: `is ${ahead} in the future; at most 24 hours of clock skew are accepted` };
}

export type ParseResult = { ok: true; event: RiskEvent } | { ok: false; errors: FieldError[] };

// Report every problem of an event, not just the first eight (bodies are size-limited upstream).
const MAX_SCHEMA_ERRORS = 64;
Settings.Set({ maxErrors: MAX_SCHEMA_ERRORS });

const envelopeCheck = Compile(Envelope);
const payloadChecks = Object.fromEntries(
  EVENT_TYPES.map((type) => [type, Compile(Payloads[type] as TSchema)]),
) as unknown as Record<EventType, ReturnType<typeof Compile>>;

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

export function parseEvent(raw: unknown): ParseResult {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { ok: false, errors: [{ path: '', message: 'must be a JSON object' }] };
  }
  const errors: FieldError[] = [];
  const cardNumberPaths: string[] = [];
  inspect(raw, '', 0, errors, cardNumberPaths);
  if (errors.length > 0) return { ok: false, errors };

  const input = raw as Record<string, unknown>;
  errors.push(...schemaErrors(envelopeCheck, input, ''));
  if (typeof input.id === 'string' && input.id.startsWith(DECISION_ID_PREFIX)) {
    errors.push({ path: 'id', message: `must not start with "${DECISION_ID_PREFIX}": riskgate gives such ids to decisions, and decisions are looked up by either id` });
  }
  const type = input.type as EventType;
  const typeKnown = typeof type === 'string' && (EVENT_TYPES as readonly string[]).includes(type);
  const payload = input.payload;
  const payloadIsObject = typeof payload === 'object' && payload !== null && !Array.isArray(payload);
  if (typeKnown && payloadIsObject) {
    errors.push(...schemaErrors(payloadChecks[type], payload, 'payload'));
    errors.push(...crossFieldErrors(type, payload as Record<string, unknown>));
  }
  const entities = input.entities;
  if (typeKnown && typeof entities === 'object' && entities !== null) {
    for (const kind of REQUIRED_ENTITIES[type]) {
      if ((entities as Record<string, unknown>)[kind] === undefined) {
        errors.push({ path: `entities.${kind}`, message: `is required for ${type} events` });
      }
    }
    const ip = (entities as Record<string, unknown>).ip;
    if (typeof ip === 'string' && ip.length > 0 && ip.trim() === '') errors.push({ path: 'entities.ip', message: 'must not be blank' });
    const email = (entities as Record<string, unknown>).email;
    if (typeof email === 'string' && !isHashedEmail(email) && normaliseEmail(email) === null) {
      errors.push({ path: 'entities.email', message: 'must be an e-mail address or an em_ hash' });
    }
  }
  if (typeof entities === 'object' && entities !== null) {
    // Control characters have no place in an id, and one of them joins the parts of composite keys
    // (user × device): allowed, "a\u0001b" + "c" and "a" + "b\u0001c" would share features.
    for (const [kind, value] of Object.entries(entities)) {
      if (typeof value === 'string' && CONTROL_CHARACTER.test(value)) errors.push({ path: `entities.${kind}`, message: 'must not contain control characters (U+0000–U+001F, U+007F)' });
      // Nor invisible ones (see hasInvisibleCharacter).
      else if (typeof value === 'string' && hasInvisibleCharacter(value)) errors.push({ path: `entities.${kind}`, message: INVISIBLE_IN_ID_MESSAGE });
    }
  }
  for (const path of cardNumberPaths) {
    errors.push({ path, message: 'looks like a raw card number; send a card fingerprint instead' });
  }
  if (typeof input.ts === 'string' && errors.every((e) => e.path !== 'ts')) {
    // The schema checks the form; the time itself must exist (no leap second :60, which Date.parse
    // cannot represent) and lie in the range an epoch-millisecond ts may.
    const ms = Date.parse(input.ts);
    if (!Number.isFinite(ms)) errors.push({ path: 'ts', message: 'is not a time that can be represented (a leap second, :60, is not accepted)' });
    else if (ms < MIN_TS || ms > MAX_TS) errors.push({ path: 'ts', message: 'must lie between 2000 and 2100' });
  }
  if (errors.length > 0) return { ok: false, errors: dedupe(errors) };
  return { ok: true, event: normalise(input) };
}

// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;

function crossFieldErrors(type: EventType, payload: Record<string, unknown>): FieldError[] {
  const errors: FieldError[] = [];
  // A client that sends back the decision_id it was given would have its label judge nothing.
  if (typeof payload.target_event_id === 'string' && payload.target_event_id.startsWith(DECISION_ID_PREFIX)) {
    errors.push({ path: 'payload.target_event_id', message: `is a decision id; a label points at the event it judges (the decision's event_id)` });
  }
  if (type === 'payment_attempted' && payload.status === 'declined' && payload.decline_code === undefined) {
    errors.push({ path: 'payload.decline_code', message: 'is required when status is declined' });
  }
  // The schema checks the shape YYYY-MM-DD; the calendar decides whether the day exists.
  if (typeof payload.checkin === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(payload.checkin) && !isCalendarDay(payload.checkin)) {
    errors.push({ path: 'payload.checkin', message: `is not a day of the calendar (YYYY-MM-DD), got "${payload.checkin}"` });
  }
  return errors;
}

function normalise(input: Record<string, unknown>): RiskEvent {
  // A new object with a fixed key order (cheaper to serialise, easier to read in the log); the
  // caller's input is never modified.
  const entities = { ...(input.entities as RiskEvent['entities']) };
  let context = input.context === undefined ? undefined : { ...(input.context as NonNullable<RiskEvent['context']>) };
  if (entities.ip !== undefined) entities.ip = canonicalIp(entities.ip);
  if (entities.email !== undefined && !isHashedEmail(entities.email)) {
    const normalised = normaliseEmail(entities.email)!;
    entities.email = hashEmail(normalised);
    context = { ...context, email_domain: context?.email_domain ?? emailDomain(normalised) };
  }
  if (context) {
    if (context.ip_country) context.ip_country = context.ip_country.toUpperCase();
    if (context.user_country) context.user_country = context.user_country.toUpperCase();
    if (context.email_domain) context.email_domain = context.email_domain.toLowerCase();
  }
  const payload = { ...(input.payload as Record<string, unknown>) };
  for (const key of UPPER_CASE_PAYLOAD_FIELDS) {
    const value = payload[key];
    if (typeof value === 'string') payload[key] = value.toUpperCase();
  }
  const event: Record<string, unknown> = {
    id: input.id,
    type: input.type,
    ts: typeof input.ts === 'string' ? Date.parse(input.ts) : input.ts,
    v: SCHEMA_VERSION,
    entities,
  };
  if (context) event.context = context;
  event.payload = payload;
  if (input.truth !== undefined) event.truth = input.truth;
  return event as unknown as RiskEvent;
}

const UPPER_CASE_PAYLOAD_FIELDS = ['country', 'card_country', 'listing_country', 'destination', 'currency'] as const;

/**
 * One walk over the input: reserved keys (`__proto__`, …) are errors; values that look like raw card
 * numbers are collected (the top-level `ts`, an epoch-millisecond integer, is exempt).
 */
function inspect(value: unknown, path: string, depth: number, errors: FieldError[], cardNumbers: string[]): void {
  if (typeof value === 'string' || typeof value === 'number') {
    if (looksLikeRawCardNumber(value)) cardNumbers.push(path);
    return;
  }
  if (typeof value !== 'object' || value === null || depth > 32) return;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) inspect(value[i], `${path}[${i}]`, depth + 1, errors, cardNumbers);
    return;
  }
  for (const key of Object.keys(value)) {
    const child = path === '' ? key : `${path}.${key}`;
    if (FORBIDDEN_KEYS.has(key)) errors.push({ path: child, message: 'is a reserved key and is not accepted' });
    else if (!(depth === 0 && key === 'ts')) inspect((value as Record<string, unknown>)[key], child, depth + 1, errors, cardNumbers);
  }
}

interface SchemaError {
  keyword: string;
  instancePath: string;
  schemaPath: string;
  params: Record<string, unknown>;
  message: string;
}

/** Turn TypeBox's JSON-schema errors into one readable message per field. */
function schemaErrors(check: ReturnType<typeof Compile>, value: unknown, prefix: string): FieldError[] {
  if (check.Check(value)) return [];
  const raw = [...check.Errors(value)] as unknown as SchemaError[];
  // A failed union reports one error per branch; they are folded into one message for the field.
  const unionPaths = new Set(raw.filter((e) => /\/anyOf(\/|$)/.test(e.schemaPath) || e.keyword === 'anyOf').map((e) => e.instancePath));
  const reportedUnions = new Set<string>();
  const out: FieldError[] = [];
  for (const e of raw) {
    const path = joinPath(prefix, e.instancePath);
    if (e.keyword === 'boolean') continue; // reported through the additionalProperties error
    if (e.keyword === 'additionalProperties') {
      for (const name of (e.params.additionalProperties as string[]) ?? []) {
        out.push({ path: joinName(path, name), message: 'is not a known field' });
      }
      continue;
    }
    if (e.keyword === 'required') {
      for (const name of (e.params.requiredProperties as string[]) ?? []) {
        out.push({ path: joinName(path, name), message: 'is required' });
      }
      continue;
    }
    if (unionPaths.has(e.instancePath)) {
      if (reportedUnions.has(e.instancePath)) continue;
      reportedUnions.add(e.instancePath);
      out.push({ path, message: unionMessage(e.instancePath, value) });
      continue;
    }
    if (e.keyword === 'enum') {
      out.push({ path, message: `must be one of: ${(e.params.allowedValues as unknown[]).join(', ')}` });
      continue;
    }
    if (e.keyword === 'const') {
      out.push({ path, message: `must be ${JSON.stringify(e.params.allowedValue)}` });
      continue;
    }
    // One message per field is enough: an empty id need not also be told it misses the pattern.
    if (out.some((o) => o.path === path)) continue;
    const actual = valueAt(value, e.instancePath);
    if (e.keyword === 'type' && typeof actual === 'number' && !Number.isFinite(actual)) {
      out.push({ path, message: 'must be a finite number' });
      continue;
    }
    out.push({ path, message: e.message });
  }
  // The error list is capped (maxErrors), and an object with more unknown fields than that fills it
  // with entries folded away above: the value still failed, and must not pass for want of a message.
  if (out.length === 0) out.push({ path: prefix, message: `does not match its schema: more than ${MAX_SCHEMA_ERRORS} problems, such as fields that are not known` });
  return out;
}

function unionMessage(instancePath: string, root: unknown): string {
  if (instancePath === '/ts') return 'must be epoch milliseconds (an integer between 2000 and 2100) or an RFC 3339 timestamp';
  return `has an invalid value ${JSON.stringify(valueAt(root, instancePath))}`.slice(0, 200);
}

function valueAt(root: unknown, pointer: string): unknown {
  let node = root;
  for (const part of pointer.split('/').filter(Boolean)) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[part.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return node;
}

function joinPath(prefix: string, pointer: string): string {
  let path = prefix;
  for (const part of pointer.split('/').filter(Boolean)) {
    const name = part.replace(/~1/g, '/').replace(/~0/g, '~');
    path = /^\d+$/.test(name) ? `${path}[${name}]` : joinName(path, name);
  }
  return path;
}

function joinName(path: string, name: string): string {
  return path === '' ? name : `${path}.${name}`;
}

function dedupe(errors: FieldError[]): FieldError[] {
  const seen = new Set<string>();
  return errors.filter((e) => {
    const key = `${e.path}\u0000${e.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

export function formatErrors(errors: FieldError[]): string {
  return errors.map((e) => `${e.path || '(event)'}: ${e.message}`).join('; ');
}
