// "An append that returned has survived kill -9": a writer process is killed mid-stream and every id
// it had acknowledged must be in the log when it is reopened.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SqliteEventLog } from '../../src/events/stores/sqlite.js';

const dir = mkdtempSync(join(tmpdir(), 'rg-crash-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function runAndKill(path: string, durability: string, killAfter: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/log-writer.ts', path, durability], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const acked: string[] = [];
    let buffer = '';
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.stdout.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop()!;
      acked.push(...lines);
      if (acked.length >= killAfter && !child.killed) child.kill('SIGKILL');
    });
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve(acked);
      else reject(new Error(`writer exited with ${code}: ${stderr}`));
    });
  });
}

describe('event log crash durability', () => {
  for (const durability of ['fsync', 'os']) {
    it(`keeps every acknowledged append after kill -9 (durability=${durability})`, async () => {
      const path = join(dir, `${durability}.db`);
      const acked = await runAndKill(path, durability, 3000);
      expect(acked.length).toBeGreaterThanOrEqual(3000);
      const log = new SqliteEventLog(path);
      try {
        const stored = new Set((await log.read({})).map((e) => e.event.id));
        const lost = acked.filter((id) => !stored.has(id));
        expect(lost).toEqual([]);
        const seqs = (await log.read({})).map((e) => e.seq);
        expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
      } finally {
        await log.close();
      }
    });
  }
});
