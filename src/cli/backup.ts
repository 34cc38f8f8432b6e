import { resolve } from 'node:path';
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
      if (resolve(target) === resolve(dir) || resolve(target).startsWith(`${resolve(dir)}/`)) throw new UserError(`the backup must go outside the data directory ${dir}`);
      const bar = progress('backup', 0, 'pages');
      try {
        const report = await backupDataDir(dir, target, { onProgress: (done, total) => bar.update(done, total) });
        bar.stop(`${report.files.length} files, ${(report.bytes / 1e6).toFixed(1)} MB`);
        for (const file of report.files) console.log(`  ${file.name.padEnd(36)} ${(file.bytes / 1e6).toFixed(1).padStart(9)} MB`);
        console.log(`backed up ${dir} to ${target}; to restore, stop the server and serve the copy (riskgate --data ${target} serve) or move it into place`);
      } catch (error) {
        bar.stop();
        if (error instanceof BackupError) throw new UserError(error.message);
        throw error;
      }
    });
}
