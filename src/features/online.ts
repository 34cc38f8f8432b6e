// The online feature store: the engine kept current with the event log. Events are written through:
// appended to the log first, then applied in log order, and a scored event's vector is read at that
// moment — after every earlier event and before itself — exactly as the offline replay will read it.
// State survives restarts as a snapshot plus a replay of the log tail.
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { DamagedFileError, writeFileAtomicInPieces } from '../lib/files.js';
import { yieldingEvery } from '../lib/yielding.js';
import type { AppendResult, EventLog } from '../events/log.js';
import type { LoggedEvent, RiskEvent } from '../events/schema.js';
import type { FeatureEngine } from './engine.js';
import type { FeatureLogStore, LoggedVector } from './featurelog.js';

export interface OnlineStoreOptions {
  /** Where the engine's state snapshot lives; no snapshots without it. */
  snapshotPath?: string;
  /** Take a snapshot after this many applied events (default 250,000). */
  snapshotEvery?: number;
  /** A snapshot is encoded this many entities at a time, other work running in between (default 2,000). */
  snapshotPiece?: number;
  /** Sweep idle entities out of memory over this many applied events (default 100,000), a few per event. */
  sweepEvery?: number;
  /** Served vectors are logged here (feature logging). */
  featureLog?: FeatureLogStore;
  onFeatureLogError?: (error: unknown) => void;
  /** Where problems the store works around are told (a snapshot it cannot use); default: stderr. */
  warn?: (message: string) => void;
}

export interface IngestResult extends AppendResult {
  /** The vector served for a scored event that was appended (not for duplicates). */
  vector?: Float64Array;
}

interface Waiting {
  logged: LoggedEvent;
  serve: boolean;
  resolve: (vector: Float64Array | undefined) => void;
}

/** How far back (in log positions) a start looks for scored events whose served vector was not logged. */
export const RECOVERY_WINDOW = 10_000;
/** A replay at start lets other work (health checks) in this often, in ms. */
const REPLAY_SLICE_MS = 50;

export class OnlineFeatureStore {
  private readonly waiting = new Map<number, Waiting>();
  /** Vectors read again at start for recent scored events whose logged vector a stop lost, by seq. */
  private readonly unlogged = new Map<number, LoggedVector>();
  private sinceSnapshot = 0;
  private catchingUp: Promise<void> | undefined;
  /** The snapshot under way. */
  private snapshotting: Promise<void> | undefined;

  constructor(
    readonly engine: FeatureEngine,
    private readonly log: EventLog,
    private readonly options: OnlineStoreOptions = {},
  ) {}

  private warn(message: string): void {
    if (this.options.warn) this.options.warn(message);
    else process.stderr.write(`riskgate: ${message}\n`);
  }

  /**
   * Load the snapshot (if it is of this feature set version) and replay the log after it. Events ingested meanwhile (the replay pauses now and
   * then) wait for it, as they wait for any catching up: they are applied after it, in log order.
   */
  async open(onProgress?: (applied: number, total: number) => void): Promise<{ fromSnapshot: boolean; replayed: number; recovered: number }> {
    const opening = this.openNow(onProgress);
    const settled = opening.then(
      () => undefined,
      () => undefined,
    );
    this.catchingUp = settled;
    try {
      return await opening;
    } finally {
      if (this.catchingUp === settled) this.catchingUp = undefined;
    }
  }

