// The capacity guard: when review inflow would exceed the team's daily capacity, the review band
// narrows (the review threshold rises) a step at a time instead of letting the queue grow without
// bound, and widens back once inflow has clearly dropped. Pure logic — no clock, no timers, no I/O:
// the caller feeds observations with their time and logs the change records it is handed.
import type { Policy } from '../models/artifact.js';
import { DAY_MS } from './rows.js';

export interface ReviewBandGovernorOptions {
  capacityPerDay: number;
  /** The review threshold of the policy as installed; the band never gets wider than this. */
  baseReview: number;
  /** The block threshold; the review threshold never goes above it (an empty band: no reviews). */
  block: number;
  /** How far the review threshold moves per change. */
  step: number;
  /**
   * Narrow when the projected daily inflow is above `narrowAbove` × capacity, widen only when it is
   * below `widenBelow` × capacity (default 1 and 0.8): between the two nothing changes, so inflow
   * hovering around the capacity does not make the band flap.
   */
  hysteresis?: { narrowAbove: number; widenBelow: number };
  /**
   * Least time between two changes, and least time of evidence under the current band before a
   * projection from `reviewsToday` counts. Make it at least the window of any rolling rate fed in, so
   * the rate has seen the effect of the last change.
   */
  minIntervalMs: number;
  onChange?: (change: ReviewBandChange) => void;
  /** Where an earlier guard of the same policy and capacity left the band (a restart does not widen it back). */
  resume?: { narrowedBy: number; changedAt: number };
}

/** One observation of review inflow. */
export type InflowObservation =
  /** Review cases opened since the start of the current UTC day. */
  | { reviewsToday: number }
  /** A rolling rate (say, the last hour's cases × 24), already scaled to cases per day. */
  | { ratePerDay: number };

export interface ReviewBandChange {
  at: number;
  from: number;
  to: number;
  /** The projected daily inflow that triggered the change. */
  projectedPerDay: number;
  reason: string;
}

/** Counting since: the start of the day, or the last change, whichever is later. */
interface Segment {
  day: number;
  startMs: number;
  reviewsAtStart: number;
}

export class ReviewBandGovernor {
  private readonly options: Required<Omit<ReviewBandGovernorOptions, 'onChange' | 'resume'>> & Pick<ReviewBandGovernorOptions, 'onChange'>;
  /** Steps the band is narrowed by; 0 is the base band. */
  private level = 0;
  private readonly maxLevel: number;
  private lastChangeAt = -Infinity;
  private lastObservedAt = -Infinity;
  private segment: Segment | undefined;

  constructor(options: ReviewBandGovernorOptions) {
    const hysteresis = options.hysteresis ?? { narrowAbove: 1, widenBelow: 0.8 };
    this.options = { ...options, hysteresis };
    const { capacityPerDay, baseReview, block, step, minIntervalMs } = options;
    if (!(capacityPerDay >= 0)) throw new RangeError(`capacityPerDay must be ≥ 0, got ${capacityPerDay}`);
    if (!(Number.isFinite(baseReview) && Number.isFinite(block) && baseReview <= block)) throw new RangeError(`baseReview (${baseReview}) must be a number not above block (${block})`);
    // A finer step would be lost in the rounding of thresholds below, and changes nothing anyway.
    if (!(step >= 1e-6 && Number.isFinite(step))) throw new RangeError(`step must be a number ≥ 0.000001, got ${step}`);
    if (!(hysteresis.widenBelow > 0 && hysteresis.widenBelow < hysteresis.narrowAbove && Number.isFinite(hysteresis.narrowAbove))) {
      throw new RangeError(`hysteresis needs 0 < widenBelow < narrowAbove, got ${hysteresis.widenBelow} and ${hysteresis.narrowAbove}`);
    }
    if (!(minIntervalMs >= 0 && Number.isFinite(minIntervalMs))) throw new RangeError(`minIntervalMs must be ≥ 0, got ${minIntervalMs}`);
    // The fewest steps that reach the block threshold, counted on the rounded thresholds themselves.
    let maxLevel = Math.max(0, Math.floor((block - baseReview) / step) - 1);
    while (this.reviewAt(maxLevel) < block) maxLevel++;
    this.maxLevel = maxLevel;
    const resume = options.resume;
    if (resume !== undefined && Number.isInteger(resume.narrowedBy) && Number.isFinite(resume.changedAt)) {
      this.level = Math.min(Math.max(resume.narrowedBy, 0), maxLevel);
      this.lastChangeAt = resume.changedAt;
    }
  }

