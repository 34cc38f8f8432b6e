import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RiskgateClient, RiskgateError } from '../../src/client/index.js';
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
});
