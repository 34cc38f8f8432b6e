// An evaluation report as one self-contained HTML page for a fraud data scientist: headline numbers,
// ranking and calibration charts, score distributions, and the same metrics per segment. With
// `compareWith` it shows two models (say the active model and a candidate) side by side: curves
// overlaid, one column per model in every table. Output depends only on the input, so the same
// report always renders to the same bytes.
import { MISSING, formatDateTimeUtc, formatDateUtc, formatFixed, formatInteger, formatNumber, formatPercent, formatSigned } from '../report/format.js';
import { page, type Cell, type Kpi, type Section, type Table } from '../report/html.js';
import { PALETTE, barChart, histogram, lineChart, reliabilityDiagram, type Marker } from '../report/svg.js';
import type { EvaluationReport, SegmentMetrics } from './evaluation.js';

export interface EvaluationPageMeta {
  title: string;
  model?: { id: string; version?: string; type?: string; featureSetVersion?: string };
  /** Printed on the page when given; without it the page carries no time of its own. */
  generatedAt?: number;
  /** A second evaluation to show next to this one, e.g. the active model when this is a candidate. */
  compareWith?: { name: string; report: EvaluationReport };
}

/** Countries beyond this many (by rows) are summarised in a note instead of listed. */
const TOP_COUNTRIES = 15;
const FRAUD_COLOR = PALETTE[1];
const LEGIT_COLOR = PALETTE[0];
const REFERENCE_COLOR = '#6e7781';

interface NamedReport {
  name: string;
  report: EvaluationReport;
}

export function renderEvaluationHtml(report: EvaluationReport, meta: EvaluationPageMeta): string {
  const primaryName = meta.model ? (meta.model.version ? `${meta.model.id}@${meta.model.version}` : meta.model.id) : 'this model';
  const models: NamedReport[] = [{ name: primaryName, report }];
  if (meta.compareWith) {
    // Two columns with the same heading could not be told apart.
    const name = meta.compareWith.name === primaryName ? `${meta.compareWith.name} (compared)` : meta.compareWith.name;
    models.push({ name, report: meta.compareWith.report });
  }
  return page({
    title: meta.title,
    subtitle: subtitle(report, meta),
    sections: [
      headline(models),
      {
        heading: 'Ranking',
        charts: [rocChart(models), prChart(models)],
        note: 'The dashed grey lines are what random scores would reach: the diagonal for ROC, the fraud rate for precision.',
      },
      {
        heading: 'Calibration',
        charts: [reliabilityChart(models)],
        note: 'A calibrated model lies on the diagonal: of the rows scored 0.2, a fifth are fraud. Dot size and the strip below (log scale) show how many rows each bin holds.',
      },
      {
        heading: 'Score distribution',
        charts: models.map(scoreHistogram),
        note: 'Counts on a log scale, so the rare fraud rows stay visible next to the legitimate ones.',
      },
      ...scenarioSections(models),
      segmentSection('By country', models, 'country', { limit: TOP_COUNTRIES, empty: 'No row carries a country.' }),
      segmentSection('New vs returning users', models, 'user', { empty: 'No row says whether its user is new.', label: (key) => (key === 'new' ? 'new (no earlier booking)' : key) }),
      settingsSection(models),
    ],
  });
}

function subtitle(report: EvaluationReport, meta: EvaluationPageMeta): string {
  const parts: string[] = [];
  if (meta.model) {
    const { id, version, type, featureSetVersion } = meta.model;
    const details = [type, featureSetVersion ? `feature set ${featureSetVersion}` : undefined].filter(Boolean).join(', ');
    parts.push(`Model ${id}${version ? `@${version}` : ''}${details ? ` (${details})` : ''}`);
  }
  parts.push(`${formatDateUtc(report.from)} to ${formatDateUtc(report.to)} (${formatInteger(report.days)} days)`);
  if (meta.compareWith) parts.push(`compared with ${meta.compareWith.name}`);
  if (meta.generatedAt !== undefined) parts.push(`generated ${formatDateTimeUtc(meta.generatedAt)}`);
  return parts.join(' · ');
}

// ─── headline ─────────────────────────────────────────────────────────────────────────────────────

interface Metric {
  label: string;
  value: (r: EvaluationReport) => number;
  format: (value: number) => string;
  /** A difference between two models in the metric's own terms: percentage points for rates. */
  formatDifference: (difference: number) => string;
  hint?: (r: EvaluationReport) => string;
}

const withUnit = (text: string, unit: string) => (text === MISSING ? text : `${text} ${unit}`);
const percent = (digits: number) => ({
  format: (v: number) => formatPercent(v, digits),
  formatDifference: (d: number) => withUnit(formatSigned(d * 100, (v) => formatFixed(v, digits)), 'pp'),
});
const fixed = (digits: number) => ({
  format: (v: number) => formatFixed(v, digits),
  formatDifference: (d: number) => formatSigned(d, (v) => formatFixed(v, digits)),
});
const amount = { format: formatNumber, formatDifference: (d: number) => formatSigned(d, formatNumber) };

