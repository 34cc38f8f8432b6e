import { createWriteStream, readFileSync, renameSync, writeFileSync, type WriteStream } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';

let writes = 0;

/**
 * A text file people may have saved from any editor, as a string: UTF-8, without the byte order mark
 * Windows editors put first (not part of the JSON, CEL or mapping that follows it).
 */
export function readTextFile(path: string): string {
  const text = readFileSync(path, 'utf8');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/**
 * Write a file of the data directory so that readers see the old or the new content, never half of
 * it; its owner's alone, as the directory is (snapshots and models' rows hold entities' activity).
 */
export function writeFileAtomic(path: string, data: string | NodeJS.ArrayBufferView): void {
  const temp = `${path}.tmp-${process.pid}-${++writes}`;
  writeFileSync(temp, data, { mode: 0o600 });
  renameSync(temp, path);
}

/**
 * writeFileAtomic off the event loop, for content produced in pieces: each piece is written (on
 * libuv's thread pool), then the event loop gets a turn before the next is produced (the pieces may
 * be computed lazily, e.g. by a generator).
 */
export async function writeFileAtomicInPieces(path: string, pieces: Iterable<Uint8Array>): Promise<void> {
  const temp = `${path}.tmp-${process.pid}-${++writes}`;
  const handle = await open(temp, 'w', 0o600);
  try {
    for (const piece of pieces) {
      for (let at = 0; at < piece.length; ) at += (await handle.write(piece, at)).bytesWritten;
      await new Promise((resolve) => setImmediate(resolve));
    }
    await handle.close();
    await rename(temp, path);
  } catch (error) {
    await handle.close().catch(() => {});
    await rm(temp, { force: true });
    throw error;
  }
}

/**
 * A write stream whose file is open: a path in a missing directory, or a directory, is an error
 * thrown here (with its code and path) rather than an 'error' event after the work is done.
 */
export async function openForWriting(path: string): Promise<WriteStream> {
  const stream = createWriteStream(path);
  await new Promise<void>((resolve, reject) => {
    stream.once('ready', () => resolve());
    stream.once('error', reject);
  });
  return stream;
}

/** A file riskgate wrote and reads back is not what it wrote (truncated, overwritten, damaged). */
export class DamagedFileError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(message);
    this.name = 'DamagedFileError';
  }
}
