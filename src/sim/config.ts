// Simulator configuration: defaults, partial overrides and validation.
import { DAY } from './calendar.js';
import { MAX_LATENESS } from './engine.js';
import { SCENARIOS, type Scenario } from './types.js';

export interface LabelConfig {
  /** Median delay of a chargeback after the booking it disputes, in days. Reviewer verdicts and ATO reports come faster (see labels.ts). */
  medianDelayDays: number;
  /** No label arrives sooner than this after its target; must exceed the largest lateness (3 h). */
  minDelayDays: number;
  maxDelayDays: number;
  /** Share of fraud cases that are never labelled (nobody notices); scenarios labelled only by reviewers have less coverage still. */
  unlabelledShare: number;
}

export interface SimConfig {
  /** Same seed and same config produce byte-identical output. */
  seed: number;
  /** Epoch ms of day 0 at 00:00 UTC. */
  start: number;
  days: number;
  /** Guest accounts: some exist at the start (their sign-up predates the log), the rest sign up during the period. */
  users: number;
  /** Hosts: most have listings at the start, the rest join during the period. */
  hosts: number;
  /**
   * Per-scenario intensity, each the expected share of all booking_attempted events that are fraudulent
   * bookings of that scenario (every scenario books: stolen-card and ATO checkouts, the booking after a
   * card-testing burst, bookings of off-platform scam listings or by scam guests, review-ring stays,
   * promo-abuse first bookings). Scenario cases are started in proportion to legitimate bookings, so the
   * shares hold whatever the population size.
   */
  fraud: Record<Scenario, number>;
  labels: LabelConfig;
  /** Share of non-label events delivered late: their `ts` is minutes to hours older than events already emitted. */
  lateShare: number;
  /** Share of events delivered twice with the same id and body (client retries). */
  duplicateShare: number;
  /** From this day on, fraudsters adapt: aged or reused devices, smaller amounts, IPs and time zones matching the card's country. */
  drift?: { fromDay: number };
}

export type SimOptions = Partial<Omit<SimConfig, 'fraud' | 'labels'>> & {
  fraud?: Partial<Record<Scenario, number>>;
  labels?: Partial<LabelConfig>;
};

export const DEFAULT_SIM_CONFIG: SimConfig = Object.freeze({
  seed: 1,
  start: Date.UTC(2026, 0, 5),
  days: 60,
  users: 20_000,
  hosts: 2_000,
  fraud: Object.freeze({
    stolen_card: 0.008,
    card_testing: 0.003,
    ato: 0.004,
    off_platform: 0.004,
    review_ring: 0.005,
    promo_abuse: 0.006,
  }),
  labels: Object.freeze({ medianDelayDays: 18, minDelayDays: 2, maxDelayDays: 60, unlabelledShare: 0.15 }),
  lateShare: 0.002,
  duplicateShare: 0.001,
});

/** Defaults overlaid with `options`; throws a RangeError naming the first invalid field. */
export function resolveSimConfig(options: SimOptions = {}): SimConfig {
  const config: SimConfig = {
    ...DEFAULT_SIM_CONFIG,
    ...options,
    fraud: { ...DEFAULT_SIM_CONFIG.fraud, ...options.fraud },
    labels: { ...DEFAULT_SIM_CONFIG.labels, ...options.labels },
  };
  if (options.drift === undefined) delete config.drift;
  validate(config);
  return config;
}

function validate(c: SimConfig): void {
  const fail = (field: string, problem: string): never => {
    throw new RangeError(`sim config: ${field} ${problem}`);
  };
  if (!Number.isSafeInteger(c.seed)) fail('seed', 'must be a safe integer');
  if (!Number.isSafeInteger(c.start) || c.start % DAY !== 0) fail('start', 'must be epoch ms at 00:00 UTC');
  if (!Number.isInteger(c.days) || c.days < 1 || c.days > 3650) fail('days', 'must be an integer in 1..3650');
  if (!Number.isInteger(c.users) || c.users < 50) fail('users', 'must be an integer ≥ 50');
  if (!Number.isInteger(c.hosts) || c.hosts < 10) fail('hosts', 'must be an integer ≥ 10');
  let fraudTotal = 0;
  for (const scenario of SCENARIOS) {
    const share = c.fraud[scenario];
    if (!(share >= 0 && share < 0.5)) fail(`fraud.${scenario}`, 'must be a share in [0, 0.5)');
    fraudTotal += share;
  }
  if (fraudTotal >= 0.5) fail('fraud', 'shares must sum to less than 0.5');
  const { medianDelayDays, minDelayDays, maxDelayDays, unlabelledShare } = c.labels;
  if (!(minDelayDays * DAY > MAX_LATENESS)) fail('labels.minDelayDays', 'must exceed the largest lateness (0.125 days)');
  if (!(minDelayDays <= medianDelayDays && medianDelayDays <= maxDelayDays)) fail('labels', 'needs minDelayDays ≤ medianDelayDays ≤ maxDelayDays');
  if (!(unlabelledShare >= 0 && unlabelledShare <= 1)) fail('labels.unlabelledShare', 'must be a share in [0, 1]');
  if (!(c.lateShare >= 0 && c.lateShare < 0.5)) fail('lateShare', 'must be a share in [0, 0.5)');
  if (!(c.duplicateShare >= 0 && c.duplicateShare < 0.5)) fail('duplicateShare', 'must be a share in [0, 0.5)');
  if (c.drift !== undefined && !(c.drift.fromDay >= 0)) fail('drift.fromDay', 'must be ≥ 0');
}
