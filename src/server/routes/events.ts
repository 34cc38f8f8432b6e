import type { FastifyInstance } from 'fastify';
import type { RiskEvent } from '../../events/index.js';
import { parseLiveEvent, ValidationError } from '../../decisions/decide.js';
import type { Service } from '../../runtime/service.js';
import { HttpError } from '../errors.js';
import { EventBody, VALIDATED_BY_PARSE_EVENT } from '../schemas.js';
import Type from 'typebox';

const MAX_BATCH = 10_000;
/** How many field errors a 400's message spells out; the `errors` array holds them all. */
const MESSAGE_ERRORS = 5;

/** The path of an error about an event as a whole (not a JSON object), in its result. */
const WHOLE_EVENT = '(event)';

type Result = { id: string | null; status: 'appended' | 'duplicate' | 'conflict' | 'rejected'; seq?: number; errors?: Array<{ path: string; message: string }> };

export function eventRoutes(service: Service) {
  return async (app: FastifyInstance): Promise<void> => {
    app.post(
      '/v1/events',
      {
        config: { scope: 'events' },
        bodyLimit: 16 * 1024 * 1024,
        schema: {
          tags: ['events'],
          summary: 'Append events that are not scored (logins, payments, messages, reviews, labels); they update the online features',
          description: `One event, or {"events": [...]} with up to ${MAX_BATCH}. Each event is validated on its own: good ones are appended (idempotent by id: a retry is a duplicate), bad ones reported with their field paths, an id already stored with a different body is a conflict (not stored). 200 when at least one event was accepted, 409 for a single event in conflict, 400 when none was.`,
          body: Type.Union([EventBody, Type.Object({ events: Type.Array(EventBody, { maxItems: MAX_BATCH }) })], { [VALIDATED_BY_PARSE_EVENT]: true }),
          response: { 200: { $ref: 'EventsResult#' }, 400: { $ref: 'Error#' }, 409: { $ref: 'Error#' }, 413: { $ref: 'Error#' } },
        },
      },
      async (request, reply) => {
        const body = request.body as unknown;
        if (Array.isArray(body)) throw new HttpError(400, 'invalid_request', '(body): must be one event object or {"events": [...]}, not a bare array');
        const isBatch = typeof body === 'object' && body !== null && Array.isArray((body as { events?: unknown }).events);
        // An "events" field that is not a list is a batch gone wrong, not an event with a stray field.
        if (!isBatch && typeof body === 'object' && body !== null && 'events' in body && !('type' in body)) {
          throw new HttpError(400, 'invalid_request', 'events: must be an array of events ({"events": [...]})');
        }
        if (isBatch) {
          // {"events": [...]} and nothing else: an event that also carried an "events" field, or a batch
          // with fields beside it, is refused rather than half read.
          const beside = Object.keys(body).filter((key) => key !== 'events');
          if (beside.length > 0) throw new HttpError(400, 'invalid_request', `${beside[0]}: a batch is {"events": [...]} with no other field (and an event has no "events" field)`);
        }
        const batch = isBatch ? (body as { events: unknown[] }).events : [body];
        if (batch.length > MAX_BATCH) throw new HttpError(413, 'body_too_large', `at most ${MAX_BATCH} events per request`);
        if (batch.length === 0) throw new HttpError(400, 'invalid_request', 'events: the batch is empty');
        const results: Result[] = new Array(batch.length);
        const accepted: RiskEvent[] = [];
        const positions: number[] = [];
        batch.forEach((raw, i) => {
          let event: RiskEvent | undefined;
          let errors: Array<{ path: string; message: string }> = [];
          try {
            event = parseLiveEvent(raw);
          } catch (error) {
            if (!(error instanceof ValidationError)) throw error;
            // Paths are relative to the event; one that is not an object at all is named, not left blank.
            errors = error.errors.map((e) => (e.path === '' ? { ...e, path: WHOLE_EVENT } : e));
          }
          if (event) {
            accepted.push(event);
            positions.push(i);
          } else {
            const id = typeof (raw as { id?: unknown })?.id === 'string' ? ((raw as { id: string }).id) : null;
            results[i] = { id, status: 'rejected', errors };
            service.metrics.events.inc({ type: typeof (raw as { type?: unknown })?.type === 'string' ? 'other' : 'unknown', status: 'rejected' });
          }
        });
        if (accepted.length > 0) {
          const appended = await service.embedded.features.ingest(accepted);
          appended.forEach((r, k) => {
            // An id already stored with another body: the stored event stays, and this one is not
            // stored — the client must hear it (a new event needs a new id), not find it counted as a retry.
            results[positions[k]!] = r.conflict
              ? { id: r.id, status: 'conflict', seq: r.seq, errors: [{ path: 'id', message: 'was already used by another event with a different body (the stored one is kept); a new event needs a new id' }] }
              : { id: r.id, status: r.status, seq: r.seq };
            service.metrics.events.inc({ type: accepted[k]!.type, status: r.conflict ? 'conflict' : r.status });
          });
        }
        if (!isBatch && results[0]!.status === 'conflict') {
          return reply.status(409).send({ error: 'conflict', message: `id: ${results[0]!.errors![0]!.message}`, results });
        }
        if (accepted.length === 0) {
          // Top-level errors name each field from the request body's root, as every other 400 does.
          const errors = isBatch
            ? results.flatMap((r, i) => (r.errors ?? []).map((e) => ({ path: e.path === WHOLE_EVENT ? `events[${i}]` : `events[${i}].${e.path}`, message: e.message })))
            : results[0]!.errors!.map((e) => (e.path === WHOLE_EVENT ? { ...e, path: '(body)' } : e));
          const listed = errors.slice(0, MESSAGE_ERRORS).map((e) => `${e.path}: ${e.message}`).join('; ');
          const more = errors.length > MESSAGE_ERRORS ? `; and ${errors.length - MESSAGE_ERRORS} more (see errors)` : '';
          const message = isBatch ? `none of the ${results.length} events was accepted: ${listed}${more}` : `${listed}${more}`;
          return reply.status(400).send({ error: 'invalid_request', message, errors, results });
        }
        const count = (status: Result['status']) => results.filter((r) => r.status === status).length;
        return { appended: count('appended'), duplicates: count('duplicate'), conflicts: count('conflict'), rejected: count('rejected'), results };
      },
    );
  };
}
