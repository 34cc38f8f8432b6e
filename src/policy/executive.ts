// The one page a head of trust reads: what the chosen thresholds mean in reviews a day, fraud stopped
// and good customers blocked, how sure we are, how the figures move with each threshold, and what
// picking a cutoff off a precision–recall curve would have done instead. Plain words first, charts
// after, method last. The page depends only on its input (no clock), so it renders to the same bytes.
import type { Policy } from '../models/artifact.js';
import { MISSING, formatDateTimeUtc, formatDateUtc, formatFixed, formatInteger, formatMoney, formatPercent } from '../report/format.js';
import { page, type Cell, type Kpi, type Table } from '../report/html.js';
import { PALETTE, lineChart, type LineSeries, type Marker } from '../report/svg.js';
import type { Interval } from './bootstrap.js';
import { savingsAreMoney } from './costs.js';
import type { PolicyMetrics } from './evaluate.js';
import type { ExplorerPoint } from './explorer.js';
import type { OptimizationResult } from './optimize.js';

export interface ExecutivePageInput {
  modelName: string;
  modelId: string;
  /** The period the optimizer ran on, epoch ms. */
  period: { from: number; to: number };
  /** The policy the page presents: the optimizer's choice (checked), as installed. */
  policy: Policy;
  result: OptimizationResult;
  /** Printed before every amount of money: "$", "€", "CHF ". */
  currency: string;
  /** Printed when given; without it the page carries no time of its own. */
  generatedAt?: number;
}

const CAPACITY_COLOR = '#6e7781';

/** Words and numbers for one page: formatters bound to its currency and savings unit. */
interface Wording {
  money: (value: number) => string;
  savings: (value: number) => string;
  perDay: (value: number) => string;
  threshold: (value: number) => string;
  range: (interval: Interval, format: (value: number) => string, scale?: number) => string;
}

function wording(result: OptimizationResult, currency: string): Wording {
  const money = (value: number) => formatMoney(value, currency, Math.abs(value) >= 100 ? 0 : 2);
  // With a missed fraud priced as a multiple of a false alarm, savings are in false alarms, not money.
  const savings = (value: number) =>
    savingsAreMoney(result.settings) ? money(value) : `${formatFixed(value, Math.abs(value) >= 100 ? 0 : 1)} cost units`;
  const perDay = (value: number) => (Math.abs(value) >= 10 || Number.isInteger(value) ? formatInteger(value) : formatFixed(value, 1));
  const threshold = (value: number) => (value > 1 ? 'never' : formatPercent(value, 1));
  const range = (interval: Interval, format: (value: number) => string, scale = 1) => {
    const [low, high] = [format(interval.low * scale), format(interval.high * scale)];
    return low === high ? low : `${low} to ${high}`;
  };
  return { money, savings, perDay, threshold, range };
}

export function renderExecutivePage(input: ExecutivePageInput): string {
  const { result, policy } = input;
  if (policy.block !== result.policy.block || policy.review !== result.policy.review) {
    throw new RangeError(
      `the page shows the optimizer's figures, computed for block ${result.policy.block} and review ${result.policy.review}, not for block ${policy.block} and review ${policy.review}`,
    );
  }
  const words = wording(result, input.currency);
  const subtitle = [
    `Model ${input.modelName} (${input.modelId})`,
    `traffic from ${formatDateUtc(input.period.from)} to ${formatDateUtc(input.period.to)} (${formatInteger(result.metrics.days)} days)`,
    ...(input.generatedAt === undefined ? [] : [`generated ${formatDateTimeUtc(input.generatedAt)}`]),
  ].join(' · ');
  return page({
    title: `Fraud thresholds for ${input.modelName}: what they mean`,
    subtitle,
    sections: [
      { heading: 'At a glance', text: summary(input, words) },
      {
        heading: 'In numbers',
        kpis: kpis(result, words),
        note: `Averages over the days of the period; the "likely" ranges hold in ${formatPercent(result.intervals.level, 0)} of re-drawn sets of days (see the method below).`,
      },
      {
        heading: 'Moving the block threshold',
        charts: sweepCharts(result, words, 'block'),
        note: `Everything at or above the block threshold is blocked. The review threshold stays at ${words.threshold(policy.review)} (and follows the block threshold down below it).`,
      },
      {
        heading: 'Moving the review threshold',
        charts: sweepCharts(result, words, 'review'),
        note:
          `Everything from the review threshold up to the block threshold (${words.threshold(policy.block)}) goes to a person. ` +
          'A lower review threshold means more reviews and more fraud caught; it blocks no one, so good customers blocked stay as they are.',
      },
      { heading: 'Compared with a cutoff read off the precision–recall curve', text: comparisonText(result, words) },
      { heading: 'The three policies side by side', table: comparisonTable(result, words) },
      { heading: 'How these numbers were worked out', text: methodText(result, words) },
    ],
  });
}

