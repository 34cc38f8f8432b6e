// The feature engine: one code path for online serving and offline replay. Events are applied strictly
// in log order; a vector read for an event sees exactly the events applied before it.
import type { EntityKind, EventType, LoggedEvent, RiskEvent } from '../events/schema.js';
import { entityKinds, type Condition, type WindowedFeature } from './definition.js';
import { textSignal, type TextSignalName } from './derived.js';
import type { FeatureSet } from './featureset.js';
import { ON_DEMAND_OPS, type Operand } from './ondemand.js';
import { addEvent, clearState, distinctEntries, hasState, isDead, isLiveAt, newRecord, readState, resetState, velocityFirstMinute, windowSpec, zeroWhenEntityKnown, type EntityRecord, type WindowSpec } from './window.js';
import { EntityTable, KEY_SEPARATOR, keyIsParts, partsHash, type TableCursor } from './entity-table.js';
import { decodeSnapshot, encodeSnapshot, encodeSnapshotInChunks } from './snapshot.js';

type Getter = (event: RiskEvent) => unknown;

/** lookUp's marks for a group's entry, beside the entry itself: not in the table, to look up, or no key (the event does not name it whole). */
const NOT_FOUND = -1;
const TO_PROBE = -2;
const KEY_ABSENT = -3;

interface CompiledWindowed {
  def: WindowedFeature;
  /** Position of the value in the vector. */
  index: number;
  /** Position of the state in its entity's record. */
  slot: number;
  spec: WindowSpec;
  matches: (event: RiskEvent) => boolean;
  /** The aggregated value, or undefined when the event has none (it is then not counted). */
  value: (event: RiskEvent) => number | string | undefined;
  /** Reads 0, not missing, without a live state of its own while its entity is live in another feature. */
  zeroWhenKnown: boolean;
}

/**
 * The features of one entity key (`user`, `device`, `user×device`, …). Each entity of that kind has
 * one record holding its state for each of these features (window.ts), so an event costs one lookup
 * per entity it names rather than one per feature.
 */
interface EntityGroup {
  name: string;
  /** Position in the engine's groups. */
  index: number;
  /** The entity kinds of the key, in order (one, or two for a composite key). */
  kinds: readonly EntityKind[];
  key: (event: RiskEvent) => string | undefined;
  features: CompiledWindowed[];
  /** Features of this group fed by each event type. */
  byType: Map<EventType, CompiledWindowed[]>;
  /** Distinct-count features in the group: each keeps a list of values in the record. */
  valueLists: number;
  records: EntityTable<EntityRecord>;
  /**
   * While a snapshot is taken in steps: each record as it was when the snapshot began, saved just
   * before its first change since (null for an entity that did not exist then).
   */
  saved?: Map<string, EntityRecord | null>;
}

export class FeatureEngine {
  /** Greatest event time applied: the clock TTLs are measured against. */
  watermark = -Infinity;
  /** Log sequence number of the last applied event. */
  appliedSeq = 0;
  private readonly groups: EntityGroup[] = [];
  /** Where an incremental sweep (sweepSome) stands. */
  private sweepCursor: { group: number; cursor: TableCursor } | undefined;
  private readonly groupsByType = new Map<EventType, Array<{ group: EntityGroup; features: CompiledWindowed[] }>>();
  /** The positions of the groups each event type feeds (what apply() looks up), and of all groups (vector()). */
  private readonly groupIndicesByType = new Map<EventType, Int32Array>();
  private readonly allGroupIndices: Int32Array;
  /** The event types any feature of the set is computed from: a replay must decode these. */
  readonly inputTypes: ReadonlySet<EventType>;
  private readonly ratioInputs: Array<[number, number, number]>;
  private readonly onDemand: Array<{
    index: number;
    op: (typeof ON_DEMAND_OPS)[string];
    param: string | undefined;
    args: Array<number | Getter>;
    /** Reused for every read: no allocation on the hot path. */
    operands: Operand[];
  }>;
  private readonly missingValues: Float64Array;
  /** vector()'s scratch, per group: the parts of the event's key, their hash, and the record found. */
  private readonly parts: string[][] = [];
  private readonly hashes: Int32Array;
  private readonly entries: Int32Array;
  private readonly storedKeys: Array<string | undefined> = [];
  private readonly found: Array<EntityRecord | undefined> = [];
  /** Where vector() keeps what its early loads of the records read, so that they are not optimised away. */
  private prefetched = 0;

