// The offline path: replay the event log through the same engine, in the same order, and read each
// scored event's vector just before applying it — so a training row sees strictly earlier events only.
// Labels come from label events later in the log, within a maturity horizon.
import { setImmediate } from 'node:timers/promises';
import type { EventLog } from '../events/log.js';
import { EVENT_TYPES, isLabelType, LABEL_TYPES, type EventType, type LoggedEvent, type RiskEvent } from '../events/schema.js';
import { FeatureEngine } from './engine.js';
import type { FeatureSet } from './featureset.js';
import { yieldingEvery } from '../lib/yielding.js';

export interface ReplayOptions {
  /** Called every batch with the number of events applied so far and the log's last seq. */
  onProgress?: (applied: number, total: number) => void;
  /** Stop after this sequence number. */
  toSeq?: number;
  /** Awaited before each batch of the log is replayed (e.g. to fetch what the batch is compared with). */
  beforeBatch?: (batch: readonly LoggedEvent[]) => Promise<void>;
  /**
   * The event types `wants` and `visit` need to see (default: all). Events of other types that no
   * feature reads are then not decoded: only their time moves the replay's clock.
   */
  visitTypes?: ReadonlySet<EventType>;
  /** Hand the event loop back after this much work (ms), for replays inside a serving process. */
  yieldEveryMs?: number;
  /** Checked whenever the event loop is handed back: an aborted replay stops there, throwing the signal's reason. */
  signal?: AbortSignal;
}

/**
 * Replay the whole log through a fresh engine. `visit` is called for every event before it is
 * applied; return true from `wants` to get its vector.
 */
export async function replay(
  log: EventLog,
  set: FeatureSet,
  wants: (logged: LoggedEvent) => boolean,
  visit: (logged: LoggedEvent, vector: Float64Array | undefined) => void,
  options: ReplayOptions = {},
): Promise<FeatureEngine> {
  const engine = new FeatureEngine(set);
  const total = options.toSeq ?? (await log.lastSeq());
  const scratch = new Float64Array(set.vectorNames.length);
  let sinceSweep = 0;
  // A sweep visits every entity held: waiting for at least twice as many events as entities keeps it
  // to half a visit per event, while what idle entities hold stays bounded by the events since.
  let sweepAfter = 100_000;
  const decode = new Set<EventType>(options.visitTypes === undefined ? EVENT_TYPES : [...engine.inputTypes, ...options.visitTypes]);
  // Small batches keep a decoded event in the caches until it is applied (20,000-event batches had
  // every apply start with cache misses on its own event: backfill ~10 % slower); a beforeBatch hook
  // fetches per batch, so it gets large ones — unless the replay shares the event loop with a server,
  // which a 20,000-event batch, decoded at once, would hold for 50–100 ms.
  const batchSize = options.beforeBatch ? (options.yieldEveryMs === undefined ? 20_000 : 1_000) : 256;
  const pause = yieldingEvery(options.yieldEveryMs);
  for await (const batch of log.replayStream({ toSeq: total, decode, batchSize })) {
    if (options.beforeBatch) await options.beforeBatch(batch.filter((item): item is LoggedEvent => item.event !== undefined));
    for (const item of batch) {
      if (item.event === undefined) {
        engine.pass(item.seq, item.ts);
      } else {
        const vector = wants(item) ? engine.vector(item.event, scratch) : undefined;
        visit(item, vector);
        engine.apply(item);
      }
      // Counted in events of every kind, so a replay that passes over events sweeps where one that decodes them does.
      if (++sinceSweep >= sweepAfter) {
        // A sweep of 10⁵ entities takes tens of milliseconds: in slices, when a server waits meanwhile.
        if (options.yieldEveryMs === undefined) engine.sweep();
        else await sweepInSlices(engine, options.yieldEveryMs, options.signal);
        sinceSweep = 0;
        sweepAfter = Math.max(100_000, 2 * engine.entityTotal());
      }
      const paused = pause();
      if (paused) {
        await paused;
        options.signal?.throwIfAborted();
      }
    }
    options.onProgress?.(engine.appliedSeq, total);
  }
  return engine;
}

/** A whole sweep, handing the event loop back after every `sliceMs` of it (no event is applied meanwhile). */
async function sweepInSlices(engine: FeatureEngine, sliceMs: number, signal: AbortSignal | undefined): Promise<void> {
  let sliceStart = performance.now();
  do {
    engine.sweepSome(256);
    if (performance.now() - sliceStart >= sliceMs) {
      await setImmediate();
      signal?.throwIfAborted();
      sliceStart = performance.now();
    }
  } while (engine.sweepUnderWay);
}

/** 1 fraud, 0 legitimate, -1 immature: the horizon has not closed and no label says either way. */
export type Label = 1 | 0 | -1;

export interface TrainingSetOptions extends ReplayOptions {
  /** Rows are scored events with from ≤ ts < to (epoch ms). */
  from?: number;
  to?: number;
  /** A fraud label counts when it arrived at most this long after the row's event (ms). */
  maturityMs: number;
  /** Maturity is judged against this time; default: the greatest event time in the log. */
  asOf?: number;
}

export interface TrainingSet {
  featureSetVersion: string;
  names: readonly string[];
  rows: number;
  /** Row-major feature matrix, rows × names.length; NaN where a value is missing. */
  x: Float64Array;
  labels: Int8Array;
  seq: Float64Array;
  ts: Float64Array;
  eventIds: string[];
  /** What the row is about, for segmenting evaluations. */
  meta: RowMeta[];
  /** The time maturity was judged against. */
  asOf: number;
  /**
   * Rows whose own label reached the log before them (a late event, or history imported out of
   * order): their label-fed features (chargeback counts, rates) may count that label.
   */
  labelledBeforeRow: number;
}

