import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EXAMPLE_EVENTS } from './examples.js';
import { importRecords, loadCsvMapping, readCsv, readNdjson } from './import.js';
import { SqliteEventLog } from './stores/sqlite.js';

describe('events import', () => {
  let dir: string;
  let log: SqliteEventLog;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'rg-import-'));
    log = new SqliteEventLog(join(dir, 'events.db'), { durability: 'os' });
  });
  afterEach(async () => {
    await log.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('imports NDJSON, reporting bad lines by number and field and keeping the good ones', async () => {
    const login = EXAMPLE_EVENTS.login;
    const lines = [
      JSON.stringify({ ...login, id: 'ok1' }),
      '{"id": "broken",',
      '',
      JSON.stringify({ ...login, id: 'bad_amount_type', payload: { success: 'yes' } }),
      JSON.stringify({ ...EXAMPLE_EVENTS.booking_attempted, id: 'pan', entities: { ...EXAMPLE_EVENTS.booking_attempted.entities as object, card: '4111111111111111' } }),
      JSON.stringify({ ...login, id: 'ok2' }),
      JSON.stringify({ ...login, id: 'ok1' }),
    ];
    const file = join(dir, 'events.ndjson');
    writeFileSync(file, lines.join('\n'));
    const report = await importRecords((events) => log.appendBatch(events), readNdjson(file), { batchSize: 2 });
    expect(report.read).toBe(6);
    expect(report.appended).toBe(2);
    expect(report.duplicates).toBe(1);
    expect(report.rejected.map((r) => r.line)).toEqual([2, 4, 5]);
    expect(report.rejected[0]!.errors[0]!.message).toMatch(/malformed JSON/);
    expect(report.rejected[1]!.errors).toEqual([{ path: 'payload.success', message: 'must be boolean' }]);
    expect(report.rejected[2]!.errors[0]!.path).toBe('entities.card');
    expect((await log.read({})).map((e) => e.event.id)).toEqual(['ok1', 'ok2']);
  });

  it('refuses a line dated more than a day ahead of the clock (it would be the features\' clock until then)', async () => {
    const login = EXAMPLE_EVENTS.login as { ts: string };
    const now = Date.parse(login.ts);
    const file = join(dir, 'events.ndjson');
    writeFileSync(file, [JSON.stringify({ ...login, id: 'today' }), JSON.stringify({ ...login, id: 'typo', ts: '2062-03-06T10:00:00Z' }), JSON.stringify({ ...login, id: 'tomorrow', ts: new Date(now + 23 * 3_600_000).toISOString() })].join('\n'));
    const report = await importRecords((events) => log.appendBatch(events), readNdjson(file), { now });
    expect(report.rejected).toEqual([{ line: 2, errors: [{ path: 'ts', message: expect.stringMatching(/^is \d+\.\d hours in the future; at most 24 hours of clock skew are accepted$/) }] }]);
    expect((await log.read({})).map((e) => e.event.id)).toEqual(['today', 'tomorrow']);
  });

  it('does not repeat a malformed line\'s text in its error (it may hold a card number)', async () => {
    const file = join(dir, 'bad.ndjson');
    writeFileSync(file, 'not json 4111111111111111\n');
    const report = await importRecords((events) => log.appendBatch(events), readNdjson(file));
    expect(report.rejected).toEqual([{ line: 1, errors: [{ path: '', message: expect.stringMatching(/^malformed JSON/) }] }]);
    expect(report.rejected[0]!.errors[0]!.message).not.toContain('4111');
  });

  it('imports CSV through a column mapping, with conversions and defaults', async () => {
    const csv = [
      'event_id,when,who,card_fp,amt,state,code',
      'p1,1767225600000,u_1,cf_1,12.50,approved,',
      'p2,2026-01-01T00:05:00Z,u_1,cf_1,abc,declined,do_not_honor',
      'p3,2026-01-01T00:06:00Z,u_2,cf_2,-3,approved,',
      '"p4",2026-01-01T00:07:00Z,u_2,cf_2,99,declined,',
      'p5,2026-01-01T00:08:00Z,u_3,cf_3,7,failed,',
    ].join('\n');
    const mapping = {
      fields: {
        id: 'event_id',
        ts: 'when',
        'entities.user': 'who',
        'entities.card': 'card_fp',
        'payload.amount': { column: 'amt', as: 'number' },
        'payload.status': 'state',
        'payload.decline_code': 'code',
      },
      defaults: { type: 'payment_attempted', 'payload.currency': 'EUR' },
    };
    writeFileSync(join(dir, 'p.csv'), csv);
    writeFileSync(join(dir, 'map.json'), JSON.stringify(mapping));
    const report = await importRecords((events) => log.appendBatch(events), readCsv(join(dir, 'p.csv'), loadCsvMapping(join(dir, 'map.json'))));
    expect(report.appended).toBe(2);
    expect(report.rejected).toEqual([
      { line: 3, errors: [{ path: 'payload.amount', message: 'column "amt" value "abc" is not a finite number' }] },
      { line: 4, errors: [{ path: 'payload.amount', message: 'must be >= 0' }] },
      { line: 5, errors: [{ path: 'payload.decline_code', message: 'is required when status is declined' }] },
    ]);
    const stored = await log.read({});
    expect(stored.map((e) => e.event.id)).toEqual(['p1', 'p5']);
    expect(stored[0]!.event).toMatchObject({ ts: 1767225600000, payload: { amount: 12.5, currency: 'EUR' } });
  });

  it('gives each CSV row its own defaults: an object default carries no cell of one row into the next', async () => {
    const csv = ['event_id,when,who,card_fp,state,code', 'q1,1767225600000,u_1,cf_1,declined,05', 'q2,1767225601000,u_1,cf_1,approved,'].join('\n');
    const mapping = {
      fields: { id: 'event_id', ts: 'when', 'entities.user': 'who', 'entities.card': 'card_fp', 'payload.status': 'state', 'payload.decline_code': 'code' },
      defaults: { type: 'payment_attempted', payload: { currency: 'EUR', amount: 10 } },
    };
    writeFileSync(join(dir, 'q.csv'), csv);
    writeFileSync(join(dir, 'qmap.json'), JSON.stringify(mapping));
    const report = await importRecords((events) => log.appendBatch(events), readCsv(join(dir, 'q.csv'), loadCsvMapping(join(dir, 'qmap.json'))));
    expect(report.appended).toBe(2);
    expect((await log.get('q1'))!.event.payload).toEqual({ currency: 'EUR', amount: 10, status: 'declined', decline_code: '05' });
    expect((await log.get('q2'))!.event.payload).toEqual({ currency: 'EUR', amount: 10, status: 'approved' });
  });

  it('reads or reports every CSV row: mixed line endings, rows with more or fewer cells than the header', async () => {
    const rows = ['id,when,who,ok', 'l1,1767225600000,u_1,true', 'l2,1767225601000,u_1,true', 'l3,1767225602000,u_2,true,extra', 'l4,1767225603000,u_2', 'l5,1767225604000,u_3,false'];
    // Two exports joined: CRLF for the first lines, LF for the rest.
    writeFileSync(join(dir, 'l.csv'), `${rows.slice(0, 3).join('\r\n')}\r\n${rows.slice(3).join('\n')}\n`);
    writeFileSync(join(dir, 'map.json'), JSON.stringify({ fields: { id: 'id', ts: 'when', 'entities.user': 'who', 'payload.success': { column: 'ok', as: 'boolean' } }, defaults: { type: 'login', 'entities.device': 'd_1', 'entities.ip': '192.0.2.1' } }));
    const report = await importRecords((events) => log.appendBatch(events), readCsv(join(dir, 'l.csv'), loadCsvMapping(join(dir, 'map.json'))));
    expect(report.read).toBe(5);
    expect((await log.read({})).map((e) => e.event.id)).toEqual(['l1', 'l2', 'l5']);
    expect(report.rejected).toEqual([
      { line: 4, errors: [{ path: '', message: 'has 5 cells, the header 4' }] },
      { line: 5, errors: [{ path: '', message: 'has 3 cells, the header 4' }] },
    ]);
  });

  it('names the line a record starts on, imports past an unreadable record, reads a bare quote as text, refuses a repeated column', async () => {
    writeFileSync(join(dir, 'm.json'), JSON.stringify({ fields: { id: 'id', ts: 'when', 'entities.user': 'who', 'payload.success': { column: 'ok', as: 'boolean' } }, defaults: { type: 'login', 'entities.device': 'd_1', 'entities.ip': '192.0.2.1' } }));
    const lines = [
      'id,when,who,ok', // 1
      'm1,1767225800000,"u_1\r\nstill u_1",true', // 2–3: a quoted line break, CRLF
      '', // 4: blank
      'm2,1767225801000,u_2,maybe', // 5: a bad cell
      'm3,1767225802000,u_3 with a 27" screen,true', // 6: a bare quote in an unquoted cell
      'm4,1767225803000,"u_4', // 7–8: multi-line, then a bad cell
      '",nope',
      'm5,1767225804000,u_5,true', // 9
      'm6,1767225805000,"never closed,true', // 10–11: swallows the rest
      'm7,1767225806000,u_7,true',
    ];
    writeFileSync(join(dir, 'm.csv'), `${lines.join('\n')}\n`);
    const report = await importRecords((events) => log.appendBatch(events), readCsv(join(dir, 'm.csv'), loadCsvMapping(join(dir, 'm.json'))));
    expect(report.rejected.map((r) => [r.line, r.errors[0]!.message])).toEqual([
      [2, expect.stringMatching(/must not contain control characters/)], // an id may not hold a line break
      [5, expect.stringMatching(/value "maybe" is not/)],
      [7, expect.stringMatching(/value "nope" is not/)],
      [10, expect.stringMatching(/^cannot be read as CSV: Quote Not Closed/)],
    ]);
    expect((await log.get('m3'))?.event.entities.user).toBe('u_3 with a 27" screen');
    expect((await log.get('m5'))?.event.id).toBe('m5');
    // With a byte order mark and CRLF line ends, blank lines and a quoted line break, too.
    writeFileSync(join(dir, 'bom.csv'), '\uFEFFid,when,who\r\nb1,1767225800000,u_1\r\n\r\nb2,x,u_2\r\nb3,1767225800000,"u\r\n3"\r\nb4,y,u\r\n');
    const bomLines: number[] = [];
    for await (const record of readCsv(join(dir, 'bom.csv'), { fields: { id: 'id', ts: { column: 'when', as: 'integer' }, 'entities.user': 'who' } })) bomLines.push(record.line);
    expect(bomLines).toEqual([2, 4, 5, 7]);
    writeFileSync(join(dir, 'twice.csv'), 'id,when,who,ok,ok\nt1,1767225900000,u_1,true,false\n');
    await expect(importRecords((events) => log.appendBatch(events), readCsv(join(dir, 'twice.csv'), loadCsvMapping(join(dir, 'm.json'))))).rejects.toThrow(/CSV header repeats column\(s\): ok/);
    expect(await log.get('t1')).toBeUndefined();
  });

  it('reads integers and numbers in decimal notation only: a blank cell is not a 0, nor is 0x3 a 3', async () => {
    const rows = ['id,when,who,tz', 'z1,1767225700000,u_1,  ', 'z2,1767225701000,u_1,0x3', 'z3,1767225702000,u_1,-60', 'z4,1767225703000,u_1,1e2'];
    writeFileSync(join(dir, 'z.csv'), rows.join('\n'));
    writeFileSync(join(dir, 'map.json'), JSON.stringify({ fields: { id: 'id', ts: 'when', 'entities.user': 'who', 'context.tz_offset_min': { column: 'tz', as: 'integer' } }, defaults: { type: 'login', 'entities.device': 'd_1', 'entities.ip': '192.0.2.1', 'payload.success': true } }));
    const report = await importRecords((events) => log.appendBatch(events), readCsv(join(dir, 'z.csv'), loadCsvMapping(join(dir, 'map.json'))));
    expect(report.rejected.map((r) => [r.line, r.errors[0]!.message])).toEqual([
      [2, expect.stringMatching(/value " {2}" is not an integer/)],
      [3, expect.stringMatching(/value "0x3" is not an integer/)],
      [5, expect.stringMatching(/value "1e2" is not an integer/)],
    ]);
    expect((await log.get('z3'))?.event.context?.tz_offset_min).toBe(-60);
  });

  it('reports an id already stored with another body as a rejected line (a conflict), a retry as a duplicate', async () => {
    const login = { ...EXAMPLE_EVENTS.login, id: 'conflict1' };
    writeFileSync(join(dir, 'c.ndjson'), [JSON.stringify(login), JSON.stringify(login), JSON.stringify({ ...login, payload: { success: false } })].join('\n'));
    const report = await importRecords((events) => log.appendBatch(events), readNdjson(join(dir, 'c.ndjson')), { batchSize: 1 });
    expect([report.appended, report.duplicates, report.conflicts]).toEqual([1, 1, 1]);
    expect(report.rejected).toEqual([{ line: 3, errors: [{ path: 'id', message: expect.stringMatching(/^was already used by another event with a different body/) }] }]);
  });

  it('reads an NDJSON file that starts with a byte-order mark', async () => {
    writeFileSync(join(dir, 'bom.ndjson'), `\uFEFF${JSON.stringify({ ...EXAMPLE_EVENTS.login, id: 'bom1' })}\n`);
    const report = await importRecords((events) => log.appendBatch(events), readNdjson(join(dir, 'bom.ndjson')));
    expect([report.appended, report.rejected]).toEqual([1, []]);
  });

  it('refuses a mapping that names a column the CSV lacks, or an unsafe path', async () => {
    writeFileSync(join(dir, 'p.csv'), 'a,b\n1,2\n');
    writeFileSync(join(dir, 'map.json'), JSON.stringify({ fields: { id: 'a', ts: 'nope' } }));
    await expect(importRecords((events) => log.appendBatch(events), readCsv(join(dir, 'p.csv'), loadCsvMapping(join(dir, 'map.json'))))).rejects.toThrow(
      /lacks mapped column\(s\): nope/,
    );
    // Also when the file holds the header alone.
    writeFileSync(join(dir, 'h.csv'), 'a,b\n');
    await expect(importRecords((events) => log.appendBatch(events), readCsv(join(dir, 'h.csv'), loadCsvMapping(join(dir, 'map.json'))))).rejects.toThrow(/lacks mapped column\(s\): nope/);
    writeFileSync(join(dir, 'evil.json'), JSON.stringify({ fields: { '__proto__.polluted': 'a' } }));
    expect(() => loadCsvMapping(join(dir, 'evil.json'))).toThrow(/not allowed/);
    writeFileSync(join(dir, 'evil-default.json'), '{"fields": {"id": "a"}, "defaults": {"__proto__.x": 1}}');
    expect(() => loadCsvMapping(join(dir, 'evil-default.json'))).toThrow(/default path "__proto__.x" is not allowed/);
    writeFileSync(join(dir, 'misspelt.json'), '{"fields": {"id": "a"}, "default": {"type": "login"}}');
    expect(() => loadCsvMapping(join(dir, 'misspelt.json'))).toThrow(/unknown key\(s\) "default"; a mapping has "fields" and "defaults"/);
    writeFileSync(join(dir, 'junk.json'), '{');
    expect(() => loadCsvMapping(join(dir, 'junk.json'))).toThrow(/mapping file/);
  });

  it('refuses bytes that are not UTF-8 instead of reading them as U+FFFD (two Latin-1 ids would become one)', async () => {
    const login = EXAMPLE_EVENTS.login;
    const good = Buffer.from(JSON.stringify({ ...login, id: 'u8_ok', entities: { ...(login.entities as object), user: 'u_é' } }));
    const latin1 = Buffer.concat([Buffer.from(JSON.stringify({ ...login, id: 'u8_bad' }).replace('"u8_bad"', '"u8_bad_')), Buffer.from([0xe9]), Buffer.from('"')]);
    const file = join(dir, 'mixed.ndjson');
    writeFileSync(file, Buffer.concat([good, Buffer.from('\r\n'), latin1, Buffer.from('\n'), Buffer.from(JSON.stringify({ ...login, id: 'u8_last' }))]));
    const report = await importRecords((events) => log.appendBatch(events), readNdjson(file));
    expect((await log.read({})).map((e) => [e.event.id, e.event.entities.user])).toEqual([
      ['u8_ok', 'u_é'],
      ['u8_last', (login.entities as { user: string }).user],
    ]);
    expect(report.rejected).toEqual([{ line: 2, errors: [{ path: '', message: 'is not valid UTF-8 (NDJSON must be encoded as UTF-8)' }] }]);

    // A CSV file is checked whole before any row of it is imported: the good row before the bad byte stays out too.
    writeFileSync(join(dir, 'l.csv'), Buffer.concat([Buffer.from('id,when,who\nl0,1767225600000,u_é\nl1,1767225600000,u_'), Buffer.from([0xe9]), Buffer.from('\n')]));
    writeFileSync(join(dir, 'map.json'), JSON.stringify({ fields: { id: 'id', ts: 'when', 'entities.user': 'who' }, defaults: { type: 'login', 'payload.success': true, 'entities.device': 'd_1', 'entities.ip': '192.0.2.1' } }));
    await expect(importRecords((events) => log.appendBatch(events), readCsv(join(dir, 'l.csv'), loadCsvMapping(join(dir, 'map.json'))))).rejects.toThrow(/l\.csv is not valid UTF-8 \(line 3\): CSV files must be encoded as UTF-8/);
    expect((await log.read({})).map((e) => e.event.id)).not.toContain('l0');
  });
});