/** The headline metrics; labels name the settings of the report they are labelled from. */
function headlineMetrics(settings: EvaluationReport['options']): Metric[] {
  return [
    { label: 'Rows', value: (r) => r.rows, ...amount, hint: (r) => `${formatInteger(r.days)} days` },
    { label: 'Fraud rate', value: (r) => r.overall.fraudRate, ...percent(2), hint: (r) => `${formatInteger(r.positives)} fraud rows` },
    { label: 'ROC AUC', value: (r) => r.overall.auc, ...fixed(3), hint: () => 'random scores: 0.5' },
    { label: 'Average precision', value: (r) => r.overall.averagePrecision, ...fixed(3), hint: (r) => `random scores: the fraud rate, ${formatPercent(r.overall.fraudRate, 2)}` },
    { label: `Precision at ${settings.reviewsPerDay}/day`, value: (r) => r.atVolume.precision, ...percent(1), hint: (r) => `${formatInteger(r.atVolume.flagged)} rows reviewed` },
    { label: `Recall at ${settings.reviewsPerDay}/day`, value: (r) => r.atVolume.recall, ...percent(1), hint: () => 'share of all fraud in the review queue' },
    {
      label: `Entity precision@${settings.entitiesPerDay}/day`,
      value: (r) => r.entityPrecision.precision,
      ...percent(1),
      hint: (r) => `${formatInteger(r.entityPrecision.fraudulentPicked)} of ${formatInteger(r.entityPrecision.picked)} users picked were fraudulent`,
    },
    { label: 'ECE', value: (r) => r.calibration.ece, ...fixed(4), hint: (r) => `largest bin gap ${formatFixed(r.calibration.mce, 3)}` },
    { label: 'Brier score', value: (r) => r.overall.brier, ...fixed(4), hint: () => 'lower is better' },
    {
      label: `Expected cost at ${formatFixed(settings.threshold, 2)}`,
      value: (r) => r.cost.atThreshold.cost,
      ...amount,
      hint: (r) => `${formatInteger(r.cost.atThreshold.falseNegatives)} missed, ${formatInteger(r.cost.atThreshold.falsePositives)} false alarms`,
    },
    { label: 'Lowest expected cost', value: (r) => r.cost.best.cost, ...amount, hint: () => 'over all thresholds' },
    {
      label: 'Cost-minimising threshold',
      value: (r) => r.cost.best.threshold, // Infinity when flagging nothing is cheapest: shown as "—"
      ...fixed(3),
      hint: (r) => (Number.isFinite(r.cost.best.threshold) ? 'where the lowest cost is reached' : 'flagging nothing is cheapest'),
    },
  ];
}

function headline(models: readonly NamedReport[]): Section {
  const [{ name, report }, other] = [models[0]!, models[1]];
  const metrics = headlineMetrics(report.options);
  if (!other) {
    const kpis: Kpi[] = metrics.map((m) => ({ label: m.label, value: m.format(m.value(report)), hint: m.hint?.(report) }));
    return { heading: 'Headline', kpis };
  }
  const rows = metrics.map((m): Cell[] => {
    const a = m.value(report);
    const b = m.value(other.report);
    return [m.label, m.format(a), m.format(b), m.formatDifference(a - b)];
  });
  const notes = [`Difference: ${name} minus ${other.name}; rates in percentage points (pp).`];
  if (report.rows !== other.report.rows || report.from !== other.report.from || report.to !== other.report.to) {
    notes.push(`The two evaluations cover different rows (${formatInteger(report.rows)} and ${formatInteger(other.report.rows)}), so differences mix model and data.`);
  }
  if (!sameSettings(report.options, other.report.options)) notes.push('The two evaluations used different settings (see Settings); labels follow the first.');
  return {
    heading: 'Headline',
    table: { columns: ['Metric', name, other.name, 'Difference'], rows, numeric: [false, true, true, true] },
    note: notes.join(' '),
  };
}

function sameSettings(a: EvaluationReport['options'], b: EvaluationReport['options']): boolean {
  return (Object.keys(a) as Array<keyof typeof a>).every((key) => a[key] === b[key]);
}

// ─── charts ───────────────────────────────────────────────────────────────────────────────────────

/** The first model solid, the compared one dashed, so the two stay apart in print too. */
const modelStyle = (index: number) => ({ color: PALETTE[index % PALETTE.length], dashed: index > 0 });

