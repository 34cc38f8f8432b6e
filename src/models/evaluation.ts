// Evaluation of calibrated fraud probabilities on a period: ranking quality, precision at the review
// volume a team can handle, calibration, cost — overall and per segment (fraud scenario, country,
// new vs returning user).
import {
  atDailyVolume,
  averagePrecision,
  calibration,
  entityPrecisionAtK,
  expectedCost,
  prCurve,
  rocAuc,
  rocCurve,
  topRowsPerDay,
  type CalibrationReport,
  type CostResult,
  type EntityPrecisionResult,
  type PrPoint,
  type RocPoint,
} from './metrics.js';

export interface EvaluationRow {
  probability: number;
  label: 0 | 1;
  ts: number;
  user?: string;
  amount?: number;
  scenario?: string;
  country?: string;
  /** A user with no earlier booking in the period's history. */
  newUser?: boolean;
}

export interface EvaluationOptions {
  /** Reviews per day for precision/recall at volume (default 50). */
  reviewsPerDay?: number;
  /** Entities per day for entity-precision@k (default 20). */
  entitiesPerDay?: number;
  /** Threshold for the expected-cost figure (default 0.5). */
  threshold?: number;
  /** Cost of a missed fraud, as a multiple of a false alarm (default 20). */
  fnCost?: number;
  fpCost?: number;
  bins?: number;
}

export interface SegmentMetrics {
  rows: number;
  positives: number;
  fraudRate: number;
  auc: number;
  averagePrecision: number;
  ece: number;
  brier: number;
  /** Share of this segment's fraud that lands among the overall top `reviewsPerDay` of each day. */
  recallAtVolume: number;
}

export interface EvaluationReport {
  rows: number;
  positives: number;
  from: number;
  to: number;
  days: number;
  options: Required<EvaluationOptions>;
  overall: SegmentMetrics;
  atVolume: { reviewsPerDay: number; flagged: number; precision: number; recall: number };
  entityPrecision: { k: number } & Omit<EntityPrecisionResult, 'perDay'> & { perDay: EntityPrecisionResult['perDay'] };
  cost: { fnCost: number; fpCost: number; atThreshold: CostResult; best: CostResult };
  calibration: CalibrationReport;
  roc: RocPoint[];
  pr: PrPoint[];
  /** Score histogram by class: counts per bin of width 1/bins. */
  histogram: { edges: number[]; fraud: number[]; legit: number[] };
  segments: Record<'scenario' | 'country' | 'user', Record<string, SegmentMetrics>>;
}

const DAY = 86_400_000;

export function evaluateRows(rows: readonly EvaluationRow[], options: EvaluationOptions = {}): EvaluationReport {
  if (rows.length === 0) throw new RangeError('nothing to evaluate: the period has no labelled rows');
  const opts: Required<EvaluationOptions> = {
    reviewsPerDay: options.reviewsPerDay ?? 50,
    entitiesPerDay: options.entitiesPerDay ?? 20,
    threshold: options.threshold ?? 0.5,
    fnCost: options.fnCost ?? 20,
    fpCost: options.fpCost ?? 1,
    bins: options.bins ?? 10,
  };
  const p = rows.map((r) => r.probability);
  const y: number[] = rows.map((r) => r.label);
  const days = rows.map((r) => Math.floor(r.ts / DAY));
  const volume = atDailyVolume(p, y, days, opts.reviewsPerDay);
  const flaggedRows = new Set(topRowsPerDay(p, days, opts.reviewsPerDay));
  const segment = (indices: number[]): SegmentMetrics => {
    const sp = indices.map((i) => p[i]!);
    const sy = indices.map((i) => y[i]!);
    const positives = sy.reduce((a, b) => a + b, 0);
    const cal = calibration(sp, sy, opts.bins);
    const caught = indices.filter((i) => y[i] === 1 && flaggedRows.has(i)).length;
    return {
      rows: indices.length,
      positives,
      fraudRate: positives / indices.length,
      auc: rocAuc(sp, sy),
      averagePrecision: averagePrecision(sp, sy),
      ece: cal.ece,
      brier: cal.brier,
      recallAtVolume: positives ? caught / positives : NaN,
    };
  };
  const all = rows.map((_, i) => i);
  const groupBy = (key: (r: EvaluationRow) => string | undefined) => {
    const groups = new Map<string, number[]>();
    rows.forEach((r, i) => {
      const k = key(r);
      if (k === undefined) return;
      const list = groups.get(k) ?? [];
      list.push(i);
      groups.set(k, list);
    });
    return Object.fromEntries([...groups].sort((a, b) => b[1].length - a[1].length).map(([k, idx]) => [k, segment(idx)]));
  };
  const legitRows = all.filter((i) => y[i] === 0);
  const scenarioSegments = () => {
    const byScenario = new Map<string, number[]>();
    rows.forEach((r, i) => {
      if (r.label !== 1) return;
      // Fraud labels on bookings the simulator made legitimately are label noise (friendly fraud).
      const k = r.scenario === 'legit' ? 'label noise' : (r.scenario ?? 'unknown');
      byScenario.set(k, [...(byScenario.get(k) ?? []), i]);
    });
    return Object.fromEntries([...byScenario].sort((a, b) => b[1].length - a[1].length).map(([k, idx]) => [k, segment([...idx, ...legitRows])]));
  };
  const entity = entityPrecisionAtK(p, y, rows.map((r, i) => r.user ?? `row${i}`), days, opts.entitiesPerDay);
  const cost = expectedCost(p, y, {
    threshold: opts.threshold,
    fnCost: opts.fnCost,
    fpCost: opts.fpCost,
  });
  const edges = Array.from({ length: opts.bins + 1 }, (_, i) => i / opts.bins);
  const fraud = new Array<number>(opts.bins).fill(0);
  const legit = new Array<number>(opts.bins).fill(0);
  rows.forEach((r) => {
    const b = Math.min(Math.floor(r.probability * opts.bins), opts.bins - 1);
    if (r.label === 1) fraud[b]!++;
    else legit[b]!++;
  });
  const positives = y.reduce<number>((a, b) => a + b, 0);
  const from = Math.min(...rows.map((r) => r.ts));
  const to = Math.max(...rows.map((r) => r.ts));
  return {
    rows: rows.length,
    positives,
    from,
    to,
    days: new Set(days).size,
    options: opts,
    overall: segment(all),
    atVolume: { reviewsPerDay: opts.reviewsPerDay, flagged: volume.flagged, precision: volume.precision, recall: volume.recall },
    entityPrecision: { k: opts.entitiesPerDay, ...entity },
    cost: { fnCost: opts.fnCost, fpCost: opts.fpCost, ...cost },
    calibration: calibration(p, y, opts.bins),
    roc: rocCurve(p, y),
    pr: prCurve(p, y),
    histogram: { edges, fraud, legit },
    segments: {
      // Each fraud scenario against all legitimate rows: how well is this kind of fraud told apart?
      scenario: scenarioSegments(),
      country: groupBy((r) => r.country),
      user: groupBy((r) => (r.newUser === undefined ? undefined : r.newUser ? 'new' : 'returning')),
    },
  };
}
