import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hash53 } from '../../lib/hash53.js';
import { IdIndex } from './id-index.js';

describe('IdIndex', () => {
  it('property: finds every sequence number stored under a hash, through growth, shared hashes and removals', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 300 }), { maxLength: 3000 }), (hashes) => {
        const index = new IdIndex();
        const oracle = new Map<number, number[]>();
        hashes.forEach((hash, seq) => {
          index.add(hash, seq + 1);
          oracle.set(hash, [...(oracle.get(hash) ?? []), seq + 1]);
        });
        expect(index.size).toBe(hashes.length);
        for (const [hash, seqs] of oracle) expect([...index.candidates(hash)].sort((a, b) => a - b)).toEqual(seqs);
        expect(index.candidates(301)).toEqual([]);
        // Take every third entry out (a plan that did not commit), then add more: the rest is intact.
        hashes.forEach((hash, seq) => {
          if (seq % 3 === 0) {
            index.remove(hash, seq + 1);
            oracle.set(hash, oracle.get(hash)!.filter((s) => s !== seq + 1));
          }
        });
        hashes.forEach((hash, seq) => {
          index.add(hash, hashes.length + seq + 1);
          oracle.get(hash)!.push(hashes.length + seq + 1);
        });
        for (const [hash, seqs] of oracle) expect([...index.candidates(hash)].sort((a, b) => a - b)).toEqual(seqs);
      }),
      { numRuns: 50 },
    );
  });

  it('hashes ids to distinct, nonzero 53-bit integers', () => {
    const seen = new Set<number>();
    for (let i = 0; i < 50_000; i++) {
      const h = hash53(`evt_${i}`);
      expect(Number.isSafeInteger(h) && h > 0).toBe(true);
      seen.add(h);
    }
    expect(seen.size).toBe(50_000);
    expect(hash53('')).toBeGreaterThan(0);
    expect(hash53('ab')).not.toBe(hash53('ba'));
  });
});
