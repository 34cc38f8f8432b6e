import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseEvent } from '../validate.js';
import { EXAMPLE_EVENTS } from '../examples.js';
import type { RiskEvent } from '../schema.js';
import { SqliteEventLog } from './sqlite.js';

function loginEvent(id: string, ts = 1_767_225_600_000): RiskEvent {
  const parsed = parseEvent({ ...EXAMPLE_EVENTS.login, id, ts });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.event;
}

describe('SqliteEventLog', () => {
  let dir: string;
  let log: SqliteEventLog;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'rg-log-'));
    log = new SqliteEventLog(join(dir, 'events.db'), { durability: 'os' });
  });
  afterEach(async () => {
    await log.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('assigns increasing sequence numbers in append order, whatever the event times', async () => {
    const a = await log.append(loginEvent('a', 1_767_225_900_000));
    const b = await log.append(loginEvent('b', 1_767_225_600_000));
    const [c, d] = await log.appendBatch([loginEvent('c'), loginEvent('d', 1_700_000_000_000)]);
    expect([a.seq, b.seq, c!.seq, d!.seq]).toEqual([1, 2, 3, 4]);
    expect((await log.read({})).map((e) => e.event.id)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('is idempotent by event id: a duplicate is acknowledged, stored once and reported', async () => {
    const first = await log.append(loginEvent('dup'));
    const again = await log.append(loginEvent('dup'));
    expect(first).toEqual({ id: 'dup', seq: 1, status: 'appended' });
    expect(again).toEqual({ id: 'dup', seq: 1, status: 'duplicate' });
    const inBatch = await log.appendBatch([loginEvent('x'), loginEvent('x'), loginEvent('dup')]);
    expect(inBatch.map((r) => r.status)).toEqual(['appended', 'duplicate', 'duplicate']);
    expect(await log.count()).toBe(2);
  });

  it('flags a duplicate id whose body differs, keeping the stored one', async () => {
    await log.append(loginEvent('same', 1_767_225_600_000));
    const changed = await log.append(loginEvent('same', 1_767_225_600_001));
    expect(changed).toMatchObject({ status: 'duplicate', conflict: true, seq: 1 });
    expect((await log.get('same'))!.event.ts).toBe(1_767_225_600_000);
  });

  it('groups concurrent single appends into one commit and resolves each', async () => {
    const results = await Promise.all(Array.from({ length: 500 }, (_, i) => log.append(loginEvent(`g${i}`))));
    expect(results.map((r) => r.seq)).toEqual(Array.from({ length: 500 }, (_, i) => i + 1));
  });

  it('reads and streams back by sequence range', async () => {
    await log.appendBatch(Array.from({ length: 25 }, (_, i) => loginEvent(`e${i}`)));
    expect((await log.read({ fromSeq: 5, toSeq: 7 })).map((e) => e.seq)).toEqual([5, 6, 7]);
    expect((await log.read({ fromSeq: 20, limit: 2 })).map((e) => e.seq)).toEqual([20, 21]);
    const batches: number[][] = [];
    for await (const batch of log.stream({ fromSeq: 3, toSeq: 22, batchSize: 8 })) batches.push(batch.map((e) => e.seq));
    expect(batches.map((b) => b.length)).toEqual([8, 8, 4]);
    expect(batches.flat()).toEqual(Array.from({ length: 20 }, (_, i) => i + 3));
    expect(await log.lastSeq()).toBe(25);
    expect(await log.read({ fromSeq: 26 })).toEqual([]);
  });

  it('keeps events byte-for-byte across a reopen', async () => {
    const event = parseEvent(EXAMPLE_EVENTS.booking_attempted);
    if (!event.ok) throw new Error('bad example');
    await log.append(event.event);
    await log.close();
    log = new SqliteEventLog(join(dir, 'events.db'));
    expect((await log.get(event.event.id))!.event).toEqual(event.event);
  });

  it('property: the log holds each distinct id once, in first-append order', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(fc.integer({ min: 0, max: 30 }), { maxLength: 20 }), { maxLength: 10 }), async (batches) => {
        const path = join(dir, `p${Math.random()}.db`);
        const plog = new SqliteEventLog(path, { durability: 'os' });
        try {
          const expected: string[] = [];
          for (const batch of batches) {
            const results = await plog.appendBatch(batch.map((n) => loginEvent(`id${n}`)));
            batch.forEach((n, i) => {
              const id = `id${n}`;
              const isNew = !expected.includes(id);
              if (isNew) expected.push(id);
              expect(results[i]!.status).toBe(isNew ? 'appended' : 'duplicate');
              expect(results[i]!.seq).toBe(expected.indexOf(id) + 1);
            });
          }
          expect((await plog.read({})).map((e) => e.event.id)).toEqual(expected);
        } finally {
          await plog.close();
        }
      }),
      { numRuns: 40 },
    );
  });
});
