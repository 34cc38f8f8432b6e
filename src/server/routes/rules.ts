import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import {
  backtestRule,
  LIST_KINDS,
  ListConflictError,
  ListNotFoundError,
  ListValueError,
  MAX_ENTRY_NOTE,
  MAX_LIST_DESCRIPTION,
  RULE_ACTIONS,
  RuleCompileError,
  RuleConflictError,
  RuleNotFoundError,
  RuleValidationError,
  UnknownListError,
  type ListKind,
  type RuleChanges,
  type RuleInput,
} from '../../rules/index.js';
import { MAX_TS } from '../../events/index.js';
import type { Service } from '../../runtime/service.js';
import { HttpError, shuttingDownError } from '../errors.js';
import { actorOf } from '../actor.js';
import { CONFLICT } from '../schemas.js';

const DAY = 86_400_000;

/** A 201 answer in the OpenAPI document: the created object, serialised as it is. */
const CREATED = (description: string) => ({ description, type: 'object', additionalProperties: true });
/** How long a backtest runs before letting waiting requests through (a decision waits at most about this long). */
const BACKTEST_SLICE_MS = 10;
/** A list of sanctioned names can hold 100,000 entries: they are read a page at a time. */
const DEFAULT_ENTRIES_PAGE = 1_000;
const MAX_ENTRIES_PAGE = 10_000;

/** Rule and list errors as HTTP answers; a compile error carries its position. */
function mapError(error: unknown): never {
  if (error instanceof RuleCompileError) {
    throw Object.assign(new HttpError(400, 'invalid_rule', `expression: ${error.message}`), { position: { line: error.line, column: error.column, offset: error.offset } });
  }
  if (error instanceof RuleValidationError || error instanceof ListValueError || error instanceof UnknownListError) throw new HttpError(400, 'invalid_request', error.message);
  if (error instanceof RuleNotFoundError || error instanceof ListNotFoundError) throw new HttpError(404, 'not_found', error.message);
  if (error instanceof RuleConflictError || error instanceof ListConflictError) throw new HttpError(409, 'conflict', error.message);
  throw error;
}

const RuleBody = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    description: Type.Optional(Type.String()),
    expression: Type.String(),
    action: Type.Enum(RULE_ACTIONS),
    priority: Type.Optional(Type.Integer()),
    shadow: Type.Optional(Type.Boolean()),
    enabled: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
const RuleChangesBody = Type.Object(
  {
    name: Type.Optional(Type.String()),
    description: Type.Optional(Type.String()),
    expression: Type.Optional(Type.String()),
    action: Type.Optional(Type.Enum(RULE_ACTIONS)),
    priority: Type.Optional(Type.Integer()),
    shadow: Type.Optional(Type.Boolean()),
    enabled: Type.Optional(Type.Boolean()),
    expected_version: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000_000 })),
  },
  { additionalProperties: false },
);

