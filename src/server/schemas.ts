// Request and response schemas of the HTTP API, declared once: they validate, serialise and make
// the OpenAPI document at /docs. Event bodies are validated by the event model's own schemas
// (src/events/schema.ts) through parseEvent, which also normalises them.
import Type from 'typebox';
import { Context, documentedEventId, Entities, EVENT_TYPES, Payloads, Timestamp, Truth } from '../events/schema.js';

const EventResultSchema = Type.Object({
  id: Type.Union([Type.String(), Type.Null()]),
  status: Type.Enum(['appended', 'duplicate', 'conflict', 'rejected']),
  seq: Type.Optional(Type.Integer({ description: 'the stored event\'s seq (for a conflict: the event already stored under the id)' })),
  errors: Type.Optional(Type.Array(Type.Object({ path: Type.String(), message: Type.String() }))),
});

export const ErrorResponse = Type.Object(
  {
    error: Type.String({ description: 'machine-readable code, e.g. invalid_request, unauthorized, not_found' }),
    message: Type.String(),
    errors: Type.Optional(Type.Array(Type.Object({ path: Type.String(), message: Type.String() }))),
    position: Type.Optional(Type.Object({ line: Type.Integer(), column: Type.Integer(), offset: Type.Integer() }, { description: 'where a rule expression stops making sense' })),
    results: Type.Optional(Type.Array(EventResultSchema, { description: 'POST /v1/events: what happened to each event' })),
  },
  { $id: 'Error' },
);

/**
 * Marks a body schema whose events parseEvent validates (it reports every problem with its field path
 * and normalises the event); the schema itself serves the documentation.
 */
export const VALIDATED_BY_PARSE_EVENT = 'x-riskgate-parse-event';

/** The event body, for the documentation; parseEvent checks the payload of each type. */
export const EventBody = Type.Object(
  {
    id: documentedEventId('unique event id; a retry with the same id is idempotent'),
    type: Type.Enum(EVENT_TYPES),
    ts: Timestamp,
    v: Type.Optional(Type.Literal(1)),
    entities: Entities,
    context: Type.Optional(Context),
    payload: Type.Union(Object.values(Payloads)),
    truth: Type.Optional(Truth),
  },
  { additionalProperties: false, description: 'A marketplace event (see docs/EVENTS.md); a decision request is the checkpoint event, e.g. booking_attempted; its payload is the one of its type' },
);

export const Reason = Type.Object({
  kind: Type.Enum(['rule', 'feature']),
  text: Type.String(),
  rule_id: Type.Optional(Type.String()),
  version: Type.Optional(Type.Integer()),
  action: Type.Optional(Type.String()),
  feature: Type.Optional(Type.String()),
  value: Type.Optional(Type.Union([Type.Number(), Type.Null()])),
  contribution: Type.Optional(Type.Number()),
});

const RuleHit = Type.Object({ rule_id: Type.String(), version: Type.Integer(), action: Type.String() });

export const DecisionResponse = Type.Object(
  {
    decision_id: Type.String(),
    event_id: Type.String(),
    seq: Type.Integer(),
    action: Type.Enum(['allow', 'review', 'block']),
    score: Type.Union([Type.Number(), Type.Null()], { description: 'calibrated probability of fraud from the deciding model' }),
    reasons: Type.Array(Reason),
    model: Type.Union([Type.Object({ id: Type.String(), version: Type.Integer(), mode: Type.Enum(['active', 'canary', 'fallback']) }), Type.Null()]),
    shadow: Type.Array(Type.Object({ id: Type.String(), version: Type.Integer(), score: Type.Union([Type.Number(), Type.Null()]), action: Type.Union([Type.String(), Type.Null()]) })),
    rules_version: Type.String(),
    rule_hits: Type.Array(RuleHit),
    shadow_rule_hits: Type.Array(RuleHit),
    rule_errors: Type.Array(Type.Object({ rule_id: Type.String(), version: Type.Integer(), shadow: Type.Boolean(), message: Type.String(), not_evaluated: Type.Optional(Type.Boolean()) }), {
      description: 'rules that could not be evaluated on this request; an acting rule among them sets degraded to "rule_error"',
    }),
    feature_set_version: Type.String(),
    degraded: Type.Union([Type.String(), Type.Null()], { description: 'null, or why part of the usual inputs was unavailable' }),
    policy: Type.Union([Type.Object({ block: Type.Number(), review: Type.Number() }), Type.Null()]),
    timings: Type.Object({ features_ms: Type.Number(), model_ms: Type.Number(), rules_ms: Type.Number(), total_ms: Type.Number() }),
    ts: Type.Number(),
    decided_at: Type.Number(),
    duplicate: Type.Optional(Type.Boolean({ description: 'true when this is the stored answer to a retried event id' })),
  },
  { $id: 'Decision' },
);

export const EventsResponse = Type.Object(
  { appended: Type.Integer(), duplicates: Type.Integer(), conflicts: Type.Integer(), rejected: Type.Integer(), results: Type.Array(EventResultSchema) },
  { $id: 'EventsResult' },
);

export const Policy = Type.Object({ block: Type.Number({ minimum: 0, maximum: 1 }), review: Type.Number({ minimum: 0, maximum: 1 }) }, { additionalProperties: false });

export const IdParam = Type.Object({ id: Type.String({ minLength: 1, maxLength: 200 }) });

/** Answers some routes give besides those app.ts documents for every route, for the OpenAPI document. */
export const CONFLICT = { 409: { $ref: 'Error#' } };
export const NOT_FOUND = { 404: { $ref: 'Error#' } };
