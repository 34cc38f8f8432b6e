// The decision service over real HTTP: every endpoint, bad input, scopes, idempotency, rollout,
// the kill switch and injected faults, replay.
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.js';
import { openService } from '../../src/runtime/service.js';
import { sealArtifact } from '../../src/models/index.js';
import { booking, LIVE_TS, startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.close();
});

/** A copy of the active model with other thresholds (and, optionally, trained on another feature set), registered as a candidate. */
async function registerVariant(policy: { block: number; review: number }, featureSetVersion?: string, name?: string): Promise<string> {
  const active = server.service.lineup().active!.registered.artifact;
  const { id: _id, contentHash: _h, format: _f, formatVersion: _v, ...rest } = active;
  const variant = sealArtifact({ ...rest, policy, createdAt: active.createdAt + Math.floor(Math.random() * 1e6), ...(featureSetVersion ? { featureSetVersion } : {}), ...(name ? { name } : {}) });
  await server.service.embedded.models.register(variant, 'test');
  return variant.id;
}

const decide = (body: unknown, key?: string | null) => server.request('POST', '/v1/decisions', { body, ...(key !== undefined ? { key } : {}) });

describe('POST /v1/decisions', () => {
  it('answers with an action, a calibrated score, reasons, versions and timings', async () => {
    const { status, body } = await decide(booking({ amount: 2400, message: 'please pay by western union to avoid the fees' }));
    expect(status).toBe(200);
    expect(['allow', 'review', 'block']).toContain(body.action);
    expect(body.score).toBeGreaterThanOrEqual(0);
    expect(body.score).toBeLessThanOrEqual(1);
    expect(body.model).toMatchObject({ mode: 'active', version: 1 });
    expect(body.feature_set_version).toMatch(/^fs_/);
    expect(body.rules_version).toMatch(/^rs_/);
    expect(body.degraded).toBeNull();
    expect(body.reasons.some((r: { kind: string }) => r.kind === 'feature')).toBe(true);
    expect(body.reasons.some((r: { rule_id?: string }) => r.rule_id === 'off_platform_payment_request')).toBe(true);
    expect(body.timings.total_ms).toBeGreaterThan(0);
  });

  it('decides a checkpoint of a type the feature set does not score (a login) by the rules alone: no model scores it', async () => {
    const login = { id: `test_login_${process.pid}_${Date.now()}`, type: 'login', ts: booking().ts, entities: { user: 'u_test_1', device: 'd_test_1', ip: '203.0.113.9' }, payload: { success: true, method: 'password' } };
    const { status, body } = await decide(login);
    expect(status).toBe(200);
    expect(body).toMatchObject({ model: null, score: null, shadow: [], degraded: null, action: 'allow' });
    expect(body.reasons.some((r: { kind: string }) => r.kind === 'feature')).toBe(false);
    expect((await server.request('POST', `/v1/decisions/${body.decision_id}/replay`)).body.differences).toEqual([]);
    // Counted apart from decisions no model could make (what an alert watches).
    expect((await server.request('GET', '/metrics', { key: null })).body).toMatch(/riskgate_decisions_total\{action="allow",model_mode="unscored"\} [1-9]/);
  });

  it('marks API answers as not to be cached nor sniffed', async () => {
    const response = await fetch(`${server.url}/v1/decisions`, { method: 'POST', headers: { authorization: `Bearer ${server.keys.decide}`, 'content-type': 'application/json' }, body: JSON.stringify(booking()) });
    expect(response.status).toBe(200);
    expect([response.headers.get('cache-control'), response.headers.get('x-content-type-options')]).toEqual(['no-store', 'nosniff']);
  });

  it('is idempotent: a retry with the same event id returns the same decision', async () => {
    const request = booking();
    const first = await decide(request);
    const retry = await decide(request);
    expect(retry.status).toBe(200);
    expect(retry.body.duplicate).toBe(true);
    const { duplicate: _d, ...again } = retry.body;
    expect(again).toEqual(first.body);
    const stored = await server.request('GET', `/v1/decisions/${first.body.decision_id}`, { key: server.keys.review });
    expect(stored.body).toEqual(first.body);
    expect((await server.request('GET', `/v1/decisions/${request.id}`, { key: server.keys.review })).body.decision_id).toBe(first.body.decision_id);
  });

  it('decides once when the same request arrives many times at once: one new decision, the rest duplicates of it', async () => {
    const countOf = async () => {
      const metrics = (await server.request('GET', '/metrics', { key: null })).body as string;
      return [...metrics.matchAll(/^riskgate_decisions_total\{[^}]*\} (\d+)/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
    };
    // A race: a few bursts, so that some retries arrive while the first request's event is being logged.
    for (let burst = 0; burst < 8; burst++) {
      const request = booking({ amount: 777 + burst });
      const before = await countOf();
      const answers = await Promise.all(Array.from({ length: 20 }, () => decide(request)));
      expect(answers.map((a) => a.status)).toEqual(Array(20).fill(200));
      expect(answers.filter((a) => !a.body.duplicate)).toHaveLength(1);
      const first = answers.find((a) => !a.body.duplicate)!.body;
      for (const a of answers) expect({ ...a.body, duplicate: undefined }).toEqual({ ...first, duplicate: undefined });
      expect(await countOf()).toBe(before + 1);
      const audit = (await server.request('GET', `/v1/audit?action=decision&subject=${first.decision_id}`)).body.entries;
      expect(audit).toHaveLength(1);
    }
  });

  it('looks up a decision by an event id of any accepted length', async () => {
    const request = booking({ id: `long_${'x'.repeat(123)}` });
    expect(request.id.length).toBe(128);
    const decided = await decide(request);
    expect(decided.status).toBe(200);
    expect((await server.request('GET', `/v1/decisions/${request.id}`, { key: server.keys.review })).body.decision_id).toBe(decided.body.decision_id);
    expect((await server.request('POST', `/v1/decisions/${encodeURIComponent(request.id)}/replay`)).body.equal).toBe(true);
  });

  it('finishes such a decision after a restart even when the stop also lost its served vector (read again at start)', async () => {
    const request = booking();
    expect((await server.request('POST', '/v1/events', { key: server.keys.events, body: request })).body.appended).toBe(1);
    const seq = (await server.service.embedded.log.get(request.id))!.seq;
    const served = await server.service.embedded.featureLog.get(seq);
    expect(served?.eventId).toBe(request.id);
    // The vector's commit is lost, as when the process stops between the event's commit and its own.
    const db = new Database(join(server.service.embedded.dir, 'feature-log.db'));
    db.prepare('DELETE FROM feature_log WHERE seq = ?').run(seq);
    db.close();
    const restarted = await openService(server.service.embedded.dir, {});
    try {
      expect((await restarted.embedded.features.servedVector(seq))?.vector).toEqual(served!.vector);
      const { decision } = await restarted.decider.decide(request);
      expect(decision.event_id).toBe(request.id);
      const stored = await restarted.decisions.getByEvent(request.id);
      expect([stored?.recovered, stored?.vector]).toEqual([true, served!.vector]);
      expect((await restarted.embedded.featureLog.get(seq))?.vector).toEqual(served!.vector);
    } finally {
      await restarted.close();
    }
  });

  it('refuses a retry that reuses a decided event id for a different request', async () => {
    const request = booking();
    const first = await decide(request);
    const changed = await decide({ ...request, payload: { ...request.payload, amount: 9_999 } });
    expect(changed.status).toBe(409);
    expect(changed.body.message).toMatch(new RegExp(`event id "${request.id}" was already received with a different body`));
    expect((await server.service.decisions.getByEvent(request.id))?.decision).toEqual(first.body);
    // Logged without a decision (a stop between the commits), then decided with another body: no
    // decision is made from the logged event's features and the new body's rules.
    const logged = booking();
    await server.request('POST', '/v1/events', { key: server.keys.events, body: logged });
    const mismatched = await decide({ ...logged, entities: { ...logged.entities, card: 'cf_stolen_1' } });
    expect(mismatched.status).toBe(409);
    expect(await server.service.decisions.getByEvent(logged.id)).toBeUndefined();
    expect((await decide(logged)).status).toBe(200);
  });

  it("refuses event ids that look like riskgate's decision ids (decisions are looked up by either)", async () => {
    for (const path of ['/v1/decisions', '/v1/events']) {
      const refused = await server.request('POST', path, { key: path === '/v1/events' ? server.keys.events : server.keys.decide, body: booking({ id: 'dec_00000001' }) });
      expect(refused.status, path).toBe(400);
      expect(refused.body.errors, path).toContainEqual({ path: 'id', message: expect.stringContaining('must not start with "dec_"') });
    }
    // Reported with the event's other problems, not only once those are fixed.
    const all = await decide({ ...booking({ id: 'dec_x', ts: Date.now() + 10 * 86_400_000 }), payload: { amount: -1, currency: 'EUR', nights: 1 } });
    expect(all.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['id', 'payload.amount', 'ts']);
  });

  it('finishes a decision whose event was logged but not decided (a crash between the two commits)', async () => {
    const request = booking();
    // The event reaches the log without a decision, as after a crash right after its commit.
    expect((await server.request('POST', '/v1/events', { key: server.keys.events, body: request })).body.appended).toBe(1);
    const { status, body } = await decide(request);
    expect(status).toBe(200);
    expect(body.event_id).toBe(request.id);
    expect((await server.service.decisions.getByEvent(request.id))?.recovered).toBe(true);
    expect((await server.request('POST', `/v1/decisions/${body.decision_id}/replay`)).body.equal).toBe(true);
    // An id used by an event that is never scored cannot become a decision.
    const login = { id: `login_${request.id}`, type: 'login', ts: request.ts, entities: { user: 'u', device: 'd', ip: 'i' }, payload: { success: true } };
    await server.request('POST', '/v1/events', { key: server.keys.events, body: login });
    expect((await decide({ ...request, id: login.id })).status).toBe(409);
  });

  it('refuses bad input with a 4xx naming the field', async () => {
    const cases: Array<[string, { body?: unknown; raw?: string }, number, RegExp]> = [
      ['malformed JSON', { raw: '{"id": "x", ' }, 400, /not valid JSON/],
      ['empty body', { raw: '' }, 400, /empty/],
      ['a JSON array', { body: [1, 2] }, 400, /must be a JSON object/],
      ['wrong types', { body: { ...booking(), payload: { amount: 'lots', currency: 'USD', nights: 2 } } }, 400, /payload\.amount: must be number/],
      ['missing fields', { body: { id: 'x', type: 'booking_attempted' } }, 400, /ts: is required.*entities: is required/],
      ['NaN literal', { raw: JSON.stringify(booking()).replace('"amount":250', '"amount":NaN') }, 400, /not valid JSON/],
      ['negative amount', { body: { ...booking(), payload: { amount: -1, currency: 'USD', nights: 2 } } }, 400, /payload\.amount: must be >= 0/],
      ['raw card number', { body: { ...booking(), entities: { ...booking().entities, card: '4111 1111 1111 1111' } } }, 400, /entities\.card: looks like a raw card number/],
      ['__proto__ key', { raw: JSON.stringify(booking()).replace('"entities":{', '"entities":{"__proto__":{"admin":true},') }, 400, /entities\.__proto__: is a reserved key/],
      ['unknown type', { body: { ...booking(), type: 'teleport' } }, 400, /type: must be one of/],
      ['control character in an id', { body: { ...booking(), entities: { ...booking().entities, device: 'd\u0001x' } } }, 400, /entities\.device: must not contain control characters/],
      ['a bidi override in an id', { body: { ...booking(), entities: { ...booking().entities, user: 'u_\u202eAIROTCIV' } } }, 400, /entities\.user: must not contain invisible or text-direction characters/],
      ['a zero-width space in an id', { body: { ...booking(), entities: { ...booking().entities, card: 'cf_\u200b1' } } }, 400, /entities\.card: must not contain invisible/],
      ['far-future time', { body: booking({ ts: Date.now() + 10 * 86_400_000 }) }, 400, /ts: is .* hours in the future/],
      ['huge body', { raw: JSON.stringify({ ...booking(), payload: { amount: 1, currency: 'USD', nights: 1, message: 'x'.repeat(200_000) } }) }, 413, /./],
      ['a leap second', { body: booking({ ts: '2016-12-31T23:59:60Z' as unknown as number }) }, 400, /ts: is not a time that can be represented/],
      ['a time before 2000', { body: booking({ ts: '1999-12-31T23:59:59Z' as unknown as number }) }, 400, /ts: must lie between 2000 and 2100/],
    ];
    for (const [name, input, status, message] of cases) {
      const response = await server.request('POST', '/v1/decisions', input);
      expect(response.status, name).toBe(status);
      expect(response.body.message ?? '', name).toMatch(message);
    }
    expect(Object.prototype).not.toHaveProperty('admin');
    // A body that is not an object names itself as the field, as the message does.
    for (const raw of ['[]', 'null', '"a string"']) {
      const notObject = await server.request('POST', '/v1/decisions', { raw });
      expect([notObject.status, notObject.body.errors], raw).toEqual([400, [{ path: '(body)', message: 'must be a JSON object' }]]);
    }
    // Bodies are JSON: any other media type, text/plain included, is a 415.
    for (const type of ['text/plain', 'application/x-www-form-urlencoded']) {
      const other = await server.request('POST', '/v1/decisions', { raw: JSON.stringify(booking()), headers: { 'content-type': type } });
      expect([other.status, other.body.error, other.body.message], type).toEqual([415, 'unsupported_media_type', `the body must be JSON, sent with "Content-Type: application/json" (got "${type}")`]);
    }
    // JSON is UTF-8: bytes that are not are refused, not read as U+FFFD (two Latin-1 ids would become one).
    const latin1 = Buffer.concat([Buffer.from('{"id":"x_'), Buffer.from([0xe9]), Buffer.from('","type":"booking_attempted"}')]);
    const bytes = await fetch(`${server.url}/v1/events`, { method: 'POST', headers: { authorization: `Bearer ${server.keys.admin}`, 'content-type': 'application/json' }, body: latin1 });
    expect([bytes.status, ((await bytes.json()) as { message: string }).message]).toEqual([400, 'body is not valid UTF-8 (JSON must be encoded as UTF-8)']);
    const declared = await server.request('POST', '/v1/decisions', { raw: JSON.stringify(booking()), headers: { 'content-type': 'application/json; charset=latin1' } });
    expect([declared.status, declared.body.message]).toEqual([415, 'charset=latin1: JSON bodies are UTF-8']);
    expect((await server.request('POST', '/v1/decisions', { raw: JSON.stringify(booking()), headers: { 'content-type': 'application/json; charset=UTF-8' } })).status).toBe(200);
    // The parser's reason is given without the excerpt of the body V8 quotes (it may hold a card number).
    const label = await server.request('POST', '/v1/decisions', { key: server.keys.decide, body: { id: `cb_${Date.now()}`, type: 'chargeback', ts: LIVE_TS, entities: { user: 'u_1', card: 'cf_1' }, payload: { target_event_id: 'bk_1', amount: 10, currency: 'USD', reason_code: '10.4' } } });
    expect([label.status, label.body.message]).toEqual([400, expect.stringMatching(/^type: "chargeback" is a label, not a checkpoint to decide/)]);
    const malformed = await server.request('POST', '/v1/decisions', { raw: '[4111111111111111,x]' });
    expect(malformed.body.message).toBe("(body): is not valid JSON: Unexpected token 'x'");
    expect(malformed.body.errors).toEqual([{ path: '(body)', message: "is not valid JSON: Unexpected token 'x'" }]);
    // Route schemas name the field too: where it came from, missing or unknown, and no integer truncated.
    const fraction = await server.request('GET', '/v1/cases?limit=1.5', { key: server.keys.review });
    expect([fraction.status, fraction.body.message]).toEqual([400, 'query.limit: must be an integer']);
    const unknown = await server.request('GET', '/v1/cases?colour=red', { key: server.keys.review });
    expect([unknown.status, unknown.body.message]).toEqual([400, 'query.colour: is not a known field']);
    // A choice says which values it takes.
    const choice = await server.request('GET', '/v1/cases?status=bogus', { key: server.keys.review });
    expect([choice.status, choice.body.message]).toEqual([400, 'query.status: must be one of "open", "claimed", "escalated", "decided", "all"']);
    const active = server.service.lineup().active!.registered.artifact.id;
    const halfPolicy = await server.request('PUT', `/v1/admin/models/${active}/policy`, { body: { block: 0.9 } });
    expect([halfPolicy.status, halfPolicy.body.errors]).toEqual([400, [{ path: 'review', message: 'is required' }]]);
    // Numbers a schema allows must also fit the store: too large is a 400 naming the field, not a 500.
    const offset = await server.request('GET', '/v1/cases?offset=100000000000000000000', { key: server.keys.review });
    expect([offset.status, offset.body.message]).toEqual([400, expect.stringMatching(/offset/)]);
    const expiry = await server.request('POST', '/v1/admin/lists/blocked_users/entries', { body: { entries: [{ value: 'u_far_future', expires_at: 1e300 }] } });
    expect([expiry.status, expiry.body.message]).toEqual([400, expect.stringMatching(/expires_at/)]);
    // The router's own refusals come in the same shape, without echoing the URL.
    const longId = await server.request('GET', `/v1/decisions/${'a'.repeat(2000)}`, { key: server.keys.review });
    expect(longId.status).toBe(414);
    expect(longId.body).toEqual({ error: 'uri_too_long', message: 'a path parameter is longer than 1024 characters' });
    const badUrl = await server.request('GET', '/v1/decisions/%E0%A4%A', { key: server.keys.review });
    expect(badUrl.status).toBe(400);
    expect(badUrl.body.error).toBe('invalid_request');
  });

  it('enforces API keys and scopes', async () => {
    expect(await decide(booking(), null)).toMatchObject({ status: 401, body: { message: 'send an API key as "Authorization: Bearer <key>"' } });
    expect(await decide(booking(), 'rg_not_a_real_key')).toMatchObject({ status: 401, body: { message: expect.stringMatching(/not valid: unknown or revoked/) } });
    expect(await server.request('GET', '/v1/me', { key: null, headers: { authorization: 'Basic dXNlcjpwYXNz' } })).toMatchObject({ status: 401, body: { message: 'the Authorization header must be "Bearer <key>"' } });
    expect((await decide(booking(), server.keys.events)).status).toBe(403);
    expect((await decide(booking(), server.keys.decide)).status).toBe(200);
    expect((await server.request('GET', '/v1/admin/models', { key: server.keys.decide })).status).toBe(403);
    expect((await server.request('POST', '/v1/events', { key: server.keys.review, body: booking() })).status).toBe(403);
    const revoked = server.service.keys.create('short-lived', ['decide']);
    expect((await decide(booking(), revoked.token)).status).toBe(200);
    server.service.keys.revoke(revoked.key.id);
    expect((await decide(booking(), revoked.token)).status).toBe(401);
  });

  it('rate-limits per key', async () => {
    const slow = server.service.keys.create('slow client', ['decide'], 3).token;
    const statuses = await Promise.all(Array.from({ length: 8 }, () => decide(booking(), slow).then((r) => r.status)));
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(0);
    expect(statuses.filter((s) => s === 200).length).toBeLessThanOrEqual(3);
    // Refused requests count too: malformed bodies on a key's budget, wrong keys on the address's.
    const careless = server.service.keys.create('careless client', ['decide'], 3).token;
    const malformed = await Promise.all(Array.from({ length: 8 }, () => server.request('POST', '/v1/decisions', { key: careless, raw: '{bad' }).then((r) => r.status)));
    expect(malformed.filter((s) => s === 429).length).toBeGreaterThan(0);
    expect(malformed.filter((s) => s === 400).length).toBeLessThanOrEqual(3);
    // 100 a second per address: guessed until refused (a fixed count can straddle two windows on a busy machine).
    const guesses: number[] = [];
    for (let batch = 0; batch < 20 && !guesses.includes(429); batch++) {
      guesses.push(...(await Promise.all(Array.from({ length: 60 }, (_, i) => decide(booking(), `rg_guess_${batch}_${i}`).then((r) => r.status)))));
    }
    expect(guesses.filter((s) => s === 429).length).toBeGreaterThan(0);
    expect(guesses.every((s) => s === 401 || s === 429)).toBe(true);
  });
});

describe('POST /v1/events', () => {
  it('appends single events and batches, reporting each event', async () => {
    const login = { id: `login_${Date.now()}`, type: 'login', ts: LIVE_TS, entities: { user: 'u_test_1', device: 'd_new', ip: '198.51.100.7' }, payload: { success: false } };
    const single = await server.request('POST', '/v1/events', { key: server.keys.events, body: login });
    expect(single.status, JSON.stringify(single.body)).toBe(200);
    expect(single.body).toMatchObject({ appended: 1, rejected: 0 });
    const batch = await server.request('POST', '/v1/events', {
      key: server.keys.events,
      body: { events: [login, { ...login, id: `${login.id}_2` }, { ...login, id: 'bad', payload: { success: 'maybe' } }] },
    });
    expect(batch.status).toBe(200);
    expect(batch.body.results.map((r: { status: string }) => r.status)).toEqual(['duplicate', 'appended', 'rejected']);
    expect(batch.body.results[2].errors).toEqual([{ path: 'payload.success', message: 'must be boolean' }]);
    // An id already stored with another body: not stored, and said so — a 409 for one event, a counted conflict in a batch.
    const changed = { ...login, payload: { success: true } };
    const reused = await server.request('POST', '/v1/events', { key: server.keys.events, body: changed });
    expect([reused.status, reused.body.error, reused.body.message]).toEqual([409, 'conflict', expect.stringMatching(/^id: was already used by another event with a different body/)]);
    const inBatch = await server.request('POST', '/v1/events', { key: server.keys.events, body: { events: [changed, { ...login, id: `${login.id}_4` }] } });
    expect(inBatch.status).toBe(200);
    expect(inBatch.body).toMatchObject({ appended: 1, duplicates: 0, conflicts: 1, rejected: 0 });
    expect(inBatch.body.results[0]).toMatchObject({ id: login.id, status: 'conflict', seq: single.body.results[0].seq });
    expect((await server.service.embedded.log.get(login.id))?.event.payload).toEqual({ success: false });
    // None accepted: a 400 whose errors name each field from the body's root, as every other 400 does.
    const allBad = await server.request('POST', '/v1/events', { key: server.keys.events, body: { events: [{ ...login, id: 'bad_1', payload: { success: 'maybe' } }, { ...login, id: 'bad_2', ts: 'yesterday' }] } });
    expect(allBad.status).toBe(400);
    expect(allBad.body.errors).toEqual([
      { path: 'events[0].payload.success', message: 'must be boolean' },
      { path: 'events[1].ts', message: expect.any(String) },
    ]);
    expect(allBad.body.message).toMatch(/^none of the 2 events was accepted: events\[0\]\.payload\.success: must be boolean; events\[1\]\.ts: /);
    expect(allBad.body.results.map((r: { status: string }) => r.status)).toEqual(['rejected', 'rejected']);
    // An element that is not an event at all is named too: in its result, and from the body's root.
    const mixed = await server.request('POST', '/v1/events', { key: server.keys.events, body: { events: [{ ...login, id: `${login.id}_5` }, 42] } });
    expect([mixed.status, mixed.body.results[1]]).toEqual([200, { id: null, status: 'rejected', errors: [{ path: '(event)', message: 'must be a JSON object' }] }]);
    const noEvents = await server.request('POST', '/v1/events', { key: server.keys.events, body: { events: [null, 'x'] } });
    expect([noEvents.status, noEvents.body.errors]).toEqual([400, [{ path: 'events[0]', message: 'must be a JSON object' }, { path: 'events[1]', message: 'must be a JSON object' }]]);
    const oneBad = await server.request('POST', '/v1/events', { key: server.keys.events, body: { ...login, id: 'bad_3', payload: { success: 'maybe' } } });
    expect([oneBad.status, oneBad.body.message, oneBad.body.errors]).toEqual([400, 'payload.success: must be boolean', [{ path: 'payload.success', message: 'must be boolean' }]]);
    const notAList = await server.request('POST', '/v1/events', { key: server.keys.events, body: { events: 5 } });
    expect([notAList.status, notAList.body.errors]).toEqual([400, [{ path: 'events', message: 'must be an array of events ({"events": [...]})' }]]);
    const notAnEvent = await server.request('POST', '/v1/events', { key: server.keys.events, raw: 'null' });
    expect([notAnEvent.status, notAnEvent.body.message, notAnEvent.body.errors]).toEqual([400, '(body): must be a JSON object', [{ path: '(body)', message: 'must be a JSON object' }]]);
    // A batch is {"events": [...]} alone: neither fields beside it nor an event carrying "events" are half read.
    const beside = await server.request('POST', '/v1/events', { key: server.keys.events, raw: JSON.stringify({ events: [{ ...login, id: `${login.id}_3` }], bogus: true }) });
    expect([beside.status, beside.body.message]).toEqual([400, expect.stringMatching(/^bogus: a batch is/)]);
    const carrying = await server.request('POST', '/v1/events', { key: server.keys.events, body: { ...login, id: `${login.id}_outer`, events: [{ ...login, id: `${login.id}_inner` }] } });
    expect(carrying.status).toBe(400);
    expect(await server.service.embedded.log.get(`${login.id}_inner`)).toBeUndefined();
    const bare = await server.request('POST', '/v1/events', { key: server.keys.events, raw: JSON.stringify([{ ...login, id: `${login.id}_bare` }]) });
    expect([bare.status, bare.body.message]).toEqual([400, expect.stringMatching(/not a bare array/)]);
    expect(await server.service.embedded.log.get(`${login.id}_bare`)).toBeUndefined();
  });
});

describe('rollout', () => {
  it('refuses a promotion that would leave requests without a deciding model', async () => {
    const activeId = server.service.lineup().active!.registered.artifact.id;
    // Trained on a feature set this server does not serve: promoting it would retire the working model.
    const foreign = await registerVariant({ block: 0.9, review: 0.5 }, 'fs_not_served_here');
    const refused = await server.request('POST', `/v1/admin/models/${foreign}/promote`, { body: { stage: 'active' } });
    expect([refused.status, refused.body.message]).toEqual([409, expect.stringMatching(/cannot be served here: .*fs_not_served_here/)]);
    // The CLI, run beside the server on its data directory, refuses it too.
    let err = '';
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((err += String(chunk)), true));
    const code = await main(['node', 'riskgate', '--data', server.service.embedded.dir, 'models', 'promote', foreign, 'active']).finally(() => stderr.mockRestore());
    expect([code, err]).toEqual([2, expect.stringMatching(/cannot be served here: .*fs_not_served_here/)]);
    expect((await server.service.embedded.models.get(foreign))!.stage).toBe('candidate');
    // A promotion from the CLI is audited as one through the API is: with every model whose stage changed.
    const servable = await registerVariant({ block: 0.9, review: 0.5 });
    const quiet = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    const promotedCode = await main(['node', 'riskgate', '--data', server.service.embedded.dir, 'models', 'promote', servable, 'shadow']).finally(() => quiet.mockRestore());
    expect(promotedCode).toBe(0);
    const [audited] = await server.service.audit.list({ action: 'model.promote', subject: servable, limit: 1 });
    expect(audited!.details).toEqual({ stage: 'shadow', canary_share: null, changed: [[servable, 'shadow']] });
    await server.service.embedded.models.promote(servable, 'retired', { actor: 'test' });
    // A threshold left out of `models policy` is the model's own, and the message says so.
    let policyErr = '';
    const policyStderr = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((policyErr += String(chunk)), true));
    const policyCode = await main(['node', 'riskgate', '--data', server.service.embedded.dir, 'models', 'policy', activeId, '--block', '0.0001']).finally(() => policyStderr.mockRestore());
    expect([policyCode, policyErr]).toEqual([2, expect.stringMatching(/--block 0\.0001 is below the model's review threshold \([\d.]+\): give --review too/)]);
    // Nor can it stand in as the fallback: accepted, it would be left out and a failing model fall to rules alone.
    const standIn = await server.request('PUT', '/v1/admin/settings', { body: { fallback_model_id: foreign } });
    expect([standIn.status, standIn.body.message]).toEqual([409, expect.stringMatching(/cannot be served here: .*fs_not_served_here/)]);
    expect(server.service.settings().fallbackModelId).not.toBe(foreign);
    // The active model cannot step down to canary or shadow while nothing replaces it.
    const demoted = await server.request('POST', `/v1/admin/models/${activeId}/promote`, { body: { stage: 'canary', canary_share: 0.5 } });
    expect([demoted.status, demoted.body.message]).toEqual([409, expect.stringMatching(/is the active model/)]);
    expect(server.service.lineup().active!.registered.artifact.id).toBe(activeId);
    expect((await decide(booking())).body.model).toMatchObject({ id: activeId, mode: 'active' });
  });

  it('refuses to promote a model of a line the server does not serve (it would never be scored)', async () => {
    const other = await registerVariant({ block: 0.9, review: 0.5 }, undefined, 'other_line');
    for (const stage of ['shadow', 'canary', 'active']) {
      const refused = await server.request('POST', `/v1/admin/models/${other}/promote`, { body: { stage } });
      expect([refused.status, refused.body.message]).toEqual([409, expect.stringMatching(/on the "other_line" line, and the server serves the "checkout" line only: .*--name checkout/)]);
    }
    let err = '';
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((err += String(chunk)), true));
    const code = await main(['node', 'riskgate', '--data', server.service.embedded.dir, 'models', 'promote', other, 'shadow']).finally(() => stderr.mockRestore());
    expect([code, err]).toEqual([2, expect.stringMatching(/serves the "checkout" line only/)]);
    expect((await server.service.embedded.models.get(other))!.stage).toBe('candidate');
    // Retiring it is always possible.
    expect((await server.request('POST', `/v1/admin/models/${other}/promote`, { body: { stage: 'retired' } })).status).toBe(200);
  });

  it('keeps the scorers of models still served when the lineup reloads (their compiled trees with them)', async () => {
    const active = server.service.lineup().active!;
    await server.service.reloadModels();
    expect(server.service.lineup().active!.scorer).toBe(active.scorer);
  });

  it('scores shadow models on every request and never lets them change the action', async () => {
    const shadowId = await registerVariant({ block: 0, review: 0 }); // would block everything
    expect((await server.request('POST', `/v1/admin/models/${shadowId}/promote`, { body: { stage: 'shadow' } })).status).toBe(200);
    for (let i = 0; i < 10; i++) {
      const { body } = await decide(booking());
      expect(body.shadow).toEqual([expect.objectContaining({ id: shadowId, action: 'block' })]);
      expect(body.model.id).not.toBe(shadowId);
      expect(body.action).not.toBe(body.reasons.length === 0 ? 'block' : '__never__');
    }
    // The live comparison reads those decisions back: the shadow (same weights, block everything) scores
    // exactly like the deciding model and its thresholds put every request in the block column.
    const { status, body: comparison } = await server.request('GET', `/v1/admin/models/${shadowId}/comparison?limit=50`);
    expect(status).toBe(200);
    expect(comparison.decisions).toBe(10);
    expect(comparison.mean_score.shadow).toBeCloseTo(comparison.mean_score.deciding, 12);
    const column = (action: string) => ['allow', 'review', 'block'].reduce((sum, row) => sum + comparison.matrix[row][action], 0);
    expect([column('allow'), column('review'), column('block')]).toEqual([0, 0, 10]);
    expect(comparison.agreement).toBeCloseTo(comparison.matrix.block.block / 10, 12);
    expect(comparison.note).toBeUndefined();
    // The model that decided was never a shadow on these: nothing to compare, and the answer says why.
    const deciding = (await decide(booking())).body.model.id as string;
    expect((await server.request('GET', `/v1/admin/models/${deciding}/comparison?limit=50`)).body).toMatchObject({
      decisions: 0,
      agreement: null,
      note: expect.stringMatching(new RegExp(`none of the latest \\d+ decisions has ${deciding} as a shadow: it is the active model, and only shadow models are scored beside the model that decides`)),
    });
    expect((await server.request('GET', '/v1/admin/models/m_nope/comparison')).status).toBe(404);
    expect((await server.request('GET', `/v1/admin/models/${shadowId}/comparison`, { key: server.keys.review })).status).toBe(403);
    await server.request('POST', `/v1/admin/models/${shadowId}/promote`, { body: { stage: 'retired' } });
  });

  it('sends a stable share of users to the canary', async () => {
    const canaryId = await registerVariant({ block: 0.99, review: 0.98 });
    expect((await server.request('POST', `/v1/admin/models/${canaryId}/promote`, { body: { stage: 'canary', canary_share: 0.3 } })).status).toBe(200);
    const seen = new Map<string, string>();
    let canary = 0;
    const users = 300;
    for (let u = 0; u < users; u++) {
      for (let k = 0; k < 2; k++) {
        const { body } = await decide(booking({ user: `u_canary_${u}` }));
        const previous = seen.get(`u_canary_${u}`);
        if (previous) expect(body.model.id).toBe(previous);
        seen.set(`u_canary_${u}`, body.model.id);
        if (k === 0 && body.model.mode === 'canary') canary++;
      }
    }
    expect(canary / users).toBeGreaterThan(0.2);
    expect(canary / users).toBeLessThan(0.4);
    await server.request('POST', `/v1/admin/models/${canaryId}/promote`, { body: { stage: 'retired' } });
  });

  it('promotes and rolls back in one call each', async () => {
    const before = server.service.lineup().active!.registered.artifact.id;
    const next = await registerVariant({ block: 0.9, review: 0.5 });
    await server.request('POST', `/v1/admin/models/${next}/promote`, { body: { stage: 'active' } });
    expect((await decide(booking())).body.model.id).toBe(next);
    const rollback = await server.request('POST', '/v1/admin/models/rollback', { body: {} });
    expect(rollback.status).toBe(200);
    expect((await decide(booking())).body.model.id).toBe(before);
    expect((await server.request('POST', '/v1/admin/models/m_nope/promote', { body: { stage: 'active' } })).status).toBe(404);
    expect((await server.request('POST', `/v1/admin/models/${next}/promote`, { body: { stage: 'sideways' } })).status).toBe(400);
  });
});

describe('safe degradation', () => {
  const budget = () => server.service.settings().budgets;

  it('the kill switch gives rules-only decisions, flagged', async () => {
    expect((await server.request('PUT', '/v1/admin/kill-switch', { body: { enabled: true } })).body).toEqual({ enabled: true });
    const { body } = await decide(booking({ message: 'pay me by wire transfer' }));
    expect(body).toMatchObject({ degraded: 'kill_switch', model: null, score: null });
    expect(body.rule_hits.length).toBeGreaterThan(0);
    await server.request('PUT', '/v1/admin/kill-switch', { body: { enabled: false } });
    expect((await decide(booking())).body.degraded).toBeNull();
    // Recorded as the key's name and id, the way review actions are.
    const [entry] = (await server.request('GET', '/v1/audit?action=kill_switch&limit=1')).body.entries;
    expect(entry.actor).toMatch(/^test admin \(key_[\w-]+\)$/);
  });

  it('free text is well-formed Unicode without control characters; a rule name shows what it says', async () => {
    // A lone surrogate, which JSON can only escape, cannot be stored as text: refused wherever it is sent.
    const raw = (body: string) => ({ raw: body, headers: { 'content-type': 'application/json' } });
    const rule = await server.request('POST', '/v1/admin/rules', raw('{"id":"lone","name":"a\\ud800b","expression":"false","action":"tag"}'));
    expect([rule.status, rule.body.errors]).toEqual([400, [{ path: 'name', message: 'is not well-formed Unicode (a lone surrogate)' }]]);
    // An event's text is kept as the JSON it came as, which keeps one exactly (a message cut inside an emoji).
    const event = await server.request('POST', '/v1/decisions', raw(JSON.stringify(booking()).replace('"payload":{', '"payload":{"message":"hi \\udc00",')));
    expect(event.status).toBe(200);
    // An emoji escaped as its surrogate pair is well-formed.
    const emoji = await server.request('POST', '/v1/admin/rules', raw('{"id":"emoji","name":"party \\ud83c\\udf89","expression":"false","action":"tag","enabled":false}'));
    expect([emoji.status, emoji.body.name]).toEqual([201, 'party 🎉']);
    const cases: Array<[string, string, unknown, string, RegExp]> = [
      ['POST', '/v1/admin/rules', { id: 'nul', name: 'a\u0000b', expression: 'false', action: 'tag' }, 'name', /control characters/],
      ['POST', '/v1/admin/rules', { id: 'rtl', name: 'evil \u202e lived', expression: 'false', action: 'tag' }, 'name', /bidirectional overrides/],
      ['POST', '/v1/admin/rules', { id: 'bell', name: 'ok', description: 'ding\u0007', expression: 'false', action: 'tag' }, 'description', /control characters other than tabs and line breaks/],
      ['POST', '/v1/admin/lists', { name: 'long_text', kind: 'user', description: 'x'.repeat(2_001) }, 'description', /2000 characters/],
      ['POST', '/v1/admin/lists/stolen_cards/entries', { entries: [{ value: 'cf_long', note: 'x'.repeat(501) }] }, 'entries[0].note', /500 characters/],
      ['POST', '/v1/admin/lists/stolen_cards/entries', { entries: [{ value: 'cf_nul', note: 'a\u0000' }] }, 'entries[0].note', /control characters/],
      ['PUT', '/v1/admin/kill-switch', { enabled: false, reason: 'x\u001b[31m' }, 'reason', /control characters/],
    ];
    for (const [method, path, body, field, problem] of cases) {
      const { status, body: answer } = await server.request(method, path, { body });
      expect([path, field, status, answer.errors]).toEqual([path, field, 400, [{ path: field, message: expect.stringMatching(problem) }]]);
    }
    // Joiners and marks are part of writing Persian, Hebrew and emoji; a long note of emoji counts its characters.
    for (const [id, name] of [['fa', 'کارت‌های دزدی'], ['he', 'כרטיס\u200f גנוב'], ['emoji', 'high risk 👩‍💻']]) {
      expect((await server.request('POST', '/v1/admin/rules', { body: { id: `name_${id}`, name, expression: 'false', action: 'tag', enabled: false } })).status, id).toBe(201);
    }
    expect((await server.request('PUT', '/v1/admin/kill-switch', { body: { enabled: false, reason: '🚨'.repeat(400) } })).status).toBe(200);
    // Tabs and line breaks are text.
    const multiline = await server.request('POST', '/v1/admin/rules', { body: { id: 'lines', name: 'Lines', description: 'one\ntwo\tthree', expression: 'false', action: 'tag', enabled: false } });
    expect(multiline.status).toBe(201);
    // What was sent is quoted in a problem, and cannot pass for another field.
    // A value that may be a time or null is one problem when it is neither; an empty body names the body.
    const notATime = await server.request('POST', '/v1/admin/lists/stolen_cards/entries', { body: { entries: [{ value: 'cf_t', expires_at: 'soon' }] } });
    expect(notATime.body.errors).toEqual([{ path: 'entries[0].expires_at', message: 'must be integer or null' }]);
    const empty = await server.request('POST', '/v1/admin/lists/stolen_cards/entries', { raw: '', headers: { 'content-type': 'application/json' } });
    expect([empty.status, empty.body.errors]).toEqual([400, [{ path: '(body)', message: 'is empty; send a JSON object' }]]);
    const quoted = await server.request('POST', '/v1/admin/lists/blocked_emails/entries', { body: { entries: [{ value: 'not an email; x: y' }] } });
    expect(quoted.body.errors).toEqual([{ path: 'entries[0].value', message: '"not an email; x: y" is not an e-mail address' }]);
  });

  it('a kill-switch setting that changes nothing and says nothing is not audited', async () => {
    const entries = async () => (await server.request('GET', '/v1/audit?action=kill_switch')).body.entries.length;
    const before = await entries();
    expect((await server.request('PUT', '/v1/admin/kill-switch', { body: { enabled: false } })).body).toEqual({ enabled: false });
    expect(await entries()).toBe(before);
    // A reason is something said: kept, even when the switch stays where it was.
    expect((await server.request('PUT', '/v1/admin/kill-switch', { body: { enabled: false, reason: 'checked: still off' } })).body).toEqual({ enabled: false });
    expect(await entries()).toBe(before + 1);
    // Older entries are read a page at a time, back from the smallest seq of the last page.
    const page = (await server.request('GET', '/v1/audit?limit=3')).body.entries as Array<{ seq: number }>;
    const older = (await server.request('GET', `/v1/audit?limit=3&before_seq=${page.at(-1)!.seq}`)).body.entries as Array<{ seq: number }>;
    expect(older.map((e) => e.seq)).toEqual([page.at(-1)!.seq - 1, page.at(-1)!.seq - 2, page.at(-1)!.seq - 3]);
  });

  it('manages lists through the API; a listed card is blocked by rule', async () => {
    const added = await server.request('POST', '/v1/admin/lists/stolen_cards/entries', { body: { entries: [{ value: 'cf_stolen_1', note: 'issuer alert' }] } });
    expect(added.body).toMatchObject({ added: 1 });
    // Free text that ends up in the audit trail holds no card numbers.
    const noted = await server.request('POST', '/v1/admin/lists/stolen_cards/entries', { body: { entries: [{ value: 'cf_noted', note: 'card 4111 1111 1111 1111' }] } });
    expect([noted.status, noted.body.message]).toEqual([400, expect.stringMatching(/note: looks like it holds a raw card number/)]);
    const named = await server.request('POST', '/v1/admin/rules', { body: { id: 'pan_in_name', name: 'Block 4111111111111111', expression: 'false', action: 'tag' } });
    expect([named.status, named.body.message]).toEqual([400, expect.stringMatching(/name/)]);
    const compared = await server.request('POST', '/v1/admin/rules', { body: { id: 'pan_in_expression', name: 'Card', expression: 'request.entities.card == "4111111111111111"', action: 'tag' } });
    expect([compared.status, compared.body.message]).toEqual([400, expect.stringMatching(/^expression: looks like it holds a raw card number/)]);
    const described = await server.request('POST', '/v1/admin/lists', { body: { name: 'pan_described', kind: 'user', description: 'card 4111111111111111' } });
    expect([described.status, described.body.message]).toEqual([400, expect.stringMatching(/description: looks like it holds a raw card number/)]);
    const reason = await server.request('PUT', '/v1/admin/kill-switch', { body: { enabled: false, reason: 'card 4111111111111111 again' } });
    expect([reason.status, reason.body.message]).toEqual([400, expect.stringMatching(/^reason: looks like/)]);
    // Every such refusal names its field in `errors`, as a schema's does.
    expect(reason.body.errors).toEqual([{ path: 'reason', message: expect.stringMatching(/^looks like it holds a raw card number/) }]);
    expect(described.body.errors).toEqual([{ path: 'description', message: expect.stringMatching(/^looks like/) }]);
    // A value given twice in one request is one entry, and reported so.
    const twice = await server.request('POST', '/v1/admin/lists/stolen_cards/entries', { body: { entries: [{ value: 'cf_twice' }, { value: 'cf_twice', note: 'again' }] } });
    expect(twice.body).toMatchObject({ added: 1 });
    const { body } = await decide(booking({ card: 'cf_stolen_1' }));
    expect(body.action).toBe('block');
    expect(body.rule_hits).toContainEqual(expect.objectContaining({ rule_id: 'stolen_card', action: 'block' }));
    expect((await server.request('POST', '/v1/admin/lists/nope/entries', { body: { entries: [{ value: 'x' }] } })).status).toBe(404);
    expect((await server.request('POST', '/v1/admin/lists/stolen_cards/entries', { body: { entries: [{ value: '4111111111111111' }] } })).status).toBe(400);
    // An e-mail address is audited as stored, as its hash, when removed as when added.
    await server.request('POST', '/v1/admin/lists/blocked_emails/entries', { body: { entries: [{ value: 'Anna.K+x@googlemail.com' }] } });
    expect((await server.request('DELETE', '/v1/admin/lists/blocked_emails/entries', { body: { values: ['Anna.K+x@googlemail.com'] } })).body).toEqual({ removed: 1 });
    const trail = JSON.stringify((await server.request('GET', '/v1/audit?subject=blocked_emails')).body.entries);
    expect(trail).toMatch(/em_/);
    expect(trail).not.toMatch(/anna|googlemail/i);

    // Entries are read a page at a time, newest first, with the total.
    const all = (await server.request('GET', '/v1/admin/lists/stolen_cards/entries', { key: server.keys.review })).body;
    expect(all.total).toBeGreaterThanOrEqual(2);
    expect(all.entries.length).toBe(Math.min(all.total, 1000));
    const page = (await server.request('GET', '/v1/admin/lists/stolen_cards/entries?limit=1&offset=1')).body;
    expect(page).toMatchObject({ total: all.total, limit: 1, offset: 1, entries: [all.entries[1]] });
    expect((await server.request('GET', '/v1/admin/lists/stolen_cards/entries?limit=0')).status).toBe(400);
    expect((await server.request('GET', '/v1/admin/lists/stolen_cards/entries?limit=100001')).status).toBe(400);
    expect((await server.request('GET', '/v1/admin/lists/nope/entries')).status).toBe(404);
  });

  it('screens account holder and cardholder names against the sanctions list, fuzzily, past the allow list', async () => {
    await server.request('POST', '/v1/admin/lists/sanctioned_names/entries', { body: { entries: [{ value: 'Vladimir Putin' }] } });
    await server.request('POST', '/v1/admin/lists/allowed_users/entries', { body: { entries: [{ value: 'u_sanctions_1' }] } });
    const signup = await decide({
      id: `signup_sanctions_${process.pid}`,
      type: 'account_created',
      ts: LIVE_TS,
      entities: { user: 'u_sanctions_1', device: 'd_sanctions_1', ip: '203.0.113.10' },
      payload: { country: 'DE', name: 'PUTIN, Wladimir' },
    });
    expect(signup.status).toBe(200);
    expect(signup.body.action).toBe('review');
    expect(signup.body.rule_hits).toContainEqual(expect.objectContaining({ rule_id: 'sanctioned_name', action: 'review' }));
    const request = booking({ user: 'u_sanctions_2' });
    const paid = await decide({ ...request, payload: { ...request.payload, cardholder_name: 'vladimir putin' } });
    expect(paid.body.rule_hits).toContainEqual(expect.objectContaining({ rule_id: 'sanctioned_name' }));
    const other = booking({ user: 'u_sanctions_3' });
    const clean = await decide({ ...other, payload: { ...other.payload, cardholder_name: 'Vladislav Petrov' } });
    expect(clean.body.rule_hits).not.toContainEqual(expect.objectContaining({ rule_id: 'sanctioned_name' }));
    expect((await decide({ ...other, id: `${other.id}_long`, payload: { ...other.payload, cardholder_name: 'x'.repeat(201) } })).body.message).toMatch(/payload\.cardholder_name/);
  });

  for (const [stage, fault, reason] of [
    ['features', { delay_ms: 2_000 }, 'features_timeout'],
    ['features', { fail: true }, 'features_error'],
    ['model', { delay_ms: 2_000 }, 'model_timeout'],
    ['model', { fail: true }, 'model_error'],
  ] as const) {
    it(`a ${stage} fault (${JSON.stringify(fault)}) gives a rules-only decision within budget`, async () => {
      expect((await server.request('PUT', '/v1/admin/faults', { body: { [stage]: fault } })).status).toBe(200);
      try {
        // The card is on the stolen-cards list: rules that read the request still decide without features or model.
        const request = booking({ card: 'cf_stolen_1' });
        const response = await decide(request);
        expect(response.status).toBe(200);
        expect(response.body).toMatchObject({ degraded: reason, model: null, score: null, action: 'block' });
        expect(response.ms).toBeLessThan(budget().totalMs + 200);
        // Acknowledged means logged, under the id the client was given, and a retry gets the same one.
        expect(response.body.decision_id).toMatch(/^dec_[0-9a-z]+$/);
        const stored = await server.request('GET', `/v1/decisions/${response.body.decision_id}`, { key: server.keys.review });
        expect([stored.status, stored.body.decision_id]).toEqual([200, response.body.decision_id]);
        const retry = await decide(request);
        expect(retry.body).toMatchObject({ decision_id: response.body.decision_id, duplicate: true });
      } finally {
        await server.request('PUT', '/v1/admin/faults', { body: {} });
      }
    });
  }

  it('a slow deciding model, fallback and shadow together still answer within the request budget', async () => {
    const shadowId = await registerVariant({ block: 0.95, review: 0.6 });
    const fallbackId = await registerVariant({ block: 0.9, review: 0.4 }); // another model: it is tried too
    expect((await server.request('POST', `/v1/admin/models/${shadowId}/promote`, { body: { stage: 'shadow' } })).status).toBe(200);
    expect((await server.request('PUT', '/v1/admin/settings', { body: { fallback_model_id: fallbackId, budgets: { total_ms: 100, features_ms: 20, model_ms: 60, rules_ms: 20 } } })).status).toBe(200);
    await server.request('PUT', '/v1/admin/faults', { body: { model: { delay_ms: 80 } } });
    try {
      const response = await decide(booking({ card: 'cf_stolen_1' }));
      expect(response.body).toMatchObject({ degraded: 'model_timeout', model: null, action: 'block' });
      // Each model gets the model budget and no more than the request has left: not 60 ms three times over.
      expect(response.body.timings.total_ms).toBeLessThan(100);
      expect(response.body.shadow).toEqual([expect.objectContaining({ id: shadowId, score: null })]);
    } finally {
      await server.request('PUT', '/v1/admin/faults', { body: {} });
      await server.request('PUT', '/v1/admin/settings', { body: { fallback_model_id: null, budgets: { total_ms: 250, features_ms: 50, model_ms: 20, rules_ms: 20 } } });
      await server.request('POST', `/v1/admin/models/${shadowId}/promote`, { body: { stage: 'retired' } });
    }
  });

  it('a stall of the process that spends the request budget before the model stage says budget_spent, not model_timeout', async () => {
    const features = server.service.embedded.features;
    const ingest = features.ingest;
    // The event loop held for 90 ms as the features arrive (a long garbage collection, say): the
    // features stage's timer never got to fire, but the request has no time left for a model.
    features.ingest = (...args: Parameters<typeof ingest>) =>
      ingest.apply(features, args).then((result) => {
        const until = performance.now() + 90;
        while (performance.now() < until);
        return result;
      });
    expect((await server.request('PUT', '/v1/admin/settings', { body: { budgets: { total_ms: 100, features_ms: 20, model_ms: 20, rules_ms: 20 } } })).status).toBe(200);
    try {
      const response = await decide(booking());
      // Rules only: the answer still comes.
      expect([response.status, response.body.degraded, response.body.model, response.body.score]).toEqual([200, 'budget_spent', null, null]);
      const metrics = (await server.request('GET', '/metrics', { key: null })).body as string;
      expect(metrics).toMatch(/riskgate_degraded_decisions_total\{reason="budget_spent"\} 1\b/);
    } finally {
      features.ingest = ingest;
      await server.request('PUT', '/v1/admin/settings', { body: { budgets: { total_ms: 250, features_ms: 50, model_ms: 20, rules_ms: 20 } } });
    }
    expect((await decide(booking())).body.degraded).toBeNull();
  });

  it('slow rules: past the rules budget the lower-priority rules are not started, flagged, and replay skips the same ones', async () => {
    const rules = (await server.request('GET', '/v1/admin/rules')).body.rules.filter((r: { enabled: boolean }) => r.enabled);
    expect(rules.length).toBeGreaterThan(4);
    await server.request('PUT', '/v1/admin/settings', { body: { budgets: { rules_ms: 5 } } });
    expect((await server.request('PUT', '/v1/admin/faults', { body: { rules: { delay_ms: 40 } } })).status).toBe(200);
    try {
      const response = await decide(booking({ card: 'cf_stolen_1' }));
      expect(response.status).toBe(200);
      expect(response.body.degraded).toBe('rules_timeout');
      // The highest-priority rules ran (stolen_card among them, so the listed card is still blocked); the rest are named.
      expect(response.body.action).toBe('block');
      const skipped = response.body.rule_errors.filter((e: { not_evaluated?: boolean }) => e.not_evaluated);
      expect(skipped.length).toBe(rules.length - 4);
      expect(skipped[0].message).toMatch(/rules stage had used up its time budget/);
      const replay = await server.request('POST', `/v1/decisions/${response.body.decision_id}/replay`);
      expect(replay.body.differences).toEqual([]);
      expect((await server.request('GET', '/v1/admin/settings')).body.budgets.rules_ms).toBe(5);
    } finally {
      await server.request('PUT', '/v1/admin/faults', { body: {} });
      await server.request('PUT', '/v1/admin/settings', { body: { budgets: { rules_ms: 20 } } });
    }
    expect((await decide(booking())).body).toMatchObject({ degraded: null, rule_errors: [] });
    expect((await server.request('PUT', '/v1/admin/faults', { body: { rules: { delay_ms: 5_000 } } })).status).toBe(400);
  });

  /** An ONNX graph that answers NaN for new users (no amount history: amount_vs_user_mean is missing, and the graph passes NaN through), registered. */
  async function registerNaNGraph() {
    const onnx = readFileSync(new URL('../fixtures/onnx/logistic.onnx', import.meta.url)).toString('base64');
    const active = server.service.lineup().active!.registered.artifact;
    const graph = sealArtifact({
      name: active.name,
      createdAt: Date.now(),
      featureSetVersion: active.featureSetVersion,
      inputs: ['amount_vs_user_mean', 'account_age_days', 'user_failed_payments_10m'],
      body: { kind: 'onnx', onnx, inputName: 'features', outputName: 'probability', output: 'probability' },
      calibration: { kind: 'identity' },
      policy: { block: 0.9, review: 0.5 },
      training: { source: 'onnx' },
      metrics: {},
    });
    await server.service.embedded.models.register(graph, 'test');
    return graph;
  }

  it('a model that answers NaN (an imported graph fed a missing feature) is a model failure: the decision falls back, flagged', async () => {
    const active = server.service.lineup().active!.registered.artifact;
    const graph = await registerNaNGraph();
    expect((await server.request('POST', `/v1/admin/models/${graph.id}/promote`, { body: { stage: 'active' } })).status).toBe(200);
    try {
      const request = booking({ user: `u_brand_new_${Date.now()}`, card: 'cf_stolen_1' });
      const first = await decide(request);
      expect(first.status).toBe(200);
      expect(first.body).toMatchObject({ degraded: 'model_error', score: null, action: 'block' });
      const retry = await decide(request);
      expect(retry.body).toMatchObject({ duplicate: true, degraded: 'model_error', decision_id: first.body.decision_id });
    } finally {
      await server.request('POST', '/v1/admin/models/rollback', { body: {} });
    }
    expect(server.service.lineup().active!.registered.artifact.id).toBe(active.id);
  });

  it('the fallback model decides when the deciding model fails, and when no active model can be served', async () => {
    const original = server.service.lineup().active!.registered.artifact.id;
    expect((await server.request('PUT', '/v1/admin/settings', { body: { fallback_model_id: original } })).status).toBe(200);
    try {
      const graph = await registerNaNGraph();
      expect((await server.request('POST', `/v1/admin/models/${graph.id}/promote`, { body: { stage: 'active' } })).status).toBe(200);
      const failed = await decide(booking({ user: `u_brand_new_${Date.now()}` }));
      expect(failed.body).toMatchObject({ degraded: 'model_error', model: { id: original, mode: 'fallback' }, score: expect.any(Number) });
      expect((await server.request('POST', `/v1/decisions/${failed.body.decision_id}/replay`)).body.differences).toEqual([]);
      expect((await server.request('POST', '/v1/admin/models/rollback', { body: {} })).status).toBe(200);

      // The drill of the same: a fault of the deciding model only (another fallback, so that only one fails).
      const standIn = await registerVariant({ block: 0.9, review: 0.5 });
      expect((await server.request('PUT', '/v1/admin/settings', { body: { fallback_model_id: standIn } })).status).toBe(200);
      const unknown = await server.request('PUT', '/v1/admin/faults', { body: { model: { fail: true, model_id: 'm_nope' } } });
      expect([unknown.status, unknown.body.message]).toEqual([404, 'model.model_id: no model "m_nope"']);
      const drill = await server.request('PUT', '/v1/admin/faults', { body: { model: { fail: true, model_id: original } } });
      expect([drill.status, drill.body]).toEqual([200, { features: null, model: { delay_ms: 0, fail: true, model_id: original }, rules: null }]);
      try {
        const drilled = await decide(booking());
        expect(drilled.body).toMatchObject({ degraded: 'model_error', model: { id: standIn, mode: 'fallback' }, score: expect.any(Number) });
      } finally {
        await server.request('PUT', '/v1/admin/faults', { body: {} });
        await server.request('PUT', '/v1/admin/settings', { body: { fallback_model_id: original } });
      }

      // An active model the server refuses at load (made active behind the server's back, say by an
      // older CLI): the fallback decides, and the model list says which model stands in.
      const foreign = await registerVariant({ block: 0.9, review: 0.5 }, 'fs_not_served_here');
      await server.service.embedded.models.promote(foreign, 'active', { actor: 'test' });
      const report = await server.service.reloadModels();
      expect([server.service.lineup().active, report.refused.map((r) => r.id)]).toEqual([undefined, [foreign]]);
      expect(report.serving).toEqual([expect.objectContaining({ id: original, stage: 'fallback' })]);
      const unserved = await decide(booking());
      expect(unserved.body).toMatchObject({ degraded: 'no_model', model: { id: original, mode: 'fallback' }, score: expect.any(Number) });
      expect((await server.request('POST', `/v1/decisions/${unserved.body.decision_id}/replay`)).body.differences).toEqual([]);

      // A rollback refuses to bring back a model the server cannot serve: here the one just left behind.
      expect((await server.request('POST', `/v1/admin/models/${original}/promote`, { body: { stage: 'active' } })).status).toBe(200);
      const back = await server.request('POST', '/v1/admin/models/rollback', { body: {} });
      expect([back.status, back.body.message]).toEqual([409, expect.stringMatching(/cannot be served here: .*fs_not_served_here/)]);
      // Nor can the active model be retired, leaving requests without a deciding model.
      const retired = await server.request('POST', `/v1/admin/models/${original}/promote`, { body: { stage: 'retired' } });
      expect([retired.status, retired.body.message]).toEqual([409, expect.stringMatching(/is the active model: roll back, promote another model to active, or turn the kill switch on/)]);
      expect((await decide(booking())).body).toMatchObject({ degraded: null, model: { id: original, mode: 'active' } });
    } finally {
      await server.request('PUT', '/v1/admin/settings', { body: { fallback_model_id: null } });
    }
  });

  it('opens the circuit breaker after repeated model failures and closes it when the model recovers', async () => {
    await server.request('PUT', '/v1/admin/faults', { body: { model: { fail: true } } });
    for (let i = 0; i < 6; i++) await decide(booking());
    const open = await decide(booking());
    expect(open.body.degraded).toBe('model_breaker_open');
    await server.request('PUT', '/v1/admin/faults', { body: {} });
    expect(Object.values((await server.request('GET', '/readyz', { key: null })).body.breakers)).toContain('open');
    await new Promise((resolve) => setTimeout(resolve, 5_100)); // the breaker's cool-down
    const recovered = await decide(booking());
    expect(recovered.body).toMatchObject({ degraded: null, model: expect.objectContaining({ mode: 'active' }) });
  });
});

describe('rules through the API', () => {
  it('refuses a rule that does not compile with the position of the error, then accepts the fix', async () => {
    const bad = await server.request('POST', '/v1/admin/rules', { body: { id: 'big_amount', name: 'Big amount', expression: 'request.payload.amount > 1000.0 &&', action: 'review' } });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error: 'invalid_rule', position: { line: 1 } });
    const good = await server.request('POST', '/v1/admin/rules', { body: { id: 'big_amount', name: 'Big amount', expression: 'request.payload.amount > 5000.0', action: 'review' } });
    expect(good.status).toBe(201);
    expect((await decide(booking({ amount: 6000 }))).body.rule_hits).toContainEqual(expect.objectContaining({ rule_id: 'big_amount' }));
    const changed = await server.request('PUT', '/v1/admin/rules/big_amount', { body: { shadow: true, expected_version: 1 } });
    expect(changed.body.version).toBe(2);
    const after = (await decide(booking({ amount: 6000 }))).body;
    expect(after.rule_hits).not.toContainEqual(expect.objectContaining({ rule_id: 'big_amount' }));
    expect(after.shadow_rule_hits).toContainEqual(expect.objectContaining({ rule_id: 'big_amount', version: 2 }));
    expect((await server.request('PUT', '/v1/admin/rules/big_amount', { body: { enabled: false, expected_version: 1 } })).status).toBe(409);
    expect((await server.request('GET', '/v1/admin/rules/big_amount/history')).body.history.length).toBe(2);
    // A change that changes nothing: the same version, and no audit entry.
    const audited = async () => (await server.request('GET', '/v1/audit?action=rule.update&subject=big_amount')).body.entries.length;
    const before = await audited();
    expect((await server.request('PUT', '/v1/admin/rules/big_amount', { body: { shadow: true } })).body.version).toBe(2);
    expect(await audited()).toBe(before);
  });

  it('says so when a rule cannot be evaluated, rather than passing the request silently', async () => {
    // Compiles (message is an optional field of the booking), fails at run time on a booking without one.
    const created = await server.request('POST', '/v1/admin/rules', { body: { id: 'unguarded_message', name: 'Unguarded message', expression: 'request.payload.message.size() > 0', action: 'block' } });
    expect(created.status).toBe(201);
    try {
      const failing = (await decide(booking({ amount: 120 }))).body;
      expect(failing.degraded).toBe('rule_error');
      expect(failing.action).not.toBe('block');
      expect(failing.rule_errors).toEqual([expect.objectContaining({ rule_id: 'unguarded_message', version: 1, shadow: false, message: expect.stringMatching(/message/) })]);
      const replay = await server.request('POST', `/v1/decisions/${failing.decision_id}/replay`);
      expect(replay.body.differences).toEqual([]);
      expect(replay.body.replayed.rule_errors).toEqual(failing.rule_errors);
      expect((await server.request('GET', `/v1/decisions/${failing.decision_id}`)).body.rule_errors).toEqual(failing.rule_errors);
      // A decision stored before rule errors were logged reads with none, and its replay does not call that a difference.
      const decisionsDb = new Database(join(server.service.embedded.dir, 'decisions.db'));
      decisionsDb.prepare("UPDATE decisions SET decision = json_remove(decision, '$.rule_errors') WHERE seq = ?").run(failing.seq);
      decisionsDb.close();
      expect((await server.request('GET', `/v1/decisions/${failing.decision_id}`)).body.rule_errors).toEqual([]);
      expect((await server.request('POST', `/v1/decisions/${failing.decision_id}/replay`)).body.differences).toEqual([]);
      const working = (await decide(booking({ amount: 120, message: 'see you soon' }))).body;
      expect(working).toMatchObject({ degraded: null, rule_errors: [], action: 'block' });

      // A shadow rule's error is reported and counted but degrades nothing.
      await server.request('PUT', '/v1/admin/rules/unguarded_message', { body: { shadow: true, expected_version: 1 } });
      const shadowed = (await decide(booking({ amount: 120 }))).body;
      expect(shadowed.degraded).toBeNull();
      expect(shadowed.rule_errors).toEqual([expect.objectContaining({ rule_id: 'unguarded_message', version: 2, shadow: true })]);
      const metrics = await server.request('GET', '/metrics', { key: null });
      expect(metrics.body).toMatch(/riskgate_degraded_decisions_total\{reason="rule_error"\} [1-9]/);
      expect(metrics.body).toMatch(/riskgate_rule_errors_total\{rule="unguarded_message"\} [2-9]/);
      // The rules list carries the same counts, for the console's Rules page.
      const listed = (await server.request('GET', '/v1/admin/rules', { key: server.keys.review })).body;
      expect(listed.counts.rules.unguarded_message).toEqual({ hits: 1, shadow_hits: 0, errors: 2 });
      expect(listed.counts.decisions).toBeGreaterThanOrEqual(4);
      expect(listed.counts.since).toBeLessThanOrEqual(Date.now());
    } finally {
      await server.request('PUT', '/v1/admin/rules/unguarded_message', { body: { enabled: false } });
    }
  });

  it('backtests a candidate rule over the log', async () => {
    const report = await server.request('POST', '/v1/admin/rules/backtest', { body: { expression: "features.?user_failed_payments_24h.orValue(0.0) >= 2.0", maturity_days: 10 } });
    expect(report.status).toBe(200);
    expect(report.body.rows).toBeGreaterThan(100);
    expect(report.body.hits).toBeGreaterThanOrEqual(0);
    expect((await server.request('POST', '/v1/admin/rules/backtest', { body: { expression: 'features.nope > 1.0' } })).status).toBe(400);
    const reversed = await server.request('POST', '/v1/admin/rules/backtest', { body: { expression: 'true', from: 1_795_000_000_000, to: 1_794_000_000_000 } });
    expect([reversed.status, reversed.body.message]).toEqual([400, expect.stringMatching(/^from: must come before to/)]);
    // No horizon at all would call every row mature with no label yet arrived: an empty measurement.
    const instant = await server.request('POST', '/v1/admin/rules/backtest', { body: { expression: 'true', maturity_days: 0 } });
    expect([instant.status, instant.body.errors]).toEqual([400, [expect.objectContaining({ path: 'maturity_days', message: 'must be > 0' })]]);
  });

  it('keeps answering decisions while a backtest replays the log, and runs one backtest at a time', async () => {
    let backtestDone = 0;
    const backtest = server.request('POST', '/v1/admin/rules/backtest', { body: { expression: 'request.payload.amount > 900.0' } }).then((r) => {
      backtestDone = performance.now();
      return r;
    });
    await new Promise((resolve) => setTimeout(resolve, 30));
    const second = await server.request('POST', '/v1/admin/rules/backtest', { body: { expression: 'request.payload.amount > 900.0' } });
    const decided = await decide(booking({ amount: 90 }));
    const decidedAt = performance.now();
    expect(decided.status).toBe(200);
    expect(second.status).toBe(429);
    expect(second.body.error).toBe('backtest_running');
    const report = await backtest;
    expect(report.status).toBe(200);
    expect(report.body.rows).toBeGreaterThan(100);
    // Without slicing, the event loop would answer nothing until the replay was over.
    expect(decidedAt).toBeLessThan(backtestDone);
    expect((await server.request('POST', '/v1/admin/rules/backtest', { body: { expression: 'request.payload.amount > 900.0' } })).status).toBe(200);
  });
});

