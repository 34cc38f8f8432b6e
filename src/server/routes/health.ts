import type { FastifyInstance } from 'fastify';
import type { Service } from '../../runtime/service.js';

export function healthRoutes(service: Service) {
  return async (app: FastifyInstance): Promise<void> => {
    app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));
    app.get('/readyz', { schema: { hide: true } }, async (_request, reply) => {
      const lineup = service.lineup();
      const settings = service.settings();
      const ready = { features: service.embedded.features.engine.appliedSeq === (await service.embedded.log.lastSeq()), model: lineup.active !== undefined || settings.killSwitch };
      const body = {
        status: ready.features ? 'ready' : 'starting',
        feature_set_version: service.embedded.featureSet.version,
        applied_seq: service.embedded.features.engine.appliedSeq,
        active_model: lineup.active?.registered.artifact.id ?? null,
        canary_model: lineup.canary?.registered.artifact.id ?? null,
        kill_switch: settings.killSwitch,
        // The models serving now; a retired model's breaker says nothing about serving.
        breakers: {
          features: service.decider.featureBreaker.state,
          ...Object.fromEntries(
            [lineup.active, lineup.canary, lineup.fallback, ...lineup.shadows]
              .filter((m) => m !== undefined)
              .map((m) => [m.registered.artifact.id, service.decider.modelBreakers.get(m.registered.artifact.id)?.state ?? 'closed']),
          ),
        },
      };
      return reply.status(ready.features ? 200 : 503).send(body);
    });
    app.get(
      '/v1/me',
      { config: { scope: 'any' }, schema: { tags: ['operations'], summary: 'The API key making the call: its id, name and scopes (the console signs in with it)' } },
      async (request) => {
        const key = request.apiKey!;
        return { id: key.id, name: key.name, scopes: key.scopes, rate_limit: key.rateLimit };
      },
    );
    app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
      reply.header('content-type', service.metrics.registry.contentType);
      return service.metrics.registry.metrics();
    });
  };
}
