// A riskgate server over real HTTP on a copy of the test world, with one key per scope.
import type { FastifyInstance } from 'fastify';
import { inject } from 'vitest';
import { buildServer } from '../../src/server/app.js';
import { openService, type Service } from '../../src/runtime/service.js';
import { copyWorld, WORLD_DAYS, WORLD_START } from './world.js';

export interface TestServer {
  url: string;
  service: Service;
  app: FastifyInstance;
  keys: Record<'admin' | 'decide' | 'events' | 'review', string>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are whatever the endpoint under test returns
  request(method: string, path: string, options?: { key?: string | null; body?: unknown; raw?: string; headers?: Record<string, string> }): Promise<{ status: number; body: any; ms: number }>;
  /** Stop the server and its service, and start them again on the same data (a process restart; the keys stay valid). */
  restart(): Promise<void>;
  close(): Promise<void>;
}

/** Event times just after the simulated period, so requests continue its timeline. */
export const LIVE_TS = WORLD_START + WORLD_DAYS * 86_400_000 + 3_600_000;

export async function startTestServer(options: { plugins?: Array<(app: FastifyInstance) => Promise<void>>; clock?: () => number; watchChangesMs?: number } = {}): Promise<TestServer> {
  const world = copyWorld(inject('worldTemplate'));
  const open = () => openService(world.dir, { allowFaults: true, ...(options.clock ? { clock: options.clock } : {}), ...(options.watchChangesMs ? { watchChangesMs: options.watchChangesMs } : {}) });
  const listen = async (service: Service) => {
    // As a server does before it listens (src/cli/serve.ts), shorter: the first decisions of a test must
    // not spend their budgets on a cold process (fewer rounds than start the trees' compile).
    await service.warmUp({ rounds: 500, ms: 500 });
    const app = await buildServer(service, { plugins: options.plugins ?? [] });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.address();
    return { app, url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}` };
  };
  const service = await open();
  const keys = {
    admin: service.keys.create('test admin', ['admin'], 1_000_000).token,
    decide: service.keys.create('test decide', ['decide'], 1_000_000).token,
    events: service.keys.create('test events', ['events'], 1_000_000).token,
    review: service.keys.create('test review', ['review'], 1_000_000).token,
  };
  const { app, url } = await listen(service);
  const server: TestServer = {
    url,
    service,
    app,
    keys,
    async restart() {
      await server.app.close();
      await server.service.close();
      server.service = await open();
      Object.assign(server, await listen(server.service));
    },
    async request(method, path, options = {}) {
      const headers: Record<string, string> = { ...options.headers };
      const key = options.key === undefined ? keys.admin : options.key;
      if (key !== null) headers.authorization = `Bearer ${key}`;
      let body: string | undefined;
      if (options.raw !== undefined) body = options.raw;
      else if (options.body !== undefined) body = JSON.stringify(options.body);
      if (body !== undefined) headers['content-type'] ??= 'application/json';
      const started = performance.now();
      const response = await fetch(`${server.url}${path}`, { method, headers, body });
      const text = await response.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // not JSON (metrics, docs)
      }
      return { status: response.status, body: parsed, ms: performance.now() - started };
    },
    async close() {
      await server.app.close();
      await server.service.close();
      world.remove();
    },
  };
  return server;
}

let counter = 0;

/** A booking request a client would send. */
export function booking(overrides: { id?: string; user?: string; amount?: number; ts?: number; message?: string; card?: string; device?: string } = {}) {
  counter++;
  return {
    id: overrides.id ?? `test_booking_${process.pid}_${counter}`,
    type: 'booking_attempted',
    ts: overrides.ts ?? LIVE_TS + counter * 1000,
    entities: {
      user: overrides.user ?? `u_test_${counter % 50}`,
      device: overrides.device ?? `d_test_${counter % 40}`,
      card: overrides.card ?? `cf_test_${counter % 30}`,
      ip: '203.0.113.9',
      listing: 'l_test',
      host: 'h_test',
    },
    context: { ip_country: 'US', user_country: 'US' },
    payload: { amount: overrides.amount ?? 250, currency: 'USD', nights: 2, ...(overrides.message ? { message: overrides.message } : {}) },
  };
}
