import { CLI_ACTOR } from './actor.js';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { readTextFile } from '../lib/files.js';
import { join } from 'node:path';
import type { Command } from 'commander';
import type { FeatureSet} from '../features/index.js';
import { buildTrainingSet, FeatureDefinitionError, labelledBeforeRowWarning, type TrainingSet } from '../features/index.js';
import {
  createScorer,
  DEFAULT_POLICY,
  evaluateRows,
  ModelFeatureMismatch,
  ModelInputError,
  RegistryError,
  rowForEvaluation,
  sealArtifact,
  STAGES,
  summary,
  trainModel,
  validatePolicy,
  type EvaluationReport,
  type ModelArtifact,
  type Policy,
  type RegisteredModel,
  type Stage,
} from '../models/index.js';
import { importXgboostJson } from '../models/xgboost/index.js';
import { renderEvaluationHtml } from '../models/report.js';
import { progress } from '../lib/progress.js';
import { fileFeatureSet, openStores, registeredFeatureSet, servedFeatureSet, type Stores } from '../runtime/embedded.js';
import { saveModelRows } from '../runtime/evaluation-rows.js';
import { promotionRefusal } from '../runtime/serving.js';
import { SqliteSettingsStore } from '../decisions/settings.js';
import { checkPeriod, existingFile, writablePath, UserError, parseNumberOption } from './errors.js';
import { loadSpec, parseDate, durationOption } from './features.js';
import { dataDirOf } from './data-dir.js';

const ACTOR = CLI_ACTOR;

/** Register a model, and say so in the audit trail (as promotions and policy changes are). */
async function registerAudited(stores: Stores, artifact: ModelArtifact, actor: string): Promise<RegisteredModel> {
  const registered = await stores.models.register(artifact, actor);
  await stores.audit.append({ actor, action: 'model.register', subject: artifact.id, details: { name: artifact.name, version: registered.version, kind: artifact.body.kind, feature_set: artifact.featureSetVersion } });
  return registered;
}

function dirOf(command: Command): string {
  return dataDirOf(command);
}

/** The model line a server on this data directory serves (settings' model_name). */
/** What a promotion's audit entry says, as the admin API writes it: the share applied (a canary without one gets the default) and every model whose stage changed. */
function promotionDetails(id: string, stage: string, changed: readonly RegisteredModel[]): Record<string, unknown> {
  return { stage, canary_share: changed.find((m) => m.artifact.id === id)?.canaryShare ?? null, changed: changed.map((m) => [m.artifact.id, m.stage]) };
}

function servedLine(stores: Stores): string {
  return new SqliteSettingsStore(stores.db).load().modelName;
}

async function withStores<T>(command: Command, run: (stores: Stores) => Promise<T>): Promise<T> {
  const stores = openStores(dirOf(command), { idIndex: 'first-use' });
  try {
    return await run(stores);
  } catch (error) {
    if (error instanceof RegistryError || error instanceof ModelInputError || error instanceof ModelFeatureMismatch || error instanceof FeatureDefinitionError) throw new UserError(error.message);
    throw error;
  } finally {
    await stores.close();
  }
}

/** The feature set a command works with: a registered version, a JSON file, or the built-in one. */
async function resolveSet(stores: Stores, command: Command, version?: string): Promise<FeatureSet> {
  if (version === undefined) {
    const file = command.optsWithGlobals<{ featureSet?: string }>().featureSet;
    return file !== undefined ? fileFeatureSet(loadSpec(file), stores.featureSets) : (await servedFeatureSet(stores.featureSets)).set;
  }
  const registered = await registeredFeatureSet(stores.featureSets, version);
  if (!registered) {
    const known = (await stores.featureSets.list()).map((r) => r.version).join(', ') || 'none';
    throw new UserError(`feature set version "${version}" does not exist (registered: ${known})`);
  }
  return registered.set;
}

