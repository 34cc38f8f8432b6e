import { renameSync, writeFileSync } from 'node:fs';
import { rename, rm, writeFile } from 'node:fs/promises';

let writes = 0;

/** Write a file so that readers see the old or the new content, never half of it. */
export function writeFileAtomic(path: string, data: string | NodeJS.ArrayBufferView): void {
  const temp = `${path}.tmp-${process.pid}-${++writes}`;
  writeFileSync(temp, data);
  renameSync(temp, path);
}

/** writeFileAtomic off the event loop (the write runs on libuv's thread pool). */
export async function writeFileAtomicInBackground(path: string, data: string | NodeJS.ArrayBufferView): Promise<void> {
  const temp = `${path}.tmp-${process.pid}-${++writes}`;
  try {
    await writeFile(temp, data);
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}