  constructor(readonly set: FeatureSet) {
    const indexOf = new Map(set.valueNames.map((n, i) => [n, i]));
    const groupByName = new Map<string, EntityGroup>();
    for (const def of set.windowed) {
      const name = entityKinds(def.entity).join('×');
      let group = groupByName.get(name);
      if (!group) {
        group = { name, index: this.groups.length, kinds: entityKinds(def.entity), key: keyOf(def), features: [], byType: new Map(), valueLists: 0, records: new EntityTable() };
        groupByName.set(name, group);
        this.groups.push(group);
      }
      const feature: CompiledWindowed = {
        def,
        index: indexOf.get(def.name)!,
        slot: group.features.length,
        spec: windowSpec(def, def.agg === 'distinct' ? group.valueLists++ : -1),
        matches: compileCondition(def.where),
        value: valueOf(def),
        zeroWhenKnown: zeroWhenEntityKnown(def.agg),
      };
      group.features.push(feature);
      for (const type of def.events) {
        const list = group.byType.get(type) ?? [];
        list.push(feature);
        group.byType.set(type, list);
      }
    }
    for (const group of this.groups) {
      for (const [type, features] of group.byType) {
        const list = this.groupsByType.get(type) ?? [];
        list.push({ group, features });
        this.groupsByType.set(type, list);
      }
    }
    this.inputTypes = new Set(this.groupsByType.keys());
    for (const [type, list] of this.groupsByType) this.groupIndicesByType.set(type, Int32Array.from(list, ({ group }) => group.index));
    this.allGroupIndices = Int32Array.from(this.groups, (group) => group.index);
    this.ratioInputs = set.ratios.map((r) => [indexOf.get(r.name)!, indexOf.get(r.numerator)!, indexOf.get(r.denominator)!]);
    this.onDemand = set.onDemand.map((f) => ({
      index: indexOf.get(f.name)!,
      op: ON_DEMAND_OPS[f.op]!,
      param: f.param,
      args: f.args.map((a) => (a.startsWith('$event.') ? getter(a.slice('$event.'.length)) : indexOf.get(a)!)),
      operands: new Array<Operand>(f.args.length),
    }));
    this.missingValues = new Float64Array(set.valueNames.map((n) => set.get(n)!.missingValue ?? NaN));
    this.hashes = new Int32Array(this.groups.length);
    this.entries = new Int32Array(this.groups.length);
    for (const group of this.groups) this.parts.push(new Array<string>(group.kinds.length));
  }

  /** Apply one event from the log. Events must come in increasing sequence order. */
  apply(logged: LoggedEvent): void {
    if (logged.seq <= this.appliedSeq) {
      throw new Error(`feature engine: event seq ${logged.seq} applied after seq ${this.appliedSeq}; the log must be replayed in order`);
    }
    this.appliedSeq = logged.seq;
    const { event } = logged;
    if (event.ts > this.watermark) this.watermark = event.ts;
    const subscribed = this.groupsByType.get(event.type);
    if (subscribed === undefined) return;
    const records = this.lookUp(event, this.groupIndicesByType.get(event.type)!);
    for (const { group, features } of subscribed) {
      const g = group.index;
      if (this.entries[g] === KEY_ABSENT) continue;
      let record = records[g];
      records[g] = undefined;
      let preserved = group.saved === undefined;
      for (const f of features) {
        if (!f.matches(event)) continue;
        const value = f.value(event);
        if (value === undefined) continue;
        if (!preserved) {
          preserve(group, group.key(event)!, record);
          preserved = true;
        }
        if (record === undefined) {
          record = newRecord(group.features.length, group.valueLists);
          group.records.set(this.parts[g]!.join(KEY_SEPARATOR), record, this.hashes[g]!);
        }
        if (!hasState(record, f.slot) || isDead(record, f.slot, f.spec, this.watermark)) resetState(record, f.slot, f.spec);
        addEvent(record, f.slot, f.spec, event.ts, logged.seq, value);
      }
    }
  }