async function trainingSet(stores: Stores, set: FeatureSet, opts: { from?: number; to?: number; maturity: number }): Promise<TrainingSet> {
  checkPeriod(opts.from, opts.to);
  const total = await stores.log.lastSeq();
  const bar = progress('training set', total);
  // Pauses now and then: `start` trains while its port answers health checks (server/starting.ts).
  const training = await buildTrainingSet(stores.log, set, { from: opts.from, to: opts.to, maturityMs: opts.maturity, yieldEveryMs: 50, onProgress: (done) => bar.update(done) });
  const mature = training.labels.reduce((n, l) => n + (l === -1 ? 0 : 1), 0);
  bar.stop(`${training.rows} rows, ${mature} mature`);
  const warning = labelledBeforeRowWarning(training, set);
  if (warning) console.log(warning);
  return training;
}

function reportPaths(dir: string, name: string): { html: string; json: string } {
  const reports = join(dir, 'reports');
  mkdirSync(reports, { recursive: true });
  return { html: join(reports, `${name}.html`), json: join(reports, `${name}.json`) };
}

/** A canary's share, above 0 and below 1, as the admin API takes it. */
function parseShare(value: string): number {
  const share = Number(value);
  if (!/^\s*(\d+\.?\d*|\.\d+)\s*$/.test(value) || !(share > 0 && share < 1)) throw new UserError(`--share must be a number above 0 and below 1 (0.1 sends a tenth of the users to the canary), got "${value}"`);
  return share;
}

export function formatModel(m: RegisteredModel): string {
  const test = (m.artifact.metrics.test ?? {}) as { auc?: number; averagePrecision?: number };
  const share = m.stage === 'canary' && m.canaryShare !== null ? ` ${(100 * m.canaryShare).toFixed(0)}%` : '';
  return `${m.artifact.id}  ${m.artifact.name} v${m.version}  ${(m.stage + share).padEnd(11)} ${m.artifact.body.kind.padEnd(8)} ${m.artifact.featureSetVersion}  AUC ${fmt(test.auc)} AP ${fmt(test.averagePrecision)}  block ≥ ${fmt(m.policy.block)} review ≥ ${fmt(m.policy.review)}`;
}

const fmt = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(4));

function parsePolicy(opts: { block?: number; review?: number }, fallback: Policy): Policy {
  const policy = { block: opts.block ?? fallback.block, review: opts.review ?? fallback.review };
  const problem = validatePolicy(policy);
  if (problem) {
    // A threshold left out is the model's own: say so, rather than name an option never given.
    if (policy.review > policy.block && opts.review === undefined) throw new UserError(`--block ${policy.block} is below the model's review threshold (${fallback.review}): give --review too`);
    if (policy.review > policy.block && opts.block === undefined) throw new UserError(`--review ${policy.review} is above the model's block threshold (${fallback.block}): give --block too`);
    throw new UserError(problem.replace('policy.block', '--block').replace('policy.review', '--review'));
  }
  return policy;
}

export interface TrainCommandOptions {
  name: string;
  kind: 'gbdt' | 'logistic';
  from?: number;
  to?: number;
  maturity: number;
  gap: number;
  calibration: 'auto' | 'platt' | 'isotonic';
  block?: number;
  review?: number;
  reviewsPerDay: number;
}

/** Build the training set, train, calibrate, evaluate, register a candidate and write its report. */
export async function trainAndRegister(stores: Stores, set: FeatureSet, opts: TrainCommandOptions, actor = ACTOR): Promise<RegisteredModel> {
  const policy = parsePolicy(opts, DEFAULT_POLICY); // before the minutes a training set takes
  const training = await trainingSet(stores, set, opts);
  const trained = await trainModel(training, {
    name: opts.name,
    kind: opts.kind,
    gapMs: opts.gap,
    calibration: opts.calibration,
    policy,
    evaluation: { reviewsPerDay: opts.reviewsPerDay, threshold: policy.block },
    onProgress: (message) => process.stderr.write(`train: ${message}\n`),
  });
  const registered = await registerAudited(stores, trained.artifact, actor);
  saveModelRows(stores.dir, { modelId: registered.artifact.id, validation: trained.validationRows, test: trained.testRows });
  const paths = reportPaths(stores.dir, registered.artifact.id);
  writeFileSync(paths.json, JSON.stringify({ model: registered.artifact.id, split: trained.split, counts: trained.counts, grid: trained.grid, calibration: trained.calibrationChoice, test: trained.test }, null, 2));
  writeFileSync(
    paths.html,
    renderEvaluationHtml(trained.test, {
      title: `${registered.artifact.name} v${registered.version} — test period`,
      model: { id: registered.artifact.id, version: String(registered.version), type: registered.artifact.body.kind, featureSetVersion: registered.artifact.featureSetVersion },
    }),
  );
  console.log(`registered ${formatModel(registered)}`);
  const t = summary(trained.test);
  console.log(`test period: ${t.rows} rows, ${t.positives} fraud — ROC AUC ${fmt(t.auc)}, AP ${fmt(t.averagePrecision)}, ECE ${fmt(t.ece)}, at ${t.reviewsPerDay} reviews/day precision ${fmt(t.precisionAtVolume)} recall ${fmt(t.recallAtVolume)}`);
  console.log(`report: ${paths.html}\n        ${paths.json}`);
  return registered;
}

