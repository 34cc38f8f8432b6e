// The skew check: recompute every vector that was served online by replaying the log offline, and
// compare. Online and offline run the same code in the same order, so any difference is a bug.
import type { EventLog } from '../events/log.js';
import type { FeatureLogStore, LoggedVector } from './featurelog.js';
import type { FeatureSet } from './featureset.js';
import { replay, type ReplayOptions } from './offline.js';

export interface FeatureSkew {
  name: string;
  mismatches: number;
  onlineMissingRate: number;
  offlineMissingRate: number;
  /** Largest absolute difference where both sides have a value. */
  maxAbsDiff: number;
}

export interface SkewReport {
  featureSetVersion: string;
  /** Logged vectors compared. */
  compared: number;
  /** Logged vectors of another feature set version, not compared. */
  otherVersions: number;
  /** Scored events in the log without a logged vector (a write stopped before its vector's commit, or appended around the feature store). */
  withoutVector: number;
  /** Rows where at least one feature differs. */
  rowsWithMismatch: number;
  features: FeatureSkew[];
  /** A few differing rows, for debugging. */
  examples: Array<{ eventId: string; seq: number; feature: string; online: number; offline: number }>;
}

const same = (a: number, b: number) => a === b || (Number.isNaN(a) && Number.isNaN(b));

export async function checkSkew(log: EventLog, set: FeatureSet, featureLog: FeatureLogStore, options: ReplayOptions = {}): Promise<SkewReport> {
  const names = set.valueNames;
  const valueCount = names.length;
  const mismatches = new Float64Array(valueCount);
  const onlineMissing = new Float64Array(valueCount);
  const offlineMissing = new Float64Array(valueCount);
  const maxAbsDiff = new Float64Array(valueCount);
  const report: SkewReport = { featureSetVersion: set.version, compared: 0, otherVersions: 0, withoutVector: 0, rowsWithMismatch: 0, features: [], examples: [] };
  let served = new Map<number, LoggedVector>();
  let otherVersion = new Set<number>();

  await replay(
    log,
    set,
    (logged) => served.has(logged.seq),
    (logged, offline) => {
      const online = served.get(logged.seq);
      if (!online && set.scored.has(logged.event.type) && !otherVersion.has(logged.seq)) report.withoutVector++;
      if (!online || !offline) return;
      report.compared++;
      let rowDiffers = false;
      // Each value is compared together with its missing indicator.
      for (let i = 0; i < valueCount; i++) {
        const a = online.vector[i]!;
        const b = offline[i]!;
        if (online.vector[valueCount + i] === 1) onlineMissing[i]!++;
        if (offline[valueCount + i] === 1) offlineMissing[i]!++;
        if (!same(a, b) || online.vector[valueCount + i] !== offline[valueCount + i]) {
          mismatches[i]!++;
          rowDiffers = true;
          if (report.examples.length < 10) report.examples.push({ eventId: online.eventId, seq: logged.seq, feature: names[i]!, online: a, offline: b });
        }
        if (Number.isFinite(a) && Number.isFinite(b)) maxAbsDiff[i] = Math.max(maxAbsDiff[i]!, Math.abs(a - b));
      }
      if (rowDiffers) report.rowsWithMismatch++;
    },
    {
      ...options,
      beforeBatch: async (batch) => {
        served = new Map();
        otherVersion = new Set();
        if (batch.length === 0) return;
        for (const v of await featureLog.range(batch[0]!.seq, batch[batch.length - 1]!.seq)) {
          if (v.featureSetVersion === set.version) served.set(v.seq, v);
          else {
            report.otherVersions++;
            otherVersion.add(v.seq);
          }
        }
      },
    },
  );
  const rate = (n: number) => (report.compared === 0 ? 0 : n / report.compared);
  report.features = names.map((name, i) => ({
    name,
    mismatches: mismatches[i]!,
    onlineMissingRate: rate(onlineMissing[i]!),
    offlineMissingRate: rate(offlineMissing[i]!),
    maxAbsDiff: maxAbsDiff[i]!,
  }));
  return report;
}
