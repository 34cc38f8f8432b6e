// Shapes the simulator produces: raw events exactly as a client would send them to intake.
import type { Entities, EventContext, EventType, Payload } from '../events/schema.js';

export const SCENARIOS = ['stolen_card', 'card_testing', 'ato', 'off_platform', 'review_ring', 'promo_abuse'] as const;
export type Scenario = (typeof SCENARIOS)[number];

/** Ground truth on every simulated event: which behaviour produced it and whether the event itself is fraudulent. */
export interface Truth {
  scenario: Scenario | 'legit';
  fraud: boolean;
}

interface RawEventOf<T extends EventType> {
  id: string;
  type: T;
  /** Event time, integer epoch milliseconds. */
  ts: number;
  entities: Entities;
  context?: EventContext;
  payload: Payload<T>;
  truth: Truth;
}

/** An event as sent to intake (`parseEvent` input): plain e-mail addresses, `ts` in epoch ms, ground truth attached. */
export type RawEvent = { [T in EventType]: RawEventOf<T> }[EventType];
export type RawEventByType<T extends EventType> = RawEventOf<T>;