export function registerModels(program: Command): void {
  program
    .command('train')
    .description('Train, calibrate and evaluate a model on a point-in-time training set split by time; register it as a candidate')
    .option('--name <name>', 'model line', modelLineName, 'checkout')
    .option('--kind <kind>', 'gbdt or logistic', 'gbdt')
    .option('--feature-set-version <version>', 'train on a registered feature set version (default: the one served)')
    .option('--from <date>', 'first event time of the rows', parseDate('--from'))
    .option('--to <date>', 'end of the rows (exclusive)', parseDate('--to'))
    .addOption(durationOption('--maturity <duration>', 'label horizon: rows younger than this are left out', '21d'))
    .addOption(durationOption('--gap <duration>', 'time left out between the training and validation periods (the label delay)', '7d'))
    .option('--calibration <method>', 'auto, platt or isotonic', 'auto')
    .option('--block <p>', 'block at or above this calibrated probability', parseNumberOption('--block', 0, 1))
    .option('--review <p>', 'review at or above this calibrated probability', parseNumberOption('--review', 0, 1))
    .option('--reviews-per-day <n>', 'review volume for precision/recall at volume', parseNumberOption('--reviews-per-day', 1, 1e7, true), 50)
    .option('--promote <stage>', 'promote the new model right away (shadow, canary or active)')
    .action(async (opts, command: Command) => {
      if (!['gbdt', 'logistic'].includes(opts.kind)) throw new UserError(`--kind must be gbdt or logistic, got "${opts.kind}"`);
      if (!['auto', 'platt', 'isotonic'].includes(opts.calibration)) throw new UserError(`--calibration must be auto, platt or isotonic, got "${opts.calibration}"`);
      if (opts.promote !== undefined && !['shadow', 'canary', 'active'].includes(opts.promote)) throw new UserError(`--promote must be shadow, canary or active, got "${opts.promote}"`);
      await withStores(command, async (stores) => {
        const set = await resolveSet(stores, command, opts.featureSetVersion);
        const registered = await trainAndRegister(stores, set, opts);
        if (opts.promote) {
          const refusal = await promotionRefusal(registered, opts.promote, await resolveSet(stores, command), stores.featureSets, servedLine(stores));
          if (refusal) throw new UserError(`${refusal} (registered as a candidate, not promoted)`);
          const changed = await stores.models.promote(registered.artifact.id, opts.promote, { actor: ACTOR });
          await stores.audit.append({ actor: ACTOR, action: 'model.promote', subject: registered.artifact.id, details: promotionDetails(registered.artifact.id, opts.promote, changed) });
          for (const m of changed) console.log(`stage: ${formatModel(m)}`);
        }
      });
    });

  program
    .command('retrain')
    .description('Train a new candidate on the latest labels (reviewer verdicts and chargebacks included) and report it beside the active model on the same test period')
    .option('--name <name>', 'model line', modelLineName, 'checkout')
    .option('--from <date>', 'first event time of the rows', parseDate('--from'))
    .option('--to <date>', 'end of the rows (exclusive)', parseDate('--to'))
    .addOption(durationOption('--maturity <duration>', 'label horizon: rows younger than this are left out', '21d'))
    .addOption(durationOption('--gap <duration>', 'time between the training and validation periods', '7d'))
    .option('--reviews-per-day <n>', 'review volume for precision/recall at volume', parseNumberOption('--reviews-per-day', 1, 1e7, true), 50)
    .action(async (opts, command: Command) => {
      await withStores(command, async (stores) => {
        const active = (await stores.models.list(opts.name)).find((m) => m.stage === 'active');
        const set = await resolveSet(stores, command);
        const training = await trainingSet(stores, set, opts);
        const trained = await trainModel(training, {
          name: opts.name,
          gapMs: opts.gap,
          policy: active?.policy ?? DEFAULT_POLICY,
          evaluation: { reviewsPerDay: opts.reviewsPerDay, threshold: (active?.policy ?? DEFAULT_POLICY).block },
          onProgress: (message) => process.stderr.write(`retrain: ${message}\n`),
        });
        const candidate = await registerAudited(stores, trained.artifact, ACTOR);
        saveModelRows(stores.dir, { modelId: candidate.artifact.id, validation: trained.validationRows, test: trained.testRows });
        console.log(`registered candidate ${formatModel(candidate)}`);
        let comparison: { name: string; report: EvaluationReport } | undefined;
        if (active) {
          // The active model on exactly the candidate's test rows.
          const scorer = await createScorer(active.artifact, { version: set.version, vectorNames: set.vectorNames, alsoServes: new Set([active.artifact.featureSetVersion]) });
          const width = training.names.length;
          const rows = [];
          for (let r = 0; r < training.rows; r++) {
            if (training.labels[r] === -1 || training.ts[r]! < trained.split.testStart) continue;
            rows.push(rowForEvaluation(training, r, (await scorer.score(training.x.subarray(r * width, (r + 1) * width))).probability));
          }
          comparison = { name: `${active.artifact.name} v${active.version} (active)`, report: evaluateRows(rows, { reviewsPerDay: opts.reviewsPerDay, threshold: active.policy.block }) };
          const a = comparison.report.overall;
          const c = trained.test.overall;
          console.log(`test period ${new Date(trained.split.testStart).toISOString().slice(0, 10)}…: candidate AUC ${fmt(c.auc)} AP ${fmt(c.averagePrecision)} ECE ${fmt(c.ece)} | active AUC ${fmt(a.auc)} AP ${fmt(a.averagePrecision)} ECE ${fmt(a.ece)}`);
        } else {
          console.log('no active model to compare with');
        }
        const paths = reportPaths(stores.dir, `retrain-${candidate.artifact.id}`);
        writeFileSync(paths.json, JSON.stringify({ candidate: candidate.artifact.id, active: active?.artifact.id ?? null, test: trained.test, activeOnSameRows: comparison?.report ?? null }, null, 2));
        writeFileSync(
          paths.html,
          renderEvaluationHtml(trained.test, {
            title: `${candidate.artifact.name} v${candidate.version} (candidate) beside the active model`,
            model: { id: candidate.artifact.id, version: String(candidate.version), type: candidate.artifact.body.kind, featureSetVersion: candidate.artifact.featureSetVersion },
            ...(comparison ? { compareWith: comparison } : {}),
          }),
        );
        console.log(`report: ${paths.html}\nnext: riskgate models promote ${candidate.artifact.id} shadow   (then canary, then active)`);
      });
    });

  program
    .command('evaluate <model-id>')
    .description('Evaluate a registered model on a period of the log: metrics, segments, JSON and an HTML report')
    .option('--from <date>', 'first event time of the rows (default: the start of the log, the model\'s training rows included)', parseDate('--from'))
    .option('--to <date>', 'end of the rows, exclusive (default: the end of the log)', parseDate('--to'))
    .addOption(durationOption('--maturity <duration>', 'label horizon', '21d'))
    .option('--reviews-per-day <n>', 'review volume for precision/recall at volume', parseNumberOption('--reviews-per-day', 1, 1e7, true), 50)
    .option('--fn-cost <x>', 'cost of a missed fraud, in false alarms', parseNumberOption('--fn-cost', 0, 1e9), 20)
    .option('--compare <model-id>', 'a second model to show beside it (e.g. the active one)')
    .option('--json <file>', 'write the report as JSON here')
    .option('--html <file>', 'write the HTML report here')
    .action(async (modelId: string, opts, command: Command) => {
      if (opts.json) writablePath(opts.json, '--json');
      if (opts.html) writablePath(opts.html, '--html');
      await withStores(command, async (stores) => {
        const model = await stores.models.get(modelId);
        if (!model) throw new UserError(`no model with id "${modelId}" (see: riskgate models list)`);
        const other = opts.compare ? await stores.models.get(opts.compare) : undefined;
        if (opts.compare && !other) throw new UserError(`no model with id "${opts.compare}"`);
        const set = await resolveSet(stores, command, model.artifact.featureSetVersion);
        const training = await trainingSet(stores, set, opts);
        const evaluate = async (artifact: ModelArtifact): Promise<EvaluationReport> => {
          const scorer = await createScorer(artifact, set);
          const width = training.names.length;
          const rows = [];
          for (let r = 0; r < training.rows; r++) {
            if (training.labels[r] === -1) continue;
            const { probability } = await scorer.score(training.x.subarray(r * width, (r + 1) * width));
            rows.push(rowForEvaluation(training, r, probability));
          }
          if (rows.length === 0) throw new UserError('nothing to evaluate: the period has no labelled rows (widen --from/--to, or wait for labels to mature)');
          return evaluateRows(rows, { reviewsPerDay: opts.reviewsPerDay, fnCost: opts.fnCost, threshold: model.policy.block });
        };
        const report = await evaluate(model.artifact);
        const comparison = other ? { name: `${other.artifact.name} v${other.version} (${other.stage})`, report: await evaluate(other.artifact) } : undefined;
        const paths = reportPaths(stores.dir, `evaluate-${modelId}`);
        const html = opts.html ?? paths.html;
        const json = opts.json ?? paths.json;
        writeFileSync(json, JSON.stringify({ model: modelId, report, comparison }, null, 2));
        writeFileSync(html, renderEvaluationHtml(report, { title: `${model.artifact.name} v${model.version} — evaluation`, model: { id: modelId, version: String(model.version), type: model.artifact.body.kind, featureSetVersion: model.artifact.featureSetVersion }, ...(comparison ? { compareWith: comparison } : {}) }));
        const s = summary(report);
        console.log(`${modelId}: ${s.rows} rows, ${s.positives} fraud — ROC AUC ${fmt(s.auc)}, AP ${fmt(s.averagePrecision)}, ECE ${fmt(s.ece)}, Brier ${fmt(s.brier)}`);
        console.log(`at ${s.reviewsPerDay} reviews/day: precision ${fmt(s.precisionAtVolume)}, recall ${fmt(s.recallAtVolume)}; entity-precision@${report.entityPrecision.k}/day ${fmt(report.entityPrecision.precision)}`);
        console.log(`expected cost (missed fraud = ${report.cost.fnCost} false alarms) at block ≥ ${model.policy.block}: ${report.cost.atThreshold.cost}; best ${Number.isFinite(report.cost.best.threshold) ? `threshold ${fmt(report.cost.best.threshold)}` : 'to block nothing'}: ${report.cost.best.cost}`);
        for (const [segment, rows] of Object.entries(report.segments)) {
          console.log(`by ${segment}: ${Object.entries(rows).slice(0, 8).map(([k, v]) => `${k} AUC ${fmt(v.auc)} (${v.positives}/${v.rows})`).join('; ')}`);
        }
        if (comparison) console.log(`compared with ${comparison.name}: ROC AUC ${fmt(comparison.report.overall.auc)}, AP ${fmt(comparison.report.overall.averagePrecision)}`);
        const trained = model.artifact.training;
        if (trained.to !== undefined && (opts.from ?? -Infinity) < trained.to && (opts.to ?? Infinity) > (trained.from ?? -Infinity)) {
          const end = new Date(trained.to).toISOString();
          console.log(`note: the period overlaps the rows the model was trained on (before ${end}), so these figures are optimistic; --from ${end} or later measures it on rows it was not trained on`);
        }
        console.log(`report: ${html}\n        ${json}`);
      });
    });

  const models = program.command('models').description('The model registry: list, describe, promote, roll back, import XGBoost and ONNX models');

  models
    .command('list')
    .description('Registered models with stage, kind, feature set and test metrics')
    .option('--name <name>', 'only this model line', modelLineName)
    .action(async (opts, command: Command) => {
      await withStores(command, async (stores) => {
        const list = await stores.models.list(opts.name);
        if (list.length === 0) console.log('no models registered (riskgate train registers one)');
        for (const m of list) console.log(formatModel(m));
      });
    });

  models
    .command('describe <model-id>')
    .description('One model: artifact metadata, metrics, calibration, stage history')
    .action(async (id: string, _opts, command: Command) => {
      await withStores(command, async (stores) => {
        const m = await stores.models.get(id);
        if (!m) throw new UserError(`no model with id "${id}"`);
        const { body, ...meta } = m.artifact;
        console.log(formatModel(m));
        console.log(JSON.stringify({ ...meta, calibration: meta.calibration.kind === 'isotonic' ? { kind: 'isotonic', knots: meta.calibration.x.length } : meta.calibration, body: body.kind }, null, 2));
        for (const h of (await stores.models.history(m.artifact.name)).filter((c) => c.modelId === id)) {
          console.log(`${new Date(h.at).toISOString()}  ${h.from ?? '(new)'} → ${h.to}${h.canaryShare !== null ? ` ${h.canaryShare}` : ''}  by ${h.actor}`);
        }
      });
    });

  models
    .command('promote <model-id> <stage>')
    .description(`Move a model to a stage (${STAGES.filter((s) => s !== 'candidate').join(', ')}); a new active model retires the old one`)
    .option('--share <x>', 'canary: share of traffic by stable user hash', parseShare)
    .action(async (id: string, stage: string, opts, command: Command) => {
      if (!(STAGES as readonly string[]).includes(stage) || stage === 'candidate') throw new UserError(`stage must be one of shadow, canary, active, retired; got "${stage}"`);
      await withStores(command, async (stores) => {
        // What the server would refuse to load must not replace what it serves (see promotionRefusal).
        const model = await stores.models.get(id);
        const refusal = model ? await promotionRefusal(model, stage as Exclude<Stage, 'candidate'>, await resolveSet(stores, command), stores.featureSets, servedLine(stores)) : null;
        if (refusal) throw new UserError(refusal);
        const changed = await stores.models.promote(id, stage as Exclude<Stage, 'candidate'>, { actor: ACTOR, canaryShare: opts.share });
        if (changed.length === 0) {
          console.log(`${formatModel(model!)}: unchanged, it is ${stage} already`);
          return;
        }
        await stores.audit.append({ actor: ACTOR, action: 'model.promote', subject: id, details: promotionDetails(id, stage, changed) });
        for (const m of changed) console.log(formatModel(m));
      });
    });

  models
    .command('rollback')
    .description('Retire the active model and bring back the one that was active before it')
    .option('--name <name>', 'model line', modelLineName, 'checkout')
    .action(async (opts, command: Command) => {
      await withStores(command, async (stores) => {
        const refusal = await promotionRefusal(await stores.models.rollbackTarget(opts.name), 'active', await resolveSet(stores, command), stores.featureSets, servedLine(stores));
        if (refusal) throw new UserError(refusal);
        const changed = await stores.models.rollback(opts.name, ACTOR);
        await stores.audit.append({ actor: ACTOR, action: 'model.rollback', subject: opts.name, details: { changed: changed.map((m) => [m.artifact.id, m.stage]) } });
        for (const m of changed) console.log(formatModel(m));
      });
    });

  models
    .command('policy <model-id>')
    .description("Change a model's block threshold and review band (calibrated probabilities)")
    .option('--block <p>', 'block at or above', parseNumberOption('--block', 0, 1))
    .option('--review <p>', 'review at or above', parseNumberOption('--review', 0, 1))
    .action(async (id: string, opts, command: Command) => {
      await withStores(command, async (stores) => {
        if (opts.block === undefined && opts.review === undefined) throw new UserError('nothing to change: give --block and/or --review');
        const m = await stores.models.get(id);
        if (!m) throw new UserError(`no model with id "${id}"`);
        const { model: updated, changed } = await stores.models.setPolicy(id, parsePolicy(opts, m.policy), ACTOR);
        if (!changed) {
          console.log(`${id}: the policy is already block ≥ ${updated.policy.block}, review ≥ ${updated.policy.review}; nothing changed`);
          return;
        }
        await stores.audit.append({ actor: ACTOR, action: 'policy.update', subject: id, details: { ...updated.policy } });
        console.log(formatModel(updated));
      });
    });

  models
    .command('import-xgboost <file>')
    .description('Register an XGBoost JSON model (save_model, binary:logistic); its feature names must be features the set serves')
    .option('--name <name>', 'model line', modelLineName, 'checkout')
    .option('--map <file>', 'JSON object renaming the model\'s feature names to riskgate feature names')
    .option('--inputs <names>', 'comma-separated feature names, when the model file has none')
    .option('--block <p>', 'block threshold', parseNumberOption('--block', 0, 1))
    .option('--review <p>', 'review threshold', parseNumberOption('--review', 0, 1))
    .action(async (file: string, opts, command: Command) => {
      existingFile(file);
      await withStores(command, async (stores) => {
        const set = await resolveSet(stores, command);
        const model = importXgboostJson(readFileSync(file, 'utf8'));
        const named = model.featureNames.some((name, i) => name !== `f${i}`);
        if (opts.inputs && named && String(opts.inputs).split(',').map((s) => s.trim()).join(',') !== model.featureNames.join(',')) {
          // Its trees split on columns in the file's order: other names would read the wrong features.
          throw new UserError(`the model names its features (${model.featureNames.slice(0, 5).join(', ')}${model.featureNames.length > 5 ? ', …' : ''}); --inputs is for a model without names — rename them with --map`);
        }
        const inputs = renameInputs(opts.inputs ? String(opts.inputs).split(',').map((s) => s.trim()) : model.featureNames, opts.map);
        if (inputs.length !== model.featureNames.length) throw new UserError(`--inputs names ${inputs.length} features; the model has ${model.featureNames.length}`);
        const artifact = sealArtifact({
          name: opts.name,
          createdAt: Date.now(),
          featureSetVersion: set.version,
          inputs,
          body: { kind: 'gbdt', model },
          calibration: { kind: 'identity' },
          policy: parsePolicy(opts, DEFAULT_POLICY),
          training: { source: 'xgboost', notes: `imported from ${file}` },
          metrics: {},
        });
        await createScorer(artifact, set); // refuses a model needing a feature the set does not serve
        console.log(`registered ${formatModel(await registerAudited(stores, artifact, ACTOR))}`);
      });
    });

  models
    .command('import-onnx <file>')
    .description('Register an ONNX model through onnxruntime-node; --inputs names the feature set features it reads, in order')
    .requiredOption('--inputs <names>', 'comma-separated feature names, in the model input order')
    .option('--name <name>', 'model line', modelLineName, 'checkout')
    .option('--output <kind>', 'what the chosen output holds: probability or margin', 'probability')
    .option('--output-name <name>', 'which graph output to read (default: the one named like --output, else the last)')
    .option('--block <p>', 'block threshold', parseNumberOption('--block', 0, 1))
    .option('--review <p>', 'review threshold', parseNumberOption('--review', 0, 1))
    .action(async (file: string, opts, command: Command) => {
      existingFile(file);
      if (!['probability', 'margin'].includes(opts.output)) throw new UserError('--output must be probability or margin');
      await withStores(command, async (stores) => {
        const set = await resolveSet(stores, command);
        const { inspectOnnx, OnnxOutputError } = await import('../models/onnx.js');
        const bytes = readFileSync(file);
        let signature;
        try {
          signature = await inspectOnnx(bytes);
        } catch (error) {
          throw new UserError(`${file} is not a loadable ONNX model: ${(error as Error).message}`);
        }
        const inputs = String(opts.inputs).split(',').map((s) => s.trim());
        if (signature.width !== undefined && signature.width !== inputs.length) {
          throw new UserError(`the model takes ${signature.width} features per row; --inputs names ${inputs.length}`);
        }
        const outputName = opts.outputName ?? (signature.outputs.includes(opts.output) ? opts.output : signature.outputs.at(-1)!);
        if (!signature.outputs.includes(outputName)) throw new UserError(`the model has no output "${outputName}" (outputs: ${signature.outputs.join(', ')})`);
        const artifact = sealArtifact({
          name: opts.name,
          createdAt: Date.now(),
          featureSetVersion: set.version,
          inputs,
          body: { kind: 'onnx', onnx: bytes.toString('base64'), inputName: signature.inputs[0]!, outputName, output: opts.output },
          calibration: { kind: 'identity' },
          policy: parsePolicy(opts, DEFAULT_POLICY),
          training: { source: 'onnx', notes: `imported from ${file}` },
          metrics: {},
        });
        const scorer = await createScorer(artifact, set);
        // Trial runs: the graph takes this many inputs, and it answers a probability when features are
        // missing too (riskgate serves a missing value as NaN, with its `_missing` indicator set).
        const width = set.valueNames.length;
        const missing = new Float64Array(set.vectorNames.length).fill(1, width);
        set.valueNames.forEach((name, i) => (missing[i] = set.get(name)?.missingValue ?? NaN));
        let probabilities: number[];
        try {
          probabilities = [(await scorer.score(new Float64Array(set.vectorNames.length))).probability, (await scorer.score(missing)).probability];
        } catch (error) {
          if (error instanceof OnnxOutputError) {
            throw new UserError(`${error.message}: choose the output that holds the fraud probability with --output-name (outputs: ${signature.outputs.join(', ')}), or say --output margin if it holds log-odds`);
          }
          throw new UserError(`the model does not take the ${artifact.inputs.length} inputs --inputs names: ${(error as Error).message.split('\n')[0]}`);
        }
        if (!probabilities.every((p) => p >= 0 && p <= 1)) {
          throw new UserError(
            `the model answers ${probabilities.find((p) => !(p >= 0 && p <= 1))} instead of a probability when features are missing (NaN): export a model that handles missing values, or give its features a missingValue in the feature set`,
          );
        }
        console.log(`registered ${formatModel(await registerAudited(stores, artifact, ACTOR))}`);
      });
    });

  models
    .command('history')
    .description('Every stage change, with actor and time')
    .option('--name <name>', 'only this model line', modelLineName)
    .action(async (opts, command: Command) => {
      await withStores(command, async (stores) => {
        for (const h of await stores.models.history(opts.name)) {
          console.log(`${new Date(h.at).toISOString()}  ${h.modelId} ${h.name}: ${h.from ?? '(new)'} → ${h.to}${h.canaryShare !== null ? ` ${h.canaryShare}` : ''}  by ${h.actor}`);
        }
      });
    });
}

