import { CLI_ACTOR } from './actor.js';
import { readTextFile } from '../lib/files.js';
import type { Command } from 'commander';
import { backtestRule, RULE_ACTIONS, RuleCompileError, RuleConflictError, RuleNotFoundError, RuleValidationError, ListNotFoundError, ListValueError, type RuleAction } from '../rules/index.js';
import { progress } from '../lib/progress.js';
import { openStores, servedFeatureSet, type Stores } from '../runtime/embedded.js';
import type { FeatureSet } from '../features/index.js';
import { openRules, type RulesRuntime } from '../runtime/rules.js';
import { replayDecision } from '../decisions/replay.js';
import { openService } from '../runtime/service.js';
import { checkPeriod, existingFile, UserError, parseNumberOption } from './errors.js';
import { parseDate, durationOption } from './features.js';
import { dataDirOf } from './data-dir.js';

const ACTOR = CLI_ACTOR;

/** The stores and the feature set rules are written against: no online features (nothing here reads them, and loading them replays the log). */
type RuleStores = Stores & { featureSet: FeatureSet };

async function withRules<T>(command: Command, run: (rules: RulesRuntime, embedded: RuleStores) => Promise<T>): Promise<T> {
  const stores = openStores(dataDirOf(command), { idIndex: 'first-use' });
  let embedded: RuleStores;
  try {
    // The set the server serves: a rule is checked against the features it will read.
    embedded = { ...stores, featureSet: (await servedFeatureSet(stores.featureSets)).set };
  } catch (error) {
    await stores.close();
    throw error;
  }
  try {
    return await run(await openRules(embedded), embedded);
  } catch (error) {
    if (error instanceof RuleCompileError) throw new UserError(`expression: ${error.message}`);
    if (error instanceof RuleValidationError || error instanceof RuleConflictError || error instanceof RuleNotFoundError || error instanceof ListNotFoundError || error instanceof ListValueError) {
      throw new UserError(error.message);
    }
    throw error;
  } finally {
    await embedded.close();
  }
}

function expressionOf(opts: { expression?: string; file?: string }): string {
  if (opts.file !== undefined && opts.expression !== undefined) throw new UserError('give the rule as --expression or as --file, not both');
  if (opts.file) {
    existingFile(opts.file);
    return readTextFile(opts.file);
  }
  if (!opts.expression) throw new UserError('give the rule as --expression "<CEL>" or --file <path>');
  return opts.expression;
}

function parseAction(value: string): RuleAction {
  if (!(RULE_ACTIONS as readonly string[]).includes(value)) throw new UserError(`--action must be one of ${RULE_ACTIONS.join(', ')}, got "${value}"`);
  return value as RuleAction;
}

