import { existsSync, realpathSync } from 'node:fs';
import { basename, dirname, join, resolve, sep } from 'node:path';
import type { Command } from 'commander';
import { progress } from '../lib/progress.js';
import { backupDataDir, BackupError } from '../runtime/backup.js';
import { dataDirOf } from './data-dir.js';
import { UserError } from './errors.js';

export function registerBackup(program: Command): void {
  program
    .command('backup <target>')
    .description('Copy the data directory to <target> (a new directory), consistently, while a server may be running; the copy is a data directory to restore or serve')
    .action(async (target: string, _opts, command: Command) => {
      const dir = dataDirOf(command);
      const [from, to] = [realPath(dir), realPath(target)];
      if (to === from || to.startsWith(from + sep)) throw new UserError(`the backup must go outside the data directory ${dir}`);
      const bar = progress('backup', 0, 'pages');
      // Interrupted, the process exits through its 'exit' handlers, which remove the unfinished copy.
      const interrupted = (signal: NodeJS.Signals) => process.exit(signal === 'SIGINT' ? 130 : 143);
      process.once('SIGINT', interrupted).once('SIGTERM', interrupted);
      try {
        const report = await backupDataDir(dir, target, { onProgress: (done, total) => bar.update(done, total) });
        bar.stop(`${report.files.length} files, ${(report.bytes / 1e6).toFixed(1)} MB`);
        for (const file of report.files) console.log(`  ${file.name.padEnd(36)} ${(file.bytes / 1e6).toFixed(1).padStart(9)} MB`);
        console.log(`backed up ${dir} to ${target}; to restore, stop the server and serve the copy (riskgate --data ${shellQuoted(target)} serve) or move it into place`);
      } catch (error) {
        bar.stop();
        if (error instanceof BackupError) throw new UserError(error.message);
        throw error;
      } finally {
        process.off('SIGINT', interrupted).off('SIGTERM', interrupted);
      }
    });
}

/** The path with symbolic links resolved as far as it exists (a link must not smuggle the copy into the data directory). */
function realPath(path: string): string {
  let existing = resolve(path);
  const rest: string[] = [];
  while (!existsSync(existing) && dirname(existing) !== existing) {
    rest.unshift(basename(existing));
    existing = dirname(existing);
  }
  return join(realpathSync(existing), ...rest);
}

function shellQuoted(path: string): string {
  return /^[\w./@%+=:,-]+$/.test(path) ? path : `'${path.replaceAll("'", `'\\''`)}'`;
}
