import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { installDefaultRules } from '../runtime/rules.js';
import { runSimulation } from './simulate.js';
import { trainAndRegister, formatModel } from './models.js';
import { ensureAdminKey, listen, openServiceWithProgress, serveOptions } from './serve.js';
import { optimizeModelPolicy } from './policy.js';
import type { CostModel } from '../policy/costs.js';
import { dataDirOf } from './data-dir.js';
import type { Embedded } from '../runtime/embedded.js';
import type { Service } from '../runtime/service.js';
import type { RegisteredModel } from '../models/index.js';
import { writeFileAtomic } from '../lib/files.js';
import { UserError } from './errors.js';

const DAY = 86_400_000;

/** The review team `npm start` plans for: the optimizer keeps the busiest day within it. */
export const START_REVIEW_CAPACITY = 50;

/**
 * The simulated marketplace `npm start` builds on a fresh data directory: the last 90 days up to
 * today, so live requests continue its timeline.
 */
export function startSimulation(now = Date.now()) {
  const today = Math.floor(now / DAY) * DAY;
  return { days: 90, users: 20_000, hosts: 2_000, start: today - 90 * DAY };
}

export function registerStart(program: Command): void {
  serveOptions(
    program
      .command('start')
      .description('The main job: simulate a marketplace, train and calibrate a model, install rules and thresholds, serve the API and the analyst console (every step reused on later starts)'),
  ).action(async (opts, command: Command) => {
    const dir = dataDirOf(command, { create: true });
    console.log(`riskgate: data directory ${dir}`);
    const { service, holder } = await openServiceWithProgress(dir, opts);
    const { embedded } = service;

    let adminKey: Awaited<ReturnType<typeof ensureAdminKey>>;
    try {
      holder.setStep('step 1/4: simulating a marketplace');
      await simulateOnce(dir, embedded, startSimulation());

      holder.setStep('step 2/4: training a model');
      const line = service.settings().modelName;
      const { reuse, replace } = await activeModelToReuse(service, line);
      if (reuse) {
        console.log(`step 2/4 model: reusing ${formatModel(reuse)}`);
      } else {
        if (replace) console.log(`step 2/4 model: ${formatModel(replace.model)} cannot be served: ${replace.reason}; training a new one`);
        console.log('step 2/4 model: point-in-time training set, time split, grid search, calibration, evaluation');
        const model = await trainAndRegister(embedded, embedded.featureSet, { name: line, kind: 'gbdt', maturity: 21 * DAY, gap: 7 * DAY, calibration: 'auto', reviewsPerDay: START_REVIEW_CAPACITY }, 'riskgate start');
        await embedded.models.promote(model.artifact.id, 'active', { actor: 'riskgate start' });
        await embedded.audit.append({ actor: 'riskgate start', action: 'model.promote', subject: model.artifact.id, details: { stage: 'active' } });
        const costs: CostModel = { fnCost: { kind: 'amount', multiplier: 1 }, fpCost: 20, reviewCost: 5 };
        const { policy, metrics, page } = await optimizeModelPolicy(embedded, (await embedded.models.get(model.artifact.id))!, {
          capacity: START_REVIEW_CAPACITY,
          costs,
          apply: true,
          actor: 'riskgate start',
        });
        // The running service holds its settings in memory: give it the capacity and costs the thresholds were chosen for.
        service.updateSettings({ reviewCapacityPerDay: START_REVIEW_CAPACITY, costs }, 'riskgate start');
        await embedded.audit.append({ actor: 'riskgate start', action: 'settings.update', subject: 'serving', details: { review_capacity_per_day: START_REVIEW_CAPACITY, costs } });
        await service.reloadModels();
        console.log(
          `promoted ${model.artifact.id} to active; thresholds for ${START_REVIEW_CAPACITY} reviews a day: ${policy.block >= 1 ? 'the model blocks nothing (at these costs and this review capacity blocking does not pay; rules still block)' : `block ≥ ${policy.block.toFixed(3)}`}, review ≥ ${policy.review.toFixed(3)} — ${metrics.reviewsPerDay.toFixed(1)} reviews/day, ${(100 * metrics.fraudStoppedShare).toFixed(0)}% of the fraud amount stopped on the validation period (executive page: ${page})`,
        );
      }

      holder.setStep('step 3/4: installing rules');
      const installed = await installDefaultRules(service.rules, embedded, 'riskgate start');
      await service.reloadRules();
      console.log(installed.rules > 0 || installed.listEntries > 0 ? `step 3/4 rules: installed ${installed.rules} default rules and ${installed.listEntries} list entries` : 'step 3/4 rules: reusing the rules and lists in place');
      holder.setStep('step 4/4: starting the API');
      adminKey = await ensureAdminKey(service);
    } catch (error) {
      await service.close().catch(() => undefined);
      throw error;
    }

    const app = await listen(service, holder);
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : holder.port;
    console.log(startBanner({ url: `http://${opts.host}:${port}`, dir, ...adminKey }));
  });
}

