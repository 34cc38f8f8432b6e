// Serving the built console: the app for every console path, long caching for hashed assets only, a
// 404 for a missing asset, and a 503 saying what to run when there is no build.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consolePlugin } from '../../src/console/plugin.js';

const INDEX = '<!doctype html><title>riskgate console</title><script type="module" src="/console/assets/index-Ab12Cd.js"></script>';

describe('console plugin', () => {
  let dir: string;
  let built: FastifyInstance;
  let unbuilt: FastifyInstance;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rg-console-dist-'));
    mkdirSync(join(dir, 'dist', 'assets'), { recursive: true });
    writeFileSync(join(dir, 'dist', 'index.html'), INDEX);
    writeFileSync(join(dir, 'dist', 'assets', 'index-Ab12Cd.js'), 'console.log("app")');
    built = Fastify();
    await built.register(consolePlugin({ distDir: join(dir, 'dist') }));
    unbuilt = Fastify();
    await unbuilt.register(consolePlugin({ distDir: join(dir, 'not-built') }));
  });
  afterAll(async () => {
    await built?.close();
    await unbuilt?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves the app at /console and for its own routes, revalidated on every visit', async () => {
    expect((await built.inject('/console')).headers.location).toBe('/console/');
    for (const url of ['/console/', '/console/cases/case_0000001a', '/console/rules?rule=x']) {
      const response = await built.inject(url);
      expect(response.statusCode, url).toBe(200);
      expect(response.body, url).toBe(INDEX);
      expect(response.headers['cache-control'], url).toBe('no-cache');
      expect(response.headers['content-security-policy'], url).toContain("default-src 'self'");
      expect(response.headers['content-security-policy'], url).toContain("form-action 'none'");
    }
  });

  it('caches hashed assets for a year and answers a missing one with 404, never with the app', async () => {
    const asset = await built.inject('/console/assets/index-Ab12Cd.js');
    expect(asset.statusCode).toBe(200);
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    const missing = await built.inject('/console/assets/index-Old000.js');
    expect(missing.statusCode).toBe(404);
    expect(missing.body).not.toContain('<!doctype html>');
    expect((await built.inject({ method: 'POST', url: '/console/cases/x' })).statusCode).toBe(404);
    expect((await built.inject('/console/%2e%2e/%2e%2e/package.json')).body).not.toContain('"name"');
  });

  it('answers 503 with what to run when the console is not built', async () => {
    for (const url of ['/console/', '/console/queue']) {
      const response = await unbuilt.inject(url);
      expect(response.statusCode, url).toBe(503);
      expect(response.headers['content-type'], url).toContain('text/html');
      expect(response.body, url).toContain('npm run build:console');
    }
  });
});