function rocChart(models: readonly NamedReport[]): string {
  return lineChart({
    title: 'ROC curve',
    x: { label: 'false positive rate', min: 0, max: 1 },
    y: { label: 'true positive rate (recall)', min: 0, max: 1 },
    diagonal: 'random scores',
    series: models.map(({ name, report }, i) => ({
      name: `${name} · AUC ${formatFixed(report.overall.auc, 3)}`,
      points: report.roc.map((p) => [p.fpr, p.tpr] as const),
      ...modelStyle(i),
    })),
  });
}

function prChart(models: readonly NamedReport[]): string {
  const fraudRate = models[0]!.report.overall.fraudRate;
  return lineChart({
    title: 'Precision–recall curve',
    x: { label: 'recall', min: 0, max: 1 },
    y: { label: 'precision', min: 0, max: 1 },
    series: [
      ...models.map(({ name, report }, i) => ({
        name: `${name} · AP ${formatFixed(report.overall.averagePrecision, 3)}`,
        points: report.pr.map((p) => [p.recall, p.precision] as const),
        ...modelStyle(i),
      })),
      { name: `random scores (fraud rate ${formatPercent(fraudRate, 2)})`, points: [[0, fraudRate], [1, fraudRate]], dashed: true, color: REFERENCE_COLOR },
    ],
  });
}

function reliabilityChart(models: readonly NamedReport[]): string {
  return reliabilityDiagram({
    title: 'Reliability diagram',
    series: models.map(({ name, report }, i) => ({ name: `${name} · ECE ${formatFixed(report.calibration.ece, 4)}`, bins: report.calibration.bins, color: modelStyle(i).color })),
  });
}

function scoreHistogram({ name, report }: NamedReport): string {
  const { threshold } = report.options;
  const best = report.cost.best.threshold;
  const markers: Marker[] = [{ x: threshold, label: `threshold ${formatFixed(threshold, 2)}` }];
  if (Number.isFinite(best) && Math.abs(best - threshold) > 1e-9) markers.push({ x: best, label: `lowest cost ${formatFixed(best, 3)}` });
  return histogram({
    title: `Scores by class · ${name}`,
    edges: report.histogram.edges,
    series: [
      { name: `fraud (${formatInteger(report.positives)})`, counts: report.histogram.fraud, color: FRAUD_COLOR },
      { name: `legitimate (${formatInteger(report.rows - report.positives)})`, counts: report.histogram.legit, color: LEGIT_COLOR },
    ],
    logY: true,
    x: { label: 'predicted fraud probability' },
    markers,
  });
}

// ─── segments ─────────────────────────────────────────────────────────────────────────────────────

type SegmentKind = keyof EvaluationReport['segments'];

/**
 * Segment keys, largest first (ties by name), then keys only the compared report has. Sorted here
 * rather than trusting object order: JavaScript lists integer-like keys ("2") first whatever the
 * insertion order.
 */
function segmentKeys(models: readonly NamedReport[], kind: SegmentKind): string[] {
  const keys: string[] = [];
  for (const { report } of models) {
    const segments = report.segments[kind];
    const fresh = Object.keys(segments).filter((key) => !keys.includes(key));
    keys.push(...fresh.sort((a, b) => segments[b]!.rows - segments[a]!.rows || (a < b ? -1 : a > b ? 1 : 0)));
  }
  return keys;
}

/** Per-model metrics of a segment table; rows, fraud and fraud rate come from the first report. */
const SEGMENT_METRICS: Array<{ label: string; value: (s: SegmentMetrics) => number; format: (v: number) => string }> = [
  { label: 'ROC AUC', value: (s) => s.auc, format: (v) => formatFixed(v, 3) },
  { label: 'Avg precision', value: (s) => s.averagePrecision, format: (v) => formatFixed(v, 3) },
  { label: 'Recall at volume', value: (s) => s.recallAtVolume, format: (v) => formatPercent(v, 1) },
  { label: 'ECE', value: (s) => s.ece, format: (v) => formatFixed(v, 4) },
  { label: 'Brier', value: (s) => s.brier, format: (v) => formatFixed(v, 4) },
];

/** Short column headings for the models in segment tables, which would be too wide with full names. */
const MODEL_TAGS = ['A', 'B'];

