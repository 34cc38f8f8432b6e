// Where riskgate keeps its embedded state. One directory holds every SQLite file and snapshot.
import { join, resolve } from 'node:path';
import type { Durability } from './sqlite.js';

export const DEFAULT_DATA_DIR = 'data';

export function dataDir(option?: string): string {
  return resolve(option ?? process.env.RISKGATE_DATA ?? DEFAULT_DATA_DIR);
}

export function eventLogPath(dir: string): string {
  return join(dir, 'events.db');
}

/**
 * How acknowledged writes (events, decisions) are made durable. `os` (default): committed to the
 * SQLite WAL through the OS before the acknowledgement — survives a crash of the process (kill -9),
 * not a power cut (the WAL is fsynced at checkpoints). `fsync`: every commit is fsynced — survives a
 * power cut too, at 1–3 ms per commit on this kind of machine. Env RISKGATE_DURABILITY.
 */
export function durability(): Durability {
  const value = process.env.RISKGATE_DURABILITY ?? 'os';
  if (value !== 'os' && value !== 'fsync') throw new Error(`RISKGATE_DURABILITY must be "os" or "fsync", got "${value}"`);
  return value;
}