export interface RowMeta {
  user?: string;
  amount?: number;
  country?: string;
  /** Simulator ground truth, when the events carry it. */
  scenario?: string;
  /** Which label decided the row: chargeback, reviewer_verdict, ato_report, matured (no label), immature. */
  labelSource: string;
}

interface LabelNews {
  fraudTs: number;
  fraudSource: string;
  legitTs: number;
}

export async function buildTrainingSet(log: EventLog, set: FeatureSet, options: TrainingSetOptions): Promise<TrainingSet> {
  const from = options.from ?? -Infinity;
  const to = options.to ?? Infinity;
  const width = set.vectorNames.length;
  let x = new Float64Array(width * 1024);
  const rows: Array<{ seq: number; ts: number; id: string; meta: RowMeta }> = [];
  const rowIndexById = new Map<string, number>();
  const news = new Map<number, LabelNews>();
  // Labels whose event is not in the replay yet: a late-delivered booking can reach the log after its
  // chargeback, and the label still judges it (its time, not its place in the log, is what maturity reads).
  const early = new Map<string, LabelNews>();
  let labelledBeforeRow = 0;

  const isRow = (logged: LoggedEvent) => set.scored.has(logged.event.type) && logged.event.ts >= from && logged.event.ts < to;
  const engine = await replay(
    log,
    set,
    isRow,
    (logged, vector) => {
      const { event } = logged;
      if (vector) {
        const row = rows.length;
        if ((row + 1) * width > x.length) {
          const grown = new Float64Array(x.length * 2);
          grown.set(x);
          x = grown;
        }
        x.set(vector, row * width);
        rows.push({ seq: logged.seq, ts: event.ts, id: event.id, meta: metaOf(event) });
        rowIndexById.set(event.id, row);
        const before = early.get(event.id);
        if (before !== undefined) {
          news.set(row, before);
          early.delete(event.id);
          labelledBeforeRow++;
        }
        return;
      }
      if (isLabelType(event.type)) noteLabel(event, rowIndexById, news, early);
    },
    { ...options, visitTypes: new Set([...set.scored, ...LABEL_TYPES]) },
  );

  // The engine's watermark is the greatest event time replayed, over every event (visited or not).
  const asOf = options.asOf ?? engine.watermark;
  const labels = new Int8Array(rows.length);
  rows.forEach((row, i) => {
    const n = news.get(i);
    const fraud = n !== undefined && n.fraudTs - row.ts <= options.maturityMs;
    if (asOf - row.ts < options.maturityMs) {
      // The horizon is still open: a negative is unknowable yet, and keeping only the early positives
      // would bias training, so the row is immature whatever has arrived so far.
      labels[i] = -1;
      row.meta.labelSource = fraud ? `${n.fraudSource} (immature)` : 'immature';
    } else if (fraud) {
      labels[i] = 1;
      row.meta.labelSource = n.fraudSource;
    } else {
      labels[i] = 0;
      row.meta.labelSource = n && n.legitTs - row.ts <= options.maturityMs ? 'reviewer_verdict' : 'matured';
    }
  });
  return {
    featureSetVersion: set.version,
    names: set.vectorNames,
    rows: rows.length,
    x: x.slice(0, rows.length * width),
    labels,
    seq: Float64Array.from(rows, (r) => r.seq),
    ts: Float64Array.from(rows, (r) => r.ts),
    eventIds: rows.map((r) => r.id),
    meta: rows.map((r) => r.meta),
    asOf,
    labelledBeforeRow,
  };
}

/**
 * What to tell whoever builds a training set with rows labelled before they reached the log, when
 * features of the set read labels: undefined when there is nothing to say.
 */
export function labelledBeforeRowWarning(training: TrainingSet, set: FeatureSet): string | undefined {
  if (training.labelledBeforeRow === 0 || !set.windowed.some((f) => f.events.some(isLabelType))) return undefined;
  return (
    `warning: ${training.labelledBeforeRow} rows were labelled before they reached the log (late events, or history imported out of order): ` +
    'features fed by labels (chargeback counts and rates) may count those rows\' own labels; import history oldest first (docs/FEATURES.md, "Offline path")'
  );
}

/**
 * Keeps the earliest fraud and legitimate label of the row the label names — or, when its event has
 * not been replayed yet, of that event, in `early` (a label naming no row at all, because its event is
 * outside the period or not scored, stays there unused).
 */
function noteLabel(event: RiskEvent, rowIndexById: Map<string, number>, news: Map<number, LabelNews>, early: Map<string, LabelNews>): void {
  const target = (event.payload as { target_event_id?: string }).target_event_id;
  if (target === undefined) return;
  const row = rowIndexById.get(target);
  const n = (row === undefined ? early.get(target) : news.get(row)) ?? { fraudTs: Infinity, fraudSource: '', legitTs: Infinity };
  const fraud = event.type !== 'reviewer_verdict' || event.payload.verdict === 'fraud';
  if (fraud && event.ts < n.fraudTs) {
    n.fraudTs = event.ts;
    n.fraudSource = event.type;
  } else if (!fraud && event.ts < n.legitTs) {
    n.legitTs = event.ts;
  }
  if (row === undefined) early.set(target, n);
  else news.set(row, n);
}

function metaOf(event: RiskEvent): RowMeta {
  const meta: RowMeta = { labelSource: 'immature' };
  if (event.entities.user !== undefined) meta.user = event.entities.user;
  const amount = (event.payload as { amount?: number }).amount;
  if (amount !== undefined) meta.amount = amount;
  const country = event.context?.user_country ?? event.context?.ip_country;
  if (country !== undefined) meta.country = country;
  if (event.truth) meta.scenario = event.truth.scenario;
  return meta;
}
