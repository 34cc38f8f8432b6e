import { existsSync } from 'node:fs';
import { Option, type Command } from 'commander';
import {
  buildTrainingSet,
  checkSkew,
  FeatureSet,
  kindOf,
  labelledBeforeRowWarning,
  MARKETPLACE_FEATURE_SET,
  parseDuration,
  replay,
  type FeatureSetSpec,
  type WindowedFeature,
} from '../features/index.js';
import { exportTrainingSet } from '../features/export.js';
import { windowSpec } from '../features/window.js';
import { progress } from '../lib/progress.js';
import { featureSnapshotPath, fileFeatureSetIn, openStores, servedFeatureSetIn } from '../runtime/embedded.js';
import { readTextFile, writeFileAtomic } from '../lib/files.js';
import { dataDir } from '../lib/config.js';
import { checkPeriod, existingFile, UserError, writablePath } from './errors.js';
import { dataDirOf } from './data-dir.js';
import { isCalendarDay } from '../lib/calendar.js';

/** A feature-set file as written (undefined or "builtin": the built-in set); its definitions are checked when a set is made of it. */
export function loadSpec(path: string | undefined): FeatureSetSpec {
  if (!path || path === 'builtin') return MARKETPLACE_FEATURE_SET;
  existingFile(path, 'feature set file');
  try {
    // A byte-order mark (some editors write one) is not part of the JSON.
    return JSON.parse(readTextFile(path)) as FeatureSetSpec;
  } catch (error) {
    throw new UserError(`feature set file ${path}: ${(error as Error).message}`);
  }
}

/** The set a command works on: the file given with --feature-set, else the one the data directory serves (servedFeatureSet). */
async function commandSet(command: Command, dir: string): Promise<FeatureSet> {
  const path = command.optsWithGlobals<{ featureSet?: string }>().featureSet;
  return path !== undefined ? fileFeatureSetIn(dir, loadSpec(path)) : servedFeatureSetIn(dir);
}

const RFC_3339_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/i;

export function parseDate(name: string) {
  return (value: string): number => {
    // A time must say its offset: read in the machine's own time zone, the same command would select other rows elsewhere.
    const t = /^\d{4}-\d{2}-\d{2}$/.test(value) ? Date.parse(`${value}T00:00:00Z`) : RFC_3339_TIME.test(value) ? Date.parse(value) : NaN;
    if (Number.isNaN(t) || !isCalendarDay(value)) throw new UserError(`${name} must be a date (YYYY-MM-DD, UTC) or an RFC 3339 time with its offset (2026-02-01T10:00:00Z, …+01:00), got "${value}"`);
    return t;
  };
}

function parseDurationOption(name: string) {
  return (value: string): number => {
    const ms = parseDuration(value);
    if (ms === null || ms <= 0) throw new UserError(`${name} must be a duration such as 30d, 12h or 90m, got "${value}"`);
    return ms;
  };
}

/** A duration option, in ms, whose help shows its default as written (`30d`), not in ms. */
export function durationOption(flags: string, description: string, defaultText: string): Option {
  const name = flags.split(' ')[0]!;
  return new Option(flags, description).argParser(parseDurationOption(name)).default(parseDurationOption(name)(defaultText), defaultText);
}

function describeWindow(def: WindowedFeature): string {
  const spec = windowSpec(def);
  if (spec.g === 0) return 'no window (within TTL)';
  const seconds = spec.g / 1000;
  const granularity = seconds >= 3600 ? `${+(seconds / 3600).toFixed(2)}h` : seconds >= 60 ? `${+(seconds / 60).toFixed(2)}min` : `${seconds}s`;
  return `${def.window} in ${spec.n} buckets of ${granularity}`;
}