  private async openNow(onProgress?: (applied: number, total: number) => void): Promise<{ fromSnapshot: boolean; replayed: number; recovered: number }> {
    let fromSnapshot = false;
    const path = this.options.snapshotPath;
    if (path) removeAbandonedWrites(path);
    if (path && existsSync(path)) {
      try {
        this.engine.restore(readFileSync(path));
        fromSnapshot = true;
      } catch (error) {
        // A damaged snapshot (or one of another format) is rebuilt from the log, which holds everything.
        this.warn(`the feature state snapshot ${basename(path)} cannot be used (${(error as Error).message}); rebuilding the features from the event log`);
      }
    }
    const last = await this.log.lastSeq();
    if (this.engine.appliedSeq > last) {
      // State of events the log does not hold: its file was lost, or restored from an older backup.
      // Not served: the events appended next would take sequence numbers that the decisions, cases and
      // served vectors of this directory already use for other events.
      throw new DamagedFileError(
        path ?? 'the feature state',
        `the event log ends at seq ${last}, but the feature state has applied it up to seq ${this.engine.appliedSeq}: events.db is older than the rest of the data directory (lost, or restored from an older backup), and events appended now would reuse the sequence numbers its decisions and cases are kept under. Restore the whole data directory from one backup (riskgate backup; docs/OPERATIONS.md), not events.db alone`,
      );
    }
    const start = this.engine.appliedSeq;
    // A served vector is logged in a commit of its own, right behind its event's: a process that
    // stopped in between left the event without it, and a retry of its decision could not finish
    // (decide.ts). The newest scored events the replay passes without a logged vector have it read
    // again here, as it was served — after every earlier event, before their own — and kept for such
    // a retry (not logged: an event another writer appended was never served).
    const featureLog = this.options.featureLog;
    const recoverFrom = Math.max(start, last - RECOVERY_WINDOW) + 1;
    const logged = featureLog && recoverFrom <= last ? new Set(await featureLog.seqs(recoverFrom, last)) : undefined;
    // The reads are synchronous: without a pause now and then, a long replay would keep the process
    // from answering anything — a starting server's health checks among it (server/starting.ts).
    const pause = yieldingEvery(REPLAY_SLICE_MS);
    for await (const batch of this.log.replayStream({ fromSeq: start + 1, toSeq: last, decode: this.engine.inputTypes })) {
      for (const item of batch) {
        const paused = pause();
        if (paused) await paused;
        if (item.event !== undefined) {
          const recover = logged !== undefined && item.seq >= recoverFrom && !logged.has(item.seq) && this.engine.set.scored.has(item.event.type);
          const vector = this.applyOne(item, recover);
          if (vector) this.unlogged.set(item.seq, { seq: item.seq, eventId: item.event.id, featureSetVersion: this.engine.set.version, vector });
        } else {
          this.engine.pass(item.seq, item.ts);
          this.counted();
        }
      }
      onProgress?.(this.engine.appliedSeq - start, last - start);
    }
    return { fromSnapshot, replayed: this.engine.appliedSeq - start, recovered: this.unlogged.size };
  }

  /**
   * Append events to the log and apply them in log order. For events whose type the feature set scores
   * (or all, with serveAll), the result carries the vector read just before the event was applied.
   */
  async ingest(events: readonly RiskEvent[], options: { serveAll?: boolean } = {}): Promise<IngestResult[]> {
    const results = await this.log.appendBatch(events);
    const served: Array<Promise<Float64Array | undefined>> = results.map((result, i) => {
      if (result.status !== 'appended') return Promise.resolve(undefined);
      const event = events[i]!;
      const serve = options.serveAll === true || this.engine.set.scored.has(event.type);
      return new Promise((resolve) => this.waiting.set(result.seq, { logged: { seq: result.seq, event }, serve, resolve }));
    });
    await this.drain();
    const vectors = await Promise.all(served);
    const logged: LoggedVector[] = [];
    const recovered: number[] = [];
    const out = results.map((result, i) => {
      const vector = vectors[i];
      if (vector) logged.push({ seq: result.seq, eventId: result.id, featureSetVersion: this.engine.set.version, vector });
      // A retried event whose first attempt was stopped after the event's commit and before its
      // vector's (an interrupted import): the vector read again at start is the one it was served.
      const lost = result.status === 'duplicate' && !result.conflict ? this.unlogged.get(result.seq) : undefined;
      if (lost && lost.eventId === result.id) {
        logged.push(lost);
        recovered.push(lost.seq);
      }
      return vector ? { ...result, vector } : result;
    });
    // Feature logging is not waited for: the vectors of decisions are also in the decision log, and the
    // feature log is written in order behind the events it describes. A recovered vector stays at hand
    // (servedVector) until its write is done.
    this.options.featureLog
      ?.write(logged)
      .then(() => recovered.forEach((seq) => this.unlogged.delete(seq)))
      .catch((error: unknown) => this.options.onFeatureLogError?.(error));
    return out;
  }

  /**
   * The vector served to the event at `seq`, as logged — or, when a stop lost it from the feature log,
   * as read again at start (see open).
   */
  async servedVector(seq: number): Promise<LoggedVector | undefined> {
    return (await this.options.featureLog?.get(seq)) ?? this.unlogged.get(seq);
  }

  /** Log a vector read again at start once a decision has used it (it has been served now). */
  async logRecovered(seq: number): Promise<void> {
    const vector = this.unlogged.get(seq);
    if (!vector || !this.options.featureLog) return;
    await this.options.featureLog.write([vector]);
    this.unlogged.delete(seq);
  }

  /** The vector an event would get now, without appending it. */
  peek(event: RiskEvent): Float64Array {
    return this.engine.vector(event);
  }

