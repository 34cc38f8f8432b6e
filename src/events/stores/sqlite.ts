// Embedded event log on SQLite (WAL). Events are stored in blocks: one row holds a run of consecutive
// sequence numbers, its events as JSON lines and the hashes of their ids. One row per block instead of
// one per event, and no B-tree over random ids, is what lets a durable append keep up with bulk imports
// (docs/BENCHMARKS.md); idempotency by id is kept by an in-memory index rebuilt from those hashes at open.
//
// Appends are grouped: everything appended while a commit is under way goes into the next one, which
// the writer (SqliteWriter: a worker thread with fsync durability, this thread otherwise) commits; each
// promise resolves only after its commit. Sequence numbers are assigned here, after every earlier commit:
// a trigger refuses a block that does not start right after the stored tail, so when another process
// appended meanwhile, the group is rolled back, that process's events are indexed, and the group is
// planned again — ids stay unique and sequence numbers contiguous across writers.
import { randomBytes } from 'node:crypto';
import type { Statement } from 'better-sqlite3';
import { canonicalJson } from '../../lib/canonical-json.js';
import { progress } from '../../lib/progress.js';
import { SqliteWriter, type Write } from '../../lib/sqlite-writer.js';
import { openSqlite, type Durability, type SqliteDatabase } from '../../lib/sqlite.js';
import type { AppendResult, EventLog, ReadRange } from '../log.js';
import { isLabelType, type EventType, type LoggedEvent, type PassedEvent, type RiskEvent } from '../schema.js';
import { hash53 } from '../../lib/hash53.js';
import { IdIndex } from './id-index.js';

