// Per-scenario counts over a simulated stream, for a quick look at what a run contains.
import { isLabelType } from '../events/schema.js';
import { MAX_LATENESS, MAX_RETRY_LAG } from './engine.js';
import { SCENARIOS, type RawEvent, type Scenario } from './types.js';

export interface SummaryRow {
  scenario: Scenario | 'legit' | 'total';
  /** Distinct events (retried deliveries not counted again). */
  events: number;
  bookings: number;
  fraudBookings: number;
  /** Fraudulent bookings of this scenario as a share of all bookings in the stream. */
  fraudRate: number;
  labels: number;
  /**
   * Share of this scenario's fraudulent bookings that no label refers to, directly or through a
   * message or review about the booking; null without fraudulent bookings. Labels of fraud near the
   * end of the period have often not arrived yet, so this exceeds `labels.unlabelledShare`.
   */
  neverLabelledShare: number | null;
  /** Deliveries that repeated an event already seen. */
  duplicates: number;
  /** Events delivered after a newer one. */
  late: number;
}

type RowKey = Scenario | 'legit';

interface Counts {
  events: number;
  bookings: number;
  fraudBookings: number;
  labels: number;
  labelledFraudBookings: number;
  duplicates: number;
  late: number;
}

/**
 * A duplicate is delivered within MAX_LATENESS + MAX_RETRY_LAG of its `ts`, so remembering ids that
 * recent is enough to recognise every retry: memory stays bounded by a few hours of events, plus the
 * ids of fraudulent bookings (and the messages and reviews about them) to match labels to.
 */
const RETRY_HORIZON = MAX_LATENESS + MAX_RETRY_LAG;
const SWEEP_EVERY = 8192;

export class SimSummary {
  private readonly counts = new Map<RowKey, Counts>();
  private readonly recentIds = new Map<string, number>();
  private newestTs = -Infinity;
  private sinceSweep = 0;
  /** Fraudulent booking id → whether a label refers to it yet. */
  private readonly fraudBookings = new Map<string, { scenario: Scenario; labelled: boolean }>();
  /** Fraudulent message or review id → the booking it is about. */
  private readonly aboutBooking = new Map<string, string>();

  add(e: RawEvent): void {
    const counts = this.countsFor(e.truth.scenario);
    if (this.recentIds.has(e.id)) {
      counts.duplicates++;
      return;
    }
    this.recentIds.set(e.id, e.ts);
    if (e.ts < this.newestTs) counts.late++;
    else this.newestTs = e.ts;
    if (++this.sinceSweep >= SWEEP_EVERY) this.sweep();

    counts.events++;
    if (e.type === 'booking_attempted') {
      counts.bookings++;
      if (e.truth.fraud && e.truth.scenario !== 'legit') {
        counts.fraudBookings++;
        this.fraudBookings.set(e.id, { scenario: e.truth.scenario, labelled: false });
      }
    } else if ((e.type === 'message_sent' || e.type === 'review_posted') && e.truth.fraud && e.payload.booking_id !== undefined) {
      this.aboutBooking.set(e.id, e.payload.booking_id);
    } else if (isLabelType(e.type)) {
      counts.labels++;
      const target = (e.payload as { target_event_id?: string }).target_event_id;
      const booking = target === undefined ? undefined : this.fraudBookings.get(this.aboutBooking.get(target) ?? target);
      if (booking && !booking.labelled) {
        booking.labelled = true;
        this.countsFor(booking.scenario).labelledFraudBookings++;
      }
    }
  }

  rows(): SummaryRow[] {
    const totalBookings = [...this.counts.values()].reduce((sum, c) => sum + c.bookings, 0);
    const total = emptyCounts();
    const rows: SummaryRow[] = [];
    for (const key of ['legit', ...SCENARIOS] as const) {
      const c = this.counts.get(key) ?? emptyCounts();
      for (const field of Object.keys(total) as Array<keyof Counts>) total[field] += c[field];
      rows.push(toRow(key, c, totalBookings));
    }
    rows.push(toRow('total', total, totalBookings));
    return rows;
  }

  /** The rows as an aligned text table. */
  table(): string {
    const header = ['scenario', 'events', 'bookings', 'fraud_bookings', 'fraud_rate', 'labels', 'never_labelled', 'duplicates', 'late'];
    const lines = this.rows().map((r) => [
      r.scenario,
      String(r.events),
      String(r.bookings),
      String(r.fraudBookings),
      `${(r.fraudRate * 100).toFixed(2)}%`,
      String(r.labels),
      r.neverLabelledShare === null ? '-' : `${(r.neverLabelledShare * 100).toFixed(1)}%`,
      String(r.duplicates),
      String(r.late),
    ]);
    const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] as string).length)));
    const format = (cells: string[]): string => cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ');
    return [format(header), ...lines.map(format)].join('\n');
  }

  private countsFor(key: RowKey): Counts {
    let counts = this.counts.get(key);
    if (!counts) this.counts.set(key, (counts = emptyCounts()));
    return counts;
  }

  private sweep(): void {
    this.sinceSweep = 0;
    const horizon = this.newestTs - RETRY_HORIZON;
    for (const [id, ts] of this.recentIds) if (ts < horizon) this.recentIds.delete(id);
  }
}

function emptyCounts(): Counts {
  return { events: 0, bookings: 0, fraudBookings: 0, labels: 0, labelledFraudBookings: 0, duplicates: 0, late: 0 };
}

function toRow(scenario: SummaryRow['scenario'], c: Counts, totalBookings: number): SummaryRow {
  return {
    scenario,
    events: c.events,
    bookings: c.bookings,
    fraudBookings: c.fraudBookings,
    fraudRate: totalBookings === 0 ? 0 : c.fraudBookings / totalBookings,
    labels: c.labels,
    neverLabelledShare: c.fraudBookings === 0 ? null : 1 - c.labelledFraudBookings / c.fraudBookings,
    duplicates: c.duplicates,
    late: c.late,
  };
}
