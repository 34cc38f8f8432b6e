// The event log: the single ordered history every feature, training set and replay is computed from.
// Implementations: stores/sqlite.ts (embedded); PostgreSQL and NATS JetStream sit beside it later.
import type { EventType, LoggedEvent, PassedEvent, RiskEvent } from './schema.js';

export type AppendStatus = 'appended' | 'duplicate';

export interface AppendResult {
  id: string;
  /** Log sequence number of the stored event (the original one for a duplicate). */
  seq: number;
  status: AppendStatus;
  /** For a duplicate: true when the retried body differs from the stored one (the stored one wins). */
  conflict?: boolean;
}

export interface ReadRange {
  /** First sequence number to read, inclusive (default 1). */
  fromSeq?: number;
  /** Last sequence number to read, inclusive (default: the end of the log). */
  toSeq?: number;
}

export interface EventLog {
  /** Durably append one validated event; resolves only once the event survives a process crash. */
  append(event: RiskEvent): Promise<AppendResult>;
  /** Durably append many events in one commit, in order; results line up with the input. */
  appendBatch(events: readonly RiskEvent[]): Promise<AppendResult[]>;
  /** Events with fromSeq ≤ seq ≤ toSeq in log order, at most `limit` of them. */
  read(range: ReadRange & { limit?: number }): Promise<LoggedEvent[]>;
  /** The whole range in log order, in batches, for replay. */
  stream(range?: ReadRange & { batchSize?: number }): AsyncIterable<LoggedEvent[]>;
  /**
   * The range in log order for a replay that reads only some event types: events of the types in
   * `decode` come whole, every other one as its seq and time only, without the cost of decoding it.
   */
  replayStream(range: ReadRange & { decode: ReadonlySet<EventType>; batchSize?: number }): AsyncIterable<Array<LoggedEvent | PassedEvent>>;
  get(id: string): Promise<LoggedEvent | undefined>;
  /** Sequence number of the newest event, 0 when empty. */
  lastSeq(): Promise<number>;
  count(): Promise<number>;
  close(): Promise<void>;
}
