// "At least k events within any rolling w-minute window" over a batch of timestamps.
//
// Boundaries (the feature engine's velocity aggregation uses the same):
// - An event at time ts (epoch milliseconds) falls in epoch minute floor(ts / 60000); minutes before
//   1970 are negative. Nothing finer than the minute matters: 12:00:00.000 and 12:00:59.999 are the
//   same minute.
// - The window ending at minute m covers minutes (m − w, m]: m itself and the w − 1 minutes before
//   it. Events in minute m − w are outside it. So k events that span exactly w distinct minutes
//   (first minute f, last f + w − 1) are inside one window; spanning w + 1 minutes they are not.
// - The condition holds at minute m when the window ending at m holds at least k events.
//   firstMinute is the smallest such m. It is always the minute of some event, since a window's
//   count only grows at minutes that hold events.

export const MS_PER_MINUTE = 60_000;

export interface VelocityResult {
  triggered: boolean;
  /** Smallest epoch minute at which the condition held, or null when it never did. */
  firstMinute: number | null;
}

export function minuteOf(tsMs: number): number {
  return Math.floor(tsMs / MS_PER_MINUTE);
}

export function assertVelocityParams(k: number, windowMinutes: number): void {
  if (!Number.isSafeInteger(k) || k < 1) throw new RangeError(`velocity: k must be an integer ≥ 1, got ${String(k)}`);
  if (!Number.isSafeInteger(windowMinutes) || windowMinutes < 1) {
    throw new RangeError(`velocity: windowMinutes must be an integer ≥ 1, got ${String(windowMinutes)}`);
  }
}

export function assertTimestamp(tsMs: number, where: string): void {
  if (!Number.isFinite(tsMs)) throw new RangeError(`${where}: timestamp must be a finite number of milliseconds, got ${String(tsMs)}`);
}

/**
 * Whether at least `k` of the events (unsorted, repeats allowed) fall in some window of
 * `windowMinutes` consecutive minutes, and the earliest minute at which that was first true.
 * O(n log n).
 */
export function velocity(timestampsMs: ArrayLike<number>, k: number, windowMinutes: number): VelocityResult {
  assertVelocityParams(k, windowMinutes);
  const minutes = new Float64Array(timestampsMs.length);
  for (let i = 0; i < timestampsMs.length; i++) {
    const ts = timestampsMs[i]!;
    assertTimestamp(ts, `velocity: timestampsMs[${i}]`);
    minutes[i] = minuteOf(ts);
  }
  minutes.sort();
  // In sorted order, the window ending at minutes[i] holds events i−k+1..i exactly when their minutes
  // differ by less than w. The first i where that happens gives the smallest trigger minute: any
  // later i has a minute at least as large.
  for (let i = k - 1; i < minutes.length; i++) {
    if (minutes[i]! - minutes[i - k + 1]! < windowMinutes) return { triggered: true, firstMinute: minutes[i]! };
  }
  return { triggered: false, firstMinute: null };
}
