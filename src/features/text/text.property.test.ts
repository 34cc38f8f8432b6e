import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalizeText, textSignals } from './index.js';

/** Any UTF-16 code unit, lone surrogates included. */
const codeUnitString = (maxLength: number) =>
  fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code)), maxLength });

/** Pieces the normaliser rewrites, so random texts exercise its rules and their interplay. */
const trickyPiece = fc.constantFrom(
  ' ', ' ', '.', '@', ' at ', 'at', ' dot ', 'dot', '(at)', '[dot]', '( . )', '{@}', 'gmail', 'gee', 'mail', 'hot',
  'com', 'co', 'uk', 'it', 'me', 'john', 'j', 'o', 'h', 'n', 'a', 'b', 'five', 'one', 'two', 'zero', '5', '12',
  '-', '_', '+', 'x1', '\u200b', '\u00ad', 'Ａ', 'İ', 'ß', 'ǅ', 'ﬁ', '\u0301', 'e\u0301', 'Ⅻ', '\n', '\t',
);
const trickyText = fc.oneof(
  fc.array(trickyPiece, { maxLength: 30 }).map((pieces) => pieces.join('')),
  fc.array(trickyPiece, { maxLength: 30 }).map((pieces) => pieces.join(' ')),
);

function checkShape(text: string): void {
  const signals = textSignals(text);
  expect(signals.score).toBeGreaterThanOrEqual(0);
  expect(signals.score).toBeLessThanOrEqual(1);
  const fired = [signals.offPlatform, signals.url, signals.phone, signals.email].some(Boolean);
  expect(signals.reasons.length > 0).toBe(fired);
  expect(signals.score > 0).toBe(fired);
}

describe('textSignals properties', () => {
  it('never throws and returns a consistent result on arbitrary strings', () => {
    fc.assert(fc.property(fc.oneof(fc.string({ unit: 'binary' }), codeUnitString(200), trickyText), checkShape), { numRuns: 500 });
  });

  it('never throws on long random Unicode (up to 10k characters)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary', minLength: 5_000, maxLength: 10_000 }), codeUnitString(10_000)), checkShape),
      { numRuns: 20 },
    );
  });

  it('normalisation is idempotent', () => {
    fc.assert(
      fc.property(fc.oneof(trickyText, fc.string({ unit: 'binary' }), codeUnitString(100)), (text) => {
        const once = normalizeText(text);
        expect(normalizeText(once)).toBe(once);
        expect(textSignals(once)).toEqual(textSignals(text));
      }),
      { numRuns: 2000 },
    );
  });

  it('finishes a 10,000-character adversarial string in well under 50 ms (no catastrophic backtracking)', () => {
    const length = 10_000;
    const fill = (unit: string, prefix = ''): string => (prefix + unit.repeat(Math.ceil(length / unit.length))).slice(0, length);
    const adversarial = [
      fill('a'), fill('1'), fill('@'), fill('a@'), fill('a.'), fill('1.'), fill('1 '), fill('1-'), fill('+1'), fill('('),
      fill('( '), fill('at '), fill('a at '), fill(' dot '), fill('a dot '), fill('a . '), fill('a b '), fill('a.b.'),
      fill('five'), fill('fivesix'), fill('(at)'), fill('[dot'), fill('abcd ', 'de89 '), fill('a', '0x'), fill('q', 'bc1'),
      fill('1a', '1'), fill('friends and family '), fill('pay pal '), fill('www.'), fill('http://'), fill('x.com/'),
      fill('a.com@'), fill('\u200b'), fill('Ａ'), fill('2026-04-10 '), fill('10.04.2026-'), fill('€1 '), fill('wire '),
      fill('outside the '), fill('avoid the platform '), fill('pay directly '), fill('g mail '), fill('j o h n @ '),
    ];
    const worstMs = Math.max(
      ...adversarial.map((text) => {
        textSignals(text); // warm up the code paths this input takes
        let best = Infinity;
        for (let run = 0; run < 3; run++) {
          const started = performance.now();
          textSignals(text);
          best = Math.min(best, performance.now() - started);
        }
        return best;
      }),
    );
    expect(worstMs).toBeLessThan(50);
  });
});
