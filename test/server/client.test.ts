import { createServer as httpServer } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { retryAfterMs, RiskgateClient, RiskgateError } from '../../src/client/index.js';
import { booking, startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.close();
});

describe('the TypeScript client', () => {
  it('decides, sends events, reads and replays decisions, and reports errors with their fields', async () => {
    const client = new RiskgateClient({ url: server.url, apiKey: server.keys.admin });
    const request = booking();
    const decision = await client.decide(request);
    expect(decision.event_id).toBe(request.id);
    expect((await client.decide(request)).duplicate).toBe(true);
    expect((await client.getDecision(decision.decision_id)).decision_id).toBe(decision.decision_id);
    expect((await client.replay(decision.decision_id)).equal).toBe(true);
    const sent = await client.sendEvents([{ id: `client_login_${Date.now()}`, type: 'login', ts: request.ts, entities: { user: 'u', device: 'd', ip: 'i' }, payload: { success: true } }]);
    expect(sent.appended).toBe(1);
    const error = await client.decide({ ...booking(), payload: { amount: -3, currency: 'EUR', nights: 1 } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RiskgateError);
    expect(error).toMatchObject({ status: 400, code: 'invalid_request', errors: [{ path: 'payload.amount', message: 'must be >= 0' }] });
    await expect(new RiskgateClient({ url: server.url, apiKey: 'rg_wrong' }).decide(booking())).rejects.toMatchObject({ status: 401 });
  });

  it('works the review queue: list, claim, escalate, decide, stats', async () => {
    const admin = new RiskgateClient({ url: server.url, apiKey: server.keys.admin });
    await server.request('POST', '/v1/admin/rules', { body: { id: 'client_review_large', name: 'Large amount', expression: 'request.payload.amount >= 5000.0', action: 'review' } });
    const request = booking({ amount: 7000 });
    expect((await admin.decide(request)).action).toBe('review');
    const reviewer = new RiskgateClient({ url: server.url, apiKey: server.keys.review });
    const { cases, total } = await reviewer.cases({ status: 'all', q: request.id });
    expect([total, cases[0]!.event_id, cases[0]!.status]).toEqual([1, request.id, 'open']);
    const caseId = cases[0]!.id;
    expect((await reviewer.getCase(caseId)).case.id).toBe(caseId);
    const lease = await reviewer.claim(caseId);
    expect((await reviewer.escalate(caseId, lease.lease_id, 'looks like a ring')).case).toMatchObject({ status: 'escalated', escalated: true });
    const again = await reviewer.claim(caseId);
    const decided = await reviewer.decideCase(caseId, again.lease_id, 'fraud', 'confirmed with the issuer');
    expect([decided.case.status, decided.case.verdict, decided.label_event_id]).toEqual(['decided', 'fraud', expect.stringMatching(/^verdict_case_/)]);
    expect((await reviewer.decideCase(caseId, again.lease_id, 'fraud', 'confirmed with the issuer')).label_event_id).toBe(decided.label_event_id);
    expect((await reviewer.queueStats()).decided_today).toBeGreaterThanOrEqual(1);
    await expect(reviewer.claim('case_nope')).rejects.toMatchObject({ status: 404, code: 'not_found' });
    // Options left undefined are not sent as "undefined".
    expect((await reviewer.cases({ status: undefined, limit: 1 })).cases.length).toBeLessThanOrEqual(1);
  });

  it('types admin answers, keeps a rejected batch per event, and reports no answer as a RiskgateError', async () => {
    const admin = new RiskgateClient({ url: server.url, apiKey: server.keys.admin });
    expect(await admin.getKillSwitch()).toEqual({ enabled: false });
    const active = server.service.lineup().active!.registered.artifact.id;
    const promoted = await admin.promote(active, 'active');
    expect(promoted).toMatchObject({ changed: [], serving: { serving: expect.arrayContaining([expect.objectContaining({ id: active, stage: 'active' })]) } });

    const rejected = await admin.sendEvents([{ id: 'bad_1', type: 'login' }, { id: 'bad_2', type: 'teleport' }]).catch((e: unknown) => e);
    expect(rejected).toBeInstanceOf(RiskgateError);
    expect((rejected as RiskgateError).name).toBe('RiskgateError');
    expect((rejected as RiskgateError).body).toMatchObject({ results: [expect.objectContaining({ id: 'bad_1', status: 'rejected' }), expect.objectContaining({ id: 'bad_2', status: 'rejected' })] });

    // A server that hangs up on every connection: no answer, tried again as often as asked (an option
    // given as undefined leaves the client's default of 2 retries).
    let connections = 0;
    const rude = createServer((socket) => {
      connections++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => rude.listen(0, '127.0.0.1', resolve));
    try {
      const rudeUrl = `http://127.0.0.1:${(rude.address() as AddressInfo).port}`;
      const unreachable = await new RiskgateClient({ url: rudeUrl, apiKey: 'rg_x', retries: 1 }).decide(booking()).catch((e: unknown) => e);
      expect([unreachable, connections]).toEqual([expect.objectContaining({ name: 'RiskgateError', status: 0, code: 'network' }), 2]);
      connections = 0;
      await new RiskgateClient({ url: rudeUrl, apiKey: 'rg_x' }).decide(booking(), { retries: undefined }).catch(() => undefined);
      expect(connections).toBe(3);
      // A call that is not idempotent is not sent again.
      connections = 0;
      await new RiskgateClient({ url: rudeUrl, apiKey: 'rg_x' }).claim('case_1').catch(() => undefined);
      expect(connections).toBe(1);
      // A malformed address fails when the client is made.
      expect(() => new RiskgateClient({ url: 'http://[bad', apiKey: 'rg_x' })).toThrow(TypeError);
      expect(() => new RiskgateClient({ url: 'localhost:8080', apiKey: 'rg_x' })).toThrow(/must start with http:\/\/ or https:\/\//);
      expect(() => new RiskgateClient({ url: 'http://127.0.0.1:8080/?x=1', apiKey: 'rg_x' })).toThrow(/must not carry a query/);
      // A body that cannot be sent is the caller's error, thrown as it is, and not retried.
      connections = 0;
      await expect(new RiskgateClient({ url: rudeUrl, apiKey: 'rg_x' }).decide({ amount: 1n })).rejects.toThrow(TypeError);
      expect(connections).toBe(0);
    } finally {
      rude.close();
    }
    // A 2xx that is not JSON (a proxy's page) is an error, not an answer.
    const proxy = httpServer((_request, response) => response.writeHead(200, { 'content-type': 'text/html' }).end('<html>hello</html>'));
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    try {
      const page = await new RiskgateClient({ url: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`, apiKey: 'rg_x' }).getKillSwitch().catch((e: unknown) => e);
      expect(page).toMatchObject({ name: 'RiskgateError', status: 200, code: 'invalid_response', message: expect.stringMatching(/is not JSON: "<html>hello/) });
    } finally {
      proxy.close();
    }
    // A proxy's 503 may say when to come back as an HTTP date rather than in seconds.
    const busy = httpServer((_request, response) => response.writeHead(503, { 'retry-after': new Date(Date.now() + 3_000).toUTCString() }).end());
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    try {
      const refused = await new RiskgateClient({ url: `http://127.0.0.1:${(busy.address() as AddressInfo).port}`, apiKey: 'rg_x', retries: 0 }).getKillSwitch().catch((e: unknown) => e);
      expect(refused).toMatchObject({ name: 'RiskgateError', status: 503 });
      expect((refused as RiskgateError).retryAfterMs).toBeGreaterThan(1_000);
      expect((refused as RiskgateError).retryAfterMs).toBeLessThanOrEqual(3_000);
    } finally {
      busy.close();
    }
    const now = Date.parse('2026-11-28T12:00:00Z');
    expect([retryAfterMs('5', now), retryAfterMs(' 1.5 ', now), retryAfterMs('Sat, 28 Nov 2026 12:00:30 GMT', now)]).toEqual([5_000, 1_500, 30_000]);
    expect([retryAfterMs(null, now), retryAfterMs('', now), retryAfterMs('0', now), retryAfterMs('-3', now), retryAfterMs('soon', now), retryAfterMs('Sat, 28 Nov 2026 11:00:00 GMT', now)]).toEqual([undefined, undefined, undefined, undefined, undefined, undefined]);
    // A server that takes the connection and never answers.
    const silent = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const port = (silent.address() as AddressInfo).port;
      const slow = await new RiskgateClient({ url: `http://127.0.0.1:${port}`, apiKey: 'rg_x', timeoutMs: 50, retries: 0 }).decide(booking()).catch((e: unknown) => e);
      expect(slow).toMatchObject({ status: 0, code: 'timeout', message: expect.stringMatching(/within 50 ms/) });
    } finally {
      silent.close();
    }
  });
});
