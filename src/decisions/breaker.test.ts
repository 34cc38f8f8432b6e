import { describe, expect, it } from 'vitest';
import { CircuitBreaker, StageUnavailable } from './breaker.js';

const failing = () => Promise.reject(new Error('store down'));
const reasonOf = (promise: Promise<unknown>) =>
  promise.then(
    () => 'ok',
    (error: unknown) => (error instanceof StageUnavailable ? error.reason : `unexpected ${String(error)}`),
  );

describe('circuit breaker', () => {
  it('opens after consecutive failures, fails fast while open, and a trial after the cool-down closes or reopens it', async () => {
    let clock = 0;
    const breaker = new CircuitBreaker('features', { failureThreshold: 3, cooldownMs: 1_000, now: () => clock });
    for (let i = 0; i < 3; i++) expect(await reasonOf(breaker.run(failing, 50))).toBe('error');
    expect(breaker.state).toBe('open');
    let called = false;
    expect(await reasonOf(breaker.run(() => (called = true), 50))).toBe('breaker_open');
    expect(called).toBe(false);
    clock = 1_000;
    expect(breaker.state).toBe('half_open');
    expect(await reasonOf(breaker.run(failing, 50))).toBe('error'); // the trial fails: open again
    expect(breaker.state).toBe('open');
    clock = 2_000;
    expect(await reasonOf(breaker.run(() => 'fine', 50))).toBe('ok');
    expect(breaker.state).toBe('closed');
  });

  it('counts the failures of calls that were under way together as one (one stall, not many failures)', async () => {
    const breaker = new CircuitBreaker('features', { failureThreshold: 5 });
    let release!: (error: Error) => void;
    const stall = new Promise<never>((_, reject) => (release = reject));
    const together = Array.from({ length: 16 }, () => reasonOf(breaker.run(() => stall, 1_000)));
    release(new Error('commit failed'));
    expect(await Promise.all(together)).toEqual(Array(16).fill('error'));
    expect(breaker.state).toBe('closed');
    // Four more failures, each begun after the one before it failed: five in a row, and it opens.
    for (let i = 0; i < 3; i++) await reasonOf(breaker.run(failing, 50));
    expect(breaker.state).toBe('closed');
    await reasonOf(breaker.run(failing, 50));
    expect(breaker.state).toBe('open');
  });

  it('times out work that outlasts its budget, and a success resets the count', async () => {
    const breaker = new CircuitBreaker('model', { failureThreshold: 2 });
    expect(await reasonOf(breaker.run(() => new Promise((resolve) => setTimeout(resolve, 200)), 10))).toBe('timeout');
    expect(await reasonOf(breaker.run(() => 1, 10))).toBe('ok');
    expect(await reasonOf(breaker.run(failing, 10))).toBe('error');
    expect(breaker.state).toBe('closed');
  });
});
