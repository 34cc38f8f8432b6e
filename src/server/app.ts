// The HTTP server: Fastify with one plugin per API area. Bodies are validated by schemas (TypeBox,
// and the event model's own schemas for events), errors are answered with a 4xx naming the field,
// and every /v1 route needs an API key with the route's scope.
import { isUtf8 } from 'node:buffer';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { Compile } from 'typebox/compile';
import { Value } from 'typebox/value';
import type { TSchema } from 'typebox';
import { allows, type ApiKey, type Scope } from '../auth/keys.js';
import { ConflictError, NotRecordedError, ValidationError } from '../decisions/decide.js';
import type { Service } from '../runtime/service.js';
import { parserReason } from '../lib/json-reason.js';
import { HttpError, shuttingDownError } from './errors.js';
import { adminRoutes } from './routes/admin.js';
import { ruleRoutes } from './routes/rules.js';
import { reviewRoutes } from './routes/review.js';
import { decisionRoutes } from './routes/decisions.js';
import { eventRoutes } from './routes/events.js';
import { healthRoutes } from './routes/health.js';
import { DecisionResponse, ErrorResponse, EventsResponse, VALIDATED_BY_PARSE_EVENT } from './schemas.js';
import { illFormedStringAt } from '../lib/text-input.js';

declare module 'fastify' {
  interface FastifyRequest {
    apiKey?: ApiKey;
  }
  interface FastifyContextConfig {
    /**
     * The API-key scope a route needs: `any` takes every valid key whatever its scopes; routes without
     * one are public (health, metrics, docs).
     */
    scope?: Scope | 'any';
  }
}

export interface ServerOptions {
  /** Largest request body, bytes (default 1 MiB; decisions are far smaller). */
  bodyLimit?: number;
  logLevel?: string;
  /** Extra plugins (the analyst console) registered on the same server. */
  plugins?: Array<(app: FastifyInstance) => Promise<void>>;
}

const MAX_PARAM_LENGTH = 1_024;