const TAIL_MOVED = 'riskgate: the event log tail moved';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS event_blocks (
  first INTEGER PRIMARY KEY, -- sequence number of the block's first event
  last  INTEGER NOT NULL,    -- and of its last: the block holds last - first + 1 events
  ids   BLOB NOT NULL,       -- hash53 of each event's id, float64 little-endian, in order
  body  TEXT NOT NULL        -- the events as JSON, one per line, in order
) STRICT;
-- For the review console: labels, and a user's messages.
CREATE TABLE IF NOT EXISTS event_labels (seq INTEGER PRIMARY KEY) STRICT;
CREATE TABLE IF NOT EXISTS event_log_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
CREATE TABLE IF NOT EXISTS event_messages (user TEXT NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY (user, seq)) STRICT, WITHOUT ROWID;
`;

const TRIGGER = `
CREATE TRIGGER IF NOT EXISTS event_blocks_follow_the_tail BEFORE INSERT ON event_blocks
WHEN NEW.first != COALESCE((SELECT last FROM event_blocks ORDER BY first DESC LIMIT 1), 0) + 1
BEGIN SELECT raise(ABORT, '${TAIL_MOVED}'); END;
`;

const INSERT_BLOCK = 'INSERT INTO event_blocks (first, last, ids, body) VALUES (?, ?, ?, ?)';
const INSERT_LABEL = 'INSERT INTO event_labels (seq) VALUES (?)';
const INSERT_MESSAGE = 'INSERT INTO event_messages (user, seq) VALUES (?, ?)';

/** A block closes at this many events or bytes of JSON, whichever comes first. */
const BLOCK_EVENTS = 256;
const BLOCK_BYTES = 512 * 1024;
/**
 * Blocks a scan reads with one query: ~4,000 events, ~2 MB of text. A read is synchronous, and a
 * backtest scans the log on the server's event loop between decisions (64 blocks held it 10–30 ms).
 */
const BLOCKS_PER_READ = 16;

export interface SqliteEventLogOptions {
  durability?: Durability;
  /** Tests only: the id hash, to force collisions (default hash53). */
  idHash?: (id: string) => number;
  /**
   * When the in-memory id index is built: `open` (default), or `first-use` — the first append or lookup
   * by id — for commands that only read the log, which then never wait for it (seconds for 10M events).
   */
  idIndex?: 'open' | 'first-use';
}

interface QueuedAppend {
  events: readonly RiskEvent[];
  resolve: (results: AppendResult[]) => void;
  reject: (error: Error) => void;
}

type BlockRow = [first: number, last: number, body: string];

export class SqliteEventLog implements EventLog {
  private readonly db: SqliteDatabase;
  private readonly writer: SqliteWriter;
  private readonly ids = new IdIndex();
  /** The last sequence number stored and indexed here. */
  private tail = 0;
  /** The id index holds every block stored when it was first needed (see SqliteEventLogOptions.idIndex). */
  private indexed = false;
  private queue: QueuedAppend[] = [];
  private draining: Promise<void> | undefined;
  /** A group's commit is under way: catching up now would index its blocks a second time. */
  private committing = false;
  private closed = false;
  private readonly newBlocks: Statement<[number], [number, number, Buffer]>;
  private readonly blockAt: Statement<[number], BlockRow>;
  private readonly blocksFrom: Statement<[number, number, number], [number, string]>;
  private readonly tailSeq: Statement;
  private readonly hashOf: (id: string) => number;

  constructor(path: string, options: SqliteEventLogOptions = {}) {
    this.db = openSqlite(path, options.durability, { pageSize: 16_384 });
    this.db.exec(SCHEMA);
    this.hashOf = options.idHash ?? seededIdHash(this.db);
    migrateRowPerEvent(this.db, this.hashOf);
    this.db.exec(TRIGGER);
    this.newBlocks = raw(this.db.prepare('SELECT first, last, ids FROM event_blocks WHERE first > ? ORDER BY first'));
    this.blockAt = raw(this.db.prepare('SELECT first, last, body FROM event_blocks WHERE first <= ? ORDER BY first DESC LIMIT 1'));
    this.blocksFrom = raw(this.db.prepare('SELECT first, body FROM event_blocks WHERE first >= ? AND first <= ? ORDER BY first LIMIT ?'));
    this.tailSeq = this.db.prepare('SELECT COALESCE((SELECT last FROM event_blocks ORDER BY first DESC LIMIT 1), 0) AS s');
    if (options.idIndex !== 'first-use') this.catchUp();
    this.writer = new SqliteWriter(path, options.durability);
  }

  /** Memory held by the in-memory id index (23–46 bytes per event). */
  get idIndexBytes(): number {
    return this.ids.bytes;
  }

  async append(event: RiskEvent): Promise<AppendResult> {
    return (await this.appendBatch([event]))[0]!;
  }

  appendBatch(events: readonly RiskEvent[]): Promise<AppendResult[]> {
    if (this.closed) return Promise.reject(new Error('event log is closed'));
    if (events.length === 0) return Promise.resolve([]);
    return new Promise((resolve, reject) => {
      this.queue.push({ events, resolve, reject });
      // Appends made in this turn of the event loop share the commit.
      if (this.queue.length === 1 && !this.draining) setImmediate(() => void this.drain());
    });
  }

  async read(range: ReadRange & { limit?: number }): Promise<LoggedEvent[]> {
    const out: LoggedEvent[] = [];
    for (const batch of this.scan(range, range.limit ?? Number.MAX_SAFE_INTEGER)) out.push(...batch);
    return out;
  }

  async *stream(range: ReadRange & { batchSize?: number } = {}): AsyncIterable<LoggedEvent[]> {
    const batchSize = range.batchSize ?? 10_000;
    let batch: LoggedEvent[] = [];
    for (const events of this.scan(range, Number.MAX_SAFE_INTEGER)) {
      for (const logged of events) {
        batch.push(logged);
        if (batch.length === batchSize) {
          yield batch;
          batch = [];
        }
      }
    }
    if (batch.length > 0) yield batch;
  }

  async *replayStream(range: ReadRange & { decode: ReadonlySet<EventType>; batchSize?: number }): AsyncIterable<Array<LoggedEvent | PassedEvent>> {
    const from = range.fromSeq ?? 1;
    const to = range.toSeq ?? Number.MAX_SAFE_INTEGER;
    // Small by default: a replay applies each batch right after decoding it, while it is in the caches.
    const batchSize = range.batchSize ?? 256;
    const decode = range.decode as ReadonlySet<string>;
    let batch: Array<LoggedEvent | PassedEvent> = [];
    for (const [first, body] of this.blocks(from, to)) {
      let start = 0;
      for (let seq = first; start <= body.length; seq++) {
        const newline = body.indexOf('\n', start);
        const end = newline < 0 ? body.length : newline;
        if (seq >= from && seq <= to) {
          const head = typeAndTime(body, start);
          if (head !== undefined && !decode.has(head.type)) {
            batch.push({ seq, ts: head.ts });
          } else {
            const event = JSON.parse(body.slice(start, end)) as RiskEvent;
            batch.push(decode.has(event.type) ? { seq, event } : { seq, ts: event.ts });
          }
          if (batch.length === batchSize) {
            yield batch;
            batch = [];
          }
        }
        start = end + 1;
      }
    }
    if (batch.length > 0) yield batch;
  }

  /**
   * The sequence number of an event stored by this log, or stored before it was opened or before its
   * last commit, by id; no disk read for an id never stored. (get() also looks for other writers' events.)
   */
  seqOf(id: string): number | undefined {
    this.assertOpen();
    if (!this.indexed) this.catchUp();
    return this.storedWithId(id, this.hashOf(id))?.seq;
  }

  async get(id: string): Promise<LoggedEvent | undefined> {
    this.assertOpen();
    this.catchUp();
    return this.storedWithId(id, this.hashOf(id));
  }

  /** The newest label events (chargebacks, verdicts, ATO reports), newest first. */
  async recentLabels(limit: number): Promise<LoggedEvent[]> {
    const seqs = this.db.prepare('SELECT seq FROM event_labels ORDER BY seq DESC LIMIT ?').pluck().all(limit) as number[];
    return this.eventsAt(seqs);
  }

  /** A user's newest messages, newest first. */
  async recentMessages(user: string, limit: number): Promise<LoggedEvent[]> {
    const seqs = this.db.prepare('SELECT seq FROM event_messages WHERE user = ? ORDER BY seq DESC LIMIT ?').pluck().all(user, limit) as number[];
    return this.eventsAt(seqs);
  }

  async lastSeq(): Promise<number> {
    return (this.tailSeq.get() as { s: number }).s;
  }

  async count(): Promise<number> {
    return (this.db.prepare('SELECT COALESCE(SUM(last - first + 1), 0) AS n FROM event_blocks').get() as { n: number }).n;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    while (this.draining || this.queue.length > 0) await (this.draining ?? this.drain());
    await this.writer.close();
    this.db.close();
  }

  private async drain(): Promise<void> {
    if (this.draining) return this.draining;
    this.draining = (async () => {
      while (this.queue.length > 0) {
        const group = this.queue;
        this.queue = [];
        await this.commitGroup(group);
      }
    })();
    try {
      await this.draining;
    } finally {
      this.draining = undefined;
      // Appends that arrived after the last group was taken start the next one.
      if (this.queue.length > 0) setImmediate(() => void this.drain());
    }
  }

  /** Plan the group against everything stored, commit it, and resolve each append; again if another writer got there first. */
  private async commitGroup(group: QueuedAppend[]): Promise<void> {
    // Planned against what this log has indexed; when another process appended meanwhile, the trigger
    // refuses the commit, and the group is planned again after indexing that process's events.
    if (!this.indexed) this.catchUp();
    for (let attempt = 0; ; attempt++) {
      if (attempt > 0) {
        const before = this.tail;
        this.catchUp();
        if (this.tail === before) {
          // The trigger fired but no other writer's events are there: the stored log is not what this
          // process believes (edited by hand?). Refuse rather than retry forever.
          for (const append of group) append.reject(new Error(`event log ${this.db.name}: the stored tail does not follow seq ${before}`));
          return;
        }
      }
      let plan: Plan | undefined;
      try {
        plan = this.plan(group);
        if (plan.writes.length > 0) {
          this.committing = true;
          const committed = this.writer.runAll(plan.writes);
          this.writer.commitQueued();
          await committed;
        }
      } catch (error) {
        this.committing = false;
        if (plan) this.unplan(plan);
        if ((error as Error).message.includes(TAIL_MOVED)) continue;
        for (const append of group) append.reject(error as Error);
        return;
      }
      this.tail = plan.last;
      this.committing = false;
      group.forEach((append, i) => append.resolve(plan.results[i]!));
      return;
    }
  }

  /**
   * Decide each append (new, or a duplicate of a stored or earlier event) and build the rows. New ids
   * go into the index at once, so a repeat within the group finds them; unplan() takes them out if the
   * commit fails.
   */
  private plan(group: QueuedAppend[]): Plan {
    const base = this.tail;
    // This group's new events: seq - base - 1 indexes `fresh`.
    const fresh: RiskEvent[] = [];
    const hashes: number[] = [];
    const blocks: unknown[][] = [];
    const labels: unknown[][] = [];
    const messages: unknown[][] = [];
    let seq = base;
    let block: { first: number; bodies: string[]; bytes: number } | undefined;
    const closeBlock = () => {
      if (!block) return;
      blocks.push(blockRow(block.first, seq, hashes.slice(block.first - base - 1), block.bodies));
      block = undefined;
    };
    const results = group.map(({ events }) =>
      events.map((event): AppendResult => {
        const hash = this.hashOf(event.id);
        const stored = this.storedWithId(event.id, hash, base, fresh);
        if (stored) {
          // A duplicate id: the stored event wins; say whether the retry carried something else.
          const conflict = canonicalJson(stored.event) !== canonicalJson(event);
          return conflict ? { id: event.id, seq: stored.seq, status: 'duplicate', conflict: true } : { id: event.id, seq: stored.seq, status: 'duplicate' };
        }
        const body = JSON.stringify(event);
        if (block && (seq - block.first + 1 >= BLOCK_EVENTS || block.bytes + body.length > BLOCK_BYTES)) closeBlock();
        seq++;
        fresh.push(event);
        this.ids.add(hash, seq);
        hashes.push(hash);
        block ??= { first: seq, bodies: [], bytes: 0 };
        block.bodies.push(body);
        block.bytes += body.length + 1;
        if (isLabelType(event.type)) labels.push([seq]);
        if (event.type === 'message_sent' && event.entities.user !== undefined) messages.push([event.entities.user, seq]);
        return { id: event.id, seq, status: 'appended' };
      }),
    );
    closeBlock();
    const writes: Write[] = [];
    if (blocks.length > 0) writes.push({ sql: INSERT_BLOCK, rows: blocks });
    if (labels.length > 0) writes.push({ sql: INSERT_LABEL, rows: labels });
    if (messages.length > 0) writes.push({ sql: INSERT_MESSAGE, rows: messages });
    return { results, hashes, writes, last: seq };
  }

  /** Index the blocks stored after our tail (by another writer, or before this log was opened). */
  private catchUp(): void {
    if (this.committing) return;
    this.indexed = true;
    for (const [first, last, hashes] of this.newBlocks.iterate(this.tail)) {
      const view = new Float64Array(hashes.buffer, hashes.byteOffset, hashes.byteLength / 8);
      for (let i = 0; i < view.length; i++) this.ids.add(view[i]!, first + i);
      this.tail = last;
    }
  }

  /** The stored event with this id; while a group is planned, also its new events (after `base`, in `fresh`). */
  private storedWithId(id: string, hash: number, base = this.tail, fresh: readonly RiskEvent[] = []): LoggedEvent | undefined {
    for (const seq of this.ids.candidates(hash)) {
      // Above the tail: planned in this group, or (seen from outside the planning) not committed yet.
      const event = seq > base ? fresh[seq - base - 1] : this.eventAt(seq)?.event;
      if (event?.id === id) return { seq, event };
    }
    return undefined;
  }

  private unplan(plan: Plan): void {
    plan.hashes.forEach((hash, i) => this.ids.remove(hash, this.tail + 1 + i));
  }

  private eventAt(seq: number): LoggedEvent | undefined {
    const row = this.blockAt.get(seq);
    if (!row || seq > row[1]) return undefined;
    const [first, , body] = row;
    let start = 0;
    for (let k = first; k < seq; k++) start = body.indexOf('\n', start) + 1;
    const end = body.indexOf('\n', start);
    return { seq, event: JSON.parse(end < 0 ? body.slice(start) : body.slice(start, end)) as RiskEvent };
  }

  private eventsAt(seqs: number[]): LoggedEvent[] {
    return seqs.map((seq) => this.eventAt(seq)).filter((e): e is LoggedEvent => e !== undefined);
  }

  /** Events from fromSeq to toSeq in log order, at most `limit`, a block's worth at a time. */
  private *scan(range: ReadRange, limit: number): Generator<LoggedEvent[]> {
    const from = range.fromSeq ?? 1;
    const to = range.toSeq ?? Number.MAX_SAFE_INTEGER;
    let count = 0;
    for (const [first, body] of this.blocks(from, to)) {
      const events = JSON.parse(`[${body.replaceAll('\n', ',')}]`) as RiskEvent[];
      const out: LoggedEvent[] = [];
      for (let k = Math.max(0, from - first); k < events.length && first + k <= to && count < limit; k++, count++) out.push({ seq: first + k, event: events[k]! });
      if (out.length > 0) yield out;
      if (count >= limit) return;
    }
  }

  /** The blocks holding seqs from…to, in order, as [first seq, body], 64 rows per query. */
  private *blocks(from: number, to: number): Generator<[number, string]> {
    this.assertOpen();
    let next = this.blockAt.get(from)?.[0] ?? from;
    for (;;) {
      const rows = this.blocksFrom.all(next, to, BLOCKS_PER_READ);
      yield* rows;
      if (rows.length < BLOCKS_PER_READ) return;
      next = rows[rows.length - 1]![0] + 1;
      this.assertOpen();
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('event log is closed');
  }
}

interface Plan {
  results: AppendResult[][];
  /** Id hashes of the appended events, which take the sequence numbers after the tail in order. */
  hashes: number[];
  writes: Write[];
  last: number;
}

const ID_PREFIX = '{"id":"';
const TYPE_PREFIX = ',"type":"';
const TS_PREFIX = '","ts":';

/**
 * The type and time of the event whose JSON starts at `start`, read from the line's head without
 * decoding it — events are stored as {"id":…,"type":…,"ts":…,…} (parseEvent's key order) — or
 * undefined when the line does not start that way (the caller then decodes it).
 */
export function typeAndTime(body: string, start: number): { type: string; ts: number } | undefined {
  if (!body.startsWith(ID_PREFIX, start)) return undefined;
  // The end of the id string: the first quote not escaped by an odd run of backslashes.
  let quote = start + ID_PREFIX.length - 1;
  for (;;) {
    quote = body.indexOf('"', quote + 1);
    if (quote < 0) return undefined;
    let backslashes = 0;
    while (body.charCodeAt(quote - 1 - backslashes) === 92) backslashes++;
    if (backslashes % 2 === 0) break;
  }
  if (!body.startsWith(TYPE_PREFIX, quote + 1)) return undefined;
  const typeStart = quote + 1 + TYPE_PREFIX.length;
  const typeEnd = body.indexOf(TS_PREFIX, typeStart);
  if (typeEnd < 0 || typeEnd - typeStart > 40) return undefined;
  let ts = 0;
  let i = typeEnd + TS_PREFIX.length;
  const digitsFrom = i;
  for (let c = body.charCodeAt(i); c >= 48 && c <= 57; c = body.charCodeAt(++i)) ts = ts * 10 + (c - 48);
  const after = body.charCodeAt(i);
  // Only plain non-negative integers (as parseEvent stores them); anything else is decoded.
  if (i === digitsFrom || i - digitsFrom > 15 || (after !== 44 && after !== 125)) return undefined;
  return { type: body.slice(typeStart, typeEnd), ts };
}

/** An `event_blocks` row: the events' id hashes as float64s, their JSON one per line. */
function blockRow(first: number, last: number, hashes: number[], bodies: string[]): [number, number, Buffer, string] {
  return [first, last, Buffer.from(new Float64Array(hashes).buffer), bodies.join('\n')];
}

/**
 * The id hash of this log: hash53 with the log's own random seed, kept in the log, so that a client
 * choosing event ids cannot work out ids that pile up in one run of the id index's slots. A log that
 * held events before it had a seed keeps the unseeded hash its stored hashes were made with.
 */
function seededIdHash(db: SqliteDatabase): (id: string) => number {
  const read = () => db.prepare("SELECT value FROM event_log_meta WHERE key = 'id_hash_seed'").pluck().get() as string | undefined;
  let seed = read();
  if (seed === undefined) {
    db.transaction(() => {
      if (read() !== undefined) return; // another process set it first
      const legacy =
        db.prepare('SELECT 1 FROM event_blocks LIMIT 1').get() !== undefined ||
        db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'events'").get() !== undefined;
      const fresh = legacy ? [0, 0] : [randomBytes(4).readInt32LE(0), randomBytes(4).readInt32LE(0)];
      db.prepare("INSERT INTO event_log_meta (key, value) VALUES ('id_hash_seed', ?)").run(fresh.join(':'));
    }).immediate();
    seed = read()!;
  }
  const [a, b] = seed.split(':').map(Number) as [number, number];
  return a === 0 && b === 0 ? hash53 : (id) => hash53(id, a, b);
}

function raw<P extends unknown[], R>(statement: Statement): Statement<P, R> {
  return statement.raw(true) as unknown as Statement<P, R>;
}

/**
 * Logs written before events were stored in blocks kept one row per event (`events`, with a unique id
 * index): move them into blocks once, keeping every sequence number.
 */
function migrateRowPerEvent(db: SqliteDatabase, hashOf: (id: string) => number): void {
  const exists = () => db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'events'").get() !== undefined;
  if (!exists()) return;
  db.transaction(() => {
    if (!exists()) return; // another process migrated it first
    const insertBlock = db.prepare(INSERT_BLOCK);
    const insertLabel = db.prepare(INSERT_LABEL);
    const insertMessage = db.prepare(INSERT_MESSAGE);
    let block: { first: number; last: number; hashes: number[]; bodies: string[] } | undefined;
    const flush = () => {
      if (block) insertBlock.run(...blockRow(block.first, block.last, block.hashes, block.bodies));
      block = undefined;
    };
    const total = db.prepare('SELECT COUNT(*) FROM events').pluck().get() as number;
    const shown = progress('event log → blocks', total);
    const page = db.prepare('SELECT seq, id, body FROM events WHERE seq > ? ORDER BY seq LIMIT 10000').raw(true);
    let after = 0;
    let done = 0;
    for (;;) {
      const rows = page.all(after) as Array<[number, string, string]>;
      if (rows.length === 0) break;
      shown.update((done += rows.length));
      for (const [seq, id, body] of rows) {
        if (block && (block.last !== seq - 1 || block.hashes.length >= BLOCK_EVENTS)) flush();
        block ??= { first: seq, last: seq - 1, hashes: [], bodies: [] };
        block.hashes.push(hashOf(id));
        block.bodies.push(body);
        block.last = seq;
        const event = JSON.parse(body) as RiskEvent;
        if (isLabelType(event.type)) insertLabel.run(seq);
        if (event.type === 'message_sent' && event.entities.user !== undefined) insertMessage.run(event.entities.user, seq);
      }
      after = rows[rows.length - 1]![0];
    }
    flush();
    db.exec('DROP TABLE events');
    shown.stop(`${total} events moved into blocks (once, for this version of the log)`);
  }).immediate();
}
