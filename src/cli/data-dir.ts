// Which data directory a command works on. Only the commands that bring data in (start, simulate
// --into-log, events import) create one; the others refuse a directory that is not there, so that a
// mistyped --data is an error rather than an empty installation reported as healthy.
import { statSync } from 'node:fs';
import type { Command } from 'commander';
import { dataDir } from '../lib/config.js';
import { UserError } from './errors.js';

export function dataDirOf(command: Command, options: { create?: boolean } = {}): string {
  const option = command.optsWithGlobals<{ data?: string }>().data ?? process.env.RISKGATE_DATA;
  if (option !== undefined && option.trim() === '') throw new UserError('--data (or RISKGATE_DATA) is empty; give a directory');
  const dir = dataDir(option);
  let stats;
  try {
    stats = statSync(dir);
  } catch {
    if (options.create) return dir;
    throw new UserError(`no data directory at ${dir} (riskgate start, simulate --into-log or events import creates one; --data or RISKGATE_DATA chooses another)`);
  }
  if (!stats.isDirectory()) throw new UserError(`${dir} is not a directory (--data or RISKGATE_DATA)`);
  return dir;
}
