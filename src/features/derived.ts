// Values derived from an event rather than read from it: signals of its message text. Computed once
// per event and remembered, since several features may ask.
import type { EventType, RiskEvent } from '../events/schema.js';
import { textSignals, type TextSignals } from './text/index.js';

export const TEXT_SIGNALS = ['off_platform', 'url', 'phone', 'email', 'score'] as const;
export type TextSignalName = (typeof TEXT_SIGNALS)[number];

const cache = new WeakMap<RiskEvent, TextSignals>();

/** The free text an event carries: a message, a booking note or a review. */
/** The event types that carry text (textOf answers undefined for every other). */
export const TEXT_TYPES: readonly EventType[] = ['message_sent', 'review_posted', 'booking_attempted'];

export function textOf(event: RiskEvent): string | undefined {
  switch (event.type) {
    case 'message_sent':
    case 'review_posted':
      return event.payload.text;
    case 'booking_attempted':
      return event.payload.message;
    default:
      return undefined;
  }
}

export function signalsOf(event: RiskEvent): TextSignals | undefined {
  const text = textOf(event);
  if (text === undefined) return undefined;
  let signals = cache.get(event);
  if (signals === undefined) {
    signals = textSignals(text);
    cache.set(event, signals);
  }
  return signals;
}

/** One text signal as a number: 1/0 for the flags, 0..1 for the score, 0 without text. */
export function textSignal(event: RiskEvent, name: TextSignalName): number {
  const s = signalsOf(event);
  if (s === undefined) return 0;
  switch (name) {
    case 'off_platform':
      return s.offPlatform ? 1 : 0;
    case 'url':
      return s.url ? 1 : 0;
    case 'phone':
      return s.phone ? 1 : 0;
    case 'email':
      return s.email ? 1 : 0;
    case 'score':
      return s.score;
  }
}
