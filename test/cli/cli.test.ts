// The command line as a user runs it: help everywhere, exit code 2 with a message for bad arguments,
// and the embedded workflow end to end in a temporary data directory.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, cpSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync, existsSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { buildProgram, main } from '../../src/cli/main.js';
import { FeatureSet, SqliteFeatureSetRegistry, type FeatureSetSpec } from '../../src/features/index.js';
import { openSqlite } from '../../src/lib/sqlite.js';

const dir = mkdtempSync(join(tmpdir(), 'rg-cli-'));
process.env.RISKGATE_QUIET = '1';
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const stdout = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((out += String(chunk)), true));
  const stderr = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((err += String(chunk)), true));
  const log = vi.spyOn(console, 'log').mockImplementation((...parts: unknown[]) => void (out += `${parts.join(' ')}\n`));
  process.exitCode = undefined;
  try {
    const code = await main(['node', 'riskgate', '--data', dir, ...args]);
    return { code, out, err };
  } finally {
    stdout.mockRestore();
    stderr.mockRestore();
    log.mockRestore();
    process.exitCode = undefined;
  }
}

describe('riskgate CLI', () => {
  beforeEach(() => {
    process.exitCode = undefined;
  });

  it('has --help on every command', async () => {
    const top = await run('--help');
    expect(top.code).toBe(0);
    expect(top.out).toMatch(/simulate/);
    const walk = (command: ReturnType<typeof buildProgram>, path: string[]): string[][] =>
      command.commands.flatMap((c) => [[...path, c.name()], ...walk(c, [...path, c.name()])]);
    const paths = walk(buildProgram(), []);
    expect(paths.length).toBeGreaterThanOrEqual(10);
    for (const path of paths) {
      const help = await run(...path, '--help');
      expect(help.code, path.join(' ')).toBe(0);
      expect(help.out, path.join(' ')).toMatch(/Usage: riskgate/);
      // Durations are shown as they are written, never as milliseconds.
      expect(help.out, path.join(' ')).not.toMatch(/default: \d{6,}/);
    }
    expect((await run('train', '--help')).out).toMatch(/--maturity <duration>[\s\S]*\(default: 21d\)/);
  });

  it('exits 2 with a message on bad arguments', async () => {
    expect(await run('teleport')).toMatchObject({ code: 2, err: expect.stringMatching(/unknown command 'teleport'/) });
    expect(await run('simulate', '--days', 'abc', '--out', '-')).toMatchObject({ code: 2, err: expect.stringMatching(/--days must be an integer between 1 and 3650, got "abc"/) });
    expect(await run('simulate', '--days', '3')).toMatchObject({ code: 2, err: expect.stringMatching(/--out <file\|-> and\/or --into-log/) });
    expect(await run('simulate', '--start', '2026-02-30x', '--out', '-')).toMatchObject({ code: 2, err: expect.stringMatching(/--start must be a date/) });
    for (const share of ['0', '1', '1.5', 'abc', '-0.1']) {
      expect(await run('models', 'promote', 'm_x', 'canary', '--share', share)).toMatchObject({ code: 2, err: expect.stringMatching(new RegExp(`--share must be a number above 0 and below 1 .*got "${share}"`)) });
    }
    // A period the log would refuse, checked before anything is written.
    const future = new Date(Date.now() + 3 * 86_400_000).toISOString().slice(0, 10);
    const ahead = join(dir, 'ahead');
    expect(await run('--data', ahead, 'simulate', '--start', future, '--days', '1', '--into-log')).toMatchObject({ code: 2, err: expect.stringMatching(/more than 24 hours ahead: the event log refuses/) });
    expect(existsSync(ahead)).toBe(false);
    expect(await run('simulate', '--start', '2099-12-20', '--days', '20', '--out', join(dir, 'late.ndjson'))).toMatchObject({ code: 2, err: expect.stringMatching(/within 2000–2100 \(it would run 2099-12-20 to 2100-01-08\)/) });
    expect(await run('events', 'import', join(dir, 'nope.ndjson'))).toMatchObject({ code: 2, err: expect.stringMatching(/no such file/) });
    expect(await run('events', 'import', join(dir, 'x.csv'), '--format', 'xml')).toMatchObject({ code: 2 });
    writeFileSync(join(dir, 'one.ndjson'), '{}\n');
    expect(await run('events', 'import', join(dir, 'one.ndjson'), '--mapping', join(dir, 'x.json'))).toMatchObject({ code: 2, err: expect.stringMatching(/--mapping is for CSV files/) });
    // A CSV that cannot be imported at all is refused before a data directory is created for it.
    writeFileSync(join(dir, 'no-columns.csv'), 'a,b\n1,2\n');
    writeFileSync(join(dir, 'no-columns.json'), JSON.stringify({ fields: { id: 'event_id', ts: 'time', 'entities.user': 'user' }, defaults: { type: 'login' } }));
    const fresh = join(dir, 'fresh-data');
    const refused = await main(['node', 'riskgate', '--data', fresh, 'events', 'import', join(dir, 'no-columns.csv'), '--mapping', join(dir, 'no-columns.json')]);
    expect([refused, existsSync(fresh)]).toEqual([2, false]);
    expect(await run('features', 'describe', 'no_such_feature')).toMatchObject({ code: 2, err: expect.stringMatching(/no feature "no_such_feature"/) });
    expect(await run('features', 'export', '--out', 'x.txt')).toMatchObject({ code: 2, err: expect.stringMatching(/\.csv or \.parquet/) });
    expect(await run('features', 'export', '--out', 'x.csv', '--maturity', 'soon')).toMatchObject({ code: 2, err: expect.stringMatching(/--maturity must be a duration/) });
    expect(await run('events', 'show', 'missing-id')).toMatchObject({ code: 2, err: expect.stringMatching(/no event with id "missing-id"/) });
    // Impossible days, options the simulator would refuse, paths that are not files, and a command
    // group without its subcommand: a message and exit 2, no stack trace, no file left behind.
    expect(await run('simulate', '--start', '2024-02-30', '--out', '-')).toMatchObject({ code: 2, err: expect.stringMatching(/--start must be a date/) });
    expect(await run('features', 'export', '--out', 'x.csv', '--from', '2025-02-31')).toMatchObject({ code: 2, err: expect.stringMatching(/--from must be a date/) });
    // A time without its offset would be read in this machine's zone: another machine would select other rows.
    expect(await run('features', 'export', '--out', 'x.csv', '--from', '2026-02-01T00:00:00')).toMatchObject({ code: 2, err: expect.stringMatching(/--from must be .* an RFC 3339 time with its offset/) });
    expect(await run('models', 'list', '--name', '')).toMatchObject({ code: 2, err: expect.stringMatching(/--name must be lower-case letters/) });
    expect(await run('retrain', '--name', 'Bad')).toMatchObject({ code: 2, err: expect.stringMatching(/--name must be lower-case letters/) });
    const out = join(dir, 'never.ndjson');
    expect(await run('simulate', '--days', '1', '--label-median-days', '0', '--out', out)).toMatchObject({ code: 2, err: expect.stringMatching(/^riskgate: --label-median-days must be a number between 2 and 60, got "0"/) });
    expect(await run('simulate', '--days', '1', '--late-share', '0.5', '--out', out)).toMatchObject({ code: 2, err: expect.stringMatching(/^riskgate: --late-share must be a number at least 0 and below 0.5, got "0.5"/) });
    expect(existsSync(out)).toBe(false);
    expect(await run('simulate', '--days', '1', '--out', join(dir, 'no', 'such', 'dir.ndjson'))).toMatchObject({ code: 2, err: expect.stringMatching(/no such file or directory\n$/) });
    expect(await run('rules', 'add', 'r_dir', '--name', 'n', '--action', 'review', '--file', dir)).toMatchObject({ code: 2, err: expect.stringMatching(/is a directory or device, not a file/) });
    writeFileSync(join(dir, 'empty-set.json'), '{}');
    expect(await run('features', '--feature-set', join(dir, 'empty-set.json'), 'list')).toMatchObject({ code: 2, err: expect.stringMatching(/name must be a string/) });
    writeFileSync(join(dir, 'bom-set.json'), '\uFEFF' + JSON.stringify({ name: 'bom', scored: ['booking_attempted'], features: [{ name: 'user_logins_1h', description: '', entity: 'user', events: ['login'], agg: 'count', window: '1h', ttl: '1d' }] }));
    expect(await run('features', '--feature-set', join(dir, 'bom-set.json'), 'list')).toMatchObject({ code: 0, out: expect.stringMatching(/user_logins_1h/) });
    writeFileSync(join(dir, 'map.json'), '["a"]');
    expect(await run('models', 'import-xgboost', 'test/fixtures/xgb/xor.model.json', '--map', join(dir, 'map.json'))).toMatchObject({ code: 2, err: expect.stringMatching(/--map .*must be a JSON object/) });
    writeFileSync(join(dir, 'typo-map.json'), JSON.stringify({ amuont: 'amount' }));
    expect(await run('models', 'import-xgboost', 'test/fixtures/xgb/xor.model.json', '--inputs', 'amount,nights,local_hour', '--map', join(dir, 'typo-map.json'))).toMatchObject({ code: 2, err: expect.stringMatching(/the model has no feature "amuont" to rename \(its features: amount, nights, local_hour\)/) });
    // A model that names its features reads its columns by them: --inputs may not put others in their place.
    expect(await run('models', 'import-xgboost', 'test/fixtures/xgb/mixed.model.json', '--inputs', 'nights,amount,local_hour,x,y,z')).toMatchObject({ code: 2, err: expect.stringMatching(/the model names its features \(amount, account_age_days, .*\); --inputs is for a model without names — rename them with --map/) });
    expect(await run('events')).toMatchObject({ code: 2 });
    expect(await run('policy', 'optimize', '--fn-cost', '20', '--fn-cost-amount')).toMatchObject({ code: 2, err: expect.stringMatching(/--fn-cost or --fn-cost-amount, not both/) });
    expect(await run('models', 'policy', 'm_any')).toMatchObject({ code: 2, err: expect.stringMatching(/nothing to change: give --block and\/or --review/) });
    // A mistyped data directory is not created and reported as an empty, healthy installation.
    const typo = join(dir, 'no-such-data');
    expect(await run('--data', typo, 'audit', 'verify')).toMatchObject({ code: 2, err: expect.stringMatching(/no data directory at/) });
    expect(await run('--data', '', 'events', 'stats')).toMatchObject({ code: 2, err: expect.stringMatching(/--data \(or RISKGATE_DATA\) is empty/) });
    expect(existsSync(typo)).toBe(false);
    // Numbers in decimal notation only; options that contradict each other, or an empty period, are refused.
    expect(await run('simulate', '--days', '0x2', '--out', '-')).toMatchObject({ code: 2, err: expect.stringMatching(/--days must be an integer between 1 and 3650, got "0x2"/) });
    expect(await run('rules', 'backtest', '--expression', 'true', '--file', join(dir, 'x.cel'))).toMatchObject({ code: 2, err: expect.stringMatching(/--expression or as --file, not both/) });
    // Files saved with a byte order mark: a rule file and a CSV mapping read as without it.
    writeFileSync(join(dir, 'bom-rule.cel'), '\uFEFFrequest.payload.amount > 10.0 &&');
    expect(await run('rules', 'add', 'r_bom', '--name', 'n', '--action', 'tag', '--file', join(dir, 'bom-rule.cel'))).toMatchObject({ code: 2, err: expect.stringMatching(/expression: line 1, column 33: the expression ends too early/) });
    writeFileSync(join(dir, 'bom-columns.json'), '\uFEFF' + JSON.stringify({ fields: { id: 'event_id', ts: 'time', 'entities.user': 'user' }, defaults: { type: 'login' } }));
    const bomMapping = await run('--data', fresh, 'events', 'import', join(dir, 'no-columns.csv'), '--mapping', join(dir, 'bom-columns.json'));
    expect([bomMapping.code, bomMapping.err, existsSync(fresh)]).toEqual([2, expect.stringMatching(/CSV header lacks mapped column\(s\): event_id, time, user/), false]);
    expect(await run('features', 'export', '--out', join(dir, 'e.csv'), '--from', '2026-02-01', '--to', '2026-01-01')).toMatchObject({ code: 2, err: expect.stringMatching(/--from must come before --to/) });
    expect(await run('events', 'import', join(dir, 'x.ndjson'), '--batch', '20000')).toMatchObject({ code: 2, err: expect.stringMatching(/--batch must be an integer between 1 and 10000/) });
  });

  it('runs the embedded workflow: simulate, import, inspect, export, skew', async () => {
    const sim = await run('simulate', '--days', '6', '--users', '400', '--hosts', '40', '--into-log', '--duplicate-share', '0.01');
    expect(sim.code, sim.err).toBe(0);
    expect(sim.out).toMatch(/stolen_card/);

    const stats = await run('events', 'stats');
    expect(stats.out).toMatch(/booking_attempted/);

    const file = join(dir, 'more.ndjson');
    writeFileSync(
      file,
      [
        JSON.stringify({ id: 'cli_1', type: 'login', ts: '2026-01-08T10:00:00Z', entities: { user: 'u_x', device: 'd_x', ip: '10.0.0.1' }, payload: { success: true } }),
        '{not json',
        JSON.stringify({ id: 'cli_2', type: 'login', ts: '2026-01-08T10:00:00Z', entities: { user: 'u_x' }, payload: { success: true } }),
      ].join('\n'),
    );
    const imported = await run('events', 'import', file);
    expect(imported.code).toBe(3);
    expect(imported.out).toMatch(/appended 1, duplicates 0, rejected 2/);
    expect(imported.out).toMatch(/line 2: \(line\): malformed JSON/);
    expect(imported.out).toMatch(/line 3: entities.device: is required for login events/);
    expect((await run('events', 'show', 'cli_1')).out).toMatch(/"seq"/);

    const csv = join(dir, 'train.csv');
    const exported = await run('features', 'export', '--out', csv, '--maturity', '2d');
    expect(exported.code, exported.err).toBe(0);
    expect(existsSync(csv)).toBe(true);
    expect(exported.out).not.toMatch(/labelled before/);
    const allImmature = await run('features', 'export', '--out', join(dir, 'none.csv'), '--maturity', '3650d');
    expect(allImmature.out).toMatch(/^0 rows × .*immature left out/m);
    expect(allImmature.out).toMatch(/every row is immature: .* --include-immature or shorten --maturity/);

    const skew = await run('features', 'skew');
    expect(skew.code, skew.out).toBe(0);
    expect(skew.out).toMatch(/recomputed offline, 0 differ/);
    // Another feature set than the one served: nothing to compare, and the check says so rather than passing.
    writeFileSync(join(dir, 'other-set.json'), JSON.stringify({ name: 'other', scored: ['booking_attempted'], features: [{ name: 'user_logins_1h', description: '', entity: 'user', events: ['login'], agg: 'count', window: '1h', ttl: '1d' }] }));
    const unserved = await run('features', '--feature-set', join(dir, 'other-set.json'), 'skew');
    expect(unserved).toMatchObject({ code: 2, err: expect.stringMatching(/nothing was compared/) });

    // Keys are made and revoked in the audit trail, like every other change.
    const created = await run('keys', 'create', '--name', 'ci', '--scopes', 'decide,events');
    const keyId = /created key (key_[\w-]+)/.exec(created.out)![1]!;
    expect((await run('keys', 'revoke', keyId)).out).toMatch(`revoked ${keyId}`);
    expect((await run('audit', 'list', '--action', 'key.create')).out).toMatch(keyId);
    expect((await run('audit', 'list', '--action', 'key.revoke')).out).toMatch(keyId);

    const verified = await run('audit', 'verify');
    expect(verified.code).toBe(0);
    expect(verified.out).toMatch(/audit trail intact/);

    const backfill = await run('features', 'backfill');
    expect(backfill.code, backfill.err).toBe(0);
    expect((await run('features', 'list')).out).toMatch(/user_failed_payment_burst/);

    // History imported out of order: a chargeback logged before the booking it judges. The booking's
    // chargeback counts may hold its own label, and the export says so.
    const outOfOrder = join(dir, 'out-of-order.ndjson');
    writeFileSync(
      outOfOrder,
      [
        { id: 'cli_cb', type: 'chargeback', ts: '2026-01-08T14:00:00Z', entities: { card: 'card_cli' }, payload: { target_event_id: 'cli_booking', amount: 120, currency: 'EUR' } },
        { id: 'cli_booking', type: 'booking_attempted', ts: '2026-01-08T12:00:00Z', entities: { user: 'u_x', card: 'card_cli', listing: 'l_x', host: 'h_x' }, payload: { amount: 120, currency: 'EUR', nights: 1 } },
      ]
        .map((e) => JSON.stringify(e))
        .join('\n'),
    );
    expect((await run('events', 'import', outOfOrder)).code).toBe(0);
    const warned = await run('features', 'export', '--out', join(dir, 'warned.csv'), '--maturity', '2d');
    expect(warned.out).toMatch(/warning: 1 rows were labelled before they reached the log/);

    // An id reused with another body is a rejected line, not a duplicate.
    const reused = join(dir, 'reused.ndjson');
    writeFileSync(reused, JSON.stringify({ id: 'cli_1', type: 'login', ts: '2026-01-08T10:00:00Z', entities: { user: 'u_x', device: 'd_x', ip: '10.0.0.1' }, payload: { success: false } }));
    const conflicting = await run('events', 'import', reused);
    expect(conflicting.code).toBe(3);
    expect(conflicting.out).toMatch(/appended 0, duplicates 0, rejected 1 \(1 reusing an id stored with another body\)/);
    expect(conflicting.out).toMatch(/line 1: id: was already used by another event with a different body/);
    expect(await run('events', 'read', '--from', '9', '--to', '5')).toMatchObject({ code: 2, err: expect.stringMatching(/--from must come before --to/) });

    // Imported models: a graph that answers NaN when a feature is missing, the wrong number of inputs,
    // one feature read twice, a bad line name — each refused with the reason, nothing registered.
    const onnx = join(import.meta.dirname, '..', 'fixtures', 'onnx', 'logistic.onnx');
    const three = 'amount_vs_user_mean,account_age_days,user_failed_payments_10m';
    expect(await run('models', 'import-onnx', onnx, '--inputs', three)).toMatchObject({ code: 2, err: expect.stringMatching(/answers NaN instead of a probability when features are missing/) });
    expect(await run('models', 'import-onnx', onnx, '--inputs', 'amount_vs_user_mean,account_age_days')).toMatchObject({ code: 2, err: expect.stringMatching(/the model takes 3 features per row; --inputs names 2/) });
    // A margin read as a probability would be clamped into confident 0s and 1s: refused, naming the outputs.
    expect(await run('models', 'import-onnx', onnx, '--inputs', three, '--output-name', 'margin')).toMatchObject({
      code: 2,
      err: expect.stringMatching(/the graph's output "margin" answered -?[\d.]+, not a probability: choose the output .* \(outputs: margin, probability\), or say --output margin/),
    });
    expect(await run('models', 'import-onnx', onnx, '--inputs', 'account_age_days,account_age_days,user_failed_payments_10m')).toMatchObject({ code: 2, err: expect.stringMatching(/reads feature "account_age_days" as two of its inputs/) });
    expect(await run('models', 'import-onnx', onnx, '--inputs', three, '--name', 'Bad Name')).toMatchObject({ code: 2, err: expect.stringMatching(/--name must be lower-case/) });
    expect((await run('models', 'list')).out).not.toMatch(/onnx/);

    // A rule change that changes nothing is refused, or reported as no change (and not audited).
    expect(await run('rules', 'add', 'cli_rule', '--name', 'CLI rule', '--action', 'tag', '--expression', 'false')).toMatchObject({ code: 0 });
    expect(await run('rules', 'update', 'cli_rule')).toMatchObject({ code: 2, err: expect.stringMatching(/nothing to change/) });
    expect((await run('rules', 'update', 'cli_rule', '--action', 'tag')).out).toMatch(/cli_rule is unchanged \(v1\)/);
    expect((await run('rules', 'update', 'cli_rule', '--action', 'review')).out).toMatch(/cli_rule is now v2/);
    expect((await run('rules', 'update', 'cli_rule', '--description', 'why it exists')).out).toMatch(/cli_rule is now v3/);
    expect((await run('audit', 'list', '--action', 'rule.update', '--limit', '1')).out).toMatch(/"changes":\{"description":"why it exists"\}/);
    // Audited with what changed, as a change over HTTP is.
    expect((await run('audit', 'list', '--action', 'rule.update', '--limit', '2')).out).toMatch(/cli_rule[\s\S]*"changes":\{"action":"review"\}/);
  });

  it('says which database file is damaged, and exits (no thread left holding the process)', async () => {
    const damaged = mkdtempSync(join(tmpdir(), 'rg-cli-damaged-'));
    try {
      cpSync(dir, damaged, { recursive: true });
      const header = openSync(join(damaged, 'riskgate.db'), 'r+');
      writeSync(header, 'not a database file at all');
      closeSync(header);
      const child = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', '--data', damaged, 'models', 'list'], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, RISKGATE_QUIET: '1' } });
      expect(child.signal).toBeNull(); // not killed by the timeout: it exited by itself
      expect(child.status).toBe(2);
      expect(child.stderr).toMatch(/riskgate\.db is not a readable SQLite database/);
      expect(child.stderr).not.toMatch(/\n\s+at /); // no stack trace
    } finally {
      rmSync(damaged, { recursive: true, force: true });
    }
  });
  it('serve --feature-set: a bad file is refused before loading; the set served from then on is what later starts and commands use', async () => {
    const bad = join(dir, 'bad-set.json');
    const definition = { name: 'user_amount_6h', description: '', entity: 'user', events: ['booking_attempted'], agg: 'sum', field: 'payload.amonut', window: '6h', ttl: '30d' };
    writeFileSync(bad, JSON.stringify({ name: 'bad', scored: ['booking_attempted'], features: [definition] }));
    expect(await run('serve', '--feature-set', bad, '--port', '0')).toMatchObject({ code: 2, err: expect.stringMatching(/feature "user_amount_6h": field path "payload\.amonut": no booking_attempted event has it/) });
    expect(existsSync(join(dir, 'server.lock'))).toBe(false);

    // The built-in set as a file to start a custom one from: the same set, the same version.
    const builtinJson = await run('features', '--feature-set', 'builtin', 'list', '--json');
    writeFileSync(join(dir, 'builtin-copy.json'), builtinJson.out);
    const version = (out: string) => /^feature set \w+ (fs_\w+)/m.exec(out)?.[1];
    expect(version((await run('features', '--feature-set', join(dir, 'builtin-copy.json'), 'list')).out)).toBe(version((await run('features', 'list')).out));

    const custom = join(dir, 'custom-set.json');
    writeFileSync(custom, JSON.stringify({ name: 'custom', scored: ['booking_attempted'], features: [{ ...definition, field: 'payload.amount' }] }));
    const serve = async (...args: string[]) => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', '--data', dir, 'serve', '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, RISKGATE_QUIET: '1' } });
      let out = '';
      child.stdout.on('data', (chunk) => (out += String(chunk)));
      child.stderr.on('data', (chunk) => (out += String(chunk)));
      await vi.waitFor(() => expect(out).toMatch(/riskgate listening on/), { timeout: 60_000, interval: 100 });
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
      return out;
    };
    expect(await serve('--feature-set', custom)).toMatch(/serving feature set fs_\w+ from now on \(it was the built-in set\)/);
    const listed = await run('features', 'list');
    expect(listed.out).toMatch(/^feature set custom fs_\w+: 1 features/m);
    // Rules are checked against the set served: a feature only it has is known.
    expect(await run('rules', 'add', 'served_set_rule', '--name', 'Served set', '--action', 'tag', '--expression', 'features.?user_amount_6h.orValue(0.0) > 1000.0')).toMatchObject({ code: 0 });
    expect(await run('rules', 'update', 'served_set_rule', '--enabled', 'off')).toMatchObject({ code: 0 });
    expect((await run('audit', 'list', '--action', 'feature_set.serve')).out).toMatch(/"previous":"built-in"/);
    // A start without the option keeps serving it, and says nothing about it.
    expect(await serve()).not.toMatch(/serving feature set/);
    expect((await run('features', 'list')).out).toMatch(/^feature set custom /m);
    expect(await serve('--feature-set', 'builtin')).toMatch(/serving feature set fs_\w+ \(the built-in set\) from now on \(it was fs_\w+\)/);
    expect((await run('features', 'list')).out).toMatch(/^feature set marketplace /m);

    // A set this installation registered before a check that refuses it existed stays usable from its own file.
    const badSpec = JSON.parse(readFileSync(bad, 'utf8')) as FeatureSetSpec;
    const db = openSqlite(join(dir, 'riskgate.db'), 'os');
    try {
      await new SqliteFeatureSetRegistry(db).register(FeatureSet.create(badSpec, { registered: true }).version, badSpec);
    } finally {
      db.close();
    }
    expect(await run('features', '--feature-set', bad, 'describe', 'user_amount_6h')).toMatchObject({ code: 0, out: expect.stringMatching(/payload\.amonut/) });
    expect(await serve('--feature-set', bad)).toMatch(/serving feature set fs_\w+ from now on/);
    expect((await run('features', 'list')).out).toMatch(/^feature set bad /m);
    expect(await serve('--feature-set', 'builtin')).toMatch(/\(the built-in set\) from now on/);
  }, 180_000);

  it('serve: a taken port is refused before any loading, and the data directory is left unlocked', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as AddressInfo).port;
    try {
      const refused = await run('serve', '--port', String(port));
      expect(refused).toMatchObject({ code: 2, err: expect.stringMatching(new RegExp(`port ${port} is in use`)) });
      expect(existsSync(join(dir, 'server.lock'))).toBe(false);
    } finally {
      taken.close();
    }
  });
});
