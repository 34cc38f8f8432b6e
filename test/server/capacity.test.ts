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
    const explorer = await server.request('GET', '/v1/policy/explorer?points=3');
    expect(explorer.body.in_force).toEqual({ block: installed.block, review: inForce });
    expect((await server.request('GET', '/v1/audit/verify')).body).toMatchObject({ ok: true });
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

  it('what it kept is only a hint: another capacity forgets it, a damaged one is ignored, one dated ahead does not freeze the guard', async () => {
    const installed = server.service.lineup().active!.registered.policy;
    // (The service is a new one after each restart.)
    const kept = () => server.service.embedded.db.prepare("SELECT value FROM settings WHERE key = 'review_band'").get() as { value: string } | undefined;
    const narrowed = JSON.parse(kept()!.value) as { key: string; narrowedBy: number; changedAt: number };
    expect(narrowed.narrowedBy).toBeGreaterThan(0);

    // Another capacity starts from the installed band and forgets the old one: going back does not bring it back.
    expect((await server.request('PUT', '/v1/admin/settings', { body: { review_capacity_per_day: 1000 } })).status).toBe(200);
    expect(server.service.reviewThreshold()).toBe(installed.review);
    expect(kept()).toBeUndefined();
    expect((await server.request('PUT', '/v1/admin/settings', { body: { review_capacity_per_day: 40 } })).status).toBe(200);
    expect(server.service.reviewThreshold()).toBe(installed.review);

    // A damaged row: decisions go on, from the installed band.
    server.service.embedded.db.prepare("INSERT INTO settings (key, value, updated_at, updated_by) VALUES ('review_band', 'null', 0, 'test') ON CONFLICT(key) DO UPDATE SET value = excluded.value").run();
    await server.restart();
    expect(server.service.reviewThreshold()).toBe(installed.review);
    expect((await server.request('POST', '/v1/decisions', { body: booking({ amount: 40 }) })).status).toBe(200);

    // Kept with a change time ahead of the clock (a clock that stepped back): resumed, and the guard still
    // moves once its interval has passed by the clock it has now.
    server.service.embedded.db
      .prepare("INSERT INTO settings (key, value, updated_at, updated_by) VALUES ('review_band', ?, 0, 'test') ON CONFLICT(key) DO UPDATE SET value = excluded.value")
      .run(JSON.stringify({ ...narrowed, changedAt: now + 30 * 86_400_000 }));
    await server.restart();
    expect(server.service.reviewThreshold()).toBeGreaterThan(installed.review);
    now = Date.UTC(2026, 5, 4, 0, 20); // a quiet new day, 20 minutes in — long before the kept change time
    await server.request('POST', '/v1/decisions', { body: booking({ amount: 40 }) });
    expect(JSON.parse(kept()!.value).narrowedBy).toBe(narrowed.narrowedBy - 1);
  });
});
