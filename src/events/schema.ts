// The marketplace event model, version 1. One TypeBox schema per event type serves validation,
// the TypeScript types and (later) the HTTP API's OpenAPI document.
import Type, { type Static, type TSchema } from 'typebox';

export const SCHEMA_VERSION = 1 as const;

export const ENTITY_KINDS = ['user', 'device', 'card', 'ip', 'email', 'listing', 'host'] as const;
export type EntityKind = (typeof ENTITY_KINDS)[number];

export const LABEL_TYPES = ['chargeback', 'reviewer_verdict', 'ato_report'] as const;

export const EVENT_TYPES = [
  'account_created',
  'profile_updated',
  'login',
  'search',
  'listing_created',
  'booking_attempted',
  'payment_attempted',
  'message_sent',
  'review_posted',
  ...LABEL_TYPES,
] as const;
export type EventType = (typeof EVENT_TYPES)[number];
export type LabelType = (typeof LABEL_TYPES)[number];

/**
 * Decision ids (`dec_` + the event's seq) name decisions, and a decision is looked up by its id or its
 * event's: no event may have an id of that form, and a label points at the event, never the decision.
 */
export const DECISION_ID_PREFIX = 'dec_';

/** Upper bound for money amounts: larger values are refused as implausible rather than stored. */
export const MAX_AMOUNT = 1e9;
export const MAX_TEXT = 10_000;

const EVENT_ID = { minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9][A-Za-z0-9_.:@\\-]*$', description: 'letters, digits and _ . : @ -, starting with a letter or digit' };
export const EventId = Type.String(EVENT_ID);
/** An event id in the API's documentation, with what it means there. */
export const documentedEventId = (meaning: string) => Type.String({ ...EVENT_ID, description: `${meaning} (${EVENT_ID.description})` });
const EntityRef = Type.String({ minLength: 1, maxLength: 256 });
const Country = Type.String({ pattern: '^[A-Za-z]{2}$', description: 'ISO 3166-1 alpha-2' });
const Currency = Type.String({ pattern: '^[A-Za-z]{3}$', description: 'ISO 4217' });
const Amount = Type.Number({ minimum: 0, maximum: MAX_AMOUNT });
const Text = Type.String({ maxLength: MAX_TEXT });
export const DATE_PATTERN = '^\\d{4}-\\d{2}-\\d{2}$';
const DateOnly = Type.String({ pattern: DATE_PATTERN, description: 'a date, YYYY-MM-DD' });

export const Entities = Type.Object(
  {
    user: Type.Optional(EntityRef),
    device: Type.Optional(EntityRef),
    card: Type.Optional(Type.String({ minLength: 1, maxLength: 256, description: 'card fingerprint, never a card number' })),
    ip: Type.Optional(EntityRef),
    email: Type.Optional(Type.String({ minLength: 3, maxLength: 320, description: 'address (normalised and hashed on intake) or an em_ hash' })),
    listing: Type.Optional(EntityRef),
    host: Type.Optional(EntityRef),
  },
  { additionalProperties: false },
);

export const Context = Type.Object(
  {
    ip_country: Type.Optional(Country),
    user_country: Type.Optional(Country),
    email_domain: Type.Optional(Type.String({ minLength: 1, maxLength: 253 })),
    user_agent: Type.Optional(Type.String({ maxLength: 512 })),
    tz_offset_min: Type.Optional(Type.Integer({ minimum: -840, maximum: 840 })),
  },
  { additionalProperties: false },
);

export const Truth = Type.Object(
  { scenario: Type.String({ minLength: 1, maxLength: 64 }), fraud: Type.Boolean() },
  { additionalProperties: false, description: 'simulator ground truth; never read by features, rules or models' },
);

const strict = { additionalProperties: false } as const;

/** A person's or company's full name as given (screened against name lists such as sanctioned_names). */
const PersonName = Type.String({ minLength: 1, maxLength: 200 });