  /**
   * Write the engine state as of now to the snapshot file: encoded a piece at a time with other work
   * in between (engine.snapshotInChunks keeps the state as of its start), appended to a temp file that
   * is then renamed. While one is under way, that one is returned. A failed write leaves the previous
   * snapshot (the log replays the rest).
   */
  snapshot(): Promise<void> {
    const path = this.options.snapshotPath;
    if (!path) return Promise.resolve();
    this.sinceSnapshot = 0;
    this.snapshotting ??= writeFileAtomicInPieces(path, this.engine.snapshotInChunks(this.options.snapshotPiece ?? 2_000))
      .catch((error: unknown) => {
        this.warn(`writing the feature state snapshot failed (${(error as Error).message}); the event log still holds everything`);
      })
      .finally(() => {
        this.snapshotting = undefined;
      });
    return this.snapshotting;
  }

  async close(): Promise<void> {
    await this.drain();
    await this.snapshotting;
    await this.snapshot();
  }

  /**
   * Apply what another writer (`riskgate events import` beside a server) appended since, up to the end
   * of the log: otherwise it would only be applied at this process's next append, and the features —
   * and readiness — would lag behind the log until then.
   */
  async catchUpWithLog(): Promise<void> {
    while (this.catchingUp) await this.catchingUp;
    const last = await this.log.lastSeq();
    // Appends of this process in flight fill any gap themselves (drain).
    if (last <= this.engine.appliedSeq || this.waiting.size > 0 || this.catchingUp) return;
    await this.catchUp(last);
  }

  /** Apply waiting events strictly in sequence order, fetching any gap (events appended by another writer) from the log. */
  private async drain(): Promise<void> {
    while (this.catchingUp) await this.catchingUp;
    for (;;) {
      const next = this.waiting.get(this.engine.appliedSeq + 1);
      if (next) {
        this.waiting.delete(next.logged.seq);
        next.resolve(this.applyOne(next.logged, next.serve));
        continue;
      }
      if (this.waiting.size === 0) return;
      const lowest = Math.min(...this.waiting.keys());
      if (lowest <= this.engine.appliedSeq) throw new Error(`event seq ${lowest} was already applied`);
      await this.catchUp(lowest - 1);
      if (this.engine.appliedSeq < lowest - 1) throw new Error(`the event log has no seq ${this.engine.appliedSeq + 1}`);
    }
  }

  /** Apply the log's events up to `toSeq`, as `catchingUp` (what drain and the others wait for). */
  private async catchUp(toSeq: number): Promise<void> {
    this.catchingUp = this.applyFromLog(toSeq);
    try {
      await this.catchingUp;
    } finally {
      this.catchingUp = undefined;
    }
  }

  private async applyFromLog(toSeq: number): Promise<void> {
    for await (const batch of this.log.stream({ fromSeq: this.engine.appliedSeq + 1, toSeq })) {
      for (const logged of batch) {
        if (logged.seq === this.engine.appliedSeq + 1) this.applyOne(logged, false);
      }
    }
  }

  private applyOne(logged: LoggedEvent, serve: boolean): Float64Array | undefined {
    const vector = serve ? this.engine.vector(logged.event) : undefined;
    this.engine.apply(logged);
    this.counted();
    return vector;
  }

  /**
   * Sweep and snapshot on their schedules, counted in events applied. Neither stalls the event loop:
   * the sweep is spread over the events (each sweeps enough entities that a round through all of them
   * takes `sweepEvery` events; one whole sweep stalled every request in flight for 20–70 ms on 76k
   * entities), and the snapshot is encoded and written a piece at a time (55–120 ms at once).
   */
  private counted(): void {
    this.engine.sweepSome(Math.ceil(this.engine.entityTotal() / (this.options.sweepEvery ?? 100_000)));
    if (++this.sinceSnapshot >= (this.options.snapshotEvery ?? 250_000)) void this.snapshot();
  }
}

/** Temp files of snapshot writes whose process is gone (killed mid-write): nothing will rename them. */
function removeAbandonedWrites(path: string): void {
  const prefix = `${basename(path)}.tmp-`;
  let names: string[];
  try {
    names = readdirSync(dirname(path)).filter((name) => name.startsWith(prefix));
  } catch {
    return;
  }
  for (const name of names) {
    const pid = Number(name.slice(prefix.length).split('-')[0]);
    if (Number.isInteger(pid) && pid !== process.pid && !alive(pid)) rmSync(join(dirname(path), name), { force: true });
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