// ─── headline ─────────────────────────────────────────────────────────────────────────────────────

function summary({ result, policy }: ExecutivePageInput, words: Wording): string {
  const m = result.metrics;
  const ci = result.intervals;
  const days = m.days;
  const fraudShare = Number.isFinite(m.fraudStoppedShare) ? `${formatPercent(m.fraudStoppedShare)} of all fraud by value` : `${formatPercent(m.flaggedRecall)} of fraud cases`;
  const headline =
    `At this threshold we review ${words.perDay(m.reviewsPerDay)} cases a day, stop ${words.money(m.fraudStoppedAmount / days)} of fraud a day ` +
    `(${fraudShare}), and block ${words.perDay(m.goodBlockedPerDay)} good customers a day.`;
  const thresholds =
    policy.block > 1
      ? `Nothing is blocked outright; a transaction goes to review when its fraud probability is at least ${words.threshold(policy.review)}.`
      : policy.review === policy.block
        ? `A transaction is blocked when its fraud probability is at least ${words.threshold(policy.block)}; nothing goes to review.`
        : `A transaction is blocked when its fraud probability is at least ${words.threshold(policy.block)}, and goes to review from ${words.threshold(policy.review)}.`;
  const sureness =
    `How sure are we? These figures come from ${formatInteger(days)} days of past traffic. Had a different run of days come in, ` +
    `we would expect ${words.range(ci.reviewsPerDay, words.perDay)} reviews a day, ${words.range(ci.fraudStoppedAmount, words.money, 1 / days)} of fraud stopped a day ` +
    `(${words.range(ci.fraudStoppedShare, formatPercent)} of it), and ${words.range(ci.goodBlockedPerDay, words.perDay)} good customers blocked a day, in ${formatInteger(ci.level * 100)} of 100 cases.`;
  const capacity = Number.isFinite(m.capacityPerDay)
    ? `The review team can take ${formatInteger(m.capacityPerDay)} cases a day. Even on the busiest day of the period (${formatDateUtc(m.busiestDay)}) this policy sends ${formatInteger(m.busiestDayReviews)}, so the queue does not pile up.`
    : 'No review capacity was set, so the number of reviews was not limited.';
  const savings = `Compared with doing nothing, it saves ${words.savings(m.savings)} over the ${formatInteger(days)} days (likely ${words.range(ci.savings, words.savings)}).`;
  return [headline, thresholds, sureness, capacity, savings].join('\n\n');
}

function kpis(result: OptimizationResult, words: Wording): Kpi[] {
  const m = result.metrics;
  const ci = result.intervals;
  return [
    { label: 'Reviews a day', value: words.perDay(m.reviewsPerDay), hint: `likely ${words.range(ci.reviewsPerDay, words.perDay)}` },
    {
      label: 'Busiest day',
      value: `${formatInteger(m.busiestDayReviews)} reviews`,
      hint: Number.isFinite(m.capacityPerDay) ? `capacity ${formatInteger(m.capacityPerDay)} a day` : 'no capacity set',
    },
    { label: 'Fraud stopped a day', value: words.money(m.fraudStoppedAmount / m.days), hint: `likely ${words.range(ci.fraudStoppedAmount, words.money, 1 / m.days)}` },
    { label: 'Share of fraud stopped', value: formatPercent(m.fraudStoppedShare), hint: `by value; ${formatPercent(m.flaggedRecall)} of fraud cases` },
    { label: 'Good customers blocked a day', value: words.perDay(m.goodBlockedPerDay), hint: `likely ${words.range(ci.goodBlockedPerDay, words.perDay)}` },
    { label: 'Blocks that are fraud', value: formatPercent(m.blockPrecision), hint: `${formatInteger(m.blocked)} blocked in the period` },
    { label: 'Savings over the period', value: words.savings(m.savings), hint: `likely ${words.range(ci.savings, words.savings)}` },
  ];
}

