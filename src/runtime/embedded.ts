// Wiring of the embedded tier: one process, SQLite files and snapshots in one data directory.
// Capabilities never import this; commands and the server do.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { SqliteEventLog } from '../events/index.js';
import {
  FeatureDefinitionError,
  FeatureEngine,
  FeatureSet,
  MARKETPLACE_FEATURE_SET,
  OnlineFeatureStore,
  SqliteFeatureLog,
  SqliteFeatureSetRegistry,
  type FeatureSetRegistry,
  type FeatureSetSpec,
} from '../features/index.js';
import { SqliteModelRegistry } from '../models/index.js';
import { durability, eventLogPath } from '../lib/config.js';
import { openSqlite, type SqliteDatabase } from '../lib/sqlite.js';
import { SqliteWriter } from '../lib/sqlite-writer.js';
import { SqliteAuditLog } from '../audit/stores/sqlite.js';

export interface Stores {
  dir: string;
  log: SqliteEventLog;
  db: SqliteDatabase;
  featureSets: SqliteFeatureSetRegistry;
  featureLog: SqliteFeatureLog;
  models: SqliteModelRegistry;
  /** The one audit trail of this data directory (one writer keeps the hash chain whole). */
  audit: SqliteAuditLog;
  close(): Promise<void>;
}

export interface Embedded extends Stores {
  featureSet: FeatureSet;
  features: OnlineFeatureStore;
}

export interface OpenOptions {
  /** The feature set to serve (`serve --feature-set`); default: the one this installation serves (servedFeatureSet). */
  featureSet?: FeatureSetSpec;
  /** Progress of replaying the log tail into the online features. */
  onReplay?: (applied: number, total: number) => void;
}

export function featureSnapshotPath(dir: string, version: string): string {
  return join(dir, `features-${version}.snapshot`);
}

/**
 * The data directory's stores, without loading online feature state. `idIndex: 'first-use'` for
 * commands that only read the event log: its id index is then built only if something needs it.
 */
export function openStores(dir: string, options: { idIndex?: 'open' | 'first-use' } = {}): Stores {
  // Each store opens threads and files: when a later one cannot open (a damaged file), the earlier
  // ones are closed again, or their threads would keep the process alive after the error.
  const opened: Array<() => unknown> = [];
  const open = <T>(make: () => T, close: (store: T) => unknown): T => {
    const store = make();
    opened.push(() => close(store));
    return store;
  };
  let log: SqliteEventLog, db: SqliteDatabase, featureLog: SqliteFeatureLog, auditWriter: SqliteWriter;
  try {
    log = open(() => new SqliteEventLog(eventLogPath(dir), { durability: durability(), ...options }), (l) => l.close());
    db = open(() => openSqlite(join(dir, 'riskgate.db'), durability()), (d) => d.close());
    featureLog = open(() => new SqliteFeatureLog(join(dir, 'feature-log.db'), 'os'), (f) => f.close());
    auditWriter = open(() => new SqliteWriter(join(dir, 'riskgate.db'), durability()), (w) => w.close());
  } catch (error) {
    for (const close of opened.reverse()) void Promise.resolve(close()).catch(() => undefined);
    throw error;
  }
  return {
    dir,
    log,
    db,
    featureSets: new SqliteFeatureSetRegistry(db),
    featureLog,
    models: new SqliteModelRegistry(db),
    audit: new SqliteAuditLog(db, Date.now, auditWriter),
    async close() {
      await auditWriter.close();
      await featureLog.close();
      await log.close();
      if (db.open) db.close();
    },
  };
}

/**
 * The feature set this installation serves, and what commands default to: the registered version a
 * `serve --feature-set` chose, else the built-in set (of this riskgate version).
 */
export async function servedFeatureSet(featureSets: FeatureSetRegistry): Promise<{ set: FeatureSet; spec: FeatureSetSpec }> {
  const version = await featureSets.served();
  if (version === undefined) return { set: FeatureSet.create(MARKETPLACE_FEATURE_SET), spec: MARKETPLACE_FEATURE_SET };
  const registered = await registeredFeatureSet(featureSets, version);
  if (!registered) throw new Error(`the served feature set ${version} is not in the registry`);
  return registered;
}

/** A registered version's set (checks added since it was registered do not refuse it), or undefined. */
export async function registeredFeatureSet(featureSets: Pick<FeatureSetRegistry, 'get'>, version: string): Promise<{ set: FeatureSet; spec: FeatureSetSpec } | undefined> {
  const registered = await featureSets.get(version);
  return registered && { set: FeatureSet.create(registered.spec, { registered: true }), spec: registered.spec };
}

/**
 * The set of a feature-set file: checked, unless this installation registered the same version before.
 * A set already in use stays usable from its own file when a check added later would refuse it (as it
 * stays servable from the registry: FeatureSet.create's `registered`).
 */
export async function fileFeatureSet(spec: FeatureSetSpec, featureSets: Pick<FeatureSetRegistry, 'get'>): Promise<FeatureSet> {
  try {
    return FeatureSet.create(spec);
  } catch (error) {
    if (!(error instanceof FeatureDefinitionError)) throw error;
    let asRegistered: FeatureSet;
    try {
      asRegistered = FeatureSet.create(spec, { registered: true });
    } catch {
      throw error;
    }
    if ((await featureSets.get(asRegistered.version)) !== undefined) return asRegistered;
    throw error;
  }
}

/** fileFeatureSet for a command that reads no other store: only checked where no server has run. */
export function fileFeatureSetIn(dir: string, spec: FeatureSetSpec): Promise<FeatureSet> {
  return withRegistryIn(dir, (registry) => fileFeatureSet(spec, registry), () => FeatureSet.create(spec));
}

/** servedFeatureSet for a command that reads no other store (features list): the built-in set where no server has run. */
export function servedFeatureSetIn(dir: string): Promise<FeatureSet> {
  return withRegistryIn(dir, async (registry) => (await servedFeatureSet(registry)).set, () => FeatureSet.create(MARKETPLACE_FEATURE_SET));
}

/** `use` on the data directory's feature-set registry, opened for it alone; `none` where there is no riskgate.db yet. */
async function withRegistryIn<T>(dir: string, use: (registry: FeatureSetRegistry) => Promise<T>, none: () => T): Promise<T> {
  const path = join(dir, 'riskgate.db');
  if (!existsSync(path)) return none();
  const db = openSqlite(path, durability());
  try {
    return await use(new SqliteFeatureSetRegistry(db));
  } finally {
    db.close();
  }
}

/** The stores plus the online feature store, current with the log (snapshot + replay of the tail). */
export async function openEmbedded(dir: string, options: OpenOptions = {}): Promise<Embedded> {
  const stores = openStores(dir);
  let featureSet: FeatureSet, features: OnlineFeatureStore;
  try {
    const served = options.featureSet !== undefined ? { set: await fileFeatureSet(options.featureSet, stores.featureSets), spec: options.featureSet } : await servedFeatureSet(stores.featureSets);
    featureSet = served.set;
    await stores.featureSets.register(featureSet.version, served.spec);
    features = new OnlineFeatureStore(new FeatureEngine(featureSet), stores.log, {
      snapshotPath: featureSnapshotPath(dir, featureSet.version),
      featureLog: stores.featureLog,
    });
    await features.open(options.onReplay);
  } catch (error) {
    await stores.close().catch(() => undefined);
    throw error;
  }
  return {
    ...stores,
    featureSet,
    features,
    async close() {
      await features.close();
      await stores.close();
    },
  };
}
