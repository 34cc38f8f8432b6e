import { describe, expect, it } from 'vitest';
import { illFormedStringAt } from './text-input.js';

describe('illFormedStringAt', () => {
  it('names the path of the first lone surrogate, in keys too', () => {
    expect(illFormedStringAt({ a: 'fine', b: ['ok', { c: 'x\ud800' }] })).toBe('b[1].c');
    expect(illFormedStringAt({ ['k\udc00']: 1 })).toBe('k\udc00');
    expect(illFormedStringAt('\ud800')).toBe('(body)');
    expect(illFormedStringAt({ a: '😀 paired' })).toBeUndefined();
  });

  it('cuts the path of a deeply nested one to a length a message can show', () => {
    let value: unknown = '\ud800';
    for (let i = 0; i < 100_000; i++) value = [value];
    const path = illFormedStringAt({ reason: value })!;
    expect(path.startsWith('reason[0][0]')).toBe(true);
    expect(path.endsWith('…')).toBe(true);
    expect(path.length).toBeLessThan(130);
  });
});