// ─── charts ───────────────────────────────────────────────────────────────────────────────────────

function sweepCharts(result: OptimizationResult, words: Wording, moving: 'block' | 'review'): string[] {
  const points = moving === 'block' ? result.sweeps.byBlock : result.sweeps.byReview;
  const chosen = moving === 'block' ? result.policy.block : result.policy.review;
  const markers: Marker[] = [{ x: Math.min(chosen, 1), label: `chosen: ${words.threshold(chosen)}` }];
  const cutoff = result.prCurve.cutoff;
  if (moving === 'block' && cutoff <= 1 && Math.abs(cutoff - chosen) > 0.02) markers.push({ x: cutoff, label: `best F1: ${words.threshold(cutoff)}` });
  // The review threshold only moves up to the block threshold, so its axis ends there (rounded up).
  const x = { label: `${moving} threshold (fraud probability)`, min: 0, max: moving === 'block' ? 1 : undefined, format: (v: number) => formatPercent(v, 0) };
  const xEnd = points.at(-1)?.[moving] ?? 1;
  const line = (name: string, value: (p: ExplorerPoint) => number, color: string, dashed = false): LineSeries => ({
    name,
    color,
    dashed,
    points: points.map((p) => [p[moving], value(p)] as const),
  });

  const capacity = result.settings.capacityPerDay;
  const reviewSeries = [line('average day', (p) => p.reviewsPerDay, PALETTE[0]), line('busiest day', (p) => p.busiestDayReviews, PALETTE[1])];
  if (Number.isFinite(capacity)) reviewSeries.push({ name: `capacity (${formatInteger(capacity)} a day)`, points: [[0, capacity], [xEnd, capacity]], color: CAPACITY_COLOR, dashed: true });

  const fraudPerDay = result.metrics.fraudAmount / result.metrics.days;
  const byValue = fraudPerDay > 0;
  const fraudTitle = byValue ? `Share of fraud stopped (100 % = ${words.money(fraudPerDay)} a day)` : 'Share of fraud cases stopped';
  const fraudCount = result.metrics.fraudCount;
  const fraudShare = (p: ExplorerPoint) => (byValue ? p.fraudStoppedShare : fraudCount > 0 ? p.fraudStoppedCount / fraudCount : NaN);

  const charts = [
    lineChart({ title: 'Reviews a day', x, y: { label: 'cases', min: 0 }, series: reviewSeries, markers }),
    lineChart({ title: fraudTitle, x, y: { label: 'fraud stopped', min: 0, max: 1, format: (v) => formatPercent(v, 0) }, series: [line('fraud stopped', fraudShare, PALETTE[2])], markers }),
  ];
  // Reviews never block anyone: against the review threshold this line would be flat.
  if (moving === 'block') {
    charts.push(lineChart({ title: 'Good customers blocked a day', x, y: { label: 'customers', min: 0 }, series: [line('good customers blocked', (p) => p.goodBlockedPerDay, PALETTE[3])], markers }));
  }
  return charts;
}

// ─── comparison ───────────────────────────────────────────────────────────────────────────────────

