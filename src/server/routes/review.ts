import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import { containsRawCardNumber, parseEvent } from '../../events/index.js';
import { freeTextProblem } from '../../lib/text-input.js';
import { freeVerdictLabelId, verdictLabel } from '../../review/label.js';
import { CaseConflictError, CaseNotFoundError, isClaimed, isSlaBreached, type ReviewCase } from '../../review/case.js';
import type { Service } from '../../runtime/service.js';
import { HttpError } from '../errors.js';
import { CONFLICT, IdParam, NOT_FOUND } from '../schemas.js';
import { createThresholdExplorer, type ThresholdExplorer } from '../../policy/index.js';
import { loadModelRows } from '../../runtime/evaluation-rows.js';
import { actorOf } from '../actor.js';

const DAY = 86_400_000;

function view(c: ReviewCase, now: number) {
  const claimed = isClaimed(c, now);
  return {
    id: c.id,
    decision_id: c.decisionId,
    event_id: c.eventId,
    user: c.user,
    amount: c.amount,
    currency: c.currency,
    score: c.score,
    priority: c.priority,
    status: claimed ? 'claimed' : c.status,
    // Still true while a (senior) reviewer holds it: the claim must not hide that it was escalated.
    escalated: c.status === 'escalated',
    opened_at: c.openedAt,
    sla_due_at: c.slaDueAt,
    sla_breached: isSlaBreached(c, now),
    reasons: c.reasons,
    claimed_by: claimed ? c.claimedBy : null,
    lease_expires_at: claimed ? c.leaseExpiresAt : null,
    verdict: c.verdict,
    decided_at: c.decidedAt,
    decided_by: c.decidedBy,
    // The reviewer_verdict label event the verdict became.
    label_event_id: c.labelEventId,
  };
}

function mapError(error: unknown): never {
  if (error instanceof CaseNotFoundError) throw new HttpError(404, 'not_found', error.message);
  if (error instanceof CaseConflictError) throw new HttpError(409, 'conflict', error.message);
  throw error;
}

