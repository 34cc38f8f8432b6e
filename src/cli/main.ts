// The riskgate command line. Every command has --help; bad arguments exit with code 2 and a message.
import { Command, CommanderError } from 'commander';
import { pathToFileURL } from 'node:url';
import { DamagedFileError } from '../lib/files.js';
import { FeatureDefinitionError } from '../features/index.js';
import { UserError } from './errors.js';
import { registerEvents } from './events.js';
import { registerFeatures } from './features.js';
import { registerModels } from './models.js';
import { registerServe } from './serve.js';
import { registerKeys } from './keys.js';
import { registerRules } from './rules.js';
import { registerAudit } from './audit.js';
import { registerBackup } from './backup.js';
import { registerPolicy } from './policy.js';
import { registerSimulate } from './simulate.js';
import { registerStart } from './start.js';

export function buildProgram(): Command {
  const program = new Command('riskgate')
    .description('Real-time trust & risk decisions for online marketplaces')
    .option('--data <dir>', 'data directory for the embedded tier (env RISKGATE_DATA)', undefined)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(text) });
  registerStart(program);
  registerServe(program);
  registerKeys(program);
  registerRules(program);
  registerAudit(program);
  registerBackup(program);
  registerPolicy(program);
  registerSimulate(program);
  registerEvents(program);
  registerFeatures(program);
  registerModels(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  if (!process.stdout.listeners('error').includes(quietOnClosedPipe)) process.stdout.on('error', quietOnClosedPipe);
  try {
    await program.parseAsync(argv);
    // Commands that finish with a verdict (import with rejected lines, skew found) set process.exitCode.
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version are "errors" to commander but successes to the user; a command group
      // run without its subcommand (commander.help) shows the usage and fails.
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return 0;
      return 2;
    }
    const { message, exitCode } = describeError(error as Error);
    process.stderr.write(`riskgate: ${message}\n`);
    return exitCode;
  }
}

/** Output piped into `head`, which stops reading, is not a failure. */
function quietOnClosedPipe(error: NodeJS.ErrnoException): void {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
}

const FILE_PROBLEMS: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EISDIR: 'is a directory, not a file',
  ENOTDIR: 'a part of this path is not a directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EEXIST: 'already exists (as a file where a directory is needed?)',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on the device',
};

/** What to tell the user: problems they can fix without a stack trace (exit 2), the rest with one (exit 1). */
function describeError(error: Error): { message: string; exitCode: number } {
  if (error instanceof UserError) return { message: error.message, exitCode: error.exitCode };
  const { code, path } = error as NodeJS.ErrnoException;
  if (code !== undefined && FILE_PROBLEMS[code] !== undefined) return { message: `${path ?? 'a file'}: ${FILE_PROBLEMS[code]}`, exitCode: 2 };
  if (error instanceof DamagedFileError || error instanceof FeatureDefinitionError) return { message: error.message, exitCode: 2 };
  if (error.name === 'SqliteError') {
    // A read-only directory: SQLite cannot open a database in WAL mode there (its -shm file cannot be made).
    if (code === 'SQLITE_CANTOPEN') return { message: `SQLite cannot open a database in the data directory (${error.message}): is the directory read-only for this user? riskgate needs to write there, even to read`, exitCode: 2 };
    if (/readonly database/.test(error.message) || code === 'SQLITE_READONLY') return { message: 'the data directory is read-only for this user (SQLite cannot write there)', exitCode: 2 };
    if (/database is locked|SQLITE_BUSY/.test(error.message) || code === 'SQLITE_BUSY') return { message: 'another riskgate process held the database too long; try again', exitCode: 1 };
  }
  if (/^IO Error: Cannot open file/.test(error.message)) return { message: error.message, exitCode: 2 };
  return { message: error.stack ?? String(error), exitCode: 1 };
}

/**
 * main() for a process of its own (bin/riskgate.js). A failed command ends the process even when
 * something it opened was left open (a worker thread, a socket), which would otherwise keep it alive
 * after its message, looking to a supervisor as if it ran.
 */
export async function runAsProcess(argv: string[]): Promise<void> {
  process.exitCode = await main(argv);
  if (process.exitCode !== 0) setTimeout(() => process.exit(), 2_000).unref();
}

// Run as a script (`npx tsx src/cli/main.ts …` from a checkout): the same as bin/riskgate.js, without a build.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await runAsProcess(process.argv);
}
