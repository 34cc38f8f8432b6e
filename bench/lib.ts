// Shared helpers for the benchmarks: machine description, medians of repeated runs, result lines.
import { cpus, totalmem } from 'node:os';

export function machine(): string {
  const cpu = cpus();
  return `${cpu[0]?.model ?? 'unknown cpu'} × ${cpu.length}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function quantile(sorted: Float64Array | number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i]!;
}

/** Run `fn` `runs` times (after `warmup` unmeasured runs) and return each run's result. */
export async function repeat<T>(runs: number, fn: (run: number) => Promise<T> | T, warmup = 1): Promise<T[]> {
  for (let i = 0; i < warmup; i++) await fn(-1 - i);
  const out: T[] = [];
  for (let i = 0; i < runs; i++) out.push(await fn(i));
  return out;
}

export function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

/** One machine-readable line (prefixed so it can be grepped from the human output). */
export function report(name: string, result: Record<string, unknown>): void {
  console.log(`RESULT ${JSON.stringify({ bench: name, machine: machine(), date: new Date().toISOString(), ...result })}`);
}