function comparisonText(result: OptimizationResult, words: Wording): string {
  const { prCurve, metrics } = result;
  if (prCurve.cutoff > 1) return 'There was no fraud in the period, so a precision–recall curve points at no cutoff at all.';
  const blocking = prCurve.blockAtCutoff;
  const reviewing = prCurve.reviewAtCutoff;
  const overCapacity = !Number.isFinite(reviewing.capacityPerDay)
    ? 'no capacity set to compare with.'
    : reviewing.daysOverCapacity === 0
      ? 'within the team\'s capacity every day.'
      : `${formatInteger(reviewing.daysOverCapacity)} of ${formatInteger(reviewing.days)} days over the team's capacity, ` +
        `so its savings (${words.savings(reviewing.savings)}) count reviews the team could not have done.`;
  return [
    `A common shortcut picks the threshold where the precision–recall curve balances catching fraud against false alarms (the best F1 score): here ${words.threshold(prCurve.cutoff)}. ` +
      'It ignores what a missed fraud, a blocked customer and a review each cost, and how many reviews the team can do.',
    `Blocking everything above that cutoff would save ${words.savings(blocking.savings)} instead of ${words.savings(metrics.savings)}, ` +
      `blocking ${words.perDay(blocking.goodBlockedPerDay)} good customers a day instead of ${words.perDay(metrics.goodBlockedPerDay)}.`,
    `Sending everything above it to review instead would mean ${words.perDay(reviewing.reviewsPerDay)} reviews a day and ${formatInteger(reviewing.busiestDayReviews)} on the busiest day: ${overCapacity}`,
  ].join('\n\n');
}

function comparisonTable(result: OptimizationResult, words: Wording): Table {
  const row = (name: string, m: PolicyMetrics): Cell[] => [
    name,
    words.threshold(m.policy.block),
    m.policy.review === m.policy.block ? MISSING : words.threshold(m.policy.review),
    words.perDay(m.reviewsPerDay),
    formatInteger(m.busiestDayReviews),
    formatInteger(m.daysOverCapacity),
    words.money(m.fraudStoppedAmount / m.days),
    formatPercent(m.fraudStoppedShare),
    words.perDay(m.goodBlockedPerDay),
    words.savings(m.savings),
  ];
  return {
    columns: ['Policy', 'Block from', 'Review from', 'Reviews a day', 'Busiest day', 'Days over capacity', 'Fraud stopped a day', 'Share of fraud stopped', 'Good customers blocked a day', 'Savings'],
    rows: [
      row('Chosen: cost and capacity', result.metrics),
      row('Best-F1 cutoff, blocking', result.prCurve.blockAtCutoff),
      row('Best-F1 cutoff, reviewing', result.prCurve.reviewAtCutoff),
    ],
    numeric: [false, true, true, true, true, true, true, true, true, true],
  };
}

// ─── method ───────────────────────────────────────────────────────────────────────────────────────

function methodText(result: OptimizationResult, words: Wording): string {
  const s = result.settings;
  const missed = s.fnCost.kind === 'amount' ? `its amount${s.fnCost.multiplier === 1 ? '' : ` × ${formatFixed(s.fnCost.multiplier, 2)}`}` : `${formatFixed(s.fnCost.value, 1)} false alarms`;
  const unit = savingsAreMoney(s) ? words.money : (v: number) => `${formatFixed(v, 2)} units`;
  return [
    `Costs: a missed fraud costs ${missed}; blocking a good customer costs ${unit(s.fpCost)}; a review costs ${unit(s.reviewCost)}. ` +
      'A reviewed fraud is stopped; a reviewed good customer costs only the review.',
    'Savings are what doing nothing would cost (every fraud missed) minus what the policy costs (the fraud it misses, the good customers it blocks, and its reviews).',
    `The thresholds are the pair with the largest savings among ${formatInteger(s.candidates)} candidate thresholds${s.exact ? ' (every distinct score, so the best pair exactly)' : ''}, ` +
      'keeping the reviews within capacity on every single day of the period, not only on average.',
    `The ranges come from ${formatInteger(result.intervals.resamples)} re-drawn periods: whole days drawn at random, with repeats, from the period's own days, the thresholds held fixed. ` +
      'They show how much the figures depend on which days happened to be seen. They do not cover changes in fraud to come.',
  ].join('\n\n');
}
