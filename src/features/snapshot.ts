// The feature state's snapshot file: a binary layout written and read in a few tight loops. The
// server snapshots every 250,000 events while it serves: v8.serialize took 250–350 ms for an 18 MB
// state of 76k entities, a stall for every request in flight; this encodes it in 55–120 ms, a few
// thousand entities at a time if asked (encodeSnapshotInChunks).
//
// Layout (little-endian): "RGFS" · u32 format (4) · u32 n · n bytes of JSON meta ({ version, appliedSeq,
// watermark, groups: [[name, records]] }) · then per group, per record: key · u32 length, padding to
// 8 bytes (zeroed), length f64 (the record's numbers up to its end offset) · u32 value lists, each u32
// count and that many strings. A string is u32 byte length and UTF-16LE bytes: every JS string, lone
// surrogates included, comes back exactly. Last, u32 CRC-32 of every byte before it: a bit flipped on
// the disk would otherwise decode to a state that serves wrong features (most single flips still parse).
import { crc32 } from 'node:zlib';
import type { EntityRecord } from './window.js';

const MAGIC = 0x53464752; // "RGFS"
const FORMAT = 4;
/** Strings are copied code unit by code unit through a Uint16Array, which is little-endian only here. */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** What a snapshot is taken of: a Map, or the engine's own table. */
export interface RecordsByKey {
  readonly size: number;
  entries(): Iterable<[key: string, record: EntityRecord]>;
}

export interface SnapshotState {
  version: string;
  appliedSeq: number;
  watermark: number;
  groups: Array<[name: string, records: RecordsByKey]>;
}

export interface DecodedSnapshot extends SnapshotState {
  groups: Array<[name: string, records: Map<string, EntityRecord>]>;
}

/**
 * Writes records into a buffer that grows as needed. `base` is the file offset the first byte will
 * land at: numbers are 8-byte aligned in the file, and the buffer is laid out so that file-aligned
 * positions are buffer-aligned too (every position stays even: u32s, UTF-16 strings, f64s).
 */
class Writer {
  private buffer!: Buffer;
  private view!: DataView;
  private doubles!: Float64Array;
  private units!: Uint16Array;
  private readonly shift: number;
  at: number;

  constructor(capacity: number, base = 0) {
    this.shift = base & 7;
    this.at = this.shift;
    this.allocate(Math.max(64, capacity + this.shift));
  }

  private allocate(size: number): void {
    const next = Buffer.allocUnsafeSlow(size);
    if (this.buffer !== undefined) this.buffer.copy(next, 0, 0, this.at);
    this.buffer = next;
    this.view = new DataView(next.buffer, 0, size);
    this.doubles = new Float64Array(next.buffer, 0, size >> 3);
    this.units = new Uint16Array(next.buffer, 0, size >> 1);
  }

  private reserve(n: number): void {
    if (this.at + n > this.buffer.length) this.allocate(Math.max(this.buffer.length * 2, this.at + n));
  }

  u32(value: number): void {
    this.reserve(4);
    this.view.setUint32(this.at, value, true);
    this.at += 4;
  }

  string(value: string): void {
    const length = value.length;
    this.u32(length * 2);
    this.reserve(length * 2);
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
    this.reserve(7 + length * 8);
    // Zeroed padding: the same state always encodes to the same bytes.
    while ((this.at & 7) !== 0) this.buffer[this.at++] = 0;
    const doubles = this.doubles;
    const first = this.at / 8;
    for (let i = 0; i < length; i++) doubles[first + i] = values[i]!;
    this.at += length * 8;
  }

  record(key: string, record: EntityRecord): void {
    this.string(key);
    // Records never shrink; their numbers end at the last slot offset.
    this.numbers(record, record[record[0]! - 1]!);
    const lists = record.s ?? [];
    this.u32(lists.length);
    for (const list of lists) {
      this.u32(list.length);
      for (const value of list) this.string(value);
    }
  }

  result(): Buffer {
    return this.buffer.subarray(this.shift, this.at);
  }
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
  const groups = state.groups.map(([name, records]) => ({ name, count: records.size, entries: records.entries() }));
  return Buffer.concat([...encodeSnapshotInChunks(state, groups, Infinity)]);
}

/**
 * The bytes of encodeSnapshot in pieces of about `perChunk` records, so the caller can let other work
 * run in between. Each group gives its number of records and the records as of the snapshot (the
 * caller keeps those from changing meanwhile, or hands over copies).
 */
export function* encodeSnapshotInChunks(
  state: { version: string; appliedSeq: number; watermark: number },
  groups: Array<{ name: string; count: number; entries: Iterable<[key: string, record: EntityRecord]> }>,
  perChunk: number,
): Generator<Buffer, void, void> {
  const meta = JSON.stringify({ version: state.version, appliedSeq: state.appliedSeq, watermark: state.watermark, groups: groups.map((g) => [g.name, g.count]) }, (_key, value: unknown) =>
    value === -Infinity ? '-Infinity' : value,
  );
  let out = new Writer(1 << 16);
  out.u32(MAGIC);
  out.u32(FORMAT);
  out.string(meta);
  let offset = 0;
  let inChunk = 0;
  let checksum = 0;
  for (const group of groups) {
    let written = 0;
    for (const [key, record] of group.entries) {
      out.record(key, record);
      written++;
      if (++inChunk >= perChunk) {
        const chunk = out.result();
        offset += chunk.length;
        checksum = crc32(chunk, checksum);
        yield chunk;
        out = new Writer(chunk.length, offset);
        inChunk = 0;
      }
    }
    if (written !== group.count) throw new Error(`feature state snapshot: group ${group.name} gave ${written} records, not ${group.count}`);
  }
  const rest = out.result();
  checksum = crc32(rest, checksum);
  const trailer = Buffer.alloc(4);
  trailer.writeUInt32LE(checksum);
  yield rest.length > 0 ? Buffer.concat([rest, trailer]) : trailer;
}

/** Throws on anything that is not a snapshot in this format (the caller rebuilds from the log). */
export function decodeSnapshot(input: Uint8Array): DecodedSnapshot {
  if (input.length < 16) throw new Error('not a feature state snapshot');
  const body = input.subarray(0, input.length - 4);
  const reader = new Reader(body);
  if (reader.u32() !== MAGIC) throw new Error('not a feature state snapshot');
  const format = reader.u32();
  if (format !== FORMAT) throw new Error(`it was written by another version of riskgate (format ${format}, this version reads ${FORMAT})`);
  const stored = new DataView(input.buffer, input.byteOffset + body.length, 4).getUint32(0, true);
  if (crc32(body) !== stored) throw new Error('feature state snapshot is damaged: its checksum does not match its contents');
  const meta = JSON.parse(reader.string(), (_key, value: unknown) => (value === '-Infinity' ? -Infinity : value)) as {
    version: string;
    appliedSeq: number;
    watermark: number;
    groups: Array<[string, number]>;
  };
  const groups: DecodedSnapshot['groups'] = meta.groups.map(([name, size]) => {
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
