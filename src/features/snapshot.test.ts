import { serialize } from 'node:v8';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeSnapshot, encodeSnapshot, type SnapshotState } from './snapshot.js';
import type { EntityRecord } from './window.js';

function record(numbers: number[], lists?: string[][]): EntityRecord {
  const r: EntityRecord = [...numbers];
  if (lists) r.s = lists;
  return r;
}

describe('feature state snapshot codec', () => {
  it('round-trips keys, numbers (±Infinity, fractions) and value lists exactly, lone surrogates included', () => {
    const state: SnapshotState = {
      version: 'fs_test',
      appliedSeq: 42,
      watermark: 1_771_462_800_005,
      groups: [
        ['user', new Map([['u_1', record([3, 4, 7, -Infinity, Infinity, 0.1 + 0.2, 7])], ['名前 ✓', record([3, 3, 3])]])],
        ['user×device', new Map([['u_1\u0001d_\ud800', record([2, 2], [['cf_a', '\udfff lone', '']])]])],
        ['empty', new Map()],
      ],
    };
    const bytes = encodeSnapshot(state);
    // Deterministic: the same state encodes to the same bytes (padding included).
    for (let i = 0; i < 5; i++) expect(encodeSnapshot(state).equals(bytes)).toBe(true);
    const back = decodeSnapshot(bytes);
    expect(back.version).toBe('fs_test');
    expect(back.appliedSeq).toBe(42);
    expect(back.watermark).toBe(1_771_462_800_005);
    expect(back.groups.map(([name, records]) => [name, [...records.entries()].map(([k, r]) => [k, [...r], r.s])])).toEqual(
      state.groups.map(([name, records]) => [name, [...records.entries()].map(([k, r]) => [k, [...r], r.s])]),
    );
  });

  it('writes a record only up to its end offset (records never shrink, their tail is garbage)', () => {
    const grown = record([3, 4, 5, 9, 99, 99]); // two slots: offsets 3, 4, end 5; then one number; then garbage
    const [[, records]] = decodeSnapshot(encodeSnapshot({ version: 'v', appliedSeq: 0, watermark: -Infinity, groups: [['g', new Map([['k', grown]])]] })).groups as [[string, Map<string, EntityRecord>]];
    expect([...records.get('k')!]).toEqual([3, 4, 5, 9, 99]);
  });

  it('keeps an empty engine’s -Infinity watermark', () => {
    expect(decodeSnapshot(encodeSnapshot({ version: 'v', appliedSeq: 0, watermark: -Infinity, groups: [] })).watermark).toBe(-Infinity);
  });

  it('any keys, numbers and values come back as they went in', () => {
    const numbers = fc.array(fc.double({ noNaN: false }), { maxLength: 12 });
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.string({ unit: 'binary' }), numbers, fc.array(fc.array(fc.string({ unit: 'binary' }), { maxLength: 4 }), { maxLength: 3 })), { maxLength: 8 }), (entries) => {
        const records = new Map<string, EntityRecord>();
        for (const [key, tail, lists] of entries) {
          // A one-slot record: offsets [2, 2 + tail.length], then the numbers.
          records.set(key, record([2, 2 + tail.length, ...tail], lists.length > 0 ? lists : undefined));
        }
        const back = decodeSnapshot(encodeSnapshot({ version: 'v', appliedSeq: 1, watermark: 5, groups: [['g', records]] })).groups[0]![1];
        expect([...back.keys()]).toEqual([...records.keys()]);
        for (const [key, r] of records) {
          const got = back.get(key)!;
          expect(got.length).toBe(r.length);
          r.forEach((v, i) => expect(Object.is(got[i], v), `${key}[${i}]`).toBe(true));
          expect(got.s).toEqual(r.s);
        }
      }),
      { numRuns: 100 },
    );
  });

  it('refuses what is not a snapshot of this format: older v8-serialized ones, truncated or padded files', () => {
    const good = encodeSnapshot({ version: 'v', appliedSeq: 3, watermark: 9, groups: [['g', new Map([['k', record([2, 3, 1.5], [['a']])]])]] });
    expect(() => decodeSnapshot(serialize({ format: 'riskgate-feature-state-2', version: 'v', appliedSeq: 3, watermark: 9, groups: [] }))).toThrow(/snapshot/);
    expect(() => decodeSnapshot(good.subarray(0, good.length - 3))).toThrow(/damaged/);
    expect(() => decodeSnapshot(Buffer.concat([good, Buffer.from([0, 0, 0, 0])]))).toThrow(/damaged/);
    expect(() => decodeSnapshot(Buffer.alloc(4))).toThrow(/snapshot/);
    const older = Buffer.from(good);
    older.writeUInt32LE(3, 4);
    expect(() => decodeSnapshot(older)).toThrow(/another version of riskgate \(format 3, this version reads 4\)/);
  });

  it('notices any bit flipped on the disk (most flips would still decode, to a state serving wrong features)', () => {
    const good = encodeSnapshot({ version: 'v', appliedSeq: 3, watermark: 9, groups: [['g', new Map([['k', record([2, 3, 1.5], [['a']])], ['k2', record([2, 4, 0.25, -Infinity], [['b', 'c']])]])]] });
    expect(decodeSnapshot(good).appliedSeq).toBe(3);
    for (let bit = 8 * 8; bit < good.length * 8; bit++) {
      const damaged = Buffer.from(good);
      damaged[bit >> 3]! ^= 1 << (bit & 7);
      expect(() => decodeSnapshot(damaged), `bit ${bit}`).toThrow(/damaged|snapshot/);
    }
  });
});
