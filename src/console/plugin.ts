// The analyst console: the React app built by `npm run build:console` (console/dist), served at
// /console. Paths that are not files get index.html (the app routes them), hashed assets are cached
// for a year, and without a build every console path answers 503 with what to run.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';

export const CONSOLE_PREFIX = '/console';

/** Where the build lands: console/dist at the repository root (the same from src/ and from dist/). */
const DEFAULT_DIST_DIR = fileURLToPath(new URL('../../console/dist/', import.meta.url));

/** Vite writes content-hashed file names under assets/: they never change, so they are cached for good. */
const HASHED_ASSETS = '/assets/';
const IMMUTABLE = 'public, max-age=31536000, immutable';
/** index.html names the current assets, so browsers revalidate it on every visit. */
const REVALIDATE = 'no-cache';

/** Everything the app loads comes from this server; the API is on the same origin. */
const CONTENT_SECURITY_POLICY = "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'";

export interface ConsolePluginOptions {
  /** The built app (default: console/dist). */
  distDir?: string;
}

export function consolePlugin(options: ConsolePluginOptions = {}) {
  const distDir = options.distDir ?? DEFAULT_DIST_DIR;
  return async (app: FastifyInstance): Promise<void> => {
    app.get(CONSOLE_PREFIX, { schema: { hide: true } }, (_request, reply) => reply.redirect(`${CONSOLE_PREFIX}/`));
    await app.register(
      async (scope) => {
        scope.addHook('onSend', async (_request, reply) => {
          reply.header('content-security-policy', CONTENT_SECURITY_POLICY);
          reply.header('x-content-type-options', 'nosniff');
        });
        await scope.register(fastifyStatic, {
          root: distDir,
          prefix: '/',
          cacheControl: false,
          dotfiles: 'ignore',
          // A missing build is answered per request (below), so building while the server runs works.
          suppressWarning: true,
          setHeaders: (reply, path) => reply.header('cache-control', path.startsWith(join(distDir, HASHED_ASSETS)) ? IMMUTABLE : REVALIDATE),
        });
        // The app's own routes (/console/cases/…) are not files: they get the app, which routes them.
        // A missing asset stays a 404, so a stale page fails visibly instead of parsing HTML as script.
        scope.setNotFoundHandler((request, reply) => {
          const path = request.url.split('?')[0]!;
          if ((request.method !== 'GET' && request.method !== 'HEAD') || path.startsWith(`${CONSOLE_PREFIX}${HASHED_ASSETS}`)) {
            return reply.status(404).send({ error: 'not_found', message: `no file ${path}` });
          }
          if (!existsSync(join(distDir, 'index.html'))) return sendNotBuilt(reply, distDir);
          return reply.header('cache-control', REVALIDATE).sendFile('index.html');
        });
      },
      { prefix: CONSOLE_PREFIX },
    );
  };
}

function sendNotBuilt(reply: FastifyReply, distDir: string) {
  return reply
    .status(503)
    .header('cache-control', 'no-store')
    .type('text/html; charset=utf-8')
    .send(
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>riskgate console is not built</title></head>` +
        `<body>` +
        `<h1>The analyst console is not built</h1>` +
        `<p>There is no <code>${escapeHtml(join(distDir, 'index.html'))}</code>. Run</p>` +
        `<pre><code>npm run build:console</code></pre>` +
        `<p>then reload this page. The API under <code>/v1</code> works without it.</p></body></html>`,
    );
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
