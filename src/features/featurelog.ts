// Feature logging: every vector served online is kept, keyed by the event (its seq) it was served for, so the
// skew check can recompute it offline and training can reuse exactly what the model saw.

export interface LoggedVector {
  /** Log sequence number of the scored event. */
  seq: number;
  eventId: string;
  featureSetVersion: string;
  vector: Float64Array;
}

export interface FeatureLogStore {
  write(rows: readonly LoggedVector[]): Promise<void>;
  /** The vector served for the event at this log sequence number. */
  get(seq: number): Promise<LoggedVector | undefined>;
  /** Logged vectors with fromSeq ≤ seq ≤ toSeq, in sequence order. */
  range(fromSeq: number, toSeq: number): Promise<LoggedVector[]>;
  /** The sequence numbers with a logged vector, fromSeq ≤ seq ≤ toSeq, in order. */
  seqs(fromSeq: number, toSeq: number): Promise<number[]>;
  count(featureSetVersion?: string): Promise<number>;
  close(): Promise<void>;
}
