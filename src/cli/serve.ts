import { chmodSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Option, type Command } from 'commander';
import type { FastifyInstance } from 'fastify';
import { consolePlugin } from '../console/plugin.js';
import { buildServer } from '../server/app.js';
import { progress } from '../lib/progress.js';
import { openService, type Service } from '../runtime/service.js';
import { UserError, parseNumberOption } from './errors.js';
import { dataDirOf } from './data-dir.js';
import { loadSpec } from './features.js';
import { MARKETPLACE_FEATURE_SET, type FeatureSetSpec } from '../features/index.js';
import { lockForServing } from './server-lock.js';
import { holdPort, type PortHolder } from '../server/starting.js';

export interface ServeOptions {
  port: number;
  host: string;
  /** The feature set to serve from now on (`serve --feature-set`); default: the one served before. */
  featureSet?: FeatureSetSpec;
}

/**
 * The service a server runs on: the data directory locked for it (server-lock.ts) until it closes, and
 * its port held from the start (server/starting.ts: /healthz answers, the rest says "starting") until
 * `listen` hands it to the API.
 */
export async function openServiceWithProgress(dir: string, options: ServeOptions): Promise<{ service: Service; holder: PortHolder }> {
  const lock = lockForServing(dir);
  const holder = await holdPort(options.port, options.host).catch((error: unknown) => {
    lock.release();
    throw listenError(error, options);
  });
  if (existsSync(join(dir, 'events.db')) && !existsSync(join(dir, 'riskgate.db'))) {
    process.stderr.write(`riskgate: ${join(dir, 'riskgate.db')} is missing while the event log is there: serving with no API keys, rules, lists or models until it is restored from a backup (or they are made anew)\n`);
  }
  const bar = progress('load features', 0);
  let service: Service;
  try {
    service = await openService(dir, {
      allowFaults: process.env.RISKGATE_ALLOW_FAULTS === '1',
      onReplay: (done, total) => bar.update(done, total),
      ...(options.featureSet !== undefined ? { featureSet: options.featureSet } : {}),
    });
  } catch (error) {
    await holder.release();
    lock.release();
    throw error;
  }
  bar.stop(`${service.embedded.features.engine.appliedSeq} events applied`);
  const close = service.close.bind(service);
  service.close = async () => {
    try {
      await close();
    } finally {
      await holder.release();
      lock.release();
    }
  };
  return { service, holder };
}

