// One server per data directory. Two would each keep their own online features and their own
// in-flight decisions: the same event sent to both at once is refused by one as a reused id, or decided
// twice. The CLI's other commands may run beside a server (they write through the stores, which the
// server reloads); only serving takes this lock. A server killed with -9 leaves its lock behind: a lock
// whose process is gone, is this process (a restarted container often gets its old pid back), or is
// not riskgate (the pid given to another program since) is taken over.
import { closeSync, linkSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from './errors.js';

export interface ServerLock {
  release(): void;
}

export function lockForServing(dir: string): ServerLock {
  mkdirSync(dir, { recursive: true, mode: 0o700 }); // a first start locks the directory before anything else makes it (its owner's alone: see ensureDirectory)
  const path = join(dir, 'server.lock');
  // Written whole beside it, then linked into place: a lock file is never seen without its pid.
  const written = `${path}.${process.pid}.tmp`;
  const fd = openSync(written, 'w', 0o644);
  try {
    writeSync(fd, `${process.pid}\n`);
  } finally {
    closeSync(fd);
  }
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        linkSync(written, path);
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw error;
        const holder = Number.parseInt(readFileSync(path, 'utf8'), 10);
        if (holder !== process.pid && isRiskgateProcess(holder)) {
          throw new UserError(`another riskgate server (pid ${holder}) serves ${dir}: stop it first; two servers on one data directory would decide an event sent to both twice`);
        }
        rmSync(path, { force: true }); // left by a process that is gone
      }
    }
  } finally {
    rmSync(written, { force: true });
  }
  let held = true;
  const release = () => {
    if (!held) return;
    held = false;
    rmSync(path, { force: true });
    process.off('exit', release);
  };
  process.on('exit', release);
  return { release };
}

function isRiskgateProcess(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  // The pid may have been given to another program since (after a reboot, say).
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('riskgate');
  } catch {
    return true; // no /proc to ask: a live process holds it
  }
}
