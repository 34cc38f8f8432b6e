// Where riskgate keeps its embedded state. One directory holds every SQLite file and snapshot.
import { join, resolve } from 'node:path';

export const DEFAULT_DATA_DIR = 'data';

export function dataDir(option?: string): string {
  return resolve(option ?? process.env.RISKGATE_DATA ?? DEFAULT_DATA_DIR);
}

export function eventLogPath(dir: string): string {
  return join(dir, 'events.db');
}
