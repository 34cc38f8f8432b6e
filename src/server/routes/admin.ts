import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import { RegistryError, STAGES, type RegisteredModel, type Stage } from '../../models/index.js';
import type { Service } from '../../runtime/service.js';
import { compareShadow } from '../../decisions/comparison.js';
import { CURRENCY_CODE } from '../../decisions/settings.js';
import { HttpError } from '../errors.js';
import { containsRawCardNumber } from '../../events/index.js';
import { freeTextProblem } from '../../lib/text-input.js';
import { CONFLICT, IdParam, NOT_FOUND, Policy } from '../schemas.js';
import { actorOf } from '../actor.js';


function modelView(m: RegisteredModel) {
  return {
    id: m.artifact.id,
    name: m.artifact.name,
    version: m.version,
    stage: m.stage,
    canary_share: m.canaryShare,
    kind: m.artifact.body.kind,
    feature_set_version: m.artifact.featureSetVersion,
    inputs: m.artifact.inputs,
    policy: m.policy,
    calibration: m.artifact.calibration.kind,
    training: m.artifact.training,
    metrics: m.artifact.metrics,
    created_at: m.artifact.createdAt,
    content_hash: m.artifact.contentHash,
  };
}

export function adminRoutes(service: Service) {
  return async (app: FastifyInstance): Promise<void> => {
    const registry = service.embedded.models;
    const guard = async <T>(work: () => Promise<T>): Promise<T> => {
      try {
        return await work();
      } catch (error) {
        if (error instanceof RegistryError) throw new HttpError(/no model/.test(error.message) ? 404 : 409, /no model/.test(error.message) ? 'not_found' : 'conflict', error.message);
        throw error;
      }
    };
    const admin = { config: { scope: 'admin' as const } };

    app.get('/v1/admin/models', { ...admin, schema: { tags: ['models'], summary: 'Registered models with stages and metrics' } }, async () => ({
      models: (await registry.list()).map(modelView),
      serving: service.lineupReport(),
    }));

    app.get('/v1/admin/models/:id', { ...admin, schema: { tags: ['models'], params: IdParam } }, async (request) => {
      const m = await registry.get((request.params as { id: string }).id);
      if (!m) throw new HttpError(404, 'not_found', `no model "${(request.params as { id: string }).id}"`);
      return { ...modelView(m), history: (await registry.history(m.artifact.name)).filter((h) => h.modelId === m.artifact.id) };
    });

    app.get(
      '/v1/admin/models/:id/comparison',
      {
        ...admin,
        schema: {
          tags: ['models'],
          summary: 'A model scored in shadow against the model that decided, on the latest live decisions: agreement, the action matrix, score correlation',
          params: IdParam,
          querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000 })) }, { additionalProperties: false }),
        },
      },
      async (request) => {
        const id = (request.params as { id: string }).id;
        const model = await registry.get(id);
        if (!model) throw new HttpError(404, 'not_found', `no model "${id}"`);
        const latest = await service.decisions.list({ newestFirst: true, limit: (request.query as { limit?: number }).limit ?? 10_000 });
        const comparison = compareShadow(
          latest.map((d) => d.decision),
          id,
        );
        if (comparison.decisions > 0) return comparison;
        // All zeros and nulls, which look like a result: say why there is nothing to compare.
        const why = model.stage === 'shadow' ? 'it has not been scored in shadow on them yet' : `it is ${model.stage === 'active' || model.stage === 'canary' ? `the ${model.stage} model` : `a ${model.stage} model`}, and only shadow models are scored beside the model that decides`;
        return { ...comparison, note: `none of the latest ${latest.length.toLocaleString('en-US')} decisions has ${id} as a shadow: ${why} (riskgate models promote ${id} shadow)` };
      },
    );

    app.post(
      '/v1/admin/models/:id/promote',
      {
        ...admin,
        schema: {
          tags: ['models'],
          summary: 'Move a model to shadow, canary (with a traffic share), active or retired',
          params: IdParam,
          body: Type.Object({ stage: Type.Enum(STAGES.filter((s) => s !== 'candidate')), canary_share: Type.Optional(Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1 })) }, { additionalProperties: false }),
          response: CONFLICT,
        },
      },
      async (request) => {
        const { stage, canary_share } = request.body as { stage: Exclude<Stage, 'candidate'>; canary_share?: number };
        if (canary_share !== undefined && stage !== 'canary') throw new HttpError(400, 'invalid_request', `canary_share: only a canary takes a share of the traffic (the stage asked for is ${stage})`);
        // A promotion the server could not carry out would retire a working model for one it refuses
        // to load (every decision then without a model): it is refused before anything changes.
        const model = await registry.get((request.params as { id: string }).id);
        const refusal = model ? await service.refusalOf(model, stage) : null;
        if (refusal) throw new HttpError(409, 'conflict', refusal);
        const changed = await guard(() => registry.promote((request.params as { id: string }).id, stage, { actor: actorOf(request), ...(canary_share !== undefined ? { canaryShare: canary_share } : {}) }));
        const id = (request.params as { id: string }).id;
        if (changed.length === 0) return { changed: [], serving: service.lineupReport() }; // there already: nothing changed, nothing audited
        const applied = changed.find((m) => m.artifact.id === id)?.canaryShare ?? null;
        await service.audit.append({ actor: actorOf(request), action: 'model.promote', subject: id, details: { stage, canary_share: applied, changed: changed.map((m) => [m.artifact.id, m.stage]) } });
        const serving = await service.reloadModels();
        return { changed: changed.map(modelView), serving };
      },
    );

    app.post(
      '/v1/admin/models/rollback',
      {
        ...admin,
        schema: {
          tags: ['models'],
          summary: 'Retire the active model and restore the previous one',
          body: Type.Object({ name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })) }, { additionalProperties: false }),
          response: { ...CONFLICT, ...NOT_FOUND },
        },
      },
      async (request) => {
        const name = (request.body as { name?: string }).name ?? service.settings().modelName;
        if ((await registry.list(name)).length === 0) throw new HttpError(404, 'not_found', `name: there is no model line "${name}"`);
        const refusal = await service.refusalOf(await guard(() => registry.rollbackTarget(name)), 'active');
        if (refusal) throw new HttpError(409, 'conflict', refusal);
        const changed = await guard(() => registry.rollback(name, actorOf(request)));
        await service.audit.append({ actor: actorOf(request), action: 'model.rollback', subject: name, details: { changed: changed.map((m) => [m.artifact.id, m.stage]) } });
        return { changed: changed.map(modelView), serving: await service.reloadModels() };
      },
    );

    app.put('/v1/admin/models/:id/policy', { ...admin, schema: { tags: ['models'], summary: 'Change the block threshold and review band', params: IdParam, body: Policy } }, async (request) => {
      const asked = request.body as { block: number; review: number };
      if (asked.review > asked.block) throw new HttpError(400, 'invalid_request', `review: must not be above block (${asked.review} > ${asked.block}): the review band lies below the block threshold`);
      const { model: updated, changed } = await guard(() => registry.setPolicy((request.params as { id: string }).id, asked, actorOf(request)));
      if (!changed) return modelView(updated); // the policy in force already: nothing stored, nothing audited
      await service.audit.append({ actor: actorOf(request), action: 'policy.update', subject: updated.artifact.id, details: { ...updated.policy } });
      await service.reloadModels();
      return modelView(updated);
    });

    app.get('/v1/admin/kill-switch', { ...admin, schema: { tags: ['operations'] } }, async () => ({ enabled: service.settings().killSwitch }));
    app.put(
      '/v1/admin/kill-switch',
      { ...admin, schema: { tags: ['operations'], summary: 'Turn models off (rules only) or back on', body: Type.Object({ enabled: Type.Boolean(), reason: Type.Optional(Type.String({ maxLength: 500 })) }, { additionalProperties: false }) } },
      async (request) => {
        const { enabled, reason } = request.body as { enabled: boolean; reason?: string };
        const problem = reason === undefined ? undefined : freeTextProblem(reason, 500);
        if (problem) throw new HttpError(400, 'invalid_request', `reason: ${problem}`);
        if (reason !== undefined && containsRawCardNumber(reason)) throw new HttpError(400, 'invalid_request', 'reason: looks like it holds a raw card number (it goes into the audit trail)');
        if (service.settings().killSwitch === enabled && reason === undefined) return { enabled }; // already so, and nothing to say: nothing audited
        const result = service.settings().killSwitch === enabled ? enabled : service.updateSettings({ killSwitch: enabled }, actorOf(request)).killSwitch;
        await service.audit.append({ actor: actorOf(request), action: 'kill_switch', subject: 'serving', details: { enabled, reason: reason ?? null } });
        return { enabled: result };
      },
    );

    const SettingsBody = Type.Object(
      {
        fallback_model_id: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 200 }), Type.Null()], { description: 'a registered model id, or null for none' })),
        review_capacity_per_day: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_000_000 })),
        currency: Type.Optional(Type.String({ pattern: CURRENCY_CODE.source, description: 'ISO 4217 code of the currency amounts are sent in (the explorer shows money in it)' })),
        budgets: Type.Optional(
          Type.Object(
            {
              total_ms: Type.Optional(Type.Integer({ minimum: 1, maximum: 60_000 })),
              features_ms: Type.Optional(Type.Integer({ minimum: 1, maximum: 60_000 })),
              model_ms: Type.Optional(Type.Integer({ minimum: 1, maximum: 60_000 })),
              rules_ms: Type.Optional(Type.Integer({ minimum: 1, maximum: 60_000 })),
            },
            { additionalProperties: false },
          ),
        ),
      },
      { additionalProperties: false },
    );
    const settingsView = () => {
      const s = service.settings();
      return { model_name: s.modelName, kill_switch: s.killSwitch, fallback_model_id: s.fallbackModelId, review_capacity_per_day: s.reviewCapacityPerDay, currency: s.currency, budgets: { total_ms: s.budgets.totalMs, features_ms: s.budgets.featuresMs, model_ms: s.budgets.modelMs, rules_ms: s.budgets.rulesMs } };
    };
    app.get('/v1/admin/settings', { ...admin, schema: { tags: ['operations'] } }, async () => settingsView());
    app.put('/v1/admin/settings', { ...admin, schema: { tags: ['operations'], summary: 'Fallback model, stage budgets, review capacity, currency', body: SettingsBody, response: NOT_FOUND } }, async (request) => {
      const body = request.body as { fallback_model_id?: string | null; review_capacity_per_day?: number; currency?: string; budgets?: { total_ms?: number; features_ms?: number; model_ms?: number; rules_ms?: number } };
      if (body.fallback_model_id) {
        const fallback = await registry.get(body.fallback_model_id);
        if (!fallback) throw new HttpError(404, 'not_found', `no model "${body.fallback_model_id}"`);
        // Accepted, it would be left out of the lineup, and a failing model would fall to rules alone.
        const refusal = await service.fallbackRefusal(fallback);
        if (refusal) throw new HttpError(409, 'conflict', refusal);
      }
      const now = service.settings();
      const current = now.budgets;
      const budgets = {
        totalMs: body.budgets?.total_ms ?? current.totalMs,
        featuresMs: body.budgets?.features_ms ?? current.featuresMs,
        modelMs: body.budgets?.model_ms ?? current.modelMs,
        rulesMs: body.budgets?.rules_ms ?? current.rulesMs,
      };
      // A stage cannot have longer than the whole request.
      for (const [field, ms] of [['features_ms', budgets.featuresMs], ['model_ms', budgets.modelMs], ['rules_ms', budgets.rulesMs]] as const) {
        if (ms > budgets.totalMs) throw new HttpError(400, 'invalid_request', `budgets.${field}: must not exceed budgets.total_ms (${budgets.totalMs}), got ${ms}`);
      }
      // Nor can the stages together: a model call gets what the total leaves after the rules' budget,
      // and stages adding up to more would cut the model off on every request.
      const stages = budgets.featuresMs + budgets.modelMs + budgets.rulesMs;
      if (stages > budgets.totalMs) {
        throw new HttpError(400, 'invalid_request', `budgets.total_ms: must be at least features_ms + model_ms + rules_ms (${stages}), got ${budgets.totalMs}`);
      }
      const fallbackModelId = body.fallback_model_id !== undefined ? body.fallback_model_id : now.fallbackModelId;
      const reviewCapacityPerDay = body.review_capacity_per_day ?? now.reviewCapacityPerDay;
      const currency = body.currency ?? now.currency;
      const unchanged =
        fallbackModelId === now.fallbackModelId &&
        reviewCapacityPerDay === now.reviewCapacityPerDay &&
        currency === now.currency &&
        (Object.keys(budgets) as Array<keyof typeof budgets>).every((k) => budgets[k] === current[k]);
      // A change that changes nothing is neither stored nor audited.
      if (unchanged) return settingsView();
      service.updateSettings(
        {
          ...(body.fallback_model_id !== undefined ? { fallbackModelId: body.fallback_model_id } : {}),
          ...(body.review_capacity_per_day !== undefined ? { reviewCapacityPerDay: body.review_capacity_per_day } : {}),
          currency,
          budgets,
        },
        actorOf(request),
      );
      await service.audit.append({ actor: actorOf(request), action: 'settings.update', subject: 'serving', details: body as Record<string, unknown> });
      await service.reloadModels();
      return settingsView();
    });

    if (service.allowFaults) {
      const faultFields = { delay_ms: Type.Optional(Type.Integer({ minimum: 0, maximum: 60_000 })), fail: Type.Optional(Type.Boolean()) };
      const Fault = Type.Object(faultFields, { additionalProperties: false });
      // A fault of one model only: the deciding model failing while the fallback decides.
      const ModelFault = Type.Object({ ...faultFields, model_id: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })) }, { additionalProperties: false });
      app.put(
        '/v1/admin/faults',
        {
          ...admin,
          schema: {
            tags: ['operations'],
            summary: 'Drills: make the feature store or the models (or one model) slow or failing, or the rules slow (only with RISKGATE_ALLOW_FAULTS=1)',
            body: Type.Object(
              {
                features: Type.Optional(Fault),
                model: Type.Optional(ModelFault),
                // Rule evaluation holds the thread: a delay here holds it too (at most 1 s).
                rules: Type.Optional(Type.Object({ delay_ms: Type.Integer({ minimum: 0, maximum: 1_000 }) }, { additionalProperties: false })),
              },
              { additionalProperties: false },
            ),
          },
        },
        async (request) => {
          const body = request.body as { features?: { delay_ms?: number; fail?: boolean }; model?: { delay_ms?: number; fail?: boolean; model_id?: string }; rules?: { delay_ms: number } };
          const modelId = body.model?.model_id;
          if (modelId !== undefined && !(await service.embedded.models.get(modelId))) throw new HttpError(404, 'not_found', `model.model_id: no model "${modelId}"`);
          service.faults.features = body.features ? { delayMs: body.features.delay_ms ?? 0, fail: body.features.fail ?? false } : undefined;
          service.faults.model = body.model ? { delayMs: body.model.delay_ms ?? 0, fail: body.model.fail ?? false, ...(modelId !== undefined ? { modelId } : {}) } : undefined;
          service.faults.rules = body.rules ? { delayMs: body.rules.delay_ms } : undefined;
          const { features, model, rules } = service.faults;
          // Answered as asked: snake_case, the request's spelling.
          return {
            features: features ? { delay_ms: features.delayMs ?? 0, fail: features.fail ?? false } : null,
            model: model ? { delay_ms: model.delayMs ?? 0, fail: model.fail ?? false, ...(model.modelId !== undefined ? { model_id: model.modelId } : {}) } : null,
            rules: rules ? { delay_ms: rules.delayMs ?? 0 } : null,
          };
        },
      );
    }
  };
}