describe('replay, operations and documentation', () => {
  it('replays a stored decision to the same result', async () => {
    const { body } = await decide(booking({ amount: 3100, message: 'whatsapp me' }));
    const replay = await server.request('POST', `/v1/decisions/${body.decision_id}/replay`);
    expect(replay.status).toBe(200);
    expect(replay.body.differences).toEqual([]);
    expect(replay.body.equal).toBe(true);
    expect((await server.request('POST', '/v1/decisions/dec_unknown/replay')).status).toBe(404);
    // A replay notices a stored decision that is not what its inputs give — and not a reworded reason.
    expect(body.reasons.length).toBeGreaterThan(0);
    const db = new Database(join(server.service.embedded.dir, 'decisions.db'));
    const original = (db.prepare('SELECT decision FROM decisions WHERE seq = ?').get(body.seq) as { decision: string }).decision;
    const storedAs = async (decision: object) => {
      db.prepare('UPDATE decisions SET decision = ? WHERE seq = ?').run(JSON.stringify(decision), body.seq);
      return (await server.request('POST', `/v1/decisions/${body.decision_id}/replay`)).body.differences;
    };
    try {
      const reworded = { ...JSON.parse(original), reasons: body.reasons.map((r: { text: string }) => ({ ...r, text: `${r.text} (said otherwise)` })) };
      expect(await storedAs(reworded)).toEqual([]);
      expect(await storedAs({ ...reworded, score: body.score / 2, action: body.action === 'block' ? 'allow' : 'block' })).toEqual(['action', 'score']);
    } finally {
      db.prepare('UPDATE decisions SET decision = ? WHERE seq = ?').run(original, body.seq);
      db.close();
    }
  });

  it('replays a decision against the lists as they were when it was made', async () => {
    await server.request('POST', '/v1/admin/lists/stolen_cards/entries', { body: { entries: [{ value: 'cf_replay_1' }] } });
    const listed = (await decide(booking({ card: 'cf_replay_1' }))).body;
    expect(listed.rule_hits).toContainEqual(expect.objectContaining({ rule_id: 'stolen_card' }));
    expect((await server.request('DELETE', '/v1/admin/lists/stolen_cards/entries', { body: { values: ['cf_replay_1'] } })).body).toEqual({ removed: 1 });
    const unlisted = (await decide(booking({ card: 'cf_replay_1' }))).body;
    expect(unlisted.rule_hits).not.toContainEqual(expect.objectContaining({ rule_id: 'stolen_card' }));
    for (const decision of [listed, unlisted]) {
      const replay = await server.request('POST', `/v1/decisions/${decision.decision_id}/replay`);
      expect(replay.body.differences).toEqual([]);
      expect(replay.body.replayed.rule_hits).toEqual(decision.rule_hits);
    }
  });

  it('serves health, readiness, Prometheus metrics and the OpenAPI document', async () => {
    expect((await server.request('GET', '/healthz', { key: null })).body).toEqual({ status: 'ok' });
    const ready = await server.request('GET', '/readyz', { key: null });
    expect(ready.status).toBe(200);
    // Breakers of the features and of the models serving now, not of models retired since they ran.
    const lineup = server.service.lineup();
    const serving = [lineup.active, lineup.canary, lineup.fallback, ...lineup.shadows].filter((m) => m !== undefined).map((m) => m.registered.artifact.id);
    expect(Object.keys(ready.body.breakers).sort()).toEqual(['features', ...serving].sort());
    expect([...server.service.decider.modelBreakers.keys()].some((id) => !serving.includes(id))).toBe(true);
    const metrics = await server.request('GET', '/metrics', { key: null });
    expect(metrics.body).toMatch(/riskgate_decision_stage_seconds_bucket\{le="0.001",stage="features"\}/);
    expect(metrics.body).toMatch(/riskgate_decisions_total\{action="\w+",model_mode="active"\}/);
    expect(metrics.body).toMatch(/riskgate_degraded_decisions_total\{reason="kill_switch"\}/);
    expect(metrics.body).toMatch(/riskgate_model_info\{model_id="m_/);
    expect(metrics.body).toMatch(/riskgate_rule_hits_total\{rule="/);
    for (const path of ['/docs/json', '/docs/json?x=1']) expect((await fetch(`${server.url}${path}`)).headers.get('x-content-type-options'), path).toBe('nosniff');
    const docs = await server.request('GET', '/docs/json', { key: null });
    // This server allows fault drills: their route is documented too.
    expect(Object.keys(docs.body.paths)).toEqual(expect.arrayContaining(['/v1/decisions', '/v1/events', '/v1/admin/kill-switch', '/v1/admin/faults']));
    // Each operation lists what it answers: its own codes, and those every API route can give.
    const answers = (path: string, method: string) => Object.keys(docs.body.paths[path][method].responses);
    expect(answers('/v1/decisions', 'post')).toEqual(['200', '400', '401', '403', '409', '413', '415', '429', '503']);
    expect(answers('/v1/events', 'post')).toEqual(expect.arrayContaining(['200', '400', '401', '403', '409', '413', '415', '429']));
    expect(answers('/v1/admin/rules', 'post')).toEqual(expect.arrayContaining(['201', '409']));
    expect(answers('/v1/admin/rules', 'post')).not.toContain('200');
    expect(answers('/v1/me', 'get')).toEqual(['200', '401', '403', '429', '503']);
    expect(docs.body.paths['/v1/me'].get.responses['503'].description).toMatch(/starting or shutting_down/);
    expect(docs.body.paths['/v1/decisions'].post.responses['503'].description).toMatch(/not_recorded/);
    // An id in the path may be unknown (404) or too long (414); a stale lease or version is a conflict.
    expect(answers('/v1/cases/{id}', 'get')).toEqual(['200', '400', '401', '403', '404', '414', '429', '503']);
    for (const [path, method] of [['/v1/cases/{id}/claim', 'post'], ['/v1/cases/{id}/decide', 'post'], ['/v1/admin/rules/{id}', 'put'], ['/v1/admin/models/{id}/promote', 'post'], ['/v1/admin/models/rollback', 'post']]) {
      expect(answers(path!, method!), path).toEqual(expect.arrayContaining(['404', '409']));
    }
    expect(answers('/v1/admin/settings', 'put')).toContain('404');
    expect((await server.request('GET', '/v1/nothing-here', { key: null })).status).toBe(404);
  });

  it('changes settings and policies through the admin API, refusing bad values', async () => {
    const model = server.service.lineup().active!.registered.artifact.id;
    const inverted = await server.request('PUT', `/v1/admin/models/${model}/policy`, { body: { block: 0.2, review: 0.5 } });
    expect([inverted.status, inverted.body.errors]).toEqual([400, [{ path: 'review', message: expect.stringMatching(/^must not be above block \(0\.5 > 0\.2\)/) }]]);
    expect((await server.request('PUT', `/v1/admin/models/${model}/policy`, { body: { block: 'high' } })).status).toBe(400);
    const shadowShare = await server.request('POST', `/v1/admin/models/${model}/promote`, { body: { stage: 'shadow', canary_share: 0.5 } });
    expect([shadowShare.status, shadowShare.body.errors?.[0]?.path]).toEqual([400, 'canary_share']);
    expect((await server.request('POST', '/v1/admin/models/rollback', { body: { name: '' } })).status).toBe(400);
    const noLine = await server.request('POST', '/v1/admin/models/rollback', { body: { name: 'nope' } });
    expect([noLine.status, noLine.body.message]).toEqual([404, 'name: there is no model line "nope"']);
    const updated = await server.request('PUT', `/v1/admin/models/${model}/policy`, { body: { block: 0.85, review: 0.25 } });
    expect(updated.body.policy).toEqual({ block: 0.85, review: 0.25 });
    expect((await decide(booking())).body.policy).toEqual({ block: 0.85, review: 0.25 });
    expect((await server.request('PUT', '/v1/admin/settings', { body: { budgets: { features_ms: 0 } } })).status).toBe(400);
    expect((await server.request('PUT', '/v1/admin/settings', { body: { fallback_model_id: 'm_missing' } })).status).toBe(404);
    expect((await server.request('PUT', '/v1/admin/settings', { body: { budgets: { model_ms: 30 } } })).body.budgets.model_ms).toBe(30);
    const overBudget = await server.request('PUT', '/v1/admin/settings', { body: { budgets: { total_ms: 10, features_ms: 50 } } });
    expect([overBudget.status, overBudget.body.message]).toEqual([400, expect.stringMatching(/^budgets\.features_ms: must not exceed budgets\.total_ms \(10\)/)]);
    // Stages that add up to more than the total would leave the model no time on any request.
    const crowded = await server.request('PUT', '/v1/admin/settings', { body: { budgets: { rules_ms: 250 } } });
    expect([crowded.status, crowded.body.errors]).toEqual([400, [{ path: 'budgets.total_ms', message: expect.stringMatching(/^must be at least features_ms \+ model_ms \+ rules_ms \(\d+\), got 250$/) }]]);
    // A change that changes nothing is neither stored nor audited.
    const audited = async () => (await server.request('GET', '/v1/audit?action=settings.update&limit=1000')).body.entries.length + (await server.request('GET', '/v1/audit?action=policy.update&limit=1000')).body.entries.length;
    const before = await audited();
    expect((await server.request('PUT', '/v1/admin/settings', { body: {} })).status).toBe(200);
    expect((await server.request('PUT', '/v1/admin/settings', { body: { budgets: { model_ms: 30 } } })).body.budgets.model_ms).toBe(30);
    expect((await server.request('PUT', `/v1/admin/models/${model}/policy`, { body: { block: 0.85, review: 0.25 } })).body.policy).toEqual({ block: 0.85, review: 0.25 });
    expect(await audited()).toBe(before);
  });
});

// Last: it restarts the server, which resets what earlier tests left in its memory (breakers, caches).
describe('shutdown', () => {
  it('shutting down stops a running backtest and answers what still arrives 503 shutting_down with Retry-After', async () => {
    // One kept-alive connection: the backtest, then a request pipelined behind it, which the server
    // reads only once it is closing — as requests on busy connections reach a server after SIGTERM.
    const { port } = new URL(server.url);
    const socket = connect(Number(port), '127.0.0.1');
    let received = '';
    socket.setEncoding('utf8').on('data', (chunk: string) => (received += chunk));
    const ended = new Promise((resolve) => socket.on('close', resolve));
    const body = JSON.stringify({ expression: 'request.payload.amount > 900.0' });
    const auth = `Authorization: Bearer ${server.keys.admin}\r\n`;
    socket.write(`POST /v1/admin/rules/backtest HTTP/1.1\r\nHost: x\r\n${auth}Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    await new Promise((resolve) => setTimeout(resolve, 30));
    const restarted = server.restart(); // closes the server first, as SIGTERM does
    socket.write(`GET /v1/me HTTP/1.1\r\nHost: x\r\n${auth}\r\n`);
    await ended;
    await restarted;
    const answers = received.split(/(?=HTTP\/1\.1 )/);
    expect(answers.map((a) => a.split('\r\n')[0])).toEqual(['HTTP/1.1 503 Service Unavailable', 'HTTP/1.1 503 Service Unavailable']);
    expect(answers[0]).toMatch(/"error":"shutting_down","message":"this server is shutting down: the backtest was stopped; run it again/);
    expect(answers[1]).toMatch(/\r\nretry-after: 5\r\n[\s\S]*"error":"shutting_down","message":"this server is shutting down: it takes no new requests; retry/);
    expect((await server.request('GET', '/v1/me')).status).toBe(200);
  });
});