  /**
   * Account for an event no feature reads (its type is not in inputTypes) from its seq and time alone:
   * the same effect apply() has on such an event.
   */
  pass(seq: number, ts: number): void {
    if (seq <= this.appliedSeq) {
      throw new Error(`feature engine: event seq ${seq} applied after seq ${this.appliedSeq}; the log must be replayed in order`);
    }
    this.appliedSeq = seq;
    if (ts > this.watermark) this.watermark = ts;
  }

  /**
   * The feature vector for `event` as of its time, from the events applied so far (all of which came
   * before it in the log): values in `set.valueNames` order, then one 0/1 missing indicator per value.
   */
  vector(event: RiskEvent, out = new Float64Array(this.set.vectorNames.length)): Float64Array {
    const n = this.set.valueNames.length;
    const t = event.ts;
    const records = this.lookUp(event, this.allGroupIndices);
    const watermark = this.watermark;
    for (let g = 0; g < this.groups.length; g++) {
      const record = records[g];
      const features = this.groups[g]!.features;
      let known: boolean | undefined;
      for (const f of features) {
        let value = readState(record, f.slot, f.spec, t, watermark);
        // No live state of its own: 0 for a count or sum of an entity live in another feature (see zeroWhenEntityKnown).
        if (value !== value && f.zeroWhenKnown && record !== undefined) {
          known ??= anyLiveAt(record, features, t, watermark);
          if (known) value = 0;
        }
        out[f.index] = value;
      }
    }
    records.fill(undefined);
    for (const [index, numerator, denominator] of this.ratioInputs) {
      const d = out[denominator]!;
      out[index] = d === 0 || Number.isNaN(d) ? NaN : out[numerator]! / d;
    }
    for (const f of this.onDemand) {
      for (let i = 0; i < f.args.length; i++) {
        const a = f.args[i]!;
        f.operands[i] = typeof a === 'number' ? out[a] : operand(a(event));
      }
      out[f.index] = f.op.compute(f.operands, event, f.param);
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

  /**
   * The records of the event's entities in the groups at `indices` (in `found`, by group; `entries`
   * says KEY_ABSENT where the event does not name the group's whole key, NOT_FOUND where the entity has
   * no record). Looked up in phases across the groups — every key's hash, then every slot, then every
   * stored key, then the head of every record — rather than one lookup after another: in tables of
   * 10⁴–10⁵ entities each step of a lookup is a cache miss, and phased, the processor waits for the
   * misses of one step of all the lookups together (a booking's nine lookups: ~6 µs as Map.get calls,
   * ~4 µs phased, in process).
   */
  private lookUp(event: RiskEvent, indices: Int32Array): Array<EntityRecord | undefined> {
    const groups = this.groups;
    const entities = event.entities;
    const hashes = this.hashes;
    const entries = this.entries;
    for (let i = 0; i < indices.length; i++) {
      const g = indices[i]!;
      const kinds = groups[g]!.kinds;
      const parts = this.parts[g]!;
      let complete = true;
      for (let k = 0; k < kinds.length; k++) {
        const part = entities[kinds[k]!];
        if (part === undefined) {
          complete = false;
          break;
        }
        parts[k] = part;
      }
      entries[g] = complete ? TO_PROBE : KEY_ABSENT;
      if (complete) hashes[g] = partsHash(parts);
    }
    for (let i = 0; i < indices.length; i++) {
      const g = indices[i]!;
      if (entries[g] === TO_PROBE) entries[g] = groups[g]!.records.probe(hashes[g]!);
    }
    const records = this.found;
    const storedKeys = this.storedKeys;
    for (let i = 0; i < indices.length; i++) {
      const g = indices[i]!;
      const entry = entries[g]!;
      if (entry < 0) continue;
      const table = groups[g]!.records;
      storedKeys[g] = table.keyAt(entry);
      records[g] = table.valueAt(entry);
    }
    let prefetched = 0;
    for (let i = 0; i < indices.length; i++) {
      const g = indices[i]!;
      let entry = entries[g]!;
      if (entry < 0) continue;
      const parts = this.parts[g]!;
      if (parts.length === 1 ? storedKeys[g] !== parts[0] : !keyIsParts(storedKeys[g]!, parts)) {
        // Another key with the same hash: rare, so looked up on its own.
        const table = groups[g]!.records;
        do entry = table.probeAfter(hashes[g]!, entry);
        while (entry >= 0 && !(parts.length === 1 ? table.keyAt(entry) === parts[0] : keyIsParts(table.keyAt(entry), parts)));
        entries[g] = entry < 0 ? NOT_FOUND : entry;
        records[g] = entry < 0 ? undefined : table.valueAt(entry);
      }
      storedKeys[g] = undefined;
      prefetched += records[g]?.length ?? 0;
    }
    for (let i = 0; i < indices.length; i++) prefetched += records[indices[i]!]?.[0] ?? 0;
    this.prefetched = prefetched;
    return records;
  }

  /** Earliest epoch minute at which a velocity feature triggered for the event's entity, or NaN. */
  velocityFirstMinute(name: string, event: RiskEvent): number {
    for (const group of this.groups) {
      const f = group.features.find((w) => w.def.name === name && w.def.agg === 'velocity');
      if (!f) continue;
      const key = group.key(event);
      const record = key === undefined ? undefined : group.records.get(key);
      if (record === undefined || isDead(record, f.slot, f.spec, this.watermark)) return NaN;
      return velocityFirstMinute(record, f.slot);
    }
    throw new Error(`"${name}" is not a velocity feature`);
  }

  /**
   * The values a distinct-count feature holds for an entity (e.g. the cards a user used), newest first,
   * as of now: what the console shows as linked entities.
   */
  distinctValues(name: string, entity: RiskEvent['entities']): string[] {
    for (const group of this.groups) {
      const f = group.features.find((w) => w.def.name === name);
      if (!f) continue;
      if (f.def.agg !== 'distinct') throw new Error(`"${name}" is not a distinct-count feature`);
      const key = group.key({ entities: entity } as RiskEvent);
      const record = key === undefined ? undefined : group.records.get(key);
      if (record === undefined || !hasState(record, f.slot) || isDead(record, f.slot, f.spec, this.watermark)) return [];
      return distinctEntries(record, f.slot, f.spec)
        .sort((a, b) => b[1] - a[1])
        .map(([v]) => v);
    }
    throw new Error(`no feature "${name}"`);
  }

  /** Drop the state of every entity idle past its TTL; reads are unchanged (dead state reads as missing). */
  sweep(): number {
    let evicted = 0;
    for (const group of this.groups) {
      for (const [key, record] of group.records) evicted += this.sweepRecord(group, key, record);
    }
    return evicted;
  }

  /**
   * Sweep the next `count` entities of a round through all of them, carrying on where the last call
   * stopped: the online store spreads a sweep over the events it applies instead of stalling on one.
   * (The table's cursor survives deletions and sees entities added meanwhile.) Returns the states evicted.
   */
  sweepSome(count: number): number {
    let evicted = 0;
    for (let done = 0; done < count; ) {
      if (this.sweepCursor === undefined) {
        if (this.groups.length === 0) return evicted;
        this.sweepCursor = { group: 0, cursor: this.groups[0]!.records.cursor() };
      }
      const { group, cursor } = this.sweepCursor;
      const table = this.groups[group]!.records;
      const next = table.advance(cursor);
      if (next === undefined) {
        table.release(cursor);
        const following = group + 1;
        this.sweepCursor = following < this.groups.length ? { group: following, cursor: this.groups[following]!.records.cursor() } : undefined;
        if (this.sweepCursor === undefined) return evicted; // a round is complete
        continue;
      }
      evicted += this.sweepRecord(this.groups[group]!, next[0], next[1]);
      done++;
    }
    return evicted;
  }

  /** Whether a round of sweepSome() has begun and not finished. */
  get sweepUnderWay(): boolean {
    return this.sweepCursor !== undefined;
  }

  /** Entities held in memory over all entity keys. */
  entityTotal(): number {
    let total = 0;
    for (const group of this.groups) total += group.records.size;
    return total;
  }

  private sweepRecord(group: EntityGroup, key: string, record: EntityRecord): number {
    let evicted = 0;
    let live = 0;
    for (const f of group.features) {
      if (!hasState(record, f.slot)) continue;
      if (isDead(record, f.slot, f.spec, this.watermark)) {
        if (evicted === 0) preserve(group, key, record);
        clearState(record, f.slot, f.spec);
        evicted++;
      } else {
        live++;
      }
    }
    if (live === 0) {
      preserve(group, key, record);
      group.records.delete(key);
    }
    return evicted;
  }

  /** Live entity-feature states per feature (after a sweep, what is held in memory). */
  stateCounts(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const group of this.groups) {
      for (const f of group.features) counts[f.def.name] = 0;
      for (const record of group.records.values()) {
        for (const f of group.features) if (hasState(record, f.slot)) counts[f.def.name]!++;
      }
    }
    return counts;
  }

  /** Entities held in memory, per entity key. */
  entityCounts(): Record<string, number> {
    return Object.fromEntries(this.groups.map((g) => [g.name, g.records.size]));
  }

  snapshot(): Buffer {
    return encodeSnapshot({ version: this.set.version, appliedSeq: this.appliedSeq, watermark: this.watermark, groups: this.groups.map((g) => [g.name, g.records]) });
  }

  /**
   * The same bytes as snapshot(), as of now, in pieces of about `perChunk` entities: events may be
   * applied and entities swept between pieces (each record is copied just before its first change, so
   * the snapshot stays the state as of its start). One at a time; restore() abandons it.
   */
  *snapshotInChunks(perChunk = 2_000): Generator<Buffer, void, void> {
    if (this.groups.some((g) => g.saved !== undefined)) throw new Error('a feature state snapshot is already being taken');
    const state = { version: this.set.version, appliedSeq: this.appliedSeq, watermark: this.watermark };
    const savedMaps = this.groups.map(() => new Map<string, EntityRecord | null>());
    const groups = this.groups.map((group, i) => {
      const saved = savedMaps[i]!;
      const records = group.records;
      const keys = [...records.keys()];
      group.saved = saved;
      return { name: group.name, count: keys.length, entries: asOfStart(group, keys, saved, records) };
    });
    try {
      yield* encodeSnapshotInChunks(state, groups, perChunk);
    } finally {
      for (const [i, group] of this.groups.entries()) if (group.saved === savedMaps[i]) group.saved = undefined;
    }
  }

  /** Restore a snapshot taken by an engine of the same feature set version. */
  restore(buffer: Uint8Array): void {
    const snap = decodeSnapshot(buffer);
    if (snap.version !== this.set.version) {
      throw new Error(`snapshot is of feature set ${snap.version}, this engine serves ${this.set.version}`);
    }
    const byName = new Map(snap.groups);
    for (const group of this.groups) {
      const records = new EntityTable<EntityRecord>();
      for (const [key, record] of byName.get(group.name)?.entries() ?? []) records.set(key, record);
      group.records = records;
      group.saved = undefined; // a snapshot under way is abandoned
    }
    this.sweepCursor = undefined;
    this.appliedSeq = snap.appliedSeq;
    this.watermark = snap.watermark;
  }
}

/** Whether the record holds a live state (as of t) for any of the features. */
function anyLiveAt(record: EntityRecord, features: readonly CompiledWindowed[], t: number, watermark: number): boolean {
  for (let i = 0; i < features.length; i++) {
    const f = features[i]!;
    if (isLiveAt(record, f.slot, f.spec, t, watermark)) return true;
  }
  return false;
}

/** A group's records as of a snapshot's start: its copy of a record changed since, else the record. */
function* asOfStart(group: EntityGroup, keys: readonly string[], saved: Map<string, EntityRecord | null>, records: EntityTable<EntityRecord>): Generator<[string, EntityRecord]> {
  for (const key of keys) {
    if (group.saved !== saved) throw new Error('the feature state was restored while a snapshot was being taken');
    yield [key, saved.get(key) ?? records.get(key)!];
  }
}

/** Keep the record as it is now for a snapshot under way, unless it was kept already. */
function preserve(group: EntityGroup, key: string, record: EntityRecord | undefined): void {
  const saved = group.saved;
  if (saved === undefined || saved.has(key)) return;
  if (record === undefined) {
    saved.set(key, null);
    return;
  }
  const copy = record.slice() as EntityRecord;
  if (record.s !== undefined) copy.s = record.s.map((values) => values.slice());
  saved.set(key, copy);
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
      key = i === 0 ? part : `${key}${KEY_SEPARATOR}${part}`;
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
