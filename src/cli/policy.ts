import { CLI_ACTOR } from './actor.js';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { evaluatePolicy, NEVER, optimizePolicy, renderExecutivePage, type CostModel, type PolicyMetrics } from '../policy/index.js';
import { openStores, type Stores } from '../runtime/embedded.js';
import type { Policy, RegisteredModel } from '../models/index.js';
import { loadModelRows } from '../runtime/evaluation-rows.js';
import { CURRENCY_CODE, SqliteSettingsStore } from '../decisions/settings.js';
import { currencySymbol } from '../report/format.js';
import { UserError, parseNumberOption } from './errors.js';
import { dataDirOf } from './data-dir.js';

const ACTOR = CLI_ACTOR;
const pct = (x: number) => (Number.isFinite(x) ? `${(100 * x).toFixed(1)}%` : '—');
const num = (x: number, digits = 0) => (Number.isFinite(x) ? x.toLocaleString('en-US', { maximumFractionDigits: digits }) : '—');
const threshold = (x: number) => (x >= NEVER ? 'never' : x.toFixed(4));

function describe(label: string, m: PolicyMetrics): string {
  return `${label}: ${num(m.reviewsPerDay, 1)} reviews/day (busiest day ${num(m.busiestDayReviews)}), fraud stopped ${pct(m.flaggedRecall)} of cases and ${pct(m.fraudStoppedShare)} of the amount, ${num(m.goodBlockedPerDay, 2)} good customers blocked/day, savings ${num(m.savings, 1)}`;
}

export interface OptimizeCommandOptions {
  capacity: number;
  costs: CostModel;
  apply: boolean;
  /** ISO 4217 code amounts are in (default: the serving settings' currency); saved with --apply. */
  currency?: string;
  actor?: string;
  /** Print the figures (the command does; `start` prints a summary line of its own). */
  verbose?: boolean;
}

/** Optimize a model's thresholds on its validation rows, write the executive page, and optionally install them. */
export async function optimizeModelPolicy(stores: Stores, model: RegisteredModel, opts: OptimizeCommandOptions): Promise<{ policy: Policy; metrics: PolicyMetrics; page: string }> {
  const dir = stores.dir;
  const rows = loadModelRows(dir, model.artifact.id);
  if (!rows || rows.validation.length === 0) throw new UserError(`model ${model.artifact.id} has no scored validation rows (models trained by riskgate train/retrain/start keep them)`);
  const result = optimizePolicy(rows.validation, { ...opts.costs, capacityPerDay: opts.capacity });
  const chosen = result.policy;
  if (opts.verbose) {
    console.log(`model ${model.artifact.id}: block at ${threshold(chosen.block)}, review from ${threshold(chosen.review)} (now: block ${threshold(model.policy.block)}, review ${threshold(model.policy.review)})`);
    console.log(describe('validation period', result.metrics));
    const i = result.intervals;
    console.log(
      `  ${Math.round(100 * i.level)}% bootstrap intervals (days resampled ${i.resamples}×): precision of what is flagged (blocked or reviewed) ${pct(i.flaggedPrecision.low)}–${pct(i.flaggedPrecision.high)}, its recall ${pct(i.flaggedRecall.low)}–${pct(i.flaggedRecall.high)}, reviews/day ${num(i.reviewsPerDay.low, 1)}–${num(i.reviewsPerDay.high, 1)}, savings ${num(i.savings.low, 1)}–${num(i.savings.high, 1)}`,
    );
    if (rows.test.length > 0) console.log(describe('test period (never seen by the optimizer)', evaluatePolicy(rows.test, chosen, { ...opts.costs, capacityPerDay: opts.capacity })));
    const pr = result.prCurve;
    console.log(`PR-curve cutoff alone (best F1 at ${threshold(pr.cutoff)}): blocking above it saves ${num(pr.blockAtCutoff.savings, 1)}; reviewing above it needs ${num(pr.reviewAtCutoff.busiestDayReviews)} reviews on the busiest day (capacity ${opts.capacity})`);
  }
  mkdirSync(join(dir, 'reports'), { recursive: true });
  const page = join(dir, 'reports', `executive-${model.artifact.id}.html`);
  const ts = rows.validation.map((r) => r.ts);
  const settings = new SqliteSettingsStore(stores.db);
  const currency = opts.currency ?? settings.load().currency;
  writeFileSync(page, renderExecutivePage({ modelName: `${model.artifact.name} v${model.version}`, modelId: model.artifact.id, period: { from: Math.min(...ts), to: Math.max(...ts) }, policy: chosen, result, currency: currencySymbol(currency) }));
  if (opts.apply) {
    const actor = opts.actor ?? ACTOR;
    // NEVER (just above 1, "block or review nothing") is the optimizer's answer, not a threshold to
    // install: the API and the console show and take probabilities in [0, 1].
    const installed = { block: Math.min(chosen.block, 1), review: Math.min(chosen.review, 1) };
    const { changed } = await stores.models.setPolicy(model.artifact.id, installed, actor);
    const before = settings.load();
    const settingsChanged = before.reviewCapacityPerDay !== opts.capacity || JSON.stringify(before.costs) !== JSON.stringify(opts.costs) || before.currency !== currency;
    if (settingsChanged) settings.save({ ...before, reviewCapacityPerDay: opts.capacity, costs: opts.costs, currency }, actor);
    // Applied again with the same outcome: nothing changed, nothing to audit.
    if (changed || settingsChanged) {
      await stores.audit.append({ actor, action: 'policy.update', subject: model.artifact.id, details: { ...installed, capacityPerDay: opts.capacity, costs: opts.costs, currency, optimized: true } });
    }
  }
  return { policy: chosen, metrics: result.metrics, page };
}