export function ruleRoutes(service: Service) {
  return async (app: FastifyInstance): Promise<void> => {
    let backtestRunning = false;
    // A server shutting down stops a backtest at its next slice rather than waiting for it (on a large
    // log it runs past an orchestrator's grace period, and the kill would lose the state snapshot).
    const shuttingDown = new AbortController();
    app.addHook('preClose', async () => shuttingDown.abort());
    const { rules, lists } = service.rules;
    const admin = { config: { scope: 'admin' as const } };
    const reviewOrAdmin = { config: { scope: 'review' as const } };

    app.get(
      '/v1/admin/rules',
      { ...reviewOrAdmin, schema: { tags: ['rules'], summary: "Rules (latest versions), highest priority first, with each rule's hits and errors since the server started" } },
      async () => ({
        rules: await rules.list(),
        rules_version: service.currentRules().version,
        counts: await service.metrics.ruleCounts(),
      }),
    );
    app.post('/v1/admin/rules', { ...admin, schema: { tags: ['rules'], summary: 'Create a rule; an expression that does not compile is refused with its position', body: RuleBody, response: { 201: CREATED('the rule as stored, version 1'), 409: { $ref: 'Error#' } } } }, async (request, reply) => {
      const rule = await rules.create(request.body as RuleInput, actorOf(request)).catch(mapError);
      await service.audit.append({ actor: actorOf(request), action: 'rule.create', subject: rule.id, details: { version: rule.version, action: rule.action, expression: rule.expression, shadow: rule.shadow } });
      await service.reloadRules();
      return reply.status(201).send(rule);
    });
    app.put('/v1/admin/rules/:id', { ...admin, schema: { tags: ['rules'], summary: 'Change a rule (a new version); expected_version guards against concurrent edits', body: RuleChangesBody, response: CONFLICT } }, async (request) => {
      const { expected_version, ...changes } = request.body as RuleChanges & { expected_version?: number };
      const before = await rules.get((request.params as { id: string }).id);
      const rule = await rules.update((request.params as { id: string }).id, changes, actorOf(request), expected_version !== undefined ? { expectedVersion: expected_version } : {}).catch(mapError);
      if (rule.version === before?.version) return rule; // nothing changed: no new version, nothing to audit
      await service.audit.append({ actor: actorOf(request), action: 'rule.update', subject: rule.id, details: { version: rule.version, changes } });
      await service.reloadRules();
      return rule;
    });
    app.get('/v1/admin/rules/:id/history', { ...reviewOrAdmin, schema: { tags: ['rules'] } }, async (request) => {
      const id = (request.params as { id: string }).id;
      const history = await rules.history(id);
      if (history.length === 0) throw new HttpError(404, 'not_found', `there is no rule "${id}"`);
      return { history };
    });
    app.post(
      '/v1/admin/rules/backtest',
      {
        ...reviewOrAdmin,
        schema: {
          tags: ['rules'],
          summary: 'Run a candidate rule over a period of the event log: hits, precision and recall against labels, overlap with existing rules',
          body: Type.Object(
            {
              expression: Type.String(),
              from: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_TS, description: 'epoch ms' })),
              to: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_TS, description: 'epoch ms' })),
              maturity_days: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 365 })),
            },
            { additionalProperties: false },
          ),
        },
      },
      async (request) => {
        const body = request.body as { expression: string; from?: number; to?: number; maturity_days?: number };
        if (body.from !== undefined && body.to !== undefined && body.from >= body.to) throw new HttpError(400, 'invalid_request', 'from: must come before to (the period is from ≤ ts < to)');
        // It replays the log on the event loop decisions are answered on: in slices, and one at a time,
        // so that a few reviewers' backtests cannot crowd the decisions out.
        if (backtestRunning) throw new HttpError(429, 'backtest_running', 'another backtest is running on this server; try again when it has finished');
        backtestRunning = true;
        try {
          return await backtestRule(service.embedded.log, service.embedded.featureSet, { expression: body.expression }, await rules.list({ enabledOnly: true }), {
            maturityMs: (body.maturity_days ?? 21) * DAY,
            lists: service.rules.index,
            yieldEveryMs: BACKTEST_SLICE_MS,
            signal: shuttingDown.signal,
            ...(body.from !== undefined ? { from: body.from } : {}),
            ...(body.to !== undefined ? { to: body.to } : {}),
          }).catch((error: unknown) => {
            if (shuttingDown.signal.aborted) throw shuttingDownError('the backtest was stopped; run it again');
            return mapError(error);
          });
        } finally {
          backtestRunning = false;
        }
      },
    );

    app.get('/v1/admin/lists', { ...reviewOrAdmin, schema: { tags: ['lists'] } }, async () => ({ lists: await lists.lists() }));
    app.post(
      '/v1/admin/lists',
      { ...admin, schema: { tags: ['lists'], summary: 'Create a named list', body: Type.Object({ name: Type.String(), kind: Type.Enum(LIST_KINDS), description: Type.Optional(Type.String({ maxLength: MAX_LIST_DESCRIPTION })) }, { additionalProperties: false }), response: { 201: CREATED('the list'), 409: { $ref: 'Error#' } } } },
      async (request, reply) => {
        const list = await lists.createList(request.body as { name: string; kind: ListKind; description?: string }, actorOf(request)).catch(mapError);
        await service.audit.append({ actor: actorOf(request), action: 'list.create', subject: list.name, details: { kind: list.kind } });
        await service.rules.refreshList(list.name);
        return reply.status(201).send(list);
      },
    );
    app.get(
      '/v1/admin/lists/:name/entries',
      {
        ...reviewOrAdmin,
        schema: {
          tags: ['lists'],
          summary: 'A page of a list\'s entries, newest first, with the total',
          querystring: Type.Object(
            {
              limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_ENTRIES_PAGE, description: `default ${DEFAULT_ENTRIES_PAGE}` })),
              offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000_000 })),
            },
            { additionalProperties: false },
          ),
        },
      },
      async (request) => {
        const name = (request.params as { name: string }).name;
        if (!(await lists.getList(name))) throw new HttpError(404, 'not_found', `there is no list "${name}"`);
        const { limit = DEFAULT_ENTRIES_PAGE, offset = 0 } = request.query as { limit?: number; offset?: number };
        return { entries: await lists.entries(name, { limit, offset }), total: await lists.count(name), limit, offset };
      },
    );
    app.post(
      '/v1/admin/lists/:name/entries',
      {
        ...admin,
        schema: {
          tags: ['lists'],
          summary: 'Add entries (card fingerprints, devices, IPs, e-mail addresses — stored hashed —, users, names)',
          body: Type.Object(
            { entries: Type.Array(Type.Object({ value: Type.String(), note: Type.Optional(Type.String({ maxLength: MAX_ENTRY_NOTE })), expires_at: Type.Optional(Type.Union([Type.Integer({ minimum: 0, maximum: MAX_TS, description: 'epoch ms' }), Type.Null()])) }, { additionalProperties: false }), { minItems: 1, maxItems: 10_000 }) },
            { additionalProperties: false },
          ),
        },
      },
      async (request) => {
        const name = (request.params as { name: string }).name;
        const { entries } = request.body as { entries: Array<{ value: string; note?: string; expires_at?: number | null }> };
        const added = await lists.addEntries(name, entries.map((e) => ({ value: e.value, ...(e.note !== undefined ? { note: e.note } : {}), ...(e.expires_at !== undefined ? { expiresAt: e.expires_at } : {}) })), actorOf(request)).catch(mapError);
        await service.audit.append({ actor: actorOf(request), action: 'list.add', subject: name, details: { values: added.map((e) => e.value) } });
        await service.rules.refreshList(name);
        return { added: added.length, entries: added };
      },
    );
    app.delete(
      '/v1/admin/lists/:name/entries',
      { ...admin, schema: { tags: ['lists'], summary: 'Remove entries by value', body: Type.Object({ values: Type.Array(Type.String(), { minItems: 1, maxItems: 10_000 }) }, { additionalProperties: false }) } },
      async (request) => {
        const name = (request.params as { name: string }).name;
        // Audited as stored (an e-mail address as its hash), never as sent: the audit trail cannot be rewritten.
        const { removed, values } = await lists.removeEntries(name, (request.body as { values: string[] }).values, actorOf(request)).catch(mapError);
        if (removed > 0) await service.audit.append({ actor: actorOf(request), action: 'list.remove', subject: name, details: { values, removed } }); // nothing removed, nothing changed
        await service.rules.refreshList(name);
        return { removed };
      },
    );
  };
}