/** Listen where the holder held the port, and close cleanly on SIGINT/SIGTERM (the state snapshot is written on the way out). */
export async function listen(service: Service, holder: PortHolder): Promise<FastifyInstance> {
  let app: FastifyInstance;
  try {
    app = await buildServer(service, { plugins: [consolePlugin()] });
    // Built and its plugins loaded first: the port goes unanswered only between the holder's close and this listen.
    await app.ready();
    // Said where the operator looks: otherwise only GET /v1/admin/models tells that decisions run without a model.
    for (const refused of service.lineupReport().refused) {
      process.stderr.write(`riskgate: warning: the ${refused.stage} model ${refused.id} is not served: ${refused.reason}\n`);
    }
    // The first decisions must not be the slow ones (decisions/warmup.ts); the holder answers meanwhile.
    const warming = progress('warm up', 0, 'rounds');
    const warm = await service.warmUp();
    warming.stop(`${warm.rounds} rounds of the decision path's read-only stages`);
    await holder.release();
    await app.listen({ port: holder.port, host: holder.host });
  } catch (error) {
    await service.close();
    throw listenError(error, { port: holder.port, host: holder.host });
  }
  const shutdown = async () => {
    await app.close();
    await service.close();
    process.exit(0);
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
  return app;
}

/** Why a server cannot listen, in the user's terms (or the error itself when it is something else). */
function listenError(error: unknown, options: ServeOptions): unknown {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE') return new UserError(`port ${options.port} is in use; choose another with --port (or PORT=…)`);
  if (code === 'ENOTFOUND' || code === 'EADDRNOTAVAIL' || code === 'EAI_AGAIN' || code === 'EACCES') {
    return new UserError(`cannot listen on ${options.host}:${options.port} (${code === 'EACCES' ? 'permission denied' : 'no such address on this machine'}); choose another with --host (or HOST=…) / --port`);
  }
  return error;
}

/**
 * The admin key `start` makes when the data directory has no key at all, kept in `admin.key`: `token`
 * only when made now (later starts point at the file, so the secret is not in every start's log), and
 * `file` while that file exists.
 */
export async function ensureAdminKey(service: Service): Promise<{ token?: string; file?: string }> {
  const file = join(service.embedded.dir, 'admin.key');
  if (existsSync(file)) return { file };
  if (service.keys.list().length > 0) return {};
  const { key, token } = service.keys.create('admin created by riskgate start', ['admin'], 100_000);
  await service.audit.append({ actor: 'riskgate start', action: 'key.create', subject: key.id, details: { name: key.name, scopes: key.scopes, rate_limit: key.rateLimit } });
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return { token, file };
}

export function serveOptions(command: Command) {
  return command
    .addOption(new Option('--port <n>', 'port to listen on').env('PORT').argParser(parseNumberOption('--port (or PORT)', 0, 65_535, true)).default(8080))
    .addOption(new Option('--host <host>', 'address to listen on').env('HOST').default('127.0.0.1'));
}

export function registerServe(program: Command): void {
  serveOptions(program.command('serve').description('Serve the decision API and the analyst console on the data directory as it is'))
    .option('--feature-set <file>', 'serve this feature set (JSON, as for riskgate features) from now on — later starts and commands use it too; "builtin" goes back to the built-in set')
    .option('--without-active-model', 'with --feature-set: switch even though the active model cannot be served with the new set (decisions are then made by rules alone until a model trained on it is promoted)')
    .action(async (opts, command: Command) => {
      const builtin = opts.featureSet === 'builtin';
      const featureSet = opts.featureSet === undefined ? undefined : builtin ? MARKETPLACE_FEATURE_SET : loadSpec(opts.featureSet);
      const { service, holder } = await openServiceWithProgress(dataDirOf(command), { port: opts.port, host: opts.host, ...(featureSet !== undefined ? { featureSet } : {}) });
      // The served set recorded from now on (undefined: the built-in one).
      const recorded = builtin ? undefined : service.embedded.featureSet.version;
      const active = service.lineupReport().refused.find((m) => m.stage === 'active');
      if (featureSet !== undefined && active !== undefined && (await service.embedded.featureSets.served()) !== recorded && !opts.withoutActiveModel) {
        // Nothing recorded: the next start serves the set served before, and the active model with it.
        await service.close();
        throw new UserError(`the active model ${active.id} cannot be served with feature set ${service.embedded.featureSet.version} (${active.reason}); nothing was changed. To switch anyway, say --without-active-model: rules alone decide until a model trained on the new set (riskgate train, once it is served) is made active`);
      }
      if (featureSet !== undefined) await recordServedSet(service, recorded);
      if (service.keys.list().every((k) => k.revokedAt !== null)) {
        const empty = (await service.embedded.log.lastSeq()) === 0;
        process.stderr.write(`riskgate: ${service.embedded.dir} has no API key${empty ? ' and no events' : ''}: every API call will be refused until \`riskgate keys create\` makes a key${empty ? ' (`riskgate start` sets up a whole installation: data, a model, rules and a key)' : ''}\n`);
      }
      const app = await listen(service, holder);
      const address = app.server.address();
      const port = typeof address === 'object' && address ? address.port : holder.port;
      console.log(`riskgate listening on http://${opts.host}:${port} (analyst console at /console/, API docs at /docs)`);
    });
}

/**
 * Make the set a `serve --feature-set` opened the one this installation serves (undefined: the
 * built-in set), audited: a later start without the option, and commands such as `models train` and
 * `features skew`, then use it too.
 */
async function recordServedSet(service: Service, version: string | undefined): Promise<void> {
  const registry = service.embedded.featureSets;
  const before = await registry.served();
  if (before === version) return;
  await registry.setServed(version);
  await service.audit.append({ actor: 'riskgate serve', action: 'feature_set.serve', subject: service.embedded.featureSet.version, details: { previous: before ?? 'built-in', now: version ?? 'built-in' } });
  console.log(`serving feature set ${service.embedded.featureSet.version}${version === undefined ? ' (the built-in set)' : ''} from now on (it was ${before ?? 'the built-in set'})`);
}
