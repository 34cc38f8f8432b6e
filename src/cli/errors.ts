import { statSync } from 'node:fs';
import { dirname } from 'node:path';

/** A problem the user can fix (bad argument, missing file): printed without a stack, exit code 2. */
export class UserError extends Error {
  constructor(
    message: string,
    readonly exitCode = 2,
  ) {
    super(message);
  }
}

export function parseNumberOption(name: string, min: number, max: number, integer = false, below = false) {
  return (value: string): number => {
    const n = Number(value);
    // Decimal notation only (Number() also reads "0x10" and "1e1").
    const written = integer ? /^\s*[-+]?\d+\s*$/ : /^\s*[-+]?(\d+\.?\d*|\.\d+)\s*$/;
    if (!written.test(value) || !Number.isFinite(n) || (integer && !Number.isInteger(n)) || n < min || n > max || (below && n === max)) {
      const range = below ? `at least ${min} and below ${max}` : `between ${min} and ${max}`;
      throw new UserError(`${name} must be ${integer ? 'an integer' : 'a number'} ${range}, got "${value}"`);
    }
    return n;
  };
}

/** `path` if it names a regular file; otherwise a UserError saying what it is (`what`: "feature set file"). */
export function existingFile(path: string, what = 'file'): string {
  let stats;
  try {
    stats = statSync(path);
  } catch {
    throw new UserError(`no such ${what}: ${path}`);
  }
  if (!stats.isFile()) throw new UserError(`${path}: is a directory or device, not a ${what}`);
  return path;
}

/** `path` if a file can be written there: its directory exists and it is not itself a directory. */
export function writablePath(path: string, option: string): string {
  const dir = dirname(path);
  let isDirectory = false;
  try {
    isDirectory = statSync(dir).isDirectory();
  } catch {
    // reported below
  }
  if (!isDirectory) throw new UserError(`${option}: ${dir} is not a directory (create it first)`);
  try {
    if (statSync(path).isDirectory()) throw new UserError(`${option}: ${path} is a directory; give a file name`);
  } catch (error) {
    if (error instanceof UserError) throw error;
  }
  return path;
}

/** --from must come before --to (an empty period is a mistake, not a result); `exclusive`: --to is not part of it. */
export function checkPeriod(from: number | undefined, to: number | undefined, exclusive = true, names: [string, string] = ['--from', '--to']): void {
  if (from === undefined || to === undefined) return;
  if (exclusive ? from >= to : from > to) throw new UserError(`${names[0]} must come before ${names[1]}${exclusive ? ` (${names[1]} itself is not part of the period)` : ''}: the period is empty`);
}
