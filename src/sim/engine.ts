// The time-ordered merge behind the simulator. Behaviour is written as tasks scheduled at future
// times; a task may emit events (at its own time or later) and schedule further tasks. One binary
// heap holds both, keyed by (delivery time, insertion counter), so the merge is deterministic and
// only what is pending — not the whole run — is held in memory.
import { isLabelType } from '../events/schema.js';
import { HOUR, MINUTE, SECOND } from './calendar.js';
import { Rng } from './random.js';
import type { RawEvent } from './types.js';

/** Late events are delivered between these lags after their own `ts`. */
const MIN_LATENESS = 2 * MINUTE;
export const MAX_LATENESS = 3 * HOUR;
/** A retried (duplicate) delivery follows the original by up to this much. */
export const MAX_RETRY_LAG = 2 * MINUTE;

export interface DeliveryFaults {
  /** Share of non-label events delivered late. */
  lateShare: number;
  /** Share of events delivered a second time, byte-identical. */
  duplicateShare: number;
}

const enum Kind {
  Task,
  Event,
  LateEvent,
  RetriedEvent,
}

interface Pending {
  /** When the item is due: a task's time, or an event's delivery time. */
  at: number;
  /** Insertion counter: breaks ties so equal times keep their scheduling order. */
  order: number;
  kind: Kind;
  task: (() => void) | null;
  event: RawEvent | null;
}

function runsBefore(x: Pending, y: Pending): boolean {
  return x.at < y.at || (x.at === y.at && x.order < y.order);
}

class PendingHeap {
  private readonly items: Pending[] = [];

  get size(): number {
    return this.items.length;
  }

  push(item: Pending): void {
    const items = this.items;
    let i = items.push(item) - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const above = items[parent] as Pending;
      if (!runsBefore(item, above)) break;
      items[i] = above;
      i = parent;
    }
    items[i] = item;
  }

  pop(): Pending | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (top === undefined || last === undefined || items.length === 0) return top;
    const n = items.length;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      let child = left;
      if (right < n && runsBefore(items[right] as Pending, items[left] as Pending)) child = right;
      const below = items[child] as Pending;
      if (!runsBefore(below, last)) break;
      items[i] = below;
      i = child;
    }
    items[i] = last;
    return top;
  }
}

export class Engine {
  private readonly heap = new PendingHeap();
  private order = 0;
  private clock: number;
  private readonly deliveryRng: Rng;

  /**
   * @param start nothing may be scheduled before this
   * @param end   events at or after this time are outside the period and are dropped
   */
  constructor(
    readonly start: number,
    readonly end: number,
    seed: number,
    private readonly faults: DeliveryFaults,
  ) {
    this.clock = start;
    this.deliveryRng = new Rng(seed, 'delivery');
  }

  /** The time of the task being run. */
  get now(): number {
    return this.clock;
  }

  /** Run `task` at time `at` (rounded up to a whole millisecond, never before now); tasks at or past the end never run. */
  schedule(at: number, task: () => void): void {
    const due = Math.max(Math.ceil(at), this.clock);
    if (due >= this.end) return;
    this.push(due, Kind.Task, task, null);
  }

  /** Queue an event for delivery at its `ts`; events past the period are dropped. Returns whether it was kept. */
  emit(event: RawEvent): boolean {
    if (!(event.ts >= this.clock && Number.isInteger(event.ts))) {
      throw new Error(`simulator bug: ${event.type} at ${event.ts} is fractional or before the clock ${this.clock}`);
    }
    if (event.ts >= this.end) return false;
    this.push(event.ts, Kind.Event, null, event);
    return true;
  }

  *run(): Generator<RawEvent> {
    const rng = this.deliveryRng;
    const { lateShare, duplicateShare } = this.faults;
    for (let item = this.heap.pop(); item !== undefined; item = this.heap.pop()) {
      if (item.kind === Kind.Task) {
        this.clock = item.at;
        (item.task as () => void)();
        continue;
      }
      const event = item.event as RawEvent;
      if (item.kind === Kind.Event && lateShare > 0 && rng.chance(lateShare) && !isLabelType(event.type)) {
        // Hold it back: by the time it is delivered, events up to `lateness` newer have gone out.
        const lateness = MIN_LATENESS * Math.exp(rng.next() * Math.log(MAX_LATENESS / MIN_LATENESS));
        this.push(event.ts + Math.round(lateness), Kind.LateEvent, null, event);
        continue;
      }
      if (item.kind !== Kind.RetriedEvent && duplicateShare > 0 && rng.chance(duplicateShare)) {
        // A retry carries the same body; a copy keeps it intact even if a consumer mutates the original.
        const retryAt = item.at + SECOND + rng.int(MAX_RETRY_LAG - SECOND);
        this.push(retryAt, Kind.RetriedEvent, null, structuredClone(event));
      }
      yield event;
    }
  }

  private push(at: number, kind: Kind, task: (() => void) | null, event: RawEvent | null): void {
    this.heap.push({ at, order: this.order++, kind, task, event });
  }
}
