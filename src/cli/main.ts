// The riskgate command line. Every command has --help; bad arguments exit with code 2 and a message.
import { Command, CommanderError } from 'commander';
import { UserError } from './errors.js';
import { registerEvents } from './events.js';
import { registerFeatures } from './features.js';
import { registerModels } from './models.js';
import { registerServe } from './serve.js';
import { registerKeys } from './keys.js';
import { registerRules } from './rules.js';
import { registerAudit } from './audit.js';
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
  registerPolicy(program);
  registerSimulate(program);
  registerEvents(program);
  registerFeatures(program);
  registerModels(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    // Commands that finish with a verdict (import with rejected lines, skew found) set process.exitCode.
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version are "errors" to commander but successes to the user.
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') return 0;
      return 2;
    }
    if (error instanceof UserError) {
      process.stderr.write(`riskgate: ${error.message}\n`);
      return error.exitCode;
    }
    process.stderr.write(`riskgate: ${(error as Error).stack ?? String(error)}\n`);
    return 1;
  }
}