export const Payloads = {
  account_created: Type.Object(
    {
      country: Country,
      signup_method: Type.Optional(Type.Enum(['email', 'google', 'apple'])),
      promo_code: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
      referrer: Type.Optional(EntityRef),
      name: Type.Optional(PersonName),
    },
    strict,
  ),
  profile_updated: Type.Object(
    {
      fields: Type.Array(
        Type.Enum(['email', 'phone', 'password', 'payout', 'address']),
        { minItems: 1, maxItems: 5, uniqueItems: true },
      ),
    },
    strict,
  ),
  login: Type.Object(
    {
      success: Type.Boolean(),
      method: Type.Optional(
        Type.Enum(['password', 'sso', 'magic_link', '2fa']),
      ),
    },
    strict,
  ),
  search: Type.Object(
    {
      destination: Country,
      guests: Type.Optional(Type.Integer({ minimum: 1, maximum: 50 })),
      checkin: Type.Optional(DateOnly),
    },
    strict,
  ),
  listing_created: Type.Object(
    {
      country: Country,
      price: Amount,
      currency: Currency,
      category: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
      capacity: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
    },
    strict,
  ),
  booking_attempted: Type.Object(
    {
      amount: Amount,
      currency: Currency,
      nights: Type.Integer({ minimum: 1, maximum: 365 }),
      guests: Type.Optional(Type.Integer({ minimum: 1, maximum: 50 })),
      checkin: Type.Optional(DateOnly),
      card_country: Type.Optional(Country),
      listing_country: Type.Optional(Country),
      promo_code: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
      cardholder_name: Type.Optional(PersonName),
      message: Type.Optional(Text),
    },
    strict,
  ),
  payment_attempted: Type.Object(
    {
      amount: Amount,
      currency: Currency,
      status: Type.Enum(['approved', 'declined', 'failed']),
      decline_code: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
      booking_id: Type.Optional(EventId),
      card_country: Type.Optional(Country),
    },
    strict,
  ),
  message_sent: Type.Object(
    {
      text: Text,
      to_user: Type.Optional(EntityRef),
      thread_id: Type.Optional(EventId),
      booking_id: Type.Optional(EventId),
    },
    strict,
  ),
  review_posted: Type.Object(
    {
      rating: Type.Integer({ minimum: 1, maximum: 5 }),
      text: Text,
      booking_id: Type.Optional(EventId),
    },
    strict,
  ),
  chargeback: Type.Object(
    {
      target_event_id: EventId,
      amount: Amount,
      currency: Currency,
      reason_code: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    },
    strict,
  ),
  reviewer_verdict: Type.Object(
    {
      target_event_id: EventId,
      verdict: Type.Enum(['fraud', 'legit']),
      reviewer: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
      note: Type.Optional(Type.String({ maxLength: 2000 })),
      case_id: Type.Optional(EventId),
    },
    strict,
  ),
  ato_report: Type.Object(
    {
      target_event_id: Type.Optional(EventId),
      reported_by: Type.Optional(Type.Enum(['user', 'support'])),
    },
    strict,
  ),
} satisfies Record<EventType, TSchema>;

/** Entity references each type must carry; others are optional. */
export const REQUIRED_ENTITIES: Record<EventType, readonly EntityKind[]> = {
  account_created: ['user'],
  profile_updated: ['user'],
  login: ['user', 'device', 'ip'],
  search: ['user'],
  listing_created: ['host', 'listing'],
  booking_attempted: ['user', 'listing', 'host'],
  payment_attempted: ['user', 'card'],
  message_sent: ['user'],
  review_posted: ['user', 'listing', 'host'],
  chargeback: ['card'],
  reviewer_verdict: [],
  ato_report: ['user'],
};

/** Event time on the wire: epoch milliseconds or an RFC 3339 timestamp with a zone. */
/** The times an event may carry (epoch ms): 2000-01-01 to 2100-01-01, in either form. */
export const MIN_TS = 946_684_800_000;
export const MAX_TS = 4_102_444_800_000;

export const Timestamp = Type.Union([
  Type.Integer({ minimum: MIN_TS, maximum: MAX_TS, description: 'epoch milliseconds, 2000..2100' }),
  Type.String({ format: 'date-time', description: 'RFC 3339 timestamp' }),
]);

export const Envelope = Type.Object(
  {
    id: EventId,
    type: Type.Enum(EVENT_TYPES),
    ts: Timestamp,
    v: Type.Optional(Type.Literal(SCHEMA_VERSION)),
    entities: Entities,
    context: Type.Optional(Context),
    payload: Type.Object({}),
    truth: Type.Optional(Truth),
  },
  { additionalProperties: false },
);

export type Entities = Static<typeof Entities>;
export type EventContext = Static<typeof Context>;
export type Payload<T extends EventType> = Static<(typeof Payloads)[T]>;

interface EventOf<T extends EventType> {
  id: string;
  type: T;
  /** Event time, epoch milliseconds. */
  ts: number;
  v: typeof SCHEMA_VERSION;
  entities: Entities;
  context?: EventContext;
  payload: Payload<T>;
  truth?: Static<typeof Truth>;
}

/** A validated, normalised event: `ts` in epoch ms, e-mail hashed, codes upper-cased. */
export type RiskEvent = { [T in EventType]: EventOf<T> }[EventType];
export type EventByType<T extends EventType> = EventOf<T>;

/** An event as stored in the log: its log sequence number decides every ordering question. */
export interface LoggedEvent {
  seq: number;
  event: RiskEvent;
}

/**
 * An event a replay did not ask to see: only its place in the log and its time, which is all a
 * replay's clock needs (the feature engine's watermark moves with every event).
 */
export interface PassedEvent {
  seq: number;
  ts: number;
  event?: undefined;
}

export function isLabelType(type: string): type is LabelType {
  return (LABEL_TYPES as readonly string[]).includes(type);
}
