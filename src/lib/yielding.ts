// Long computations that share the event loop with a server (a backtest over months of the log) hand
// it back every few milliseconds, so decisions keep being answered meanwhile instead of waiting for
// the whole computation.
import { setImmediate } from 'node:timers/promises';

export interface Yielder {
  /** Call often (it is cheap: the clock is read every 256 calls); resolves at once unless the slice is used up. */
  (): Promise<void> | undefined;
}

/** A yielder that gives the event loop back after every `sliceMs` of work; without `sliceMs`, never. */
export function yieldingEvery(sliceMs: number | undefined): Yielder {
  if (sliceMs === undefined) return () => undefined;
  let calls = 0;
  let sliceStart = performance.now();
  return () => {
    if ((++calls & 255) !== 0 || performance.now() - sliceStart < sliceMs) return undefined;
    return setImmediate().then(() => {
      sliceStart = performance.now();
    });
  };
}
