// The review queue over HTTP: review decisions open cases; reviewers claim under leases, decide or
// escalate; verdicts become labels that reach the next training set; the audit trail records it all.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTrainingSet } from '../../src/features/index.js';
import { verdictLabelId } from '../../src/review/label.js';
import { openService } from '../../src/runtime/service.js';
import { optimizeModelPolicy } from '../../src/cli/policy.js';
import { booking, startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
let second: string;
beforeAll(async () => {
  server = await startTestServer();
  second = server.service.keys.create('second reviewer', ['review'], 1_000_000).token;
  // Every booking in these tests goes to review: a rule sends large amounts there.
  await server.request('POST', '/v1/admin/rules', { body: { id: 'review_everything_large', name: 'Large amount: a human looks', expression: 'request.payload.amount >= 5000.0', action: 'review' } });
});
afterAll(async () => {
  await server?.close();
});

async function reviewCase(amount = 8000): Promise<{ caseId: string; eventId: string }> {
  const request = booking({ amount });
  const { body } = await server.request('POST', '/v1/decisions', { body: request });
  expect(body.action, `degraded: ${body.degraded}, timings: ${JSON.stringify(body.timings)}`).toBe('review');
  const list = await server.request('GET', `/v1/cases?status=all&q=${request.id}`, { key: server.keys.review });
  expect(list.body.total).toBe(1);
  return { caseId: list.body.cases[0].id, eventId: request.id };
}

describe('review queue over HTTP', () => {
  it('opens a case for a review decision, with priority, SLA and evidence', async () => {
    const { caseId, eventId } = await reviewCase(9000);
    const detail = await server.request('GET', `/v1/cases/${caseId}`, { key: server.keys.review });
    expect(detail.status).toBe(200);
    expect(detail.body.case).toMatchObject({ id: caseId, event_id: eventId, status: 'open', amount: 9000, sla_breached: false });
    expect(detail.body.case.priority).toBeCloseTo((detail.body.decision.score ?? 0.5) * 9000, 6);
    expect(detail.body.case.sla_due_at).toBeGreaterThan(detail.body.case.opened_at);
    expect(detail.body.decision.action).toBe('review');
    expect(detail.body.request.id).toBe(eventId);
    expect(detail.body.features.find((f: { name: string }) => f.name === 'amount').value).toBe(9000);
    expect(detail.body.linked).toHaveProperty('cards');
    expect(detail.body.case.history.map((h: { action: string }) => h.action)).toEqual(['opened']);
    const queue = await server.request('GET', '/v1/cases?sort=priority', { key: server.keys.review });
    const priorities = queue.body.cases.map((c: { priority: number }) => c.priority);
    expect(priorities).toEqual([...priorities].sort((a, b) => b - a));
  });

  it("shows each feature beside the user's usual over their decisions before the case's, never later ones", async () => {
    const decide = async (amount: number) => {
      const request = booking({ user: 'u_usual_baseline', amount });
      expect((await server.request('POST', '/v1/decisions', { body: request })).status).toBe(200);
      return request.id;
    };
    await decide(6000);
    const middle = await decide(9000);
    await decide(7000);
    const list = await server.request('GET', `/v1/cases?status=all&q=${middle}`, { key: server.keys.review });
    const detail = await server.request('GET', `/v1/cases/${list.body.cases[0].id}`, { key: server.keys.review });
    const amount = detail.body.features.find((f: { name: string }) => f.name === 'amount');
    expect([amount.value, amount.usual]).toEqual([9000, 6000]);
  });

  it('lets one reviewer at a time hold a case; concurrent claims produce one lease', async () => {
    const { caseId } = await reviewCase();
    const claims = await Promise.all([server.keys.review, second, server.keys.review, second].map((key) => server.request('POST', `/v1/cases/${caseId}/claim`, { key, body: {} })));
    const winners = claims.filter((c) => c.status === 200);
    expect(new Set(winners.map((w) => w.body.reviewer)).size).toBe(1);
    expect(claims.filter((c) => c.status === 409).length).toBeGreaterThan(0);
    const loser = winners[0]!.body.reviewer.startsWith('second') ? server.keys.review : second;
    const decide = await server.request('POST', `/v1/cases/${caseId}/decide`, { key: loser, body: { lease_id: 'not-mine', verdict: 'legit' } });
    expect(decide.status).toBe(409);
    // Nor with the holder's own lease id (left in a shared browser tab after sign-out): a lease is its reviewer's.
    const winnerKey = loser === second ? server.keys.review : second;
    const winnerLease = (await server.request('POST', `/v1/cases/${caseId}/claim`, { key: winnerKey, body: {} })).body.lease_id;
    for (const action of ['decide', 'escalate', 'release']) {
      const taken = await server.request('POST', `/v1/cases/${caseId}/${action}`, { key: loser, body: { lease_id: winnerLease, ...(action === 'decide' ? { verdict: 'legit' } : {}) } });
      expect([action, taken.status, taken.body.message]).toEqual([action, 409, expect.stringMatching(/is held by .*; claim it first/)]);
    }
    const noted = await server.request('POST', `/v1/cases/${caseId}/release`, { key: winnerKey, body: { lease_id: winnerLease, note: 'back to the queue' } });
    expect([noted.status, noted.body.message]).toEqual([400, 'note: is not a known field']);
    expect((await server.request('POST', `/v1/cases/${caseId}/release`, { key: winnerKey, body: { lease_id: winnerLease } })).status).toBe(200);
  });

  it('turns a verdict into a label event that reaches the next training set, point-in-time', async () => {
    const { caseId, eventId } = await reviewCase();
    // A claim has no required fields: the body may be left out, or be empty under a JSON content type.
    const claim = await server.request('POST', `/v1/cases/${caseId}/claim`, { key: server.keys.review, raw: '' });
    expect(claim.status).toBe(200);
    const decided = await server.request('POST', `/v1/cases/${caseId}/decide`, { key: server.keys.review, body: { lease_id: claim.body.lease_id, verdict: 'fraud', note: 'card reported stolen by issuer' } });
    expect(decided.status).toBe(200);
    expect(decided.body.case).toMatchObject({ status: 'decided', verdict: 'fraud', decided_at: expect.any(Number), decided_by: expect.stringMatching(/\S/), label_event_id: decided.body.label_event_id });
    const again = await server.request('POST', `/v1/cases/${caseId}/decide`, { key: server.keys.review, body: { lease_id: claim.body.lease_id, verdict: 'legit' } });
    expect(again.status).toBe(409);
    // The same request again (its answer was lost): the same answer, nothing changed twice.
    const retried = await server.request('POST', `/v1/cases/${caseId}/decide`, { key: server.keys.review, body: { lease_id: claim.body.lease_id, verdict: 'fraud', note: 'card reported stolen by issuer' } });
    expect([retried.status, retried.body.label_event_id, retried.body.case.decided_at]).toEqual([200, decided.body.label_event_id, decided.body.case.decided_at]);
    expect((await server.request('POST', `/v1/cases/${caseId}/decide`, { key: second, body: { lease_id: claim.body.lease_id, verdict: 'fraud', note: 'card reported stolen by issuer' } })).status).toBe(409);
    const labels = await server.request('GET', '/v1/labels?limit=5', { key: server.keys.review });
    expect(labels.body.labels[0]).toMatchObject({ id: decided.body.label_event_id, type: 'reviewer_verdict', target_event_id: eventId, verdict: 'fraud' });
    const history = (await server.request('GET', `/v1/cases/${caseId}`, { key: server.keys.review })).body.case.history.map((h: { action: string }) => h.action);
    expect(history).toEqual(['opened', 'claimed', 'decided']);
    // The next training set, once the horizon has closed: the row is fraud, labelled by the reviewer;
    // its own features were computed before the label existed. (The verdict arrives at wall-clock time,
    // months after the simulated booking, hence the long horizon.)
    const { log, featureSet } = server.service.embedded;
    const year = 366 * 86_400_000;
    const training = await buildTrainingSet(log, featureSet, { maturityMs: year, asOf: Date.now() + year });
    const row = training.eventIds.indexOf(eventId);
    expect(row).toBeGreaterThanOrEqual(0);
    expect(training.labels[row]).toBe(1);
    expect(training.meta[row]!.labelSource).toBe('reviewer_verdict');
    const verdicts = featureSet.vectorNames.indexOf('user_fraud_verdicts_30d');
    const stored = await server.service.decisions.getByEvent(eventId);
    expect(training.x[row * featureSet.vectorNames.length + verdicts]).toEqual(stored!.vector![verdicts]);
  });

  it("refuses a client event that would take a verdict label's id first (it would stand in for the reviewer's verdict)", async () => {
    const { caseId, eventId } = await reviewCase();
    const forged = { id: `verdict_${caseId}`, type: 'reviewer_verdict', ts: Date.now(), entities: { user: 'u_mallory' }, payload: { target_event_id: eventId, verdict: 'legit', reviewer: 'mallory' } };
    for (const path of ['/v1/events', '/v1/decisions']) {
      const refused = await server.request('POST', path, { key: path === '/v1/events' ? server.keys.events : server.keys.decide, body: forged });
      expect(refused.status, path).toBe(400);
      expect(refused.body.errors, path).toContainEqual({ path: 'id', message: expect.stringContaining('verdict_case_') });
    }
    const claim = await server.request('POST', `/v1/cases/${caseId}/claim`, { key: server.keys.review, body: {} });
    const decided = await server.request('POST', `/v1/cases/${caseId}/decide`, { key: server.keys.review, body: { lease_id: claim.body.lease_id, verdict: 'fraud' } });
    expect(decided.status).toBe(200);
    const label = await server.service.embedded.log.get(decided.body.label_event_id);
    expect(label!.event.payload).toMatchObject({ verdict: 'fraud', case_id: caseId });
  });

  it("gives the verdict label another id when an imported event already holds the case's (a log moved from another installation)", async () => {
    const { caseId, eventId } = await reviewCase();
    // Import takes reserved ids (events moved between installations keep theirs): append directly, as import does.
    const foreign = { id: verdictLabelId(caseId), type: 'reviewer_verdict' as const, v: 1 as const, ts: Date.now(), entities: { user: 'u_elsewhere' }, payload: { target_event_id: 'evt_elsewhere', verdict: 'legit' as const, reviewer: 'someone elsewhere' } };
    expect((await server.service.embedded.features.ingest([foreign]))[0]!.status).toBe('appended');
    const claim = await server.request('POST', `/v1/cases/${caseId}/claim`, { key: server.keys.review, body: {} });
    const decided = await server.request('POST', `/v1/cases/${caseId}/decide`, { key: server.keys.review, body: { lease_id: claim.body.lease_id, verdict: 'fraud' } });
    expect([decided.status, decided.body.label_event_id]).toEqual([200, `${verdictLabelId(caseId)}_2`]);
    const label = await server.service.embedded.log.get(`${verdictLabelId(caseId)}_2`);
    expect(label!.event.payload).toMatchObject({ verdict: 'fraud', case_id: caseId, target_event_id: eventId });
    expect((await server.request('GET', `/v1/cases/${caseId}`, { key: server.keys.review })).body.case.label_event_id).toBe(`${verdictLabelId(caseId)}_2`);
    const audit = (await server.request('GET', `/v1/audit?action=case.decide&subject=${caseId}`)).body.entries;
    expect(audit.map((e: { details: { label_event_id: string } }) => e.details.label_event_id)).toEqual([`${verdictLabelId(caseId)}_2`]);
    // The imported event is left as it was.
    expect((await server.service.embedded.log.get(verdictLabelId(caseId)))!.event.payload).toMatchObject({ verdict: 'legit', target_event_id: 'evt_elsewhere' });
  });

  it('refuses a note with a card number before anything changes (notes go into the label and the audit trail)', async () => {
    const { caseId } = await reviewCase();
    const claim = await server.request('POST', `/v1/cases/${caseId}/claim`, { key: server.keys.review, raw: '' });
    const note = 'guest sent card 4111 1111 1111 1111 in chat';
    for (const action of ['decide', 'escalate']) {
      const refused = await server.request('POST', `/v1/cases/${caseId}/${action}`, { key: server.keys.review, body: { lease_id: claim.body.lease_id, note, ...(action === 'decide' ? { verdict: 'fraud' } : {}) } });
      expect([action, refused.status, refused.body.message]).toEqual([action, 400, expect.stringMatching(/^note: looks like it holds a raw card number/)]);
      expect(refused.body.errors).toEqual([{ path: 'note', message: expect.stringMatching(/^looks like it holds a raw card number .*; refer to the card by its fingerprint$/) }]);
    }
    const after = (await server.request('GET', `/v1/cases/${caseId}`, { key: server.keys.review })).body.case;
    expect([after.status, after.note]).toEqual(['claimed', null]);
    const decided = await server.request('POST', `/v1/cases/${caseId}/decide`, { key: server.keys.review, body: { lease_id: claim.body.lease_id, verdict: 'fraud', note: 'card fingerprint cf_… reported in chat' } });
    expect(decided.status).toBe(200);
    expect((await server.service.embedded.log.get(decided.body.label_event_id))?.event.type).toBe('reviewer_verdict');
  });

  it('appends at the next start a verdict label lost to a stop between deciding the case and appending it', async () => {
    const { caseId, eventId } = await reviewCase();
    const claim = await server.request('POST', `/v1/cases/${caseId}/claim`, { key: server.keys.review });
    // The case is decided as the route decides it; the process "stops" before the label is appended.
    server.service.cases.decide(caseId, claim.body.lease_id, 'fraud', 'stopped before the label', claim.body.reviewer, verdictLabelId(caseId), Date.now());
    expect(await server.service.embedded.log.get(verdictLabelId(caseId))).toBeUndefined();
    const restarted = await openService(server.service.embedded.dir, {});
    try {
      const label = await restarted.embedded.log.get(verdictLabelId(caseId));
      expect(label?.event).toMatchObject({ type: 'reviewer_verdict', payload: { target_event_id: eventId, verdict: 'fraud', case_id: caseId, reviewer: claim.body.reviewer, note: 'stopped before the label' } });
    } finally {
      await restarted.close();
    }
  });

  it('has the risk leaderboard again after a restart, as the decisions left it', async () => {
    await reviewCase(7000);
    const before = (await server.request('GET', '/v1/topk?k=500', { key: server.keys.review })).body.entities;
    expect(before.length).toBeGreaterThan(0);
    const restarted = await openService(server.service.embedded.dir, {});
    try {
      expect(restarted.riskiest.topK(500)).toEqual(before);
    } finally {
      await restarted.close();
    }
  });

  it('opens the case of a review decision stored just before a stop (at the next start, and on a retry)', async () => {
    const cases = () => server.service.embedded.db.prepare('SELECT id FROM cases').pluck().all() as string[];
    const lose = (caseId: string) => {
      // As if the process stopped after the decision's commit and before its case's.
      server.service.embedded.db.prepare('DELETE FROM case_history WHERE case_id = ?').run(caseId);
      server.service.embedded.db.prepare('DELETE FROM cases WHERE id = ?').run(caseId);
      expect(cases()).not.toContain(caseId);
    };
    const first = await reviewCase(7100);
    lose(first.caseId);
    const restarted = await openService(server.service.embedded.dir, {});
    try {
      expect(restarted.cases.get(first.caseId)).toMatchObject({ status: 'open', eventId: first.eventId, amount: 7100 });
    } finally {
      await restarted.close();
    }
    const second = booking({ amount: 7200 });
    const decided = await server.request('POST', '/v1/decisions', { body: second });
    const caseId = cases().find((id) => server.service.cases.get(id)?.eventId === second.id)!;
    lose(caseId);
    const retry = await server.request('POST', '/v1/decisions', { body: second });
    expect(retry.body).toMatchObject({ decision_id: decided.body.decision_id, duplicate: true, action: 'review' });
    expect(server.service.cases.get(caseId)).toMatchObject({ status: 'open', eventId: second.id });
  });

  it('audits at the next start a decision stored just before a stop that lost its audit entry', async () => {
    const { body } = await server.request('POST', '/v1/decisions', { body: booking({ amount: 90 }) });
    const db = server.service.embedded.db;
    const tail = () => db.prepare('SELECT seq, subject FROM audit_log ORDER BY seq DESC LIMIT 1').get() as { seq: number; subject: string };
    for (let i = 0; i < 50 && tail().subject !== body.decision_id; i++) await new Promise((resolve) => setTimeout(resolve, 20)); // appended after the answer
    const last = tail();
    expect(last.subject).toBe(body.decision_id);
    // As if the process stopped after the decision's commit and before its audit entry's (the tail of the chain).
    db.prepare('DELETE FROM audit_log WHERE seq = ?').run(last.seq);
    const restarted = await openService(server.service.embedded.dir, {});
    try {
      const entries = await restarted.audit.list({ action: 'decision', subject: body.decision_id });
      expect(entries).toHaveLength(1);
      expect(entries[0]!.details).toMatchObject({ event_id: body.event_id, recovered_at_start: true });
      expect((await restarted.audit.verify()).ok).toBe(true);
    } finally {
      await restarted.close();
    }
  });

  it('audits at the next start a case decided just before a stop that lost its audit entry', async () => {
    const { caseId } = await reviewCase();
    const claim = await server.request('POST', `/v1/cases/${caseId}/claim`, { key: server.keys.review, body: {} });
    const decided = await server.request('POST', `/v1/cases/${caseId}/decide`, { key: server.keys.review, body: { lease_id: claim.body.lease_id, verdict: 'legit' } });
    expect(decided.status).toBe(200);
    const db = server.service.embedded.db;
    const entry = db.prepare("SELECT seq FROM audit_log WHERE action = 'case.decide' AND subject = ?").get(caseId) as { seq: number };
    // As if the process stopped between the case's commit and its audit entry's (the tail of the chain).
    expect((db.prepare('SELECT MAX(seq) AS s FROM audit_log').get() as { s: number }).s).toBe(entry.seq);
    db.prepare('DELETE FROM audit_log WHERE seq = ?').run(entry.seq);
    const restarted = await openService(server.service.embedded.dir, {});
    try {
      const entries = await restarted.audit.list({ action: 'case.decide', subject: caseId });
      expect(entries.map((e) => [e.actor, e.details])).toEqual([[expect.stringMatching(/\(key_/), expect.objectContaining({ verdict: 'legit', label_event_id: decided.body.label_event_id, recovered_at_start: true })]]);
      expect((await restarted.audit.verify()).ok).toBe(true);
    } finally {
      await restarted.close();
    }
  });

  it('has the default rules and the seeded stolen cards in the audit trail (installed at the first start)', async () => {
    const created = await server.service.audit.list({ action: 'rule.create', limit: 1_000 });
    expect(created.filter((e) => e.actor === 'test').map((e) => e.subject)).toEqual(expect.arrayContaining(['stolen_card', 'blocked_device_or_ip', 'sanctioned_name']));
    const seeded = await server.service.audit.list({ action: 'list.add', subject: 'stolen_cards', limit: 1_000 });
    expect(seeded.some((e) => e.actor === 'test' && (e.details as { values: string[] }).values.length > 0)).toBe(true);
  });

  it('escalates, reports queue statistics, the riskiest accounts and an intact audit trail', async () => {
    const { caseId } = await reviewCase();
    const claim = await server.request('POST', `/v1/cases/${caseId}/claim`, { key: server.keys.review, body: {} });
    expect((await server.request('POST', `/v1/cases/${caseId}/escalate`, { key: server.keys.review, body: { lease_id: claim.body.lease_id, note: 'ring?' } })).body.case.status).toBe('escalated');
    const stats = await server.request('GET', '/v1/queue/stats', { key: server.keys.review });
    expect(stats.body).toMatchObject({ escalated: 1, capacity_per_day: 1000 });
    expect(stats.body.decided_today).toBeGreaterThanOrEqual(1);
    // Claimed again (by the senior reviewer), it counts once, as claimed, and still says it was escalated.
    const senior = await server.request('POST', `/v1/cases/${caseId}/claim`, { key: server.keys.review, body: {} });
    expect((await server.request('GET', `/v1/cases/${caseId}`, { key: server.keys.review })).body.case).toMatchObject({ status: 'claimed', escalated: true });
    const held = await server.request('GET', '/v1/queue/stats', { key: server.keys.review });
    expect([held.body.escalated, held.body.claimed]).toEqual([0, stats.body.claimed + 1]);
    await server.request('POST', `/v1/cases/${caseId}/release`, { key: server.keys.review, body: { lease_id: senior.body.lease_id } });
    const top = await server.request('GET', '/v1/topk?k=3', { key: server.keys.review });
    expect(top.body.entities.length).toBe(3);
    expect(top.body.entities[0].score).toBeGreaterThanOrEqual(top.body.entities[2].score);
    const audit = await server.request('GET', '/v1/audit?limit=200');
    const actions = new Set(audit.body.entries.map((e: { action: string }) => e.action));
    for (const action of ['decision', 'rule.create', 'case.claim', 'case.decide', 'case.escalate']) expect(actions).toContain(action);
    const verified = (await server.request('GET', '/v1/audit/verify')).body;
    expect(verified).toMatchObject({ ok: true, problems: [] });
    const anchor = `${verified.head.seq}:${verified.head.hash}`;
    expect((await server.request('GET', `/v1/audit/verify?anchor=${anchor}`)).body).toMatchObject({ ok: true, problems: [] });
    expect((await server.request('GET', '/v1/audit/verify?anchor=12')).status).toBe(400);
    const zero = await server.request('GET', `/v1/audit/verify?anchor=0:${verified.head.hash}`);
    expect([zero.status, zero.body.message]).toEqual([400, expect.stringMatching(/^query\.anchor: entries are numbered from 1/)]);
    expect((await server.request('GET', '/v1/audit', { key: server.keys.review })).status).toBe(403);
    expect((await server.request('GET', '/v1/cases/case_nope', { key: server.keys.review })).status).toBe(404);
  });
});

describe('thresholds', () => {
  it('installs "block or review nothing" as thresholds of 1, never above (the API and the console take [0, 1])', async () => {
    const model = server.service.lineup().active!.registered;
    const before = model.policy;
    const { costs, reviewCapacityPerDay, currency } = server.service.settings();
    process.env.RISKGATE_QUIET = '1';
    try {
      // A missed fraud that costs nothing: neither blocking nor reviewing pays.
      const { policy } = await optimizeModelPolicy(server.service.embedded, model, { capacity: 10, costs: { fnCost: { kind: 'multiple', value: 0 }, fpCost: 1, reviewCost: 1 }, apply: true, verbose: false, actor: 'test' });
      expect(policy.block).toBeGreaterThan(1); // the optimizer's NEVER
      expect((await server.service.embedded.models.get(model.artifact.id))!.policy).toEqual({ block: 1, review: 1 });
    } finally {
      await server.service.embedded.models.setPolicy(model.artifact.id, before, 'test');
      // --apply stored its costs and capacity too: put them back in memory and in the store alike, or
      // the server's next reload (every 2 s) would hand them to the tests after this one.
      server.service.updateSettings({ costs, reviewCapacityPerDay, currency }, 'test');
    }
  });

  it('serves the threshold explorer from the model’s validation period', async () => {
    const { status, body } = await server.request('GET', '/v1/policy/explorer?points=11', { key: server.keys.review });
    expect(status).toBe(200);
    // Eleven block thresholds evenly spaced, and up to eleven more at quantiles of the scores.
    const blocks = body.points.map((p: { block: number }) => p.block);
    expect(blocks.length).toBeGreaterThan(11);
    expect(blocks.length).toBeLessThanOrEqual(22);
    for (const even of [0, 0.1, 0.5, 1]) expect(blocks).toContain(even);
    for (let i = 1; i < blocks.length; i++) expect(blocks[i]).toBeGreaterThan(blocks[i - 1]);
    expect(body.points[0]).toHaveProperty('reviewsPerDay');
    // Priced with the cost model the thresholds were chosen for (the default: a missed fraud costs 20 false alarms).
    expect(body.costs.fnCost).toEqual({ kind: 'multiple', value: 20 });
    expect(body.savings_unit).toBe('false alarms');
    // Money is shown in the currency amounts are sent in (riskgate converts none): USD unless set.
    expect(body.currency).toBe('USD');
    const euro = await server.request('PUT', '/v1/admin/settings', { body: { currency: 'EUR' } });
    expect([euro.status, euro.body.currency]).toEqual([200, 'EUR']);
    expect((await server.request('GET', '/v1/policy/explorer?points=3', { key: server.keys.review })).body.currency).toBe('EUR');
    const notACode = await server.request('PUT', '/v1/admin/settings', { body: { currency: '€' } });
    expect([notACode.status, notACode.body.errors?.[0]?.path]).toEqual([400, 'currency']);
    await server.request('PUT', '/v1/admin/settings', { body: { currency: 'USD' } });
    const reviews = body.points.map((p: { reviewsPerDay: number }) => p.reviewsPerDay);
    // A higher block threshold sends more to review at a fixed review threshold (or as many).
    for (let i = 1; i < reviews.length; i++) expect(reviews[i]).toBeGreaterThanOrEqual(reviews[i - 1] - 1e-9);
    expect((await server.request('GET', '/v1/policy/explorer?model_id=m_nope', { key: server.keys.review })).status).toBe(404);
    // A review threshold above the block threshold is a policy without a review band: no reviews.
    const noBand = await server.request('GET', '/v1/policy/explorer?points=3&review=1', { key: server.keys.review });
    expect(noBand.body.points.length).toBeGreaterThanOrEqual(3);
    expect(noBand.body.points.every((p: { reviewsPerDay: number }) => p.reviewsPerDay === 0)).toBe(true);
    expect((await server.request('GET', '/v1/policy/explorer?review=1.5', { key: server.keys.review })).status).toBe(400);
  });
});

describe('who am I', () => {
  it('tells any valid key its own id, name and scopes, and nothing to anyone else', async () => {
    const { status, body } = await server.request('GET', '/v1/me', { key: server.keys.decide });
    expect(status).toBe(200);
    expect(body).toMatchObject({ name: 'test decide', scopes: ['decide'] });
    expect(body.id).toMatch(/^key_[\w-]{8}$/);
    expect(server.keys.decide).not.toContain(body.id.slice(4)); // no part of the secret
    expect(server.service.keys.list().find((k) => k.id === body.id)?.name).toBe('test decide');
    expect((await server.request('GET', '/v1/me', { key: null })).status).toBe(401);
    expect((await server.request('GET', '/v1/me', { key: 'rg_not_a_key' })).status).toBe(401);
  });
});
