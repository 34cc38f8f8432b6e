// Time helpers: units, calendar dates, and when people are active (daily and weekly rhythm in
// their own time zone).
import type { Rng } from './random.js';

export const SECOND = 1_000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

const dateCache = new Map<number, string>();

/** `YYYY-MM-DD` of the UTC day containing `ms` (cached: the same few hundred days recur constantly). */
export function dateString(ms: number): string {
  const day = Math.floor(ms / DAY);
  let text = dateCache.get(day);
  if (text === undefined) {
    text = new Date(day * DAY).toISOString().slice(0, 10);
    dateCache.set(day, text);
  }
  return text;
}

/** Local day of week, 0 = Monday … 6 = Sunday (1970-01-01 was a Thursday). */
export function localWeekday(ms: number, tzOffsetMin: number): number {
  return (Math.floor((ms + tzOffsetMin * MINUTE) / DAY) + 3) % 7;
}

/** Start (in UTC ms) of the local calendar day containing `ms`. */
export function localDayStart(ms: number, tzOffsetMin: number): number {
  const offset = tzOffsetMin * MINUTE;
  return Math.floor((ms + offset) / DAY) * DAY - offset;
}

/**
 * When a kind of actor is active: relative weights per local hour and per weekday. Session starts
 * are a Poisson process thinned by the weekday weight and placed at an hour drawn from the profile.
 */
export class Rhythm {
  private readonly cumulativeHours: number[] = [];
  private readonly hourTotal: number;
  private readonly weekdayAcceptance: number[];

  /** @param hourWeights 24 weights, local midnight first; @param weekdayWeights 7 weights, Monday first */
  constructor(hourWeights: readonly number[], weekdayWeights: readonly number[]) {
    let total = 0;
    for (const w of hourWeights) this.cumulativeHours.push((total += w));
    this.hourTotal = total;
    const busiest = Math.max(...weekdayWeights);
    this.weekdayAcceptance = weekdayWeights.map((w) => w / busiest);
  }

  /** Milliseconds after local midnight at which an activity starts. */
  timeOfDay(rng: Rng): number {
    const r = rng.next() * this.hourTotal;
    let hour = 0;
    while ((this.cumulativeHours[hour] as number) <= r) hour++;
    return hour * HOUR + Math.floor(rng.next() * HOUR);
  }

  /** A time on the local day containing `ms`, at an hour typical for this rhythm. */
  onDay(rng: Rng, ms: number, tzOffsetMin: number): number {
    return localDayStart(ms, tzOffsetMin) + this.timeOfDay(rng);
  }

  /** The next activity strictly after `after`, on average `meanGapDays` later, at a typical local time. */
  next(rng: Rng, after: number, meanGapDays: number, tzOffsetMin: number): number {
    let candidate = after;
    for (;;) {
      candidate += rng.exponential(meanGapDays * DAY);
      if (rng.next() < (this.weekdayAcceptance[localWeekday(candidate, tzOffsetMin)] as number)) break;
    }
    let at = this.onDay(rng, candidate, tzOffsetMin);
    while (at <= after) at += DAY;
    return at;
  }
}

/** Guests browse in the evening and at weekends. */
export const GUEST_RHYTHM = new Rhythm(
  [2, 1, 0.6, 0.4, 0.4, 0.6, 1.5, 3, 4, 4.5, 5, 5.5, 6, 5.5, 5, 5, 5.5, 6.5, 8, 9.5, 10, 9, 6.5, 4],
  [0.9, 0.85, 0.85, 0.9, 1.05, 1.25, 1.2],
);

/** Hosts answer during the working day and early evening. */
export const HOST_RHYTHM = new Rhythm(
  [0.5, 0.3, 0.2, 0.2, 0.2, 0.4, 1, 3, 6, 8, 8, 7.5, 6.5, 7, 7.5, 7.5, 7, 6.5, 6, 5.5, 4.5, 3, 2, 1],
  [1, 1, 1, 1, 1, 0.9, 0.85],
);

/** Fraud operations work long shifts, late into their own night. */
export const FRAUDSTER_RHYTHM = new Rhythm(
  [5, 5, 4, 3, 2, 1, 1, 1.5, 2, 3, 4, 5, 5, 5, 5, 5, 5, 5, 5.5, 6, 6, 6, 6, 6],
  [1, 1, 1, 1, 1, 0.95, 0.95],
);
