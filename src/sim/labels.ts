// Labels: chargebacks from card issuers, reviewers' verdicts and account-takeover reports. Each
// label is emitted when it *arrives* — days to weeks after the event it labels — and only if that
// is inside the simulated period; it names that event in `payload.target_event_id` and carries
// the target's ground truth (a friendly-fraud chargeback on a legitimate booking says fraud=false).
import { DAY } from './calendar.js';
import type { LabelConfig } from './config.js';
import type { Emitter, EventEntities } from './emitter.js';
import type { Rng } from './random.js';
import type { RawEventByType, Scenario } from './types.js';

export type LabelTarget = RawEventByType<'booking_attempted'> | RawEventByType<'message_sent'> | RawEventByType<'review_posted'>;

/**
 * Median delay of each label kind as a multiple of the configured (chargeback) median: users
 * notice a takeover within days (password-change e-mails), review queues take about a week,
 * chargebacks weeks. Every delay is kept within [minDelayDays, maxDelayDays].
 */
const DELAY_SCALE = { chargeback: 1, reviewer_verdict: 0.35, ato_report: 0.2 } as const;
const DELAY_SIGMA = 0.55;

/**
 * Share of a scenario's fraud cases that get labelled, relative to 1 − unlabelledShare. Payment
 * fraud is disputed by cardholders almost always; off-platform requests, promo abuse and review
 * rings are labelled only when someone reports them and a reviewer looks — rings least of all.
 */
export const LABEL_COVERAGE: Readonly<Record<Scenario, number>> = {
  stolen_card: 1,
  card_testing: 1,
  ato: 1,
  off_platform: 0.5,
  promo_abuse: 0.4,
  review_ring: 0.15,
};

/** Reviewers get a few cases wrong; the verdict then disagrees with the truth it carries. */
export const REVIEWER_ERROR_RATE = 0.02;

const REVIEWERS = ['analyst_ana', 'analyst_ben', 'analyst_chen', 'analyst_dara', 'analyst_eli'];

export class Labeller {
  constructor(
    private readonly emitter: Emitter,
    private readonly config: LabelConfig,
    private readonly rng: Rng,
  ) {}

  /** Decided once per fraud case: will anyone ever label it? */
  willLabel(scenario: Scenario): boolean {
    return this.rng.chance((1 - this.config.unlabelledShare) * LABEL_COVERAGE[scenario]);
  }

  /** A draw from the label stream, for labels on legitimate activity (friendly fraud, routine reviews). */
  chance(p: number): boolean {
    return this.rng.chance(p);
  }

  chargeback(target: RawEventByType<'booking_attempted'>, card: string, reason: string): void {
    const { user, listing, host } = target.entities;
    const { amount, currency } = target.payload;
    this.emitter.emit(
      'chargeback',
      this.arrival(target.ts, DELAY_SCALE.chargeback),
      { user, card, listing, host },
      undefined,
      { target_event_id: target.id, amount, currency, reason_code: reason },
      target.truth,
    );
  }

  verdict(target: LabelTarget, truthfulVerdict: 'fraud' | 'legit', note?: string): void {
    const mistaken = this.rng.chance(REVIEWER_ERROR_RATE);
    const verdict = mistaken ? (truthfulVerdict === 'fraud' ? 'legit' : 'fraud') : truthfulVerdict;
    const payload: RawEventByType<'reviewer_verdict'>['payload'] = {
      target_event_id: target.id,
      verdict,
      reviewer: this.rng.pick(REVIEWERS),
      case_id: `case_${target.id}`,
    };
    if (note !== undefined) payload.note = note;
    const entities: EventEntities = {};
    for (const kind of ['user', 'listing', 'host'] as const) {
      const ref = target.entities[kind];
      if (ref !== undefined) entities[kind] = ref;
    }
    this.emitter.emit('reviewer_verdict', this.arrival(target.ts, DELAY_SCALE.reviewer_verdict), entities, undefined, payload, target.truth);
  }

  atoReport(target: RawEventByType<'booking_attempted'>, reportedBy: 'user' | 'support'): void {
    this.emitter.emit(
      'ato_report',
      this.arrival(target.ts, DELAY_SCALE.ato_report),
      { user: target.entities.user },
      undefined,
      { target_event_id: target.id, reported_by: reportedBy },
      target.truth,
    );
  }

  /** Arrival time: log-normal around the kind's median, redrawn until inside [min, max]. The engine drops it if past the end. */
  private arrival(targetTs: number, scale: number): number {
    const { medianDelayDays, minDelayDays, maxDelayDays } = this.config;
    const median = Math.min(maxDelayDays, Math.max(minDelayDays, medianDelayDays * scale));
    let days = this.rng.logNormal(median, DELAY_SIGMA);
    for (let redraw = 0; redraw < 16 && (days < minDelayDays || days > maxDelayDays); redraw++) days = this.rng.logNormal(median, DELAY_SIGMA);
    days = Math.min(maxDelayDays, Math.max(minDelayDays, days));
    return targetTs + Math.round(days * DAY);
  }
}
