import type { Writable } from 'node:stream';
import type { Command } from 'commander';
import { DEFAULT_SIM_CONFIG, resolveSimConfig, SimSummary, simulate, type SimConfig } from '../sim/index.js';
import { parseEvent, formatErrors, futureTimeError, type AppendEvents, type RiskEvent } from '../events/index.js';
import { MAX_TS, MIN_TS } from '../events/schema.js';
import { openEmbedded } from '../runtime/embedded.js';
import { openForWriting } from '../lib/files.js';
import { progress } from '../lib/progress.js';
import { UserError, parseNumberOption } from './errors.js';
import { dataDirOf } from './data-dir.js';
import { isCalendarDay } from '../lib/calendar.js';

const DAY = 86_400_000;

export interface SimulateTarget {
  /** NDJSON file, or "-" for stdout. */
  out?: string;
  /** Validated events go here, in batches (the online feature store's ingest, or an event log). */
  ingest?: AppendEvents;
}

/** Run the simulator into an NDJSON file and/or an event sink; returns the summary. */
export async function runSimulation(config: Partial<SimConfig>, target: SimulateTarget): Promise<SimSummary> {
  const full = { ...DEFAULT_SIM_CONFIG, ...config };
  const summary = new SimSummary();
  const bar = progress('simulate', full.days, 'days');
  let file: Writable | undefined;
  if (target.out === '-') file = process.stdout;
  else if (target.out) file = await openForWriting(target.out);
  let batch: RiskEvent[] = [];
  let chunk: string[] = [];
  const flushFile = async (): Promise<void> => {
    if (!file || chunk.length === 0) return;
    const text = chunk.join('');
    chunk = [];
    if (!file.write(text)) await new Promise<void>((resolve) => file!.once('drain', () => resolve()));
  };
  try {
    let lastDay = -1;
    for (const raw of simulate(full)) {
      summary.add(raw);
      if (file) {
        chunk.push(`${JSON.stringify(raw)}\n`);
        if (chunk.length >= 2_000) await flushFile();
      }
      if (target.ingest) {
        const parsed = parseEvent(raw);
        if (!parsed.ok) throw new Error(`simulator produced an invalid event ${String((raw as { id?: unknown }).id)}: ${formatErrors(parsed.errors)}`);
        batch.push(parsed.event);
        if (batch.length >= 10_000) {
          await target.ingest(batch);
          batch = [];
        }
      }
      const day = Math.floor((raw.ts - full.start) / DAY);
      if (day > lastDay) {
        lastDay = day;
        bar.update(Math.min(day, full.days));
      }
    }
    await flushFile();
    if (target.ingest && batch.length > 0) await target.ingest(batch);
  } finally {
    if (file && file !== process.stdout) await new Promise<void>((resolve) => file!.end(() => resolve()));
  }
  bar.stop(`${summary.rows().find((r) => r.scenario === 'total')?.events ?? 0} events`);
  return summary;
}

function isoDay(ts: number): string {
  return new Date(ts).toISOString().slice(0, 10);
}

export function registerSimulate(program: Command): void {
  program
    .command('simulate')
    .description('Simulate a marketplace with realistic fraud and delayed labels (deterministic from --seed)')
    .option('--seed <n>', 'random seed', parseNumberOption('--seed', 0, 2 ** 32 - 1, true), DEFAULT_SIM_CONFIG.seed)
    .option('--days <n>', 'days to simulate', parseNumberOption('--days', 1, 3650, true), DEFAULT_SIM_CONFIG.days)
    .option('--users <n>', 'guest accounts', parseNumberOption('--users', 50, 10_000_000, true), DEFAULT_SIM_CONFIG.users)
    .option('--hosts <n>', 'hosts', parseNumberOption('--hosts', 10, 1_000_000, true), DEFAULT_SIM_CONFIG.hosts)
    .option('--start <date>', 'first day (YYYY-MM-DD, UTC)', (v) => {
      const t = Date.parse(`${v}T00:00:00Z`);
      if (!/^\d{4}-\d{2}-\d{2}$/.test(v) || Number.isNaN(t) || !isCalendarDay(v)) throw new UserError(`--start must be a date YYYY-MM-DD, got "${v}"`);
      return t;
    })
    .option('--late-share <x>', 'share of events delivered late', parseNumberOption('--late-share', 0, 0.5, false, true))
    .option('--duplicate-share <x>', 'share of events delivered twice', parseNumberOption('--duplicate-share', 0, 0.5, false, true))
    .option('--unlabelled-share <x>', 'share of fraud never labelled', parseNumberOption('--unlabelled-share', 0, 1))
    .option('--label-median-days <n>', 'median chargeback delay in days (2–60: labels arrive 2 to 60 days after the event)', parseNumberOption('--label-median-days', 2, 60))
    .option('--drift-from-day <n>', 'fraudsters adapt from this day on', parseNumberOption('--drift-from-day', 0, 3650, true))
    .option('-o, --out <file>', 'write NDJSON here ("-" for stdout)')
    .option('--into-log', 'append the events to the data directory\'s event log (updating online features)')
    .action(async (opts, command: Command) => {
      if (!opts.out && !opts.intoLog) throw new UserError('say where the events go: --out <file|-> and/or --into-log');
      const config: Partial<SimConfig> = { seed: opts.seed, days: opts.days, users: opts.users, hosts: opts.hosts };
      if (opts.start !== undefined) config.start = opts.start;
      if (opts.lateShare !== undefined) config.lateShare = opts.lateShare;
      if (opts.duplicateShare !== undefined) config.duplicateShare = opts.duplicateShare;
      if (opts.unlabelledShare !== undefined || opts.labelMedianDays !== undefined) {
        config.labels = {
          ...DEFAULT_SIM_CONFIG.labels,
          ...(opts.unlabelledShare !== undefined ? { unlabelledShare: opts.unlabelledShare } : {}),
          ...(opts.labelMedianDays !== undefined ? { medianDelayDays: opts.labelMedianDays } : {}),
        };
      }
      if (opts.driftFromDay !== undefined) config.drift = { fromDay: opts.driftFromDay };
      // Checked whole before anything is opened or written (shares below one half, label delays in order…).
      try {
        resolveSimConfig(config);
      } catch (error) {
        if (error instanceof RangeError) throw new UserError(error.message.replace(/^sim config: /, ''));
        throw error;
      }
      // The period, whole, before anything is written: events the log refuses would stop a run half
      // imported, and ones far ahead would move the features' clock past every real event after them.
      const start = config.start ?? DEFAULT_SIM_CONFIG.start;
      const last = start + opts.days * DAY - 1;
      if (start < MIN_TS || last > MAX_TS) throw new UserError(`--start and --days must keep the period within 2000–2100 (it would run ${isoDay(start)} to ${isoDay(last)})`);
      if (opts.intoLog && futureTimeError(last, Date.now())) {
        throw new UserError(`the period would run to ${isoDay(last)}, more than 24 hours ahead: the event log refuses events that far in the future (they would age every real event's features after them); choose --start and --days to end by tomorrow, or write a file with --out`);
      }
      const embedded = opts.intoLog ? await openEmbedded(dataDirOf(command, { create: true })) : undefined;
      let summary: SimSummary;
      try {
        summary = await runSimulation(config, { out: opts.out, ingest: embedded && ((events) => embedded.features.ingest(events)) });
      } finally {
        await embedded?.close();
      }
      (opts.out === '-' ? process.stderr : process.stdout).write(`${summary.table()}\n`);
    });
}