export function registerRules(program: Command): void {
  const rules = program.command('rules').description('CEL rules: list, add, change, history, backtest (see docs/RULES.md)');

  rules
    .command('list')
    .description('Rules (latest versions), highest priority first')
    .action(async (_opts, command: Command) => {
      await withRules(command, async (r) => {
        for (const rule of await r.rules.list()) {
          const flags = [rule.enabled ? '' : 'disabled', rule.shadow ? 'shadow' : ''].filter(Boolean).join(',');
          console.log(`${rule.id.padEnd(36)} v${rule.version}  ${rule.action.padEnd(6)} p${String(rule.priority).padEnd(5)} ${flags.padEnd(16)} ${rule.expression.replace(/\s+/g, ' ')}`);
        }
      });
    });

  rules
    .command('add <id>')
    .description('Add a rule; one that does not compile is refused with the position of the error')
    .requiredOption('--name <name>', 'what a reviewer reads when it fires')
    .option('--expression <cel>', 'the CEL expression')
    .option('--file <path>', 'read the expression from a file')
    .requiredOption('--action <action>', RULE_ACTIONS.join(', '))
    .option('--priority <n>', 'higher first', parseNumberOption('--priority', -1_000_000, 1_000_000, true))
    .option('--shadow', 'evaluate and count, never act')
    .option('--description <text>', 'why the rule exists')
    .action(async (id: string, opts, command: Command) => {
      await withRules(command, async (r, embedded) => {
        const rule = await r.rules.create(
          {
            id,
            name: opts.name,
            expression: expressionOf(opts),
            action: parseAction(opts.action),
            ...(opts.priority !== undefined ? { priority: opts.priority } : {}),
            ...(opts.shadow ? { shadow: true } : {}),
            ...(opts.description ? { description: opts.description } : {}),
          },
          ACTOR,
        );
        await embedded.audit.append({ actor: ACTOR, action: 'rule.create', subject: rule.id, details: { version: rule.version, action: rule.action, expression: rule.expression, shadow: rule.shadow } });
        console.log(`added ${rule.id} v${rule.version}${rule.shadow ? ' (shadow)' : ''}; a running server on this data directory picks it up within a few seconds`);
      });
    });

  rules
    .command('update <id>')
    .description('Change a rule: a new version is stored, the old ones kept')
    .option('--name <name>')
    .option('--description <text>', 'why the rule exists')
    .option('--expression <cel>')
    .option('--file <path>')
    .option('--action <action>')
    .option('--priority <n>', 'higher first', parseNumberOption('--priority', -1_000_000, 1_000_000, true))
    .option('--shadow <on|off>', 'shadow mode on or off')
    .option('--enabled <on|off>', 'enable or disable')
    .action(async (id: string, opts, command: Command) => {
      const flag = (name: string, value: string | undefined) => {
        if (value === undefined) return undefined;
        if (value !== 'on' && value !== 'off') throw new UserError(`--${name} must be on or off`);
        return value === 'on';
      };
      const changing = ['name', 'description', 'expression', 'file', 'action', 'priority', 'shadow', 'enabled'].filter((name) => opts[name] !== undefined);
      if (changing.length === 0) throw new UserError('nothing to change: give at least one of --name, --description, --expression, --file, --action, --priority, --shadow, --enabled');
      await withRules(command, async (r, embedded) => {
        const before = await r.rules.get(id);
        const changes = {
          ...(opts.name !== undefined ? { name: opts.name as string } : {}),
          ...(opts.description !== undefined ? { description: opts.description as string } : {}),
          ...(opts.expression !== undefined || opts.file !== undefined ? { expression: expressionOf(opts) } : {}),
          ...(opts.action !== undefined ? { action: parseAction(opts.action) } : {}),
          ...(opts.priority !== undefined ? { priority: opts.priority as number } : {}),
          ...(flag('shadow', opts.shadow) !== undefined ? { shadow: flag('shadow', opts.shadow)! } : {}),
          ...(flag('enabled', opts.enabled) !== undefined ? { enabled: flag('enabled', opts.enabled)! } : {}),
        };
        const rule = await r.rules.update(id, changes, ACTOR);
        if (rule.version === before?.version) {
          console.log(`${rule.id} is unchanged (v${rule.version}): the options given are what it already holds`);
          return;
        }
        await embedded.audit.append({ actor: ACTOR, action: 'rule.update', subject: rule.id, details: { version: rule.version, changes } });
        console.log(`${rule.id} is now v${rule.version}`);
      });
    });

  rules
    .command('history <id>')
    .description('Every version of a rule, with who changed it and when')
    .action(async (id: string, _opts, command: Command) => {
      await withRules(command, async (r) => {
        const versions = await r.rules.history(id);
        if (versions.length === 0) throw new UserError(`there is no rule "${id}"`);
        for (const v of versions) console.log(`v${v.version}  ${new Date(v.updatedAt).toISOString()}  ${v.updatedBy}  ${v.action}${v.shadow ? ' shadow' : ''}${v.enabled ? '' : ' disabled'}  ${v.expression}`);
      });
    });

  rules
    .command('backtest')
    .description('Run a candidate rule over a period of the event log: hits, hit rate, precision and recall against labels, overlap with existing rules')
    .option('--expression <cel>', 'the candidate')
    .option('--file <path>', 'read the candidate from a file')
    .option('--from <date>', 'first event time', parseDate('--from'))
    .option('--to <date>', 'end (exclusive)', parseDate('--to'))
    .addOption(durationOption('--maturity <duration>', 'label horizon', '21d'))
    .option('--json', 'print the report as JSON')
    .action(async (opts, command: Command) => {
      await withRules(command, async (r, embedded) => {
        const total = await embedded.log.lastSeq();
        const bar = progress('backtest', total);
        checkPeriod(opts.from, opts.to);
        const report = await backtestRule(embedded.log, embedded.featureSet, { expression: expressionOf(opts) }, await r.rules.list({ enabledOnly: true }), {
          from: opts.from,
          to: opts.to,
          maturityMs: opts.maturity,
          lists: r.index,
          onProgress: (done) => bar.update(done),
        });
        bar.stop(`${report.rows} rows`);
        if (opts.json) {
          console.log(JSON.stringify(report, null, 2));
          return;
        }
        const pct = (x: number | null) => (x === null || !Number.isFinite(x) ? '—' : `${(100 * x).toFixed(2)}%`);
        console.log(`rows ${report.rows}, hits ${report.hits} (${pct(report.hitRate)}), errors on ${report.errors.rows} rows`);
        console.log(`labelled rows ${report.matureRows} (${report.positives} fraud): precision ${pct(report.precision)}, recall ${pct(report.recall)}`);
        for (const [currency, money] of Object.entries(report.amounts)) {
          console.log(`  ${currency}: ${money.hits.toFixed(2)} on hits, of which fraud ${money.fraud.toFixed(2)} and legitimate ${money.legitimate.toFixed(2)} (labelled rows)`);
        }
        for (const o of report.overlap) console.log(`  overlap with ${o.ruleId} v${o.version}: ${o.both} of its ${o.hits} hits${o.error ? ` (${o.error})` : ""}`);
        for (const e of report.examples) console.log(`  e.g. ${e}`);
      });
    });

  const lists = program.command('lists').description('Named lists used by rules: stolen cards, blocked devices/IPs/e-mails/users, sanctioned names, allow-lists');
  lists
    .command('show [name]')
    .description('All lists, or the entries of one')
    .action(async (name: string | undefined, _opts, command: Command) => {
      await withRules(command, async (r) => {
        if (!name) {
          for (const l of await r.lists.lists()) console.log(`${l.name.padEnd(24)} ${l.kind.padEnd(7)} ${(await r.lists.entries(l.name)).length} entries  ${l.description}`);
          return;
        }
        if (!(await r.lists.getList(name))) throw new UserError(`there is no list "${name}"`);
        for (const e of await r.lists.entries(name)) console.log(`${e.value}  ${e.note ?? ''}${e.expiresAt ? `  expires ${new Date(e.expiresAt).toISOString()}` : ''}`);
      });
    });
  lists
    .command('add <name> <values...>')
    .description('Add entries (card fingerprints, devices, IPs, e-mail addresses — stored hashed —, users, names)')
    .option('--note <text>', 'why')
    .option('--expires <date>', 'stop counting after this time', parseDate('--expires'))
    .action(async (name: string, values: string[], opts, command: Command) => {
      await withRules(command, async (r, embedded) => {
        const added = await r.lists.addEntries(name, values.map((value) => ({ value, ...(opts.note ? { note: opts.note } : {}), ...(opts.expires ? { expiresAt: opts.expires } : {}) })), ACTOR);
        await embedded.audit.append({ actor: ACTOR, action: 'list.add', subject: name, details: { values: added.map((e) => e.value) } });
        console.log(`${name}: ${added.length} ${added.length === 1 ? 'entry' : 'entries'} added or updated`);
      });
    });
  lists
    .command('remove <name> <values...>')
    .description('Remove entries')
    .action(async (name: string, values: string[], _opts, command: Command) => {
      await withRules(command, async (r, embedded) => {
        // Audited as stored (an e-mail address as its hash), never as typed: the audit trail cannot be rewritten.
        const { removed, values: stored } = await r.lists.removeEntries(name, values, ACTOR);
        if (removed > 0) await embedded.audit.append({ actor: ACTOR, action: 'list.remove', subject: name, details: { values: stored, removed } });
        console.log(`${name}: ${removed} ${removed === 1 ? 'entry' : 'entries'} removed`);
      });
    });

  program
    .command('replay <decision-id>')
    .description('Recompute a past decision from its logged request, feature vector, model and rule versions, and compare')
    .action(async (id: string, _opts, command: Command) => {
      const service = await openService(dataDirOf(command), { auditMissingDecisions: false });
      try {
        const stored = (await service.decisions.get(id)) ?? (await service.decisions.getByEvent(id));
        if (!stored) throw new UserError(`no decision "${id}"`);
        const result = await replayDecision(stored, await service.replayContext(stored.decision.feature_set_version));
        const d = result.replayed;
        console.log(`${d.decision_id} (event ${d.event_id}): ${d.action}, score ${d.score ?? '—'}, model ${d.model?.id ?? 'none'}, rules ${d.rules_version}`);
        console.log(result.equal ? 'replay equals the original decision' : `replay differs in: ${result.differences.join(', ')}`);
        if (!result.equal) process.exitCode = 1;
      } finally {
        await service.close();
      }
    });
}
