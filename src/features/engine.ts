// The feature engine: one code path for online serving and offline replay. Events are applied strictly
// in log order; a vector read for an event sees exactly the events applied before it.
import { deserialize, serialize } from 'node:v8';
import type { EntityKind, EventType, LoggedEvent, RiskEvent } from '../events/schema.js';
import { entityKinds, type Condition, type WindowedFeature } from './definition.js';
import { textSignal, type TextSignalName } from './derived.js';
import type { FeatureSet } from './featureset.js';
import { ON_DEMAND_OPS, type Operand } from './ondemand.js';
import { addEvent, isDead, newState, readState, velocityFirstMinute, windowSpec, type WindowSpec, type WindowState } from './window.js';

type Getter = (event: RiskEvent) => unknown;

interface CompiledWindowed {
  def: WindowedFeature;
  index: number;
  spec: WindowSpec;
  key: (event: RiskEvent) => string | undefined;
  matches: (event: RiskEvent) => boolean;
  /** The aggregated value, or undefined when the event has none (it is then not counted). */
  value: (event: RiskEvent) => number | string | undefined;
  states: Map<string, WindowState>;
}

const SNAPSHOT_FORMAT = 'riskgate-feature-state';

export class FeatureEngine {
  /** Greatest event time applied: the clock TTLs are measured against. */
  watermark = -Infinity;
  /** Log sequence number of the last applied event. */
  appliedSeq = 0;
  private readonly windowed: CompiledWindowed[];
  private readonly byType = new Map<EventType, CompiledWindowed[]>();
  private readonly ratioInputs: Array<[number, number, number]>;
  private readonly onDemand: Array<{ index: number; op: (typeof ON_DEMAND_OPS)[string]; param: string | undefined; args: Array<number | Getter> }>;
  private readonly missingValues: Float64Array;

  constructor(readonly set: FeatureSet) {
    const indexOf = new Map(set.valueNames.map((n, i) => [n, i]));
    this.windowed = set.windowed.map((def) => ({
      def,
      index: indexOf.get(def.name)!,
      spec: windowSpec(def),
      key: keyOf(def),
      matches: compileCondition(def.where),
      value: valueOf(def),
      states: new Map(),
    }));
    for (const f of this.windowed) {
      for (const type of f.def.events) {
        const list = this.byType.get(type) ?? [];
        list.push(f);
        this.byType.set(type, list);
      }
    }
    this.ratioInputs = set.ratios.map((r) => [indexOf.get(r.name)!, indexOf.get(r.numerator)!, indexOf.get(r.denominator)!]);
    this.onDemand = set.onDemand.map((f) => ({
      index: indexOf.get(f.name)!,
      op: ON_DEMAND_OPS[f.op]!,
      param: f.param,
      args: f.args.map((a) => (a.startsWith('$event.') ? getter(a.slice('$event.'.length)) : indexOf.get(a)!)),
    }));
    this.missingValues = new Float64Array(set.valueNames.map((n) => set.get(n)!.missingValue ?? NaN));
  }

  /** Apply one event from the log. Events must come in increasing sequence order. */
  apply(logged: LoggedEvent): void {
    if (logged.seq <= this.appliedSeq) {
      throw new Error(`feature engine: event seq ${logged.seq} applied after seq ${this.appliedSeq}; the log must be replayed in order`);
    }
    this.appliedSeq = logged.seq;
    const { event } = logged;
    if (event.ts > this.watermark) this.watermark = event.ts;
    const features = this.byType.get(event.type);
    if (features === undefined) return;
    for (const f of features) {
      if (!f.matches(event)) continue;
      const key = f.key(event);
      if (key === undefined) continue;
      const value = f.value(event);
      if (value === undefined) continue;
      let state = f.states.get(key);
      if (state === undefined || isDead(state, f.spec, this.watermark)) {
        state = newState();
        f.states.set(key, state);
      }
      addEvent(state, f.spec, event.ts, logged.seq, value);
    }
  }

  /**
   * The feature vector for `event` as of its time, from the events applied so far (all of which came
   * before it in the log): values in `set.valueNames` order, then one 0/1 missing indicator per value.
   */
  vector(event: RiskEvent, out = new Float64Array(this.set.vectorNames.length)): Float64Array {
    const n = this.set.valueNames.length;
    const t = event.ts;
    for (const f of this.windowed) {
      const key = f.key(event);
      out[f.index] = key === undefined ? NaN : readState(f.states.get(key), f.spec, t, this.watermark);
    }
    for (const [index, numerator, denominator] of this.ratioInputs) {
      const d = out[denominator]!;
      out[index] = d === 0 || Number.isNaN(d) ? NaN : out[numerator]! / d;
    }
    for (const f of this.onDemand) {
      const args: Operand[] = f.args.map((a) => (typeof a === 'number' ? out[a] : operand(a(event))));
      out[f.index] = f.op.compute(args, event, f.param);
    }
    for (let i = 0; i < n; i++) {
      const v = out[i]!;
      if (Number.isNaN(v)) {
        out[n + i] = 1;
        out[i] = this.missingValues[i]!;
      } else {
        out[n + i] = 0;
      }
    }
    return out;
  }

