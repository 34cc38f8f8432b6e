import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import { replayDecision } from '../../decisions/replay.js';
import type { Service } from '../../runtime/service.js';
import { HttpError } from '../errors.js';
import { EventBody, IdParam, VALIDATED_BY_PARSE_EVENT } from '../schemas.js';

export function decisionRoutes(service: Service) {
  return async (app: FastifyInstance): Promise<void> => {
    app.post(
      '/v1/decisions',
      {
        config: { scope: 'decide' },
        bodyLimit: 64 * 1024,
        schema: {
          tags: ['decisions'],
          summary: 'Decide on a checkpoint event: allow, review or block',
          description: 'Idempotent by event id: a retry returns the stored decision.',
          body: Type.Object(EventBody.properties, { ...EventBody, [VALIDATED_BY_PARSE_EVENT]: true }),
          response: { 200: { $ref: 'Decision#' }, 409: { $ref: 'Error#' }, 503: { $ref: 'Error#', description: 'not_recorded: the event could not be logged within the request budget; nothing was acknowledged, retry with the same id (also starting or shutting_down: retry after Retry-After)' } },
        },
      },
      async (request) => {
        const { decision, duplicate } = await service.decider.decide(request.body);
        return duplicate ? { ...decision, duplicate } : decision;
      },
    );
    app.get(
      '/v1/decisions/:id',
      {
        config: { scope: 'review' },
        schema: { tags: ['decisions'], summary: 'A stored decision by decision id or event id', params: IdParam, response: { 200: { $ref: 'Decision#' }, 404: { $ref: 'Error#' } } },
      },
      async (request) => {
        const { id } = request.params as { id: string };
        const stored = (await service.decisions.get(id)) ?? (await service.decisions.getByEvent(id));
        if (!stored) throw new HttpError(404, 'not_found', `no decision "${id}"`);
        return stored.decision;
      },
    );
    app.post(
      '/v1/decisions/:id/replay',
      {
        config: { scope: 'admin' },
        schema: {
          tags: ['decisions'],
          summary: 'Recompute a stored decision from its logged inputs and versions, and compare',
          params: IdParam,
          response: { 200: Type.Object({ equal: Type.Boolean(), differences: Type.Array(Type.String()), original: { $ref: 'Decision#' }, replayed: { $ref: 'Decision#' } }), 404: { $ref: 'Error#' } },
        },
      },
      async (request) => {
        const { id } = request.params as { id: string };
        const stored = (await service.decisions.get(id)) ?? (await service.decisions.getByEvent(id));
        if (!stored) throw new HttpError(404, 'not_found', `no decision "${id}"`);
        return replayDecision(stored, await service.replayContext(stored.decision.feature_set_version));
      },
    );
  };
}
