// API keys, rules, lists, model policies and settings changed by another process — the CLI beside a running server, which
// writes the same SQLite files through its own connection — reach the running server by themselves.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteEventLog } from '../../src/events/stores/sqlite.js';
import type { RiskEvent } from '../../src/events/schema.js';
import { SqliteApiKeyStore } from '../../src/auth/keys.js';
import { openSqlite, type SqliteDatabase } from '../../src/lib/sqlite.js';
import { SqliteSettingsStore } from '../../src/decisions/settings.js';
import { SqliteModelRegistry } from '../../src/models/stores/sqlite-registry.js';
import { BUILTIN_LISTS, SqliteListStore, SqliteRuleStore } from '../../src/rules/index.js';
import { booking, startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
let other: SqliteDatabase;

beforeAll(async () => {
  server = await startTestServer({ watchChangesMs: 50 });
  other = openSqlite(join(server.service.embedded.dir, 'riskgate.db'), 'os');
});
afterAll(async () => {
  other?.close();
  await server?.close();
});

/** Decide fresh bookings until `check` holds (the server picks changes up on its next look). */
async function eventually(request: () => ReturnType<typeof booking>, check: (decision: { rule_hits: Array<{ rule_id: string }>; policy: unknown; degraded: string | null }) => boolean): Promise<void> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const { body } = await server.request('POST', '/v1/decisions', { body: request() });
    if (check(body)) return;
    if (Date.now() > deadline) throw new Error(`the server did not pick the change up: ${JSON.stringify(body.rule_hits)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function until(check: () => Promise<boolean>, failure: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(failure);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('changes made by another process', () => {
  it('a list entry added elsewhere blocks on the running server', async () => {
    const lists = new SqliteListStore(other);
    await lists.addEntries('stolen_cards', [{ value: 'cf_elsewhere_1', note: 'added by the CLI' }], 'cli');
    await eventually(
      () => booking({ card: 'cf_elsewhere_1' }),
      (d) => d.rule_hits.some((h) => h.rule_id === 'stolen_card'),
    );
    // Each list is reloaded on its own: a removal there takes effect, and the other lists stay as they were.
    await lists.addEntries('blocked_devices', [{ value: 'd_elsewhere_1' }], 'cli');
    await eventually(
      () => booking({ device: 'd_elsewhere_1' }),
      (d) => d.rule_hits.some((h) => h.rule_id === 'blocked_device_or_ip'),
    );
    await lists.removeEntries('stolen_cards', ['cf_elsewhere_1'], 'cli');
    await eventually(
      () => booking({ card: 'cf_elsewhere_1', device: 'd_elsewhere_1' }),
      (d) => !d.rule_hits.some((h) => h.rule_id === 'stolen_card') && d.rule_hits.some((h) => h.rule_id === 'blocked_device_or_ip'),
    );
  });

  it('a rule created elsewhere fires on the running server, and stops once disabled there', async () => {
    const known = () => ({ features: server.service.embedded.featureSet.valueNames, lists: new Map(BUILTIN_LISTS.map((l) => [l.name, l.kind])) });
    const rules = new SqliteRuleStore(other, { known });
    await rules.create({ id: 'cli_huge_amount', name: 'Huge amount (from the CLI)', expression: 'request.payload.amount >= 9000.0', action: 'review' }, 'cli');
    await eventually(
      () => booking({ amount: 9500 }),
      (d) => d.rule_hits.some((h) => h.rule_id === 'cli_huge_amount'),
    );
    await rules.disable('cli_huge_amount', 'cli');
    await eventually(
      () => booking({ amount: 9500 }),
      (d) => !d.rule_hits.some((h) => h.rule_id === 'cli_huge_amount'),
    );
  });

  it("a model policy set elsewhere is the running server's policy", async () => {
    const active = server.service.lineup().active!.registered.artifact.id;
    await new SqliteModelRegistry(other).setPolicy(active, { block: 0.91, review: 0.41 }, 'cli');
    await eventually(
      () => booking(),
      (d) => JSON.stringify(d.policy) === JSON.stringify({ block: 0.91, review: 0.41 }),
    );
  });

  it('a key created elsewhere is let in, and shut out once revoked there (a leaked key is stopped without a restart)', async () => {
    const keys = new SqliteApiKeyStore(other);
    const { key, token } = keys.create('from the CLI', ['admin']);
    const status = async () => (await server.request('GET', '/v1/admin/kill-switch', { key: token })).status;
    await until(async () => (await status()) === 200, 'the new key was not let in');
    keys.revoke(key.id);
    await until(async () => (await status()) === 401, 'the revoked key still works');
  });

  it('the kill switch thrown elsewhere takes the running server to rules only, and back', async () => {
    const settings = new SqliteSettingsStore(other);
    settings.save({ ...settings.load(), killSwitch: true }, 'cli');
    await eventually(
      () => booking(),
      (d) => d.degraded === 'kill_switch',
    );
    settings.save({ ...settings.load(), killSwitch: false }, 'cli');
    await eventually(
      () => booking(),
      (d) => d.degraded === null,
    );
  });

  it('events another process appends (an import beside the server) reach the online features, and readiness, by themselves', async () => {
    const log = new SqliteEventLog(join(server.service.embedded.dir, 'events.db'), { durability: 'os' });
    try {
      const request = booking();
      const [appended] = await log.appendBatch([{ id: `imported_${Date.now()}`, type: 'search', ts: request.ts, v: 1, entities: { user: 'u_imported' }, payload: { destination: 'DE' } } as RiskEvent]);
      expect(appended!.status).toBe('appended');
      await until(async () => server.service.embedded.features.engine.appliedSeq >= appended!.seq, 'the imported event was not applied');
      expect((await server.request('GET', '/readyz', { key: null })).status).toBe(200);
    } finally {
      await log.close();
    }
  });
});
