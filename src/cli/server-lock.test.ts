import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { lockForServing } from './server-lock.js';

describe('one server per data directory', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rg-lock-'));
  afterEach(() => rmSync(join(dir, 'server.lock'), { force: true }));

  it('refuses a second server while the first holds the directory, and lets the next one in once it is released', () => {
    const first = lockForServing(dir);
    expect(() => lockForServing(dir)).toThrow(new RegExp(`another riskgate server \\(pid ${process.pid}\\) serves ${dir}: stop it first`));
    first.release();
    expect(existsSync(join(dir, 'server.lock'))).toBe(false);
    lockForServing(dir).release();
  });

  it('locks a directory a first start has yet to make', () => {
    const fresh = join(dir, 'not-yet');
    const lock = lockForServing(fresh);
    expect(existsSync(join(fresh, 'server.lock'))).toBe(true);
    lock.release();
  });

  it('takes over the lock of a server that is gone (killed with -9), or whose pid another program has now', () => {
    writeFileSync(join(dir, 'server.lock'), '999999999\n');
    lockForServing(dir).release();
    // The machine's init (where it is not node itself, as on this project's machines): alive, but not riskgate.
    if (existsSync('/proc/1/cmdline') && !/riskgate|node/.test(readFileSync('/proc/1/cmdline', 'utf8'))) {
      writeFileSync(join(dir, 'server.lock'), '1\n');
      lockForServing(dir).release();
    }
    writeFileSync(join(dir, 'server.lock'), 'garbage');
    lockForServing(dir).release();
  });
});