const median = (xs: number[]): number | null => {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

export function reviewRoutes(service: Service) {
  return async (app: FastifyInstance): Promise<void> => {
    const review = { config: { scope: 'review' as const } };
    const { cases } = service;

    app.get(
      '/v1/cases',
      {
        ...review,
        schema: {
          tags: ['review'],
          summary: 'The review queue: by expected loss (priority) or SLA deadline',
          querystring: Type.Object(
            {
              status: Type.Optional(Type.Enum(['open', 'claimed', 'escalated', 'decided', 'all'])),
              sort: Type.Optional(Type.Enum(['priority', 'sla'])),
              q: Type.Optional(Type.String({ maxLength: 200 })),
              limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
              offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000_000 })),
            },
            { additionalProperties: false },
          ),
        },
      },
      async (request) => {
        const now = Date.now();
        const query = request.query as { status?: 'open'; sort?: 'priority'; q?: string; limit?: number; offset?: number };
        const { cases: found, total } = cases.list(query, now);
        return { cases: found.map((c) => view(c, now)), total };
      },
    );

    app.get('/v1/cases/:id', { ...review, schema: { tags: ['review'], summary: 'A case with its evidence', params: IdParam } }, async (request) => {
      const now = Date.now();
      const c = cases.get((request.params as { id: string }).id);
      if (!c) throw new HttpError(404, 'not_found', `there is no case "${(request.params as { id: string }).id}"`);
      const stored = await service.decisions.get(c.decisionId);
      if (!stored) throw new HttpError(404, 'not_found', `the decision of case ${c.id} is missing`);
      const request_ = stored.request;
      // The vector is laid out by the set the decision was made with (serve --feature-set may have chosen another since).
      const setVersion = stored.decision.feature_set_version;
      const set = await service.featureSetOf(setVersion);
      // The user's usual: the median of each feature over their decisions before this one (those laid out
      // the same way) — never later ones, which would count this event in their windows.
      const earlier = c.user
        ? (await service.decisions.listByUser(c.user, 20, stored.decision.seq)).filter((d) => d.vector && d.decision.feature_set_version === setVersion)
        : [];
      const n = set.valueNames.length;
      const features = set.valueNames.map((name, i) => {
        const missing = stored.vector ? stored.vector[n + i] === 1 : true;
        const usual = median(earlier.filter((d) => d.vector![n + i] !== 1).map((d) => d.vector![i]!));
        return { name, description: set.get(name)?.description ?? '', value: missing || !stored.vector ? null : stored.vector[i]!, usual };
      });
      const linked = (feature: string, entity: Record<string, string | undefined>): string[] => {
        try {
          return service.embedded.features.engine.distinctValues(feature, entity);
        } catch {
          return []; // the served feature set has no such feature
        }
      };
      const e = request_.entities;
      const users = new Set([...linked('device_distinct_users_30d', { device: e.device }), ...linked('card_distinct_users_30d', { card: e.card }), ...linked('email_distinct_users_30d', { email: e.email })]);
      if (e.user) users.delete(e.user);
      const messages = [
        ...((request_.payload as { message?: string }).message ? [{ ts: request_.ts, text: (request_.payload as { message: string }).message }] : []),
        ...(c.user ? (await service.embedded.log.recentMessages(c.user, 10)).map((m) => ({ ts: m.event.ts, text: (m.event.payload as { text: string }).text })) : []),
      ];
      return {
        case: { ...view(c, now), history: cases.history(c.id), note: c.note },
        decision: stored.decision,
        request: request_,
        features,
        linked: {
          users: [...users].slice(0, 50),
          devices: linked('user_distinct_devices_7d', { user: e.user }).slice(0, 50),
          cards: linked('user_distinct_cards_7d', { user: e.user }).slice(0, 50),
          ips: linked('user_distinct_ips_24h', { user: e.user }).slice(0, 50),
        },
        messages,
      };
    });

    app.post('/v1/cases/:id/claim', { ...review, schema: { tags: ['review'], summary: 'Claim a case under a lease', params: IdParam, body: Type.Optional(Type.Object({}, { additionalProperties: false })), response: CONFLICT } }, async (request) => {
      const reviewer = actorOf(request);
      const { case: c, leaseId, expiresAt } = (() => {
        try {
          return cases.claim((request.params as { id: string }).id, reviewer, Date.now());
        } catch (error) {
          return mapError(error);
        }
      })();
      await service.audit.append({ actor: reviewer, action: 'case.claim', subject: c.id });
      return { lease_id: leaseId, expires_at: expiresAt, reviewer };
    });

    // A release hands the case back as it was: it takes no note (nothing would keep it); an escalation does.
    const ReleaseBody = Type.Object({ lease_id: Type.String({ minLength: 1, maxLength: 100 }) }, { additionalProperties: false });
    const LeaseBody = Type.Object({ ...ReleaseBody.properties, note: Type.Optional(Type.String({ maxLength: 2000 })) }, { additionalProperties: false });
    app.post('/v1/cases/:id/release', { ...review, schema: { tags: ['review'], params: IdParam, body: ReleaseBody, response: CONFLICT } }, async (request) => {
      const reviewer = actorOf(request);
      try {
        const c = cases.release((request.params as { id: string }).id, (request.body as { lease_id: string }).lease_id, reviewer, Date.now());
        await service.audit.append({ actor: reviewer, action: 'case.release', subject: c.id });
        return { case: view(c, Date.now()) };
      } catch (error) {
        return mapError(error);
      }
    });

    app.post(
      '/v1/cases/:id/decide',
      {
        ...review,
        schema: {
          tags: ['review'],
          summary: 'Decide fraud or legit under the lease; the verdict becomes a reviewer_verdict label event',
          params: IdParam,
          body: Type.Object({ lease_id: Type.String({ minLength: 1, maxLength: 100 }), verdict: Type.Enum(['fraud', 'legit']), note: Type.Optional(Type.String({ maxLength: 2000 })) }, { additionalProperties: false }),
          response: CONFLICT,
        },
      },
      async (request) => {
        const reviewer = actorOf(request);
        const body = request.body as { lease_id: string; verdict: 'fraud' | 'legit'; note?: string };
        const id = (request.params as { id: string }).id;
        const current = cases.get(id);
        if (!current) throw new HttpError(404, 'not_found', `there is no case "${id}"`);
        const stored = await service.decisions.get(current.decisionId);
        const now = Date.now();
        vetNote(body.note);
        // A log moved here from another installation may hold an event with this case's label id.
        const labelId = current.labelEventId ?? (await freeVerdictLabelId(id, async (eventId) => (await service.embedded.log.get(eventId)) !== undefined));
        // The label must be storable before the case is decided: a verdict whose label failed after
        // the case was closed would never reach the features or the next training set.
        const provisional = parseEvent(verdictLabel({ ...current, verdict: body.verdict, note: body.note ?? null, decidedBy: reviewer, labelEventId: labelId }, stored?.request, now));
        if (!provisional.ok) throw new HttpError(400, 'invalid_request', provisional.errors.map((e) => `${e.path.replace(/^payload\./, '')}: ${e.message}`).join('; '));
        let decided: ReviewCase;
        // A retry (the answer to the first request was lost) finds the case decided as it asks: the
        // same answer, not a conflict. (The lease ended with the decision, so it cannot be compared.)
        const sameAs = (c: ReviewCase) => c.status === 'decided' && c.decidedBy === reviewer && c.verdict === body.verdict && c.note === (body.note ?? null);
        let retried = sameAs(current);
        try {
          decided = retried ? current : cases.decide(id, body.lease_id, body.verdict, body.note ?? null, reviewer, labelId, now);
        } catch (error) {
          // The same request sent twice at once: the other one decided the case meanwhile.
          const after = error instanceof CaseConflictError ? cases.get(id) : undefined;
          if (!after || !sameAs(after)) return mapError(error);
          decided = after;
          retried = true;
        }
        // The verdict is a label: it feeds the label-aware features and the next training set.
        const label = parseEvent(verdictLabel(decided, stored?.request, decided.decidedAt ?? now));
        if (!label.ok) throw new Error(`verdict label for ${id} did not validate: ${JSON.stringify(label.errors)}`);
        const [storedLabel] = await service.embedded.features.ingest([label.event]);
        if (storedLabel!.conflict && !retried) throw new Error(`the verdict label ${decided.labelEventId} of case ${id} was not stored: another event already has its id`);
        if (!retried) await service.audit.append({ actor: reviewer, action: 'case.decide', subject: id, details: { verdict: body.verdict, label_event_id: decided.labelEventId, note: body.note ?? null } });
        return { case: view(decided, Date.now()), label_event_id: decided.labelEventId };
      },
    );

    app.post('/v1/cases/:id/escalate', { ...review, schema: { tags: ['review'], params: IdParam, body: LeaseBody, response: CONFLICT } }, async (request) => {
      const reviewer = actorOf(request);
      const body = request.body as { lease_id: string; note?: string };
      vetNote(body.note);
      try {
        const c = cases.escalate((request.params as { id: string }).id, body.lease_id, body.note ?? null, reviewer, Date.now());
        await service.audit.append({ actor: reviewer, action: 'case.escalate', subject: c.id, details: { note: body.note ?? null } });
        return { case: view(c, Date.now()) };
      } catch (error) {
        return mapError(error);
      }
    });

    app.get('/v1/queue/stats', { ...review, schema: { tags: ['review'], summary: 'Queue counts, SLA breaches, capacity and the review band in force' } }, async () => {
      const now = Date.now();
      const stats = cases.stats(now, Math.floor(now / DAY) * DAY);
      const policy = service.lineup().active?.registered.policy ?? null;
      return {
        open: stats.open,
        claimed: stats.claimed,
        escalated: stats.escalated,
        decided_today: stats.decidedToday,
        opened_today: stats.openedToday,
        sla_breached: stats.slaBreached,
        capacity_per_day: service.settings().reviewCapacityPerDay,
        review_threshold: service.reviewThreshold(),
        block_threshold: policy?.block ?? null,
      };
    });

    app.get(
      '/v1/labels',
      { ...review, schema: { tags: ['review'], summary: 'The newest label events', querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })) }, { additionalProperties: false }) } },
      async (request) => {
        const labels = await service.embedded.log.recentLabels((request.query as { limit?: number }).limit ?? 50);
        return {
          labels: labels.map(({ seq, event }) => {
            const p = event.payload as { target_event_id?: string; verdict?: string; reviewer?: string };
            return { id: event.id, seq, type: event.type, ts: event.ts, target_event_id: p.target_event_id ?? null, verdict: p.verdict ?? null, reviewer: p.reviewer ?? null };
          }),
        };
      },
    );

    app.get(
      '/v1/topk',
      { ...review, schema: { tags: ['review'], summary: 'The riskiest accounts now: users by their latest decision score', querystring: Type.Object({ k: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })) }, { additionalProperties: false }) } },
      async (request) => ({ entities: service.riskiest.topK((request.query as { k?: number }).k ?? 20) }),
    );

    // One explorer per model: built once from the model's scored validation rows, then every slider
    // position is a lookup.
    const explorers = new Map<string, ThresholdExplorer>();
    app.get(
      '/v1/policy/explorer',
      {
        ...review,
        schema: {
          tags: ['review'],
          summary: "How reviews/day, fraud stopped and good customers blocked move with the block threshold, on the model's validation period",
          querystring: Type.Object(
            { model_id: Type.Optional(Type.String()), review: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })), points: Type.Optional(Type.Integer({ minimum: 2, maximum: 1001 })) },
            { additionalProperties: false },
          ),
          response: NOT_FOUND,
        },
      },
      async (request) => {
        const query = request.query as { model_id?: string; review?: number; points?: number };
        const model = query.model_id ? await service.embedded.models.get(query.model_id) : service.lineup().active?.registered;
        if (!model) throw new HttpError(404, 'not_found', query.model_id ? `no model "${query.model_id}"` : 'no active model');
        const { reviewCapacityPerDay: capacity, costs, currency } = service.settings();
        const key = `${model.artifact.id}|${capacity}|${JSON.stringify(costs)}`;
        let explorer = explorers.get(key);
        if (!explorer) {
          const rows = loadModelRows(service.embedded.dir, model.artifact.id);
          if (!rows || rows.validation.length === 0) throw new HttpError(404, 'not_found', `model ${model.artifact.id} has no scored validation rows`);
          explorer = createThresholdExplorer(rows.validation, { ...costs, capacityPerDay: capacity });
          explorers.set(key, explorer);
        }
        // Any review threshold may be explored: above the block threshold it simply means no review band.
        const reviewThreshold = query.review ?? model.policy.review;
        const active = service.lineup().active?.registered.artifact.id === model.artifact.id;
        return {
          model_id: model.artifact.id,
          policy: model.policy,
          // What decisions use now: the active model's review band as the capacity guard has set it.
          in_force: { block: model.policy.block, review: active ? (service.reviewThreshold() ?? model.policy.review) : model.policy.review },
          capacity_per_day: capacity,
          currency,
          costs,
          // Savings are in the unit of the cost model: money when a missed fraud costs its amount, else false alarms.
          savings_unit: costs.fnCost.kind === 'amount' ? currency : 'false alarms',
          points: explorer.byBlockOver(reviewThreshold, explorer.thresholdGrid(query.points ?? 101)),
        };
      },
    );

    app.get(
      '/v1/audit',
      {
        config: { scope: 'admin' },
        schema: {
          tags: ['audit'],
          summary: 'The audit trail, newest first; before_seq pages back through older entries',
          querystring: Type.Object(
            {
              limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
              before_seq: Type.Optional(Type.Integer({ minimum: 1, description: "entries older than this one: the last page's smallest seq" })),
              action: Type.Optional(Type.String()),
              subject: Type.Optional(Type.String()),
            },
            { additionalProperties: false },
          ),
        },
      },
      async (request) => {
        const { before_seq, ...filters } = request.query as { limit?: number; before_seq?: number; action?: string; subject?: string };
        return { entries: await service.audit.list({ ...filters, ...(before_seq !== undefined ? { beforeSeq: before_seq } : {}) }) };
      },
    );
    app.get(
      '/v1/audit/verify',
      {
        config: { scope: 'admin' },
        schema: {
          tags: ['audit'],
          summary: 'Check the hash chain: altered, removed or reordered entries; with an anchor (a head recorded earlier), the newest entries removed',
          querystring: Type.Object({ anchor: Type.Optional(Type.String({ pattern: '^\\d{1,15}:[0-9a-f]{64}$', description: '<seq>:<hash>, a head an earlier check returned' })) }, { additionalProperties: false }),
        },
      },
      async (request) => {
        const anchor = (request.query as { anchor?: string }).anchor;
        const [seq, hash] = anchor ? anchor.split(':') : [];
        if (anchor && Number(seq) < 1) throw new HttpError(400, 'invalid_request', 'query.anchor: entries are numbered from 1, so no head has sequence number 0');
        return service.audit.verify(anchor ? { seq: Number(seq), hash: hash! } : undefined);
      },
    );
  };
}

/** Notes go into the case, its label event and the audit trail, which is never rewritten: no card numbers. */
function vetNote(note: string | undefined): void {
  const problem = note === undefined ? undefined : freeTextProblem(note, 2000);
  if (problem) throw new HttpError(400, 'invalid_request', `note: ${problem}`);
  if (note !== undefined && containsRawCardNumber(note)) {
    throw new HttpError(400, 'invalid_request', 'note: looks like it holds a raw card number (notes are kept in the case, its label and the audit trail); refer to the card by its fingerprint');
  }
}