export async function buildServer(service: Service, options: ServerOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    bodyLimit: options.bodyLimit ?? 1_048_576,
    // Request logs are at info level: off by default, and never with bodies or credentials.
    logger: { level: options.logLevel ?? 'warn', redact: ['req.headers.authorization'] },
    ajv: { customOptions: { removeAdditional: false } },
    // Event ids are up to 128 characters, more once percent-encoded (up to 6 per UTF-16 unit): every
    // accepted id can be looked up (the route schemas then check the decoded length).
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    return503OnClosing: false,
    // Errors the router raises before any route runs (a malformed URL, an over-long id) answer in
    // riskgate's error shape too, without echoing the URL back.
    frameworkErrors: (error, _request, reply) => {
      const tooLong = error.code === 'FST_ERR_MAX_PARAM_LENGTH';
      void (reply as FastifyReply).status(tooLong ? 414 : 400).send({ error: tooLong ? 'uri_too_long' : 'invalid_request', message: tooLong ? `a path parameter is longer than ${MAX_PARAM_LENGTH} characters` : 'the URL is malformed' });
    },
  });

  // Route schemas compile with TypeBox; event bodies are checked later by parseEvent, which reports
  // every problem of an event with its field path and normalises it.
  app.setValidatorCompiler(({ schema, httpPart }) => {
    if ((schema as Record<string, unknown>)[VALIDATED_BY_PARSE_EVENT]) return () => true;
    const check = Compile(schema as TSchema);
    // Query strings and path parameters arrive as text: "20" is read as the number a schema asks for.
    const convert = httpPart === 'querystring' || httpPart === 'params';
    // A body whose fields are all optional (a claim, a rollback) may be left out altogether.
    const bodyOptional = httpPart === 'body' && bodyIsOptional(schema);
    // Converting "1.5" to an integer would truncate it: integer fields of the query and path must be written as integers.
    const integerFields = convert ? Object.entries((schema as { properties?: Record<string, { type?: unknown }> }).properties ?? {}).filter(([, p]) => p.type === 'integer').map(([name]) => name) : [];
    return (input: unknown) => {
      if (bodyOptional && (input === undefined || input === null)) return { value: {} };
      if (integerFields.length > 0 && typeof input === 'object' && input !== null) {
        const notIntegers = integerFields.filter((name) => typeof (input as Record<string, unknown>)[name] === 'string' && !/^-?\d+$/.test((input as Record<string, string>)[name]!));
        if (notIntegers.length > 0) return { error: new ValidationError(notIntegers.map((name) => ({ path: `${httpPart === 'params' ? 'path' : 'query'}.${name}`, message: 'must be an integer' }))) };
      }
      const data = convert ? Value.Convert(schema as TSchema, input) : input;
      if (check.Check(data)) return { value: data };
      return { error: new ValidationError(fieldErrors(check.Errors(data), httpPart)) };
    };
  });

  // Every body is JSON: a text/plain one is a 415 like any other media type, not a string the routes
  // would then refuse as "not a JSON object".
  app.removeContentTypeParser('text/plain');
  // JSON.parse keeps a "__proto__" key as a plain own property (no pollution), so the event model can
  // refuse it by name; what does not parse is answered with the parser's own reason.
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, raw, done) => {
    // JSON is UTF-8 (RFC 8259): bytes that are not would be read as U+FFFD, and two different ids
    // ("u_\xe9", "u_\xe8" in Latin-1) become one.
    const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(request.headers['content-type'] ?? '')?.[1];
    if (charset !== undefined && !/^utf-?8$/i.test(charset)) return done(new HttpError(415, 'unsupported_media_type', `charset=${charset}: JSON bodies are UTF-8`));
    if (!isUtf8(raw as Buffer)) return done(new HttpError(400, 'invalid_request', 'body is not valid UTF-8 (JSON must be encoded as UTF-8)'));
    const body = (raw as Buffer).toString('utf8');
    if (body === '') {
      // Empty is fine where the route takes no body or only optional fields (a replay, a claim).
      if (bodyIsOptional(request.routeOptions.schema?.body)) return done(null, undefined);
      return done(new HttpError(400, 'invalid_request', '(body): is empty; send a JSON object'));
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch (error) {
      return done(new HttpError(400, 'invalid_request', `(body): is not valid JSON${parserReason((error as Error).message)}`));
    }
    // JSON may escape a lone surrogate (\ud800), which a text column cannot keep (it comes back as U+FFFD):
    // refused in what goes to the stores as text — looked for only when the body escapes one. Events are
    // kept as the JSON they came as, which keeps one exactly (a message cut in the middle of an emoji), and
    // their ids are checked by the event model.
    const illFormed = !isEventBody(request.routeOptions.schema?.body) && SURROGATE_ESCAPE.test(body) ? illFormedStringAt(parsed) : undefined;
    if (illFormed !== undefined) return done(new HttpError(400, 'invalid_request', `${illFormed}: is not well-formed Unicode (a lone surrogate)`));
    done(null, parsed);
  });

  app.setErrorHandler((error: FastifyError & { validation?: unknown }, request, reply) => {
    if (error instanceof ValidationError) {
      // The body itself (not an object at all) is named as the message names it, never an empty path.
      return reply.status(400).send({ error: 'invalid_request', message: error.message, errors: error.errors.map((e) => (e.path === '' ? { ...e, path: '(body)' } : e)) });
    }
    if (error instanceof HttpError) {
      if (error.headers) void reply.headers(error.headers);
      const position = (error as HttpError & { position?: unknown }).position;
      const errors = error.statusCode === 400 ? fieldErrorsOf(error.message) : undefined;
      return reply.status(error.statusCode).send({ error: error.code, message: error.message, ...(errors ? { errors } : {}), ...(position ? { position } : {}) });
    }
    if (error instanceof ConflictError) return reply.status(409).send({ error: 'conflict', message: error.message });
    if (error instanceof NotRecordedError) return reply.status(503).send({ error: 'not_recorded', message: error.message });
    const status = error.statusCode ?? 500;
    if (status < 500) {
      const code =
        error.code === 'FST_ERR_CTP_BODY_TOO_LARGE' ? 'body_too_large' : error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' ? 'unsupported_media_type' : status === 429 ? 'rate_limited' : 'invalid_request';
      const message = code === 'unsupported_media_type' ? `the body must be JSON, sent with "Content-Type: application/json" (got ${JSON.stringify(request.headers['content-type'] ?? 'none')})` : error.message;
      return reply.status(status).send({ error: code, message });
    }
    request.log.error({ err: error, url: request.url }, 'request failed');
    return reply.status(500).send({ error: 'internal', message: 'internal error; the request was not processed' });
  });
  app.setNotFoundHandler((request, reply) => reply.status(404).send({ error: 'not_found', message: `no route ${request.method} ${request.url.split('?')[0]}` }));

  // Shared schemas are added here, at the root: a plugin that adds its own gets a fresh schema
  // controller, which would not use the validator compiler above.
  for (const schema of [ErrorResponse, DecisionResponse, EventsResponse]) app.addSchema(schema);
  await app.register(swagger, {
    openapi: {
      info: { title: 'riskgate', version: '1', description: 'Real-time trust & risk decisions for online marketplaces' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'an API key: riskgate keys create' } } },
      security: [{ bearer: [] }],
    },
  });
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    // The UI's own policy (its inline script by hash), except that it may not be framed, loads nothing
    // from other origins, and does not rewrite the page's requests to https (riskgate serves plain HTTP
    // on loopback by default). Swagger UI sets inline styles as it renders: styles cannot run code.
    staticCSP: true,
    transformStaticCSP: (policy) =>
      policy
        .replace(/\s*upgrade-insecure-requests;?/, '')
        .replace("frame-ancestors 'self'", "frame-ancestors 'none'")
        .replace(/style-src [^;]*/, "style-src 'self' 'unsafe-inline'")
        .replace(/font-src [^;]*/, "font-src 'self' data:")
        .replace(/img-src [^;]*/, "img-src 'self' data:") + " form-action 'none';",
  });

  // The answers every API route can give besides its own, in its OpenAPI entry: a key missing, without
  // the scope, or over its rate; a request that fails its schema; a body too large or not JSON.
  app.addHook('onRoute', (route) => {
    if (!route.config?.scope) return;
    const schema = (route.schema ??= {}) as { body?: unknown; querystring?: unknown; params?: unknown; response?: Record<string, unknown> };
    // A copy: routes may share the object they declare their own answers in.
    const response = (schema.response = { ...schema.response });
    const error = { $ref: 'Error#' };
    const common: Array<[number, boolean]> = [
      [400, schema.body !== undefined || schema.querystring !== undefined || schema.params !== undefined],
      [401, true],
      [403, true],
      [404, route.url.includes(':')], // an unknown id
      [413, schema.body !== undefined],
      [414, route.url.includes(':')], // an id past the router's limit
      [415, schema.body !== undefined],
      [429, true],
    ];
    for (const [status, applies] of common) if (applies && response[status] === undefined) response[status] = error;
    // Every route, while the server loads (server/starting.ts) or after it began to close.
    response[503] ??= { $ref: 'Error#', description: 'starting or shutting_down: the server takes no requests now; retry after Retry-After' };
    // A route that declares no answer of its own still answers 200 (an untyped schema: serialised as is).
    if (!Object.keys(response).some((status) => status.startsWith('2'))) response[200] = { description: 'Default Response' };
  });

  // A server that is closing (SIGTERM) finishes the requests it has and answers what still arrives on
  // open connections in riskgate's error shape, with when to retry (Fastify's own 503 has neither).
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onRequest', async () => {
    if (closing) throw shuttingDownError('it takes no new requests');
  });

  // Authentication and scopes, for every route that declares a scope, in two steps around the rate
  // limit: the key is identified first, so that each key is limited on its own (a request without a
  // valid key, by its address), and refused after, so that refused requests count too — a flood of
  // wrong keys or of malformed bodies is limited like any other, and never has its body parsed.
  app.addHook('onRequest', async (request) => {
    if (!request.routeOptions.config?.scope) return;
    request.apiKey = keyOf(request, service);
  });
  app.addHook('preParsing', async (request) => {
    const scope = request.routeOptions.config?.scope;
    if (!scope) return;
    const key = request.apiKey;
    if (!key) throw new HttpError(401, 'unauthorized', unauthorizedMessage(request.headers.authorization));
    if (scope !== 'any' && !allows(key, scope)) throw new HttpError(403, 'forbidden', `this key lacks the "${scope}" scope`);
  });
  // API answers carry case files, messages and addresses: no cache may keep them, and no browser may
  // read them as anything but JSON.
  app.addHook('onSend', async (request, reply) => {
    if (request.url.startsWith('/v1/')) {
      reply.header('cache-control', 'no-store');
      reply.header('x-content-type-options', 'nosniff');
    } else if (/^\/docs(\/|\?|$)/.test(request.url)) {
      reply.header('x-content-type-options', 'nosniff');
      reply.header('referrer-policy', 'no-referrer');
    }
  });
  app.addHook('onResponse', async (request, reply) => {
    service.metrics.httpResponses.inc({ route: request.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) });
  });
  await app.register(rateLimit, {
    global: true,
    timeWindow: 1000,
    max: (request) => (request as FastifyRequest).apiKey?.rateLimit ?? 100,
    keyGenerator: (request) => (request as FastifyRequest).apiKey?.id ?? request.ip,
    allowList: (request) => !(request as FastifyRequest).routeOptions.config?.scope,
    hook: 'onRequest',
  });

  await app.register(healthRoutes(service));
  await app.register(decisionRoutes(service));
  await app.register(eventRoutes(service));
  await app.register(adminRoutes(service));
  await app.register(ruleRoutes(service));
  await app.register(reviewRoutes(service));
  for (const plugin of options.plugins ?? []) await app.register(plugin);
  return app;
}

