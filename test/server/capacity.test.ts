// The capacity guard over HTTP: when review inflow would exceed the team's daily capacity, the active
// model's review band narrows a step at a time (never while the evidence is younger than the guard's
// interval), decisions carry the narrowed policy, and every change is in the audit trail.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { booking, startTestServer, type TestServer } from '../support/server.js';

const MINUTE = 60_000;
let now = Date.UTC(2026, 5, 1, 0, 10);
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ clock: () => now });
  // Large bookings go to review by rule, so review inflow is under the test's control.
  await server.request('POST', '/v1/admin/rules', { body: { id: 'review_large', name: 'Large amount', expression: 'request.payload.amount >= 5000.0', action: 'review' } });
  expect((await server.request('PUT', '/v1/admin/settings', { body: { review_capacity_per_day: 40 } })).status).toBe(200);
});
afterAll(async () => {
  await server?.close();
});

async function reviews(n: number): Promise<Array<{ action: string; policy: { block: number; review: number } }>> {
  const out = [];
  for (let i = 0; i < n; i++) {
    const { status, body } = await server.request('POST', '/v1/decisions', { body: booking({ amount: 8000 }) });
    expect(status).toBe(200);
    expect(body.action).toBe('review');
    out.push(body);
  }
  return out;
}

async function bandChanges(): Promise<Array<{ details: { from: number; to: number; reason: string } }>> {
  const audit = await server.request('GET', '/v1/audit?action=policy.review_band&limit=100');
  expect(audit.status).toBe(200);
  return audit.body.entries.filter((e: { action: string }) => e.action === 'policy.review_band');
}

describe('capacity guard over HTTP', () => {
  it('narrows the review band when inflow would exceed capacity, audited, one step per interval', async () => {
    const installed = server.service.lineup().active!.registered.policy;
    // Ten minutes into the day: too little evidence for the guard to act on five reviews.
    const first = await reviews(5);
    expect(first.every((d) => d.policy.review === installed.review)).toBe(true);
    expect(await bandChanges()).toEqual([]);

    // Twenty minutes in, the day's pace (6 reviews in 20 minutes ≈ 430/day) is far above 40/day.
    now += 10 * MINUTE;
    const [narrowedBy] = await reviews(1);
    expect(narrowedBy!.policy.review).toBe(installed.review);
    const changes = await bandChanges();
    expect(changes).toHaveLength(1);
    expect(changes[0]!.details.from).toBe(installed.review);
    expect(changes[0]!.details.to).toBeGreaterThan(installed.review);
    expect(changes[0]!.details.reason).toMatch(/above 100 % of the capacity of 40\/day: narrowing/);
    const [after] = await reviews(1);
    expect(after!.policy).toEqual({ block: installed.block, review: changes[0]!.details.to });
    // The console's thresholds page reads what is in force beside what is installed.
    const explorer = await server.request('GET', '/v1/policy/explorer?points=3');
    expect([explorer.body.policy, explorer.body.in_force]).toEqual([installed, { block: installed.block, review: changes[0]!.details.to }]);

    // Within the guard's interval nothing moves, however many reviews arrive.
    now += 5 * MINUTE;
    await reviews(3);
    expect(await bandChanges()).toHaveLength(1);
    // Past it, with the pace under the narrowed band still too high, one more step.
    now += 11 * MINUTE;
    await reviews(1);
    const more = await bandChanges();
    expect(more).toHaveLength(2);
    expect(more[0]!.details.from).toBe(changes[0]!.details.to);
    expect(more[0]!.details.to).toBeGreaterThan(more[0]!.details.from);
    expect((await server.request('GET', '/v1/audit/verify')).body).toMatchObject({ ok: true });
  });

  it('a restart keeps the band where the guard left it (it used to start again from the installed band)', async () => {
    const installed = server.service.lineup().active!.registered.policy;
    const inForce = server.service.reviewThreshold();
    expect(inForce).toBeGreaterThan(installed.review);
    await server.restart();
    expect(server.service.reviewThreshold()).toBe(inForce);
    const [after] = await reviews(1);
    expect(after!.policy).toEqual({ block: installed.block, review: inForce });
  });

  it('widens the band again on a quiet day, looking again at every decision, not only at reviews', async () => {
    const before = await bandChanges();
    // The next day, twenty minutes in: no review so far, and the decisions that arrive are allowed.
    now = Date.UTC(2026, 5, 2, 0, 20);
    const { body } = await server.request('POST', '/v1/decisions', { body: booking({ amount: 40 }) });
    expect(body.action).not.toBe('review');
    const after = await bandChanges();
    expect(after).toHaveLength(before.length + 1);
    expect(after[0]!.details.to).toBeLessThan(after[0]!.details.from);
    expect(after[0]!.details.reason).toMatch(/below 80 % of the capacity of 40\/day: widening/);
  });
});
