// Builds raw events (id, type, ts, entities, context, payload, truth — always in that key order, so
// serialisation is reproducible) and hands them to the engine.
import type { EntityKind, EventType, Payload } from '../events/schema.js';
import type { Engine } from './engine.js';
import type { IdFactory } from './identity.js';
import type { RawEvent, RawEventByType, Truth } from './types.js';

export type EventEntities = Partial<Record<EntityKind, string>>;

/** Event ids carry a short type prefix, which makes logs readable. */
const EVENT_ID_PREFIX: Record<EventType, string> = {
  account_created: 'ac',
  profile_updated: 'pu',
  login: 'lg',
  search: 'sr',
  listing_created: 'lc',
  booking_attempted: 'bk',
  payment_attempted: 'pm',
  message_sent: 'ms',
  review_posted: 'rv',
  chargeback: 'cb',
  reviewer_verdict: 'vd',
  ato_report: 'at',
};

export class Emitter {
  constructor(
    private readonly engine: Engine,
    private readonly ids: IdFactory,
  ) {}

  /** Build and queue one event; returns it (even when it falls past the end and is dropped) so callers can reference its id. */
  emit<T extends EventType>(
    type: T,
    ts: number,
    entities: EventEntities,
    context: RawEventByType<T>['context'],
    payload: Payload<T>,
    truth: Truth,
  ): RawEventByType<T> {
    const id = this.ids.next(EVENT_ID_PREFIX[type]);
    const event = (
      context === undefined ? { id, type, ts, entities, payload, truth } : { id, type, ts, entities, context, payload, truth }
    ) as RawEventByType<T>;
    this.engine.emit(event as RawEvent);
    return event;
  }
}
