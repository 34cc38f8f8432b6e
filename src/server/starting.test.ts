import { createServer, type AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { holdPort } from './starting.js';

describe('the port held while a server starts', () => {
  it('answers /healthz 200, /readyz and every other route 503 "starting" with the step, then frees the port', async () => {
    const holder = await holdPort(0, '127.0.0.1');
    const url = `http://127.0.0.1:${holder.port}`;
    try {
      holder.setStep('step 1/4: simulating a marketplace');
      const health = await fetch(`${url}/healthz`);
      expect([health.status, await health.json()]).toEqual([200, { status: 'starting', step: 'step 1/4: simulating a marketplace' }]);
      const ready = await fetch(`${url}/readyz`);
      expect([ready.status, await ready.json()]).toEqual([503, { status: 'starting', step: 'step 1/4: simulating a marketplace' }]);
      const decision = await fetch(`${url}/v1/decisions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id: 'x'.repeat(100_000) }) });
      expect([decision.status, decision.headers.get('retry-after'), ((await decision.json()) as { error: string }).error]).toEqual([503, '5', 'starting']);
    } finally {
      await holder.release();
    }
    await holder.release(); // twice is harmless
    // The port is free for the real server.
    const next = createServer();
    await new Promise<void>((resolve, reject) => next.once('error', reject).listen(holder.port, '127.0.0.1', resolve));
    expect((next.address() as AddressInfo).port).toBe(holder.port);
    next.close();
  });

  it('fails when the port is taken', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    try {
      await expect(holdPort((taken.address() as AddressInfo).port, '127.0.0.1')).rejects.toMatchObject({ code: 'EADDRINUSE' });
    } finally {
      taken.close();
    }
  });
});
