import { renameSync, writeFileSync } from 'node:fs';

/** Write a file so that readers see the old or the new content, never half of it. */
export function writeFileAtomic(path: string, data: string | NodeJS.ArrayBufferView): void {
  const temp = `${path}.tmp-${process.pid}`;
  writeFileSync(temp, data);
  renameSync(temp, path);
}