/**
 * What `start` prints once it serves. The admin key itself only when this start made it: later starts
 * name its file instead (and the sample reads it from there), so the secret is not in every start's log.
 */
export function startBanner({ url, dir, token, file }: { url: string; dir: string; token?: string; file?: string }): string {
  const key = token ?? (file ? `in ${file}` : '<your admin key: riskgate keys create --name me --scopes admin>');
  const bearer = token ?? (file ? `'"$(cat ${shellQuoted(file)})"'` : '<your admin key>');
  const sample = JSON.stringify({
    id: `demo_${Date.now()}`,
    type: 'booking_attempted',
    ts: new Date().toISOString(),
    entities: { user: 'u_demo', device: 'd_demo', card: 'cf_demo', ip: '203.0.113.9', listing: 'l_demo', host: 'h_demo' },
    context: { ip_country: 'US', user_country: 'GB' },
    payload: { amount: 1890, currency: 'USD', nights: 2, card_country: 'BR', message: 'can I pay you by wire transfer instead?' },
  });
  return `step 4/4 serve: listening on ${url}

  console       ${url}/console/   (sign in with the API key ${token ? 'below' : 'named below'})
  API           ${url}/v1/decisions   (OpenAPI docs: ${url}/docs)
  metrics       ${url}/metrics
  API key       ${key}${token && file ? `   (kept in ${file}; later starts do not print it)` : ''}

Try a decision:
  curl -s ${url}/v1/decisions -H 'authorization: Bearer ${bearer}' -H 'content-type: application/json' \\
    -d '${sample}'

Stop with Ctrl-C; the next npm start reuses everything in ${dir}.`;
}

/** A path as one word for a POSIX shell, inside the double quotes of the sample's $(cat …). */
function shellQuoted(path: string): string {
  return /^[\w./-]+$/.test(path) ? path : `'${path.replace(/'/g, "'\\''")}'`;
}

type StartSimulation = ReturnType<typeof startSimulation>;

/**
 * The active model of the line, to reuse — unless this version of riskgate cannot serve it (trained on
 * features it now computes otherwise, say): then it is to be replaced, as a first start trains one.
 */
export async function activeModelToReuse(service: Service, line: string): Promise<{ reuse?: RegisteredModel; replace?: { model: RegisteredModel; reason: string } }> {
  const active = (await service.embedded.models.list(line)).find((m) => m.stage === 'active');
  if (!active) return {};
  const refused = service.lineupReport().refused.find((r) => r.id === active.artifact.id);
  return refused ? { replace: { model: active, reason: refused.reason } } : { reuse: active };
}

function readMarker(path: string): StartSimulation & { done: boolean } {
  try {
    const marker = JSON.parse(readFileSync(path, 'utf8')) as StartSimulation & { done: boolean };
    if (typeof marker.done === 'boolean' && [marker.days, marker.users, marker.hosts, marker.start].every((n) => Number.isFinite(n))) return marker;
  } catch {
    // reported below
  }
  throw new UserError(`${path} is damaged, so whether the first start's simulation finished is unknown: delete the file if it did, or the whole data directory to start over`);
}

/**
 * Step 1 of start: simulate the marketplace into an empty log, once. The simulation's parameters are
 * written down before it starts and marked done after it: a start stopped halfway runs the same
 * simulation again (deterministic, and every event already in the log is a duplicate) rather than
 * training on a marketplace cut short. A log that holds events and no unfinished simulation is reused.
 */
export async function simulateOnce(dir: string, embedded: Pick<Embedded, 'log' | 'features'>, simulation: StartSimulation): Promise<void> {
  const marker = join(dir, 'start-simulation.json');
  let interrupted = existsSync(marker) ? readMarker(marker) : undefined;
  const events = await embedded.log.count();
  if (events > 0 && (interrupted === undefined || interrupted.done)) {
    console.log(`step 1/4 simulate: reusing ${events} events in the log`);
    return;
  }
  if (interrupted?.done) interrupted = undefined; // done, and the log emptied since: a fresh simulation
  const params = interrupted ? { days: interrupted.days, users: interrupted.users, hosts: interrupted.hosts, start: interrupted.start } : simulation;
  if (interrupted) console.log(`step 1/4 simulate: the simulation a stopped start left at ${events} events is run again to its end (the events already in the log are skipped)`);
  else console.log(`step 1/4 simulate: the last ${params.days} days of a marketplace with ${params.users} guests, realistic fraud and late labels, through the online features`);
  writeFileAtomic(marker, JSON.stringify({ ...params, done: false }));
  const summary = await runSimulation(params, { ingest: (batch) => embedded.features.ingest(batch) });
  writeFileAtomic(marker, JSON.stringify({ ...params, done: true }));
  console.log(summary.table());
}