function modelLineName(name: string): string {
  if (!/^[a-z][a-z0-9_-]{0,63}$/.test(name)) throw new UserError(`--name must be lower-case letters, digits, - or _, starting with a letter (at most 64), got "${name}"`);
  return name;
}

function renameInputs(names: readonly string[], mapFile: string | undefined): string[] {
  if (!mapFile) return [...names];
  existingFile(mapFile);
  let map: Record<string, string>;
  try {
    map = JSON.parse(readTextFile(mapFile)) as Record<string, string>;
  } catch (error) {
    throw new UserError(`--map ${mapFile}: ${(error as Error).message}`);
  }
  if (typeof map !== 'object' || map === null || Array.isArray(map)) throw new UserError(`--map ${mapFile}: must be a JSON object of model feature names to riskgate feature names`);
  const notName = Object.entries(map).find(([, to]) => typeof to !== 'string');
  if (notName) throw new UserError(`--map ${mapFile}: "${notName[0]}" must map to a feature name (a string), got ${JSON.stringify(notName[1])}`);
  // A name the model does not have is a typo that would leave the feature it meant unrenamed.
  const unknown = Object.keys(map).find((from) => !names.includes(from));
  if (unknown !== undefined) throw new UserError(`--map ${mapFile}: the model has no feature "${unknown}" to rename (its features: ${names.slice(0, 8).join(', ')}${names.length > 8 ? ', …' : ''})`);
  return names.map((n) => (Object.hasOwn(map, n) ? map[n]! : n));
}
