import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseEvent } from '../validate.js';
import { EXAMPLE_EVENTS } from '../examples.js';
import type { RiskEvent } from '../schema.js';
import { hash53 } from '../../lib/hash53.js';
import { IdIndex } from './id-index.js';
import { SqliteEventLog, typeAndTime } from './sqlite.js';

const T = 1_767_225_600_000;

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

  it('reads and streams across blocks, and keeps a big batch in order', async () => {
    const ids = Array.from({ length: 1300 }, (_, i) => `b${i}`);
    const results = await log.appendBatch(ids.map((id) => loginEvent(id)));
    expect(results.map((r) => r.seq)).toEqual(ids.map((_, i) => i + 1));
    expect((await log.read({ fromSeq: 250, toSeq: 770 })).map((e) => e.event.id)).toEqual(ids.slice(249, 770));
    expect((await log.read({ fromSeq: 1299, limit: 5 })).map((e) => e.seq)).toEqual([1299, 1300]);
    const seen: string[] = [];
    for await (const batch of log.stream({ batchSize: 333 })) seen.push(...batch.map((e) => e.event.id));
    expect(seen).toEqual(ids);
    expect((await log.get('b777'))!.seq).toBe(778);
    expect(await log.count()).toBe(1300);
  });

  it('replays only the types asked for whole, every other event as its seq and time', async () => {
    const booking = parseEvent({ ...EXAMPLE_EVENTS.booking_attempted, id: 'bk' });
    if (!booking.ok) throw new Error('bad example');
    await log.appendBatch([loginEvent('l1', T + 1000), booking.event, loginEvent('l2', T + 3000)]);
    await log.appendBatch(Array.from({ length: 600 }, (_, i) => loginEvent(`m${i}`, T + 5000 + i)));
    const items: Array<{ seq: number; ts?: number; id?: string }> = [];
    for await (const batch of log.replayStream({ fromSeq: 2, toSeq: 300, decode: new Set(['booking_attempted']), batchSize: 100 })) {
      items.push(...batch.map((item) => (item.event ? { seq: item.seq, id: item.event.id } : { seq: item.seq, ts: item.ts })));
    }
    expect(items.map((i) => i.seq)).toEqual(Array.from({ length: 299 }, (_, i) => i + 2));
    expect(items[0]).toEqual({ seq: 2, id: 'bk' });
    expect(items[1]).toEqual({ seq: 3, ts: T + 3000 });
    expect(items[298]).toEqual({ seq: 300, ts: T + 5000 + 296 });
  });

  it('reads an event\'s type and time from the head of its stored line, or declines', () => {
    const line = (event: RiskEvent) => JSON.stringify(event);
    expect(typeAndTime(line(loginEvent('plain', 1_767_225_600_123)), 0)).toEqual({ type: 'login', ts: 1_767_225_600_123 });
    for (const id of ['a"b', 'a\\', 'a\\"', '\\"\\', '","type":"search","ts":1', '\u2028é😀']) {
      const text = `x\n${line({ ...loginEvent('valid', T + 42), id })}`;
      expect(typeAndTime(text, 2), id).toEqual({ type: 'login', ts: T + 42 });
    }
    expect(typeAndTime('{"type":"login","id":"a","ts":1}', 0)).toBeUndefined();
    expect(typeAndTime('{"id":"a","type":"login","ts":1.5,"x":1}', 0)).toBeUndefined();
    expect(typeAndTime('{"id":"a","type":"login","ts":-1,"x":1}', 0)).toBeUndefined();
    expect(typeAndTime('{"id":"a\\"}', 0)).toBeUndefined();
  });

  it('property: replayStream agrees with stream on every event, whatever the ids', async () => {
    const types = ['login', 'search', 'message_sent'] as const;
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(fc.string({ unit: 'binary', minLength: 1, maxLength: 12 }), { maxLength: 40 }), fc.subarray([...types]), async (ids, decoded) => {
        const path = join(dir, `r${Math.random()}.db`);
        const plog = new SqliteEventLog(path, { durability: 'os' });
        try {
          const events = ids.map((id, i) => {
            const type = types[i % 3]!;
            const parsed = parseEvent({ ...EXAMPLE_EVENTS[type], id: 'valid', ts: 1_767_225_600_000 + ((i * 7919) % 1000) });
            if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
            // Ids are validated on the way in; the log must not depend on it, so any string is stored.
            return { ...parsed.event, id };
          });
          await plog.appendBatch(events);
          const whole = (await plog.read({})).map((e) => e.event);
          const replayed: Array<RiskEvent | { ts: number }> = [];
          for await (const batch of plog.replayStream({ decode: new Set(decoded) })) replayed.push(...batch.map((item) => item.event ?? { ts: item.ts }));
          expect(replayed).toEqual(whole.map((e) => ((decoded as readonly string[]).includes(e.type) ? e : { ts: e.ts })));
        } finally {
          await plog.close();
        }
      }),
      { numRuns: 40 },
    );
  });

  it('with idIndex first-use, builds the id index only when an append or a lookup by id needs it', async () => {
    // More events than an empty index has room for, so building it shows in its size.
    await log.appendBatch(Array.from({ length: 3000 }, (_, i) => loginEvent(`f${i}`)));
    await log.close();
    log = new SqliteEventLog(join(dir, 'events.db'), { durability: 'os', idIndex: 'first-use' });
    const empty = new IdIndex().bytes;
    expect(log.idIndexBytes).toBe(empty);
    expect((await log.read({ fromSeq: 2990 })).map((e) => e.event.id)).toEqual(Array.from({ length: 11 }, (_, i) => `f${2989 + i}`));
    expect(await log.lastSeq()).toBe(3000);
    expect(log.idIndexBytes).toBe(empty);
    expect(log.seqOf('f17')).toBe(18);
    expect(log.idIndexBytes).toBeGreaterThan(empty);
    await log.close();
    log = new SqliteEventLog(join(dir, 'events.db'), { durability: 'os', idIndex: 'first-use' });
    // The first append indexes what is stored, so a retried id is still a duplicate.
    const [again, fresh] = await log.appendBatch([loginEvent('f3'), loginEvent('new')]);
    expect(again).toMatchObject({ status: 'duplicate', seq: 4 });
    expect(fresh).toMatchObject({ status: 'appended', seq: 3001 });
  });

  it('hashes ids with a seed of its own, so no client can work out colliding ids; a log from before seeds keeps its hash', async () => {
    const storedHashes = (path: string) => {
      const raw = new Database(path, { readonly: true });
      const blob = raw.prepare('SELECT ids FROM event_blocks ORDER BY first LIMIT 1').pluck().get() as Buffer;
      raw.close();
      return [...new Float64Array(blob.buffer, blob.byteOffset, blob.byteLength / 8)];
    };
    const paths = ['a.db', 'b.db'].map((name) => join(dir, name));
    for (const path of paths) {
      const fresh = new SqliteEventLog(path, { durability: 'os' });
      await fresh.append(loginEvent('same-id'));
      await fresh.close();
    }
    const [a, b] = paths.map(storedHashes);
    expect(a![0]).not.toBe(b![0]);
    expect(a![0]).not.toBe(hash53('same-id'));
    // A log written before seeds (the unseeded hash, no seed stored) keeps the hash its blocks hold.
    const legacy = join(dir, 'legacy.db');
    const before = new SqliteEventLog(legacy, { durability: 'os', idHash: hash53 });
    await before.appendBatch([loginEvent('old-1'), loginEvent('old-2')]);
    await before.close();
    const raw = new Database(legacy);
    raw.exec('DELETE FROM event_log_meta');
    raw.close();
    const reopened = new SqliteEventLog(legacy, { durability: 'os' });
    try {
      expect((await reopened.get('old-2'))?.seq).toBe(2);
      expect((await reopened.append(loginEvent('old-1'))).status).toBe('duplicate');
      expect((await reopened.append(loginEvent('new-1'))).seq).toBe(3);
      expect(storedHashes(legacy)).toEqual([hash53('old-1'), hash53('old-2')]);
    } finally {
      await reopened.close();
    }
  });

  it('tells apart ids whose hashes collide', async () => {
    await log.close();
    log = new SqliteEventLog(join(dir, 'collide.db'), { durability: 'os', idHash: (id) => (id.length % 2) + 1 });
    const first = await log.appendBatch(['a', 'bb', 'c', 'dd', 'a'].map((id) => loginEvent(id)));
    expect(first.map((r) => [r.status, r.seq])).toEqual([['appended', 1], ['appended', 2], ['appended', 3], ['appended', 4], ['duplicate', 1]]);
    expect((await log.append(loginEvent('c'))).status).toBe('duplicate');
    expect((await log.append(loginEvent('e'))).seq).toBe(5);
    expect((await log.get('dd'))!.seq).toBe(4);
    expect(await log.get('f')).toBeUndefined();
  });

  it('serves labels and a user\'s messages newest first', async () => {
    const message = (id: string, user: string) => parseEvent({ ...EXAMPLE_EVENTS.message_sent, id, entities: { ...(EXAMPLE_EVENTS.message_sent.entities as object), user } });
    const chargeback = parseEvent({ ...EXAMPLE_EVENTS.chargeback, id: 'cb1' });
    const events = [message('m1', 'u_a'), chargeback, message('m2', 'u_b'), message('m3', 'u_a')].map((p) => {
      if (!p.ok) throw new Error(JSON.stringify(p.errors));
      return p.event;
    });
    await log.appendBatch(events);
    expect((await log.recentMessages('u_a', 10)).map((e) => e.event.id)).toEqual(['m3', 'm1']);
    expect((await log.recentLabels(10)).map((e) => e.event.id)).toEqual(['cb1']);
  });

  it('keeps ids unique and sequence numbers contiguous with two writers on one file', async () => {
    const other = new SqliteEventLog(join(dir, 'events.db'), { durability: 'os' });
    try {
      const rounds = await Promise.all([
        log.appendBatch(['x1', 'x2', 'shared'].map((id) => loginEvent(id))),
        other.appendBatch(['y1', 'shared', 'y2'].map((id) => loginEvent(id))),
      ]);
      const statuses = rounds.flat().filter((r) => r.id === 'shared').map((r) => r.status).sort();
      expect(statuses).toEqual(['appended', 'duplicate']);
      await log.append(loginEvent('x3'));
      await other.append(loginEvent('x3'));
      const stored = await other.read({});
      expect(stored.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6]);
      expect(new Set(stored.map((e) => e.event.id)).size).toBe(6);
      expect((await log.get('y2'))!.event.id).toBe('y2');
    } finally {
      await other.close();
    }
  });

  it('forgets the ids of a commit that failed: nothing half-appended, a retry appends', async () => {
    await log.append(loginEvent('before'));
    const raw = new Database(join(dir, 'events.db'));
    raw.exec("CREATE TRIGGER refuse_poison BEFORE INSERT ON event_blocks WHEN NEW.body LIKE '%poison%' BEGIN SELECT raise(ABORT, 'disk says no'); END;");
    await expect(log.appendBatch([loginEvent('fresh'), loginEvent('poison')])).rejects.toThrow('disk says no');
    raw.exec('DROP TRIGGER refuse_poison');
    raw.close();
    expect(await log.get('fresh')).toBeUndefined();
    const retry = await log.appendBatch([loginEvent('fresh'), loginEvent('poison'), loginEvent('fresh')]);
    expect(retry.map((r) => [r.status, r.seq])).toEqual([['appended', 2], ['appended', 3], ['duplicate', 2]]);
    expect(await log.count()).toBe(3);
  });

  it('refuses appends, instead of retrying forever, when the stored tail was cut behind its back', async () => {
    await log.appendBatch(['t1', 't2'].map((id) => loginEvent(id)));
    const raw = new Database(join(dir, 'events.db'));
    raw.exec('DELETE FROM event_blocks');
    raw.close();
    await expect(log.append(loginEvent('t3'))).rejects.toThrow(/stored tail does not follow seq 2/);
  });

  it('moves a log written one row per event into blocks, keeping every sequence number', async () => {
    const path = join(dir, 'old.db');
    const old = new Database(path);
    old.exec('CREATE TABLE events (seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, body TEXT NOT NULL) STRICT');
    const chargeback = parseEvent({ ...EXAMPLE_EVENTS.chargeback, id: 'cb_old' });
    if (!chargeback.ok) throw new Error('bad example');
    const events = [...Array.from({ length: 300 }, (_, i) => loginEvent(`old${i}`)), chargeback.event];
    const insert = old.prepare('INSERT INTO events (seq, id, body) VALUES (?, ?, ?)');
    events.forEach((e, i) => insert.run(i + 1, e.id, JSON.stringify(e)));
    old.close();
    const migrated = new SqliteEventLog(path, { durability: 'os' });
    try {
      expect((await migrated.read({})).map((e) => e.event)).toEqual(events);
      expect((await migrated.append(loginEvent('old7'))).status).toBe('duplicate');
      expect((await migrated.append(loginEvent('new'))).seq).toBe(302);
      expect((await migrated.recentLabels(5)).map((e) => e.seq)).toEqual([301]);
    } finally {
      await migrated.close();
    }
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
