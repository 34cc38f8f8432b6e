import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { lockForServing } from './server-lock.js';

describe('one server per data directory', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rg-lock-'));
  afterEach(() => rmSync(join(dir, 'server.lock'), { force: true }));

  it('refuses a second server while another riskgate process holds the directory, and takes over once it is gone', async () => {
    // Another riskgate process: its command line names riskgate, as `node bin/riskgate.js serve` does.
    const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)', 'riskgate-serve'], { stdio: 'ignore' });
    await new Promise((resolve) => holder.once('spawn', resolve));
    writeFileSync(join(dir, 'server.lock'), `${holder.pid}\n`);
    expect(() => lockForServing(dir)).toThrow(new RegExp(`another riskgate server \\(pid ${holder.pid}\\) serves ${dir}: stop it first`));
    holder.kill('SIGKILL');
    await new Promise((resolve) => holder.once('exit', resolve));
    const lock = lockForServing(dir);
    expect(readFileSync(join(dir, 'server.lock'), 'utf8')).toBe(`${process.pid}\n`);
    lock.release();
    expect(existsSync(join(dir, 'server.lock'))).toBe(false);
  });

  it('locks a directory a first start has yet to make', () => {
    const fresh = join(dir, 'not-yet');
    const lock = lockForServing(fresh);
    expect(existsSync(join(fresh, 'server.lock'))).toBe(true);
    lock.release();
  });

  it('takes over a lock that names this very process (a restart given its old pid), a dead one, or another program', () => {
    for (const holder of [`${process.pid}\n`, '999999999\n', 'garbage']) {
      writeFileSync(join(dir, 'server.lock'), holder);
      lockForServing(dir).release();
    }
    // The machine's init: alive, but not riskgate.
    if (existsSync('/proc/1/cmdline') && !readFileSync('/proc/1/cmdline', 'utf8').includes('riskgate')) {
      writeFileSync(join(dir, 'server.lock'), '1\n');
      lockForServing(dir).release();
    }
  });
});
