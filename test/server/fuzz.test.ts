// Thousands of random and mutated requests: never a 5xx, never a crash, and the state stays intact —
// everything acknowledged is in the log and the decision log, nothing else is.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { booking, startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.close();
});

/** Replace the value at a random path of a valid request with something random. */
function mutate(base: Record<string, unknown>, path: string[], value: unknown): unknown {
  const copy = structuredClone(base) as Record<string, unknown>;
  let node: Record<string, unknown> = copy;
  for (const key of path.slice(0, -1)) {
    if (typeof node[key] !== 'object' || node[key] === null) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1]!] = value;
  return copy;
}

const paths = [
  ['id'], ['type'], ['ts'], ['entities'], ['entities', 'user'], ['entities', 'card'], ['entities', 'email'], ['entities', 'constructor'],
  ['payload'], ['payload', 'amount'], ['payload', 'currency'], ['payload', 'nights'], ['payload', 'message'], ['context', 'ip_country'], ['context', 'tz_offset_min'], ['v'], ['extra'],
];
const weird = fc.oneof(
  fc.anything(),
  fc.constantFrom(NaN, Infinity, -1, 0, 1e300, -0, '', ' ', '4111111111111111', '2026-13-45T99:00:00Z', null, [], {}, '__proto__', '\u0000', 'x'.repeat(5000)),
  fc.string(),
  fc.double(),
  fc.integer(),
);

describe('fuzzing the API', () => {
  it('answers random and mutated requests with 2xx or 4xx, never 5xx, and keeps its state consistent', async () => {
    const logBefore = await server.service.embedded.log.count();
    const decisionsBefore = await server.service.decisions.count();
    const acknowledgedEvents = new Set<string>();
    const acknowledgedDecisions = new Set<string>();
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          { weight: 3, arbitrary: fc.tuple(fc.constantFrom(...paths), weird).map(([path, value]) => ({ kind: 'json' as const, body: mutate(booking(), path, value) })) },
          { weight: 1, arbitrary: fc.anything().map((body) => ({ kind: 'json' as const, body })) },
          { weight: 1, arbitrary: fc.string({ maxLength: 300 }).map((raw) => ({ kind: 'raw' as const, raw })) },
          { weight: 1, arbitrary: fc.constant({ kind: 'json' as const, body: booking() }) },
        ),
        fc.constantFrom('/v1/decisions', '/v1/events'),
        async (input, path) => {
          const response = await server.request('POST', path, input.kind === 'raw' ? { raw: input.raw } : { body: input.body });
          expect(response.status, JSON.stringify(response.body)).toBeLessThan(500);
          if (path === '/v1/decisions' && response.status === 200 && !response.body.duplicate && response.body.seq > 0) {
            acknowledgedDecisions.add(response.body.decision_id);
            acknowledgedEvents.add(response.body.event_id);
          }
          if (path === '/v1/events' && response.status === 200) {
            for (const r of response.body.results) if (r.status === 'appended') acknowledgedEvents.add(r.id);
          }
        },
      ),
      { numRuns: 1500 },
    );
    expect((await server.request('GET', '/healthz', { key: null })).status).toBe(200);
    expect(await server.service.embedded.log.count()).toBe(logBefore + acknowledgedEvents.size);
    expect(await server.service.decisions.count()).toBe(decisionsBefore + acknowledgedDecisions.size);
    for (const id of acknowledgedEvents) expect(await server.service.embedded.log.get(id)).toBeDefined();
    expect(Object.prototype).toEqual({});
  });
});