export function registerPolicy(program: Command): void {
  const policy = program.command('policy').description('Thresholds: choose the block threshold and review band for costs and review capacity');
  policy
    .command('optimize')
    .description("Choose the block threshold and review band that maximise expected savings on the model's validation period, within the daily review capacity on its busiest day")
    .option('--model <id>', 'model (default: the active one)')
    .option('--capacity <n>', 'reviews the team can do per day', parseNumberOption('--capacity', 0, 1e9, true), 1_000)
    .option('--fn-cost <x>', 'cost of a missed fraud, in false alarms', parseNumberOption('--fn-cost', 0, 1e9), 20)
    .option('--fn-cost-amount', 'a missed fraud costs its transaction amount instead')
    .option('--fp-cost <x>', 'cost of blocking a good customer', parseNumberOption('--fp-cost', 0, 1e9), 1)
    .option('--review-cost <x>', 'cost of one manual review', parseNumberOption('--review-cost', 0, 1e9), 0.2)
    .option('--currency <code>', 'ISO 4217 code of the currency amounts are in (default: the serving settings\', USD unless set)', currencyOption)
    .option('--apply', 'install the chosen thresholds for the model, and the capacity, costs and currency for the review queue and the explorer')
    .action(async (opts, command: Command) => {
      if (opts.fnCostAmount && command.getOptionValueSource('fnCost') === 'cli') throw new UserError('give --fn-cost or --fn-cost-amount, not both');
      const stores = openStores(dataDirOf(command), { idIndex: 'first-use' });
      try {
        const model = opts.model ? await stores.models.get(opts.model) : (await stores.models.list()).find((m) => m.stage === 'active');
        if (!model) throw new UserError(opts.model ? `no model with id "${opts.model}"` : 'no active model: give --model <id>');
        const costs: CostModel = { fnCost: opts.fnCostAmount ? { kind: 'amount', multiplier: 1 } : { kind: 'multiple', value: opts.fnCost }, fpCost: opts.fpCost, reviewCost: opts.reviewCost };
        const { page } = await optimizeModelPolicy(stores, model, { capacity: opts.capacity, costs, apply: opts.apply === true, verbose: true, ...(opts.currency ? { currency: opts.currency as string } : {}) });
        console.log(`executive page: ${page}`);
        if (opts.apply) console.log('applied: a running server on this data directory picks the thresholds and the capacity up within a few seconds');
      } finally {
        await stores.close();
      }
    });
}

function currencyOption(code: string): string {
  if (!CURRENCY_CODE.test(code)) throw new UserError(`--currency must be an ISO 4217 code such as USD or EUR, got "${code}"`);
  return code;
}
