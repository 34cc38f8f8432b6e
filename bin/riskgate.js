#!/usr/bin/env -S node --max-semi-space-size=64
// A larger young generation: feature state and requests make many short-lived objects, and V8's
// default semi-space promotes them early (measured: replay 1.4× faster, vector reads 1.3× faster).
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  console.error('riskgate: dist/ is missing; run `npm run build` (npm ci does it for you).');
  process.exit(1);
}
// In a checkout, code pulled or edited since the last build would not run: say so rather than run the old build.
const sources = fileURLToPath(new URL('../src/', import.meta.url));
if (existsSync(sources)) {
  const built = statSync(fileURLToPath(entry)).mtimeMs;
  const newer = newerThan(sources, built);
  if (newer) {
    console.error(`riskgate: dist/ is older than ${newer}; run \`npm run build\` (npm ci does it for you).`);
    process.exit(1);
  }
}
const { runAsProcess } = await import(entry.href);
await runAsProcess(process.argv);

/** A source file changed after `time`, if any. */
function newerThan(dir, time) {
  for (const item of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, item.name);
    if (item.isDirectory()) {
      const found = newerThan(path, time);
      if (found) return found;
    } else if (item.name.endsWith('.ts') && !item.name.endsWith('.test.ts') && statSync(path).mtimeMs > time) {
      return path;
    }
  }
  return undefined;
}