function unauthorizedMessage(header: string | undefined): string {
  if (!header) return 'send an API key as "Authorization: Bearer <key>"';
  if (!/^Bearer\s+\S+$/i.test(header)) return 'the Authorization header must be "Bearer <key>"';
  return 'this API key is not valid: unknown or revoked (riskgate keys list shows the keys)';
}

function keyOf(request: FastifyRequest, service: Service): ApiKey | undefined {
  const header = request.headers.authorization;
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  return match ? service.keys.authenticate(match[1]!) : undefined;
}

const SURROGATE_ESCAPE = /\\u[dD][89a-fA-F]/;

const FIELD_PATH = /(?:\(body\)|[A-Za-z_$][\w$]*)(?:\.[\w$]+|\[\d+\])*/.source;
const FIELD_AT_START = new RegExp(`^${FIELD_PATH}: `);
const FIELD_PROBLEM = new RegExp(`^(${FIELD_PATH}): ([^]+)$`);

/**
 * A 400's message that names its fields (`note: looks like …`, `a: …; b: …`) as the field errors every
 * invalid request carries (docs/API.md), so that a client reads one shape whichever check refused it.
 * A problem may hold a '; ' of its own, and quotes what was sent (JSON-quoted): the next field begins
 * only at a '; ' outside quotes that is followed by a path.
 */
