#!/usr/bin/env -S node --max-semi-space-size=64
// A larger young generation: feature state and requests make many short-lived objects, and V8's
// default semi-space promotes them early (measured: replay 1.4× faster, vector reads 1.3× faster).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  console.error('riskgate: dist/ is missing; run `npm run build` (npm ci does it for you).');
  process.exit(1);
}
const { main } = await import(entry.href);
process.exitCode = await main(process.argv);
