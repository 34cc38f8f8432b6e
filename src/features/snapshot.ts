// The feature state's snapshot file: a binary layout written and read in a few tight loops. The
// server writes one every 250,000 events on the event loop, so its cost is a stall for every request
// in flight: v8.serialize took 250–350 ms for an 18 MB state of 76k entities; this takes a tenth.
//
// Layout (little-endian): "RGFS" · u32 format · u32 n · n bytes of JSON meta ({ version, appliedSeq,
// watermark, groups: [[name, records]] }) · then per group, per record: key · u32 length, padding to
// 8 bytes, length f64 (the record's numbers up to its end offset) · u32 value lists, each u32 count
// and that many strings. A string is u32 byte length and UTF-16LE bytes: every JS string, lone
// surrogates included, comes back exactly.
import type { EntityRecord } from './window.js';

const MAGIC = 0x53464752; // "RGFS"
const FORMAT = 3;
/** Strings are copied code unit by code unit through a Uint16Array, which is little-endian only here. */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export interface SnapshotState {
  version: string;
  appliedSeq: number;
  watermark: number;
  groups: Array<[name: string, records: Map<string, EntityRecord>]>;
}

/** Writes into one buffer of the exact size, computed beforehand (no growing, no copies). */
class Writer {
  private readonly buffer: Buffer;
  private readonly view: DataView;
  private readonly doubles: Float64Array;
  private readonly units: Uint16Array;
  at = 0;

  constructor(size: number) {
    // An own ArrayBuffer at offset 0, so numbers and strings are written through aligned typed arrays
    // (every position stays even: u32s, UTF-16 strings and 8-byte aligned numbers).
    this.buffer = Buffer.allocUnsafeSlow(size);
    this.view = new DataView(this.buffer.buffer, 0, size);
    this.doubles = new Float64Array(this.buffer.buffer, 0, size >> 3);
    this.units = new Uint16Array(this.buffer.buffer, 0, size >> 1);
  }

  u32(value: number): void {
    this.view.setUint32(this.at, value, true);
    this.at += 4;
  }

  string(value: string): void {
    const length = value.length;
    this.view.setUint32(this.at, length * 2, true);
    this.at += 4;
    if (LITTLE_ENDIAN) {
      // A loop beats a call into Buffer#write for the short strings a snapshot is made of.
      const units = this.units;
      const first = this.at / 2;
      for (let i = 0; i < length; i++) units[first + i] = value.charCodeAt(i);
    } else {
      this.buffer.write(value, this.at, 'utf16le');
    }
    this.at += length * 2;
  }

  /** The first `length` numbers of `values`, 8-byte aligned. */
  numbers(values: readonly number[], length: number): void {
    this.u32(length);
    // Zeroed padding: the same state always encodes to the same bytes.
    while ((this.at & 7) !== 0) this.buffer[this.at++] = 0;
    const doubles = this.doubles;
    const first = this.at / 8;
    for (let i = 0; i < length; i++) doubles[first + i] = values[i]!;
    this.at += length * 8;
  }

  result(): Buffer {
    if (this.at !== this.buffer.length) throw new Error(`feature state snapshot: wrote ${this.at} of ${this.buffer.length} bytes`);
    return this.buffer;
  }
}

/** Bytes `encodeSnapshot` writes: the same walk, counting. */
function encodedSize(meta: string, groups: SnapshotState['groups']): number {
  let at = 8 + 4 + meta.length * 2;
  for (const [, records] of groups) {
    for (const [key, record] of records) {
      at += 4 + key.length * 2 + 4;
      at = ((at + 7) & ~7) + record[record[0]! - 1]! * 8 + 4;
      for (const list of record.s ?? []) {
        at += 4;
        for (const value of list) at += 4 + value.length * 2;
      }
    }
  }
  return at;
}

class Reader {
  private readonly view: DataView;
  private readonly doubles: Float64Array;
  private readonly buffer: Buffer;
  at = 0;