function fieldErrorsOf(message: string): Array<{ path: string; message: string }> | undefined {
  const parts: string[] = [];
  let start = 0;
  let quoted = false;
  for (let i = 0; i < message.length; i++) {
    const c = message[i];
    if (c === '\\' && quoted) i++;
    else if (c === '"') quoted = !quoted;
    else if (!quoted && c === ';' && message[i + 1] === ' ' && FIELD_AT_START.test(message.slice(i + 2))) {
      parts.push(message.slice(start, i));
      start = i + 2;
    }
  }
  parts.push(message.slice(start));
  const errors = parts.map((part) => FIELD_PROBLEM.exec(part));
  if (errors.some((m) => m === null)) return undefined;
  return errors.map((m) => ({ path: m![1]!, message: m![2]! }));
}

interface SchemaError {
  keyword: string;
  instancePath: string;
  schemaPath?: string;
  params: Record<string, unknown>;
  message: string;
}

/**
 * A route schema's errors, each naming its field: a missing property by its name, an unexpected one by
 * its name (once, not as "schema is false" and again for the object), query-string and path fields
 * prefixed with where they came from.
 */
function fieldErrors(errors: Iterable<SchemaError>, httpPart: string | undefined): Array<{ path: string; message: string }> {
  const where = httpPart === 'querystring' ? 'query' : httpPart === 'params' ? 'path' : '';
  const at = (path: string) => [where, path].filter((p) => p !== '').join('.') || '(body)';
  const out: Array<{ path: string; message: string }> = [];
  const seen: SchemaError[] = [];
  for (const e of errors) {
    seen.push(e);
    if (seen.length >= 100) break;
  }
  // A value that may be of one type or another (a time or null) fails each alternative and then the
  // union: one problem, worded as the alternatives ("must be integer or null").
  const alternativesOf = (union: SchemaError) => seen.filter((b) => b.instancePath === union.instancePath && b.schemaPath?.startsWith(`${union.schemaPath}/anyOf/`));
  const unions = seen.filter((e) => e.keyword === 'anyOf');
  for (const e of seen) {
    if (unions.some((union) => alternativesOf(union).includes(e))) continue;
    // `/entries/0/note` → `entries[0].note`, as the API's own checks write paths.
    const path = e.instancePath.replace(/\/(\d+)(?=\/|$)/g, '[$1]').replace(/^\//, '').replace(/\//g, '.');
    const prefix = path === '' ? '' : `${path}.`;
    if (e.keyword === 'enum' && Array.isArray(e.params.allowedValues)) {
      out.push({ path: at(path), message: `must be one of ${e.params.allowedValues.map((c) => JSON.stringify(c)).join(', ')}` });
    } else if (e.keyword === 'required' && Array.isArray(e.params.requiredProperties)) {
      for (const name of e.params.requiredProperties as string[]) out.push({ path: at(`${prefix}${name}`), message: 'is required' });
    } else if (e.keyword === 'additionalProperties' && Array.isArray(e.params.additionalProperties)) {
      for (const name of e.params.additionalProperties as string[]) out.push({ path: at(`${prefix}${name}`), message: 'is not a known field' });
    } else if (e.keyword === 'anyOf' && alternativesOf(e).length > 0) {
      const messages = alternativesOf(e).map((b) => b.message);
      out.push({ path: at(path), message: messages.every((m) => m.startsWith('must be ')) ? `must be ${messages.map((m) => m.slice('must be '.length)).join(' or ')}` : messages.join(', or ') });
    } else if (e.keyword !== 'boolean') {
      out.push({ path: at(path), message: e.message });
    }
    if (out.length >= 10) break;
  }
  return out.length > 0 ? out : [{ path: where || '(body)', message: 'is not valid' }];
}

const optionalBodies = new WeakMap<object, boolean>();

/** Whether a route's body is events, validated by the event model (parseEvent) rather than a schema. */
function isEventBody(schema: unknown): boolean {
  return typeof schema === 'object' && schema !== null && (schema as Record<string, unknown>)[VALIDATED_BY_PARSE_EVENT] === true;
}

/** Whether a route's body schema (undefined: the route takes none) lets the body be left out. */
function bodyIsOptional(schema: unknown): boolean {
  if (typeof schema !== 'object' || schema === null) return true;
  if (isEventBody(schema)) return false;
  let optional = optionalBodies.get(schema);
  if (optional === undefined) {
    optional = Compile(schema as TSchema).Check({});
    optionalBodies.set(schema, optional);
  }
  return optional;
}
