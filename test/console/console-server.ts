// The test server (test/support/server.ts) with the built console at /console.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { consolePlugin } from '../../src/console/plugin.js';
import { startTestServer, type TestServer } from '../support/server.js';

const CONSOLE_DIR = join(import.meta.dirname, '..', '..', 'console');

export interface ConsoleServer extends TestServer {
  /** A JSON call to the API with a key (admin by default). */
  api<T = unknown>(method: string, path: string, body?: unknown, key?: string): Promise<{ status: number; body: T }>;
}

export async function startConsoleServer(): Promise<ConsoleServer> {
  assertConsoleBuilt();
  const server = await startTestServer({ plugins: [consolePlugin()] });
  return Object.assign(server, {
    async api<T>(method: string, path: string, body?: unknown, key = server.keys.admin) {
      const response = await server.request(method, path, { key, ...(body !== undefined ? { body } : {}) });
      return { status: response.status, body: response.body as T };
    },
  });
}

/** The browser tests run the built app: a missing or stale build fails with what to run. */
function assertConsoleBuilt(): void {
  const index = join(CONSOLE_DIR, 'dist', 'index.html');
  if (!existsSync(index)) throw new Error('console/dist is missing: run `npm run build:console` before the console tests');
  const newestSource = newestModification(join(CONSOLE_DIR, 'src'));
  if (newestSource > statSync(index).mtimeMs) throw new Error('console/dist is older than console/src: run `npm run build:console` before the console tests');
}

function newestModification(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}
