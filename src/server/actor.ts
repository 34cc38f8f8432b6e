import type { FastifyRequest } from 'fastify';
import { actorForKey } from '../auth/keys.js';

/**
 * Who a request acts as — in the audit trail, the rule, list and model histories, and a review case's
 * lease and verdict: the API key's name, then its id (`alice (key_…)`). CLI changes are `cli:<user>`.
 */
export function actorOf(request: FastifyRequest): string {
  return actorForKey(request.apiKey ?? { name: 'unknown', id: '?' });
}