  /** Steps the band is narrowed by (0: the installed band). */
  get narrowedBy(): number {
    return this.level;
  }

  /** The review threshold in force. */
  get review(): number {
    return this.reviewAt(this.level);
  }

  private reviewAt(level: number): number {
    const { baseReview, block, step } = this.options;
    if (level === 0) return baseReview;
    // Twelve significant digits drop binary noise (0.6000000000000001) from thresholds people read in
    // the audit log; the clamp keeps that rounding from crossing either bound.
    const rounded = Number((baseReview + level * step).toPrecision(12));
    return Math.min(block, Math.max(baseReview, rounded));
  }

  get policy(): Policy {
    return { block: this.options.block, review: this.review };
  }

  /**
   * Takes an observation and returns the review threshold to use from now on. Observations older
   * than the latest one are ignored (a clock stepping back must not undo a decision).
   */
  observe(nowMs: number, observation: InflowObservation): number {
    if (!Number.isFinite(nowMs)) throw new RangeError(`observation time must be a finite epoch-ms time, got ${nowMs}`);
    const reviewsToday = 'reviewsToday' in observation ? observation.reviewsToday : undefined;
    const value = 'reviewsToday' in observation ? observation.reviewsToday : observation.ratePerDay;
    if (!(value >= 0 && Number.isFinite(value))) throw new RangeError(`inflow must be a finite number ≥ 0, got ${value}`);
    if (nowMs < this.lastObservedAt) return this.review;
    this.lastObservedAt = nowMs;

    const projected = reviewsToday === undefined ? value : this.projectFromToday(nowMs, reviewsToday);
    if (projected === undefined || nowMs - this.lastChangeAt < this.options.minIntervalMs) return this.review;
    const { capacityPerDay, hysteresis } = this.options;
    const capacity = `the capacity of ${formatRate(capacityPerDay)}/day`;
    let level = this.level;
    let reason = '';
    if (projected > hysteresis.narrowAbove * capacityPerDay && level < this.maxLevel) {
      level++;
      reason = `projected inflow ${formatRate(projected)}/day is above ${formatShare(hysteresis.narrowAbove)} of ${capacity}: narrowing the review band`;
    } else if (projected < hysteresis.widenBelow * capacityPerDay && level > 0) {
      level--;
      reason = `projected inflow ${formatRate(projected)}/day is below ${formatShare(hysteresis.widenBelow)} of ${capacity}: widening the review band`;
    }
    if (level === this.level) return this.review;

    const from = this.review;
    this.level = level;
    this.lastChangeAt = nowMs;
    // Inflow under the new band is counted afresh from here; after a rate observation the next count starts it.
    this.segment = reviewsToday === undefined ? undefined : { day: Math.floor(nowMs / DAY_MS), startMs: nowMs, reviewsAtStart: reviewsToday };
    this.options.onChange?.({ at: nowMs, from, to: this.review, projectedPerDay: projected, reason });
    return this.review;
  }

  /**
   * Today's total if the rest of the day runs at the rate seen under the current band: reviews so far
   * plus that rate × the time left. Undefined until the current band has run `minIntervalMs` today:
   * a few minutes' rate says next to nothing.
   */
  private projectFromToday(nowMs: number, reviewsToday: number): number | undefined {
    const day = Math.floor(nowMs / DAY_MS);
    const dayStart = day * DAY_MS;
    let segment = this.segment;
    if (segment?.day !== day) {
      // Unchanged since midnight: today's count is all under the current band. Otherwise count from now.
      segment = this.lastChangeAt < dayStart ? { day, startMs: dayStart, reviewsAtStart: 0 } : { day, startMs: nowMs, reviewsAtStart: reviewsToday };
    } else if (reviewsToday < segment.reviewsAtStart) {
      // The count went down within the day (a restarted counter): start counting again from here.
      segment = { day, startMs: nowMs, reviewsAtStart: reviewsToday };
    }
    this.segment = segment;
    const { startMs, reviewsAtStart } = segment;
    const elapsed = nowMs - startMs;
    if (elapsed <= 0 || elapsed < this.options.minIntervalMs) return undefined;
    const rate = (reviewsToday - reviewsAtStart) / elapsed;
    return reviewsToday + rate * (dayStart + DAY_MS - nowMs);
  }
}

const formatRate = (perDay: number) => String(Math.round(perDay));
const formatShare = (share: number) => `${Math.round(share * 100)} %`;