export function registerFeatures(program: Command): void {
  const features = program
    .command('features')
    .description('Feature definitions, backfill, training-set export and the online/offline skew check')
    .option('--feature-set <file>', 'a feature set as JSON, or builtin (default: the one the data directory serves; the built-in marketplace set unless serve --feature-set chose another)');
  const dirOf = (command: Command) => dataDirOf(command);
  // list and describe also work where there is no data directory (on the built-in set).
  const setOf = (command: Command) => {
    const given = command.optsWithGlobals<{ data?: string }>().data ?? process.env.RISKGATE_DATA;
    return given === undefined && !existsSync(dataDir(undefined)) ? Promise.resolve(FeatureSet.create(loadSpec(command.optsWithGlobals<{ featureSet?: string }>().featureSet))) : commandSet(command, dirOf(command));
  };

  features
    .command('list')
    .description('List the features of the feature set and its version')
    .option('--json', 'print the set as a feature-set file (to start a custom set from)')
    .action(async (opts, command: Command) => {
      const set = await setOf(command);
      if (opts.json) {
        const spec: FeatureSetSpec = { name: set.name, ...(set.description ? { description: set.description } : {}), scored: [...set.scored], features: set.definitions };
        console.log(JSON.stringify(spec, null, 2));
        return;
      }
      console.log(`feature set ${set.name} ${set.version}: ${set.valueNames.length} features (+ a _missing indicator each)`);
      for (const def of set.definitions) {
        const kind = kindOf(def);
        const what =
          kind === 'windowed'
            ? `${(def as WindowedFeature).agg} ${[(def as WindowedFeature).entity].flat().join('×')} ${(def as WindowedFeature).window ?? ''}`.trim()
            : kind;
        console.log(`  ${def.name.padEnd(34)} ${what.padEnd(28)} ${def.description ?? ''}`);
      }
    });

  features
    .command('describe <name>')
    .description('Show one feature: definition, window granularity, TTL')
    .action(async (name: string, _opts, command: Command) => {
      const set = await setOf(command);
      const def = set.get(name);
      if (!def) throw new UserError(`no feature "${name}" in ${set.name} ${set.version} (see: riskgate features list)`);
      console.log(JSON.stringify(def, null, 2));
      if (kindOf(def) === 'windowed') {
        const w = def as WindowedFeature;
        console.log(`window: ${describeWindow(w)}; ttl ${w.ttl}; missing: NaN${w.missingValue !== undefined ? ` served as ${w.missingValue}` : ''} with ${name}_missing = 1`);
      }
    });

  features
    .command('backfill')
    .description('Rebuild the online feature state from the whole event log and snapshot it')
    .action(async (_opts, command: Command) => {
      const set = await setOf(command);
      const stores = openStores(dirOf(command), { idIndex: 'first-use' });
      try {
        const file = command.optsWithGlobals<{ featureSet?: string }>().featureSet;
        // A file's set is registered here; the served set already is (or is the built-in one).
        if (file !== undefined || (await stores.featureSets.get(set.version)) === undefined) await stores.featureSets.register(set.version, loadSpec(file));
        const total = await stores.log.lastSeq();
        const bar = progress('backfill', total);
        const started = performance.now();
        const engine = await replay(stores.log, set, () => false, () => {}, { onProgress: (done) => bar.update(done), visitTypes: new Set() });
        engine.sweep();
        const seconds = (performance.now() - started) / 1000;
        bar.stop(`${engine.appliedSeq} events (${Math.round(engine.appliedSeq / seconds)} events/s)`);
        writeFileAtomic(featureSnapshotPath(stores.dir, set.version), engine.snapshot());
        const states = Object.values(engine.stateCounts()).reduce((a, b) => a + b, 0);
        console.log(`feature set ${set.version}: ${states} live entity states after the TTL sweep, snapshot written`);
      } finally {
        await stores.close();
      }
    });

  features
    .command('export')
    .description('Export a point-in-time training set (one row per scored event) as CSV or Parquet')
    .requiredOption('-o, --out <file>', 'output file: .csv or .parquet')
    .option('--from <date>', 'first event time (inclusive)', parseDate('--from'))
    .option('--to <date>', 'last event time (exclusive)', parseDate('--to'))
    .addOption(durationOption('--maturity <duration>', 'label horizon: a fraud label counts if it arrived within this after the event', '30d'))
    .option('--include-immature', 'keep rows whose horizon has not closed (label -1)')
    .action(async (opts, command: Command) => {
      if (!/\.(csv|parquet)$/i.test(opts.out)) throw new UserError('--out must end in .csv or .parquet');
      checkPeriod(opts.from, opts.to);
      writablePath(opts.out, '--out');
      const set = await setOf(command);
      const stores = openStores(dirOf(command), { idIndex: 'first-use' });
      try {
        const total = await stores.log.lastSeq();
        const bar = progress('replay', total);
        const training = await buildTrainingSet(stores.log, set, {
          from: opts.from,
          to: opts.to,
          maturityMs: opts.maturity,
          onProgress: (done) => bar.update(done),
        });
        bar.stop(`${training.rows} rows`);
        const written = await exportTrainingSet(training, opts.out, { includeImmature: opts.includeImmature === true });
        const positives = training.labels.reduce((n, l) => n + (l === 1 ? 1 : 0), 0);
        const immature = training.labels.reduce((n, l) => n + (l === -1 ? 1 : 0), 0);
        console.log(`${written} rows × ${training.names.length} features → ${opts.out} (${positives} fraud, ${immature} immature${opts.includeImmature ? '' : ' left out'}; feature set ${set.version})`);
        const warning = labelledBeforeRowWarning(training, set);
        if (warning) console.log(warning);
        if (written === 0 && immature > 0) console.log(`every row is immature: the label horizon (--maturity, ${opts.maturity / 3_600_000} h) has not closed for any; keep them with --include-immature or shorten --maturity`);
      } finally {
        await stores.close();
      }
    });

  features
    .command('skew')
    .description('Recompute every vector served online from the log, offline, and report differences per feature (exit 1 on any)')
    .option('--json', 'print the report as JSON')
    .action(async (opts, command: Command) => {
      const set = await setOf(command);
      const stores = openStores(dirOf(command), { idIndex: 'first-use' });
      try {
        const total = await stores.log.lastSeq();
        const bar = progress('skew replay', total);
        const report = await checkSkew(stores.log, set, stores.featureLog, { onProgress: (done) => bar.update(done) });
        bar.stop(`${report.compared} served vectors compared`);
        if (opts.json) {
          console.log(JSON.stringify(report, null, 2));
        } else {
          console.log(`feature set ${set.version}: ${report.compared} served vectors recomputed offline, ${report.rowsWithMismatch} differ`);
          if (report.otherVersions > 0) console.log(`(${report.otherVersions} logged vectors of other feature set versions not compared)`);
          if (report.withoutVector > 0) {
            // Served under another set (the server's, when this one is a file), an event of a type only this set scores never had a vector.
            const why =
              report.otherVersions > 0
                ? `the server logged its vectors under another feature set, which may not score their type; or a write stopped between an event's commit and its vector's`
                : `a write stopped between an event's commit and its vector's, or events were appended around the feature store`;
            console.log(`warning: ${report.withoutVector} scored events have no logged vector (${why}): they cannot be compared`);
          }
          console.log(`${'feature'.padEnd(34)} ${'mismatches'.padStart(10)} ${'online missing'.padStart(15)} ${'offline missing'.padStart(16)} ${'max |diff|'.padStart(11)}`);
          for (const f of report.features) {
            console.log(
              `${f.name.padEnd(34)} ${String(f.mismatches).padStart(10)} ${(100 * f.onlineMissingRate).toFixed(2).padStart(14)}% ${(100 * f.offlineMissingRate).toFixed(2).padStart(15)}% ${f.maxAbsDiff.toPrecision(3).padStart(11)}`,
            );
          }
          for (const e of report.examples) console.log(`  e.g. ${e.eventId} (seq ${e.seq}) ${e.feature}: online ${e.online}, offline ${e.offline}`);
        }
        if (report.rowsWithMismatch > 0) process.exitCode = 1;
        // A check that compared nothing has shown nothing: say so, and do not pass.
        if (report.compared === 0) {
          process.stderr.write(
            `riskgate: nothing was compared — the feature log holds no served vector of feature set ${set.version} (a server logs the vectors of the set it serves; ${report.otherVersions > 0 ? `${report.otherVersions} are of other versions` : 'none are logged yet'})\n`,
          );
          process.exitCode = 2;
        }
      } finally {
        await stores.close();
      }
    });
}
