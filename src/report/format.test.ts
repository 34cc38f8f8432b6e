import { describe, expect, it } from 'vitest';
import { currencySymbol, formatDateTimeUtc, formatDateUtc, formatFixed, formatInteger, formatMoney, formatNumber, formatPercent, formatSigned, formatTick } from './format.js';
import { escapeXml, truncate } from './text.js';

describe('number formatting', () => {
  it('groups thousands and never prints a negative zero', () => {
    expect(formatFixed(1234.5)).toBe('1,234.50');
    expect(formatFixed(-1_234_567.891, 1)).toBe('-1,234,567.9');
    expect(formatFixed(-0.001, 2)).toBe('0.00');
    expect(formatFixed(999.996, 2)).toBe('1,000.00');
    expect(formatInteger(1_234_567.8)).toBe('1,234,568');
    expect(formatNumber(3)).toBe('3');
    expect(formatNumber(3.14159)).toBe('3.14');
  });

  it('formats percentages, money and signed differences', () => {
    expect(formatPercent(0.1234)).toBe('12.3%');
    expect(formatPercent(0.005, 2)).toBe('0.50%');
    expect(formatMoney(-1234.5)).toBe('-$1,234.50');
    expect(formatMoney(12, '€', 0)).toBe('€12');
    // A currency by its code: its sign where English has one, else the code itself.
    expect(['USD', 'EUR', 'GBP', 'CHF', 'XYZ'].map(currencySymbol)).toEqual(['$', '€', '£', 'CHF ', 'XYZ ']);
    expect(formatMoney(1500, currencySymbol('CHF'), 0)).toBe('CHF 1,500');
    const three = (v: number) => formatFixed(v, 3);
    expect(formatSigned(0.0123, three)).toBe('+0.012');
    expect(formatSigned(-0.01, three)).toBe('-0.010');
    expect(formatSigned(0.0001, three)).toBe('0.000');
  });

  it('prints a dash for missing and non-finite values', () => {
    for (const value of [NaN, Infinity, -Infinity, null, undefined]) {
      expect([formatFixed(value), formatInteger(value), formatPercent(value), formatMoney(value), formatNumber(value), formatSigned(value, String)]).toEqual(Array(6).fill('—'));
    }
  });

  it('formats ticks with the decimals of the step and k/M/B for large steps', () => {
    expect(formatTick(0.15, 0.05)).toBe('0.15');
    expect(formatTick(0.4, 0.2)).toBe('0.4');
    expect(formatTick(1200, 200)).toBe('1,200');
    expect(formatTick(20_000, 5000)).toBe('20k');
    expect(formatTick(3e6, 1e6)).toBe('3M');
    expect(formatTick(0, 1e6)).toBe('0');
    expect(formatTick(1e9, 1e9)).toBe('1B');
  });

  it('formats UTC dates and refuses times outside the Date range', () => {
    const ts = Date.UTC(2026, 0, 5, 13, 7);
    expect(formatDateUtc(ts)).toBe('2026-01-05');
    expect(formatDateTimeUtc(ts)).toBe('2026-01-05 13:07 UTC');
    expect(formatDateUtc(1e20)).toBe('—');
    expect(formatDateTimeUtc(NaN)).toBe('—');
  });
});

describe('text', () => {
  it('escapes markup and replaces characters XML forbids', () => {
    expect(escapeXml(`<script>alert("x") & 'y'</script>`)).toBe('&lt;script&gt;alert(&quot;x&quot;) &amp; &#39;y&#39;&lt;/script&gt;');
    expect(escapeXml('a\u0001b\uD800c\uFFFF')).toBe('a\uFFFDb\uFFFDc\uFFFD');
    expect(escapeXml('tab\tnew\nline 😀')).toBe('tab\tnew\nline 😀');
  });

  it('truncates by characters with an ellipsis, never splitting a surrogate pair', () => {
    expect(truncate('abcdef', 4)).toBe('abc…');
    expect(truncate('abcd', 4)).toBe('abcd');
    expect(truncate('ab cdef', 4)).toBe('ab…');
    expect(truncate('😀😀😀😀😀', 3)).toBe('😀😀…');
  });
});