function segmentTable(models: readonly NamedReport[], kind: SegmentKind, keys: readonly string[], label: (key: string) => string): Table {
  const rows = keys.map((key): Cell[] => {
    const first = models[0]!.report.segments[kind][key];
    return [
      label(key),
      first ? formatInteger(first.rows) : null,
      first ? formatInteger(first.positives) : null,
      first ? formatPercent(first.fraudRate, 2) : null,
      ...SEGMENT_METRICS.flatMap((m) =>
        models.map(({ report }) => {
          const segment = report.segments[kind][key];
          return segment ? m.format(m.value(segment)) : null;
        }),
      ),
    ];
  });
  const dataColumns = ['Segment', 'Rows', 'Fraud rows', 'Fraud rate'];
  const numeric = (columns: readonly string[]) => columns.map((_, i) => i > 0);
  if (models.length === 1) {
    const columns = [...dataColumns, ...SEGMENT_METRICS.map((m) => m.label)];
    return { columns, rows, numeric: numeric(columns) };
  }
  const columns = [...dataColumns, ...SEGMENT_METRICS.flatMap(() => models.map((_, i) => MODEL_TAGS[i]!))];
  const groups = [{ label: '', span: dataColumns.length }, ...SEGMENT_METRICS.map((m) => ({ label: m.label, span: models.length }))];
  return { columns, groups, rows, numeric: numeric(columns) };
}

interface SegmentSectionOptions {
  /** Said instead of an empty table. */
  empty: string;
  /** How to read the table, before the notes on what is shown. */
  explanation?: string;
  limit?: number;
  label?: (key: string) => string;
}

function segmentSection(heading: string, models: readonly NamedReport[], kind: SegmentKind, options: SegmentSectionOptions): Section {
  const keys = segmentKeys(models, kind);
  if (keys.length === 0) return { heading, text: options.empty };
  const shown = keys.slice(0, options.limit ?? keys.length);
  const hidden = keys.slice(shown.length);
  const first = models[0]!.report.segments[kind];
  const hiddenRows = hidden.reduce((sum, key) => sum + (first[key]?.rows ?? 0), 0);
  const notes = options.explanation ? [options.explanation] : [];
  if (hidden.length > 0) notes.push(`The ${shown.length} largest of ${keys.length}; ${hidden.length} more with ${formatInteger(hiddenRows)} rows are not shown.`);
  if (models.length > 1) notes.push(`${models.map((m, i) => `${MODEL_TAGS[i]}: ${m.name}`).join(', ')}; rows and fraud are from A’s evaluation.`);
  return { heading, table: segmentTable(models, kind, shown, options.label ?? ((key) => key)), note: notes.join(' ') || undefined };
}

function scenarioSections(models: readonly NamedReport[]): Section[] {
  const table = segmentSection('By fraud scenario', models, 'scenario', {
    empty: 'No fraud rows in this period, so there is nothing to break down by scenario.',
    explanation:
      'Each row scores one scenario’s fraud against all legitimate rows: AUC and average precision say how well that kind of fraud is told apart from legitimate traffic, and the fraud rate is that scenario’s share of the pair.',
  });
  const keys = segmentKeys(models, 'scenario');
  if (keys.length === 0) return [table];
  const chart = barChart({
    title: `Recall at ${models[0]!.report.options.reviewsPerDay} reviews/day by scenario`,
    categories: keys,
    series: models.map(({ name, report }, i) => ({ name, values: keys.map((key) => report.segments.scenario[key]?.recallAtVolume ?? NaN), color: modelStyle(i).color })),
    horizontal: true,
    format: (v) => formatPercent(v, 0),
    valueAxis: { label: 'share of the scenario’s fraud reviewed', min: 0, max: 1 },
  });
  return [{ heading: 'Recall at review volume by scenario', charts: [chart], note: 'Which kinds of fraud the daily review queue catches, and which slip through.' }, table];
}

// ─── settings ─────────────────────────────────────────────────────────────────────────────────────

function settingsSection(models: readonly NamedReport[]): Section {
  const settings: Array<[string, (r: EvaluationReport) => string]> = [
    ['Period', (r) => `${formatDateUtc(r.from)} to ${formatDateUtc(r.to)}`],
    ['Days with rows', (r) => formatInteger(r.days)],
    ['Reviews per day (precision and recall at volume)', (r) => formatInteger(r.options.reviewsPerDay)],
    ['Entities per day (entity precision)', (r) => formatInteger(r.options.entitiesPerDay)],
    ['Decision threshold (expected cost)', (r) => formatFixed(r.options.threshold, 3)],
    ['Cost of a missed fraud', (r) => formatNumber(r.cost.fnCost)],
    ['Cost of a false alarm', (r) => formatNumber(r.cost.fpCost)],
    ['Calibration and histogram bins', (r) => formatInteger(r.options.bins)],
  ];
  return {
    heading: 'Settings',
    table: {
      columns: ['Setting', ...models.map((m) => m.name)],
      rows: settings.map(([label, value]) => [label, ...models.map((m) => value(m.report))]),
      numeric: [false, ...models.map(() => true)],
    },
    note:
      'Precision and recall at volume assume reviewers take the highest scores of each day. Expected cost counts every missed fraud and every false alarm at the costs above, ' +
      'whatever the amount involved; the lowest expected cost is over all thresholds.',
  };
}