  /** Earliest epoch minute at which a velocity feature triggered for the event's entity, or NaN. */
  velocityFirstMinute(name: string, event: RiskEvent): number {
    const f = this.windowed.find((w) => w.def.name === name && w.def.agg === 'velocity');
    if (!f) throw new Error(`"${name}" is not a velocity feature`);
    const key = f.key(event);
    const state = key === undefined ? undefined : f.states.get(key);
    if (state === undefined || isDead(state, f.spec, this.watermark)) return NaN;
    return velocityFirstMinute(state);
  }

  /** Drop the state of every entity idle past its TTL; reads are unchanged (dead state reads as missing). */
  sweep(): number {
    let evicted = 0;
    for (const f of this.windowed) {
      for (const [key, state] of f.states) {
        if (isDead(state, f.spec, this.watermark)) {
          f.states.delete(key);
          evicted++;
        }
      }
    }
    return evicted;
  }

  /** Live entity states per feature (after a sweep, the count of entities held in memory). */
  stateCounts(): Record<string, number> {
    return Object.fromEntries(this.windowed.map((f) => [f.def.name, f.states.size]));
  }

  snapshot(): Buffer {
    return serialize({
      format: SNAPSHOT_FORMAT,
      version: this.set.version,
      appliedSeq: this.appliedSeq,
      watermark: this.watermark,
      states: this.windowed.map((f) => [f.def.name, f.states]),
    });
  }

  /** Restore a snapshot taken by an engine of the same feature set version. */
  restore(buffer: Buffer): void {
    const snap = deserialize(buffer) as {
      format: string;
      version: string;
      appliedSeq: number;
      watermark: number;
      states: Array<[string, Map<string, WindowState>]>;
    };
    if (snap.format !== SNAPSHOT_FORMAT) throw new Error('not a feature state snapshot');
    if (snap.version !== this.set.version) {
      throw new Error(`snapshot is of feature set ${snap.version}, this engine serves ${this.set.version}`);
    }
    const byName = new Map(snap.states);
    for (const f of this.windowed) {
      f.states.clear();
      for (const [key, state] of byName.get(f.def.name) ?? []) f.states.set(key, state);
    }
    this.appliedSeq = snap.appliedSeq;
    this.watermark = snap.watermark;
  }
}

function operand(value: unknown): Operand {
  if (typeof value === 'number' || typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? 1 : 0;
  return undefined;
}

function keyOf(def: WindowedFeature): (event: RiskEvent) => string | undefined {
  const kinds = entityKinds(def.entity);
  if (kinds.length === 1) {
    const kind = kinds[0]!;
    return (event) => event.entities[kind];
  }
  return (event) => {
    let key = '';
    for (let i = 0; i < kinds.length; i++) {
      const part = event.entities[kinds[i] as EntityKind];
      if (part === undefined) return undefined;
      key = i === 0 ? part : `${key}\u0001${part}`;
    }
    return key;
  };
}

function valueOf(def: WindowedFeature): (event: RiskEvent) => number | string | undefined {
  if (def.field === undefined) return () => 1;
  const get = getter(def.field);
  if (def.agg === 'distinct') {
    return (event) => {
      const v = get(event);
      return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined;
    };
  }
  if (def.agg === 'count' || def.agg === 'since_last' || def.agg === 'since_first' || def.agg === 'velocity') {
    return (event) => (get(event) === undefined ? undefined : 1);
  }
  return (event) => {
    const v = get(event);
    if (typeof v === 'boolean') return v ? 1 : 0;
    return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
  };
}

function getter(path: string): Getter {
  if (path.startsWith('$text.')) {
    const name = path.slice('$text.'.length) as TextSignalName;
    return (event) => textSignal(event, name);
  }
  const parts = path.split('.');
  if (parts.length === 2) {
    const [a, b] = parts as [string, string];
    return (event) => {
      const outer = (event as unknown as Record<string, unknown>)[a];
      return typeof outer === 'object' && outer !== null ? (outer as Record<string, unknown>)[b] : undefined;
    };
  }
  return (event) => {
    let node: unknown = event;
    for (const part of parts) {
      if (typeof node !== 'object' || node === null) return undefined;
      node = (node as Record<string, unknown>)[part];
    }
    return node;
  };
}

function compileCondition(where: Condition | undefined): (event: RiskEvent) => boolean {
  if (where === undefined) return () => true;
  const tests = Object.entries(where).map(([path, condition]) => {
    const get = getter(path);
    if (typeof condition !== 'object' || condition === null) return (e: RiskEvent) => get(e) === condition;
    if ('in' in condition) {
      const allowed = new Set<unknown>(condition.in);
      return (e: RiskEvent) => allowed.has(get(e));
    }
    if ('ne' in condition) return (e: RiskEvent) => get(e) !== condition.ne;
    if ('gt' in condition) return (e: RiskEvent) => (get(e) as number) > condition.gt;
    if ('gte' in condition) return (e: RiskEvent) => (get(e) as number) >= condition.gte;
    if ('lt' in condition) return (e: RiskEvent) => (get(e) as number) < condition.lt;
    if ('lte' in condition) return (e: RiskEvent) => (get(e) as number) <= condition.lte;
    return (e: RiskEvent) => (get(e) !== undefined) === condition.exists;
  });
  if (tests.length === 1) return tests[0]!;
  return (event) => tests.every((test) => test(event));
}