  get length(): number {
    return this.buffer.length;
  }

  constructor(input: Uint8Array) {
    // An own, 8-byte aligned copy, so the numbers can be read through a Float64Array.
    const bytes = new Uint8Array(input);
    this.view = new DataView(bytes.buffer);
    this.doubles = new Float64Array(bytes.buffer, 0, bytes.length >> 3);
    this.buffer = Buffer.from(bytes.buffer);
  }

  u32(): number {
    if (this.at + 4 > this.buffer.length) throw new Error('feature state snapshot is truncated');
    const value = this.view.getUint32(this.at, true);
    this.at += 4;
    return value;
  }

  string(): string {
    const length = this.u32();
    if (this.at + length > this.buffer.length) throw new Error('feature state snapshot is truncated');
    const value = this.buffer.toString('utf16le', this.at, this.at + length);
    this.at += length;
    return value;
  }

  /** A record's numbers as a JS array that holds doubles from birth (one elements kind for its life). */
  numbers(): EntityRecord {
    const length = this.u32();
    this.at = (this.at + 7) & ~7;
    const first = this.at / 8;
    const doubles = this.doubles;
    if (first + length > doubles.length) throw new Error('feature state snapshot is truncated');
    const record: EntityRecord = [0.5];
    if (length > 0) record[0] = doubles[first]!;
    else record.length = 0;
    for (let i = 1; i < length; i++) record.push(doubles[first + i]!);
    this.at += length * 8;
    return record;
  }
}

export function encodeSnapshot(state: SnapshotState): Buffer {
  const meta = JSON.stringify(
    { version: state.version, appliedSeq: state.appliedSeq, watermark: state.watermark, groups: state.groups.map(([name, records]) => [name, records.size]) },
    (_key, value: unknown) => (value === -Infinity ? '-Infinity' : value),
  );
  const out = new Writer(encodedSize(meta, state.groups));
  out.u32(MAGIC);
  out.u32(FORMAT);
  out.string(meta);
  for (const [, records] of state.groups) {
    for (const [key, record] of records) {
      out.string(key);
      // Records never shrink; their numbers end at the last slot offset.
      out.numbers(record, record[record[0]! - 1]!);
      const lists = record.s ?? [];
      out.u32(lists.length);
      for (const list of lists) {
        out.u32(list.length);
        for (const value of list) out.string(value);
      }
    }
  }
  return out.result();
}

/** Throws on anything that is not a snapshot in this format (the caller rebuilds from the log). */
export function decodeSnapshot(input: Uint8Array): SnapshotState {
  if (input.length < 12) throw new Error('not a feature state snapshot');
  const reader = new Reader(input);
  if (reader.u32() !== MAGIC) throw new Error('not a feature state snapshot');
  const format = reader.u32();
  if (format !== FORMAT) throw new Error(`feature state snapshot format ${format}, this version reads ${FORMAT}`);
  const meta = JSON.parse(reader.string(), (_key, value: unknown) => (value === '-Infinity' ? -Infinity : value)) as {
    version: string;
    appliedSeq: number;
    watermark: number;
    groups: Array<[string, number]>;
  };
  const groups: SnapshotState['groups'] = meta.groups.map(([name, size]) => {
    const records = new Map<string, EntityRecord>();
    for (let r = 0; r < size; r++) {
      const key = reader.string();
      const record = reader.numbers();
      const lists = reader.u32();
      if (lists > 0) {
        record.s = [];
        for (let l = 0; l < lists; l++) {
          const count = reader.u32();
          const values: string[] = [];
          for (let v = 0; v < count; v++) values.push(reader.string());
          record.s.push(values);
        }
      }
      records.set(key, record);
    }
    return [name, records];
  });
  if (reader.at !== reader.length) throw new Error('feature state snapshot has trailing bytes');
  return { version: meta.version, appliedSeq: meta.appliedSeq, watermark: meta.watermark, groups };
}
