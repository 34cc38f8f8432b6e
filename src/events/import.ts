// Bulk import of events from NDJSON or CSV. Every line is validated on its own: bad lines are reported
// with their line number and field, good lines are appended in batches, and nothing good is dropped
// because a neighbour was bad.
import { createReadStream } from 'node:fs';
import { readTextFile } from '../lib/files.js';
import { isUtf8 } from 'node:buffer';
import { parse as parseCsv } from 'csv-parse';
import { parserReason } from '../lib/json-reason.js';
import type { AppendResult } from './log.js';
import { futureTimeError, parseEvent, type FieldError } from './validate.js';
import type { RiskEvent } from './schema.js';

export interface SourceRecord {
  line: number;
  /** The decoded record, or the reason it could not be decoded. */
  value: unknown;
  decodeError?: string;
  /** The field the decode error is about, when it is about one (a CSV cell that does not convert). */
  decodePath?: string;
}

export interface RejectedLine {
  line: number;
  errors: FieldError[];
}

export interface ImportReport {
  read: number;
  appended: number;
  /** Events already in the log with the same body (a re-run import): nothing changes. */
  duplicates: number;
  /** Lines not stored: malformed, invalid, or an id already stored with a different body (a conflict). */
  rejected: RejectedLine[];
  /** Of the rejected lines, those whose id was already stored with a different body. */
  conflicts: number;
}

const CONFLICT: FieldError = { path: 'id', message: 'was already used by another event with a different body (the stored one is kept); a new event needs a new id' };

export interface ImportOptions {
  batchSize?: number;
  /** Called after each batch is durably appended. */
  onProgress?: (report: ImportReport) => void;
  /** The clock event times are judged against (no more than a day ahead of it). */
  now?: number;
}

/** Where imported events go: the event log's appendBatch, or the online feature store's ingest. */
export type AppendEvents = (events: readonly RiskEvent[]) => Promise<AppendResult[]>;

export async function importRecords(
  append: AppendEvents,
  records: AsyncIterable<SourceRecord>,
  options: ImportOptions = {},
): Promise<ImportReport> {
  const batchSize = options.batchSize ?? 5_000;
  const now = options.now ?? Date.now();
  const report: ImportReport = { read: 0, appended: 0, duplicates: 0, rejected: [], conflicts: 0 };
  let batch: RiskEvent[] = [];
  let lines: number[] = [];
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    (await append(batch)).forEach((result, i) => {
      if (result.status === 'appended') report.appended++;
      else if (!result.conflict) report.duplicates++;
      else {
        report.conflicts++;
        report.rejected.push({ line: lines[i]!, errors: [CONFLICT] });
      }
    });
    batch = [];
    lines = [];
    options.onProgress?.(report);
  };
  for await (const record of records) {
    report.read++;
    if (record.decodeError !== undefined) {
      report.rejected.push({ line: record.line, errors: [{ path: record.decodePath ?? '', message: record.decodeError }] });
      continue;
    }
    const parsed = parseEvent(record.value);
    if (!parsed.ok) {
      report.rejected.push({ line: record.line, errors: parsed.errors });
      continue;
    }
    // Past events are what an import is for; one from the future would be the engine's clock until then.
    const ahead = futureTimeError(parsed.event.ts, now);
    if (ahead) {
      report.rejected.push({ line: record.line, errors: [ahead] });
      continue;
    }
    batch.push(parsed.event);
    lines.push(record.line);
    if (batch.length >= batchSize) await flush();
  }
  await flush();
  return report;
}

/** One record per non-empty line of newline-delimited JSON. */
export async function* readNdjson(path: string): AsyncIterable<SourceRecord> {
  let line = 0;
  for await (const raw of byteLines(path)) {
    const bytes = withoutCarriageReturn(raw);
    line++;
    // Read as UTF-8 with every bad byte turned into U+FFFD, a line would lose what it said (two ids
    // in Latin-1 becoming one): it is refused instead.
    if (!isUtf8(bytes)) {
      yield { line, value: undefined, decodeError: 'is not valid UTF-8 (NDJSON must be encoded as UTF-8)' };
      continue;
    }
    const read = bytes.toString('utf8');
    // A byte-order mark some editors put at the start of a UTF-8 file is not part of the first line.
    const text = line === 1 && read.startsWith('\uFEFF') ? read.slice(1) : read;
    if (text.trim() === '') continue;
    try {
      yield { line, value: JSON.parse(text) };
    } catch (error) {
      yield { line, value: undefined, decodeError: `malformed JSON${parserReason((error as Error).message)}` };
    }
  }
}

/** The file's lines as bytes, without their \n (a \r\n line keeps its \r; a lone \r does not end a line). */
async function* byteLines(path: string): AsyncIterable<Buffer> {
  // The unfinished line's pieces, joined once it ends: a long line costs its length, not its square.
  let pieces: Buffer[] = [];
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    let start = 0;
    for (let end = chunk.indexOf(10, start); end !== -1; end = chunk.indexOf(10, start)) {
      const tail = chunk.subarray(start, end);
      yield pieces.length === 0 ? tail : Buffer.concat([...pieces, tail]);
      pieces = [];
      start = end + 1;
    }
    if (start < chunk.length) pieces.push(chunk.subarray(start));
  }
  if (pieces.length > 0) yield Buffer.concat(pieces);
}

/**
 * Where each line of a file starts (byte offsets) and which lines are blank — csv-parse says where a
 * record ends, in bytes; the line a record starts on is what a person looks for (its own line count
 * reads a quoted line break written CRLF as two, and names a record's last line) — refusing the file
 * at its first line that is not UTF-8 (no UTF-8 character holds a line break, so this checks it all).
 */
async function utf8LineMap(path: string): Promise<{ starts: number[]; blank: Set<number> }> {
  const starts = [0];
  const blank = new Set<number>();
  for await (const raw of byteLines(path)) {
    const line = starts.length; // 1-based
    if (!isUtf8(raw)) throw new Error(`${path} is not valid UTF-8 (line ${line}): CSV files must be encoded as UTF-8`);
    if (raw.length === 0 || (raw.length === 1 && raw[0] === 13)) blank.add(line - 1);
    starts.push(starts[line - 1]! + raw.length + 1);
  }
  return { starts, blank };
}

function withoutCarriageReturn(line: Buffer): Buffer {
  return line.length > 0 && line[line.length - 1] === 13 ? line.subarray(0, line.length - 1) : line;
}

export type ColumnType = 'string' | 'number' | 'integer' | 'boolean' | 'list' | 'json' | 'auto';

/**
 * How CSV columns become event fields. `fields` maps a dotted event path (`id`, `ts`, `entities.user`,
 * `payload.amount`, …) to a column name, or to `{ column, as }` to convert the cell. `defaults` gives
 * constant values for paths no column provides (for example a file holding one event type).
 */
export interface CsvMapping {
  fields: Record<string, string | { column: string; as?: ColumnType }>;
  defaults?: Record<string, unknown>;
}

export function loadCsvMapping(path: string): CsvMapping {
  let mapping: unknown;
  try {
    mapping = JSON.parse(readTextFile(path));
  } catch (error) {
    throw new Error(`mapping file ${path}: ${(error as Error).message}`);
  }
  const m = mapping as Partial<CsvMapping>;
  if (typeof m !== 'object' || m === null || typeof m.fields !== 'object' || m.fields === null) {
    throw new Error(`mapping file ${path}: must be an object with a "fields" object`);
  }
  // A misspelt key ("default") would otherwise be dropped, and every row fail for want of what it gave.
  const unknown = Object.keys(m).filter((key) => key !== 'fields' && key !== 'defaults');
  if (unknown.length > 0) throw new Error(`mapping file ${path}: unknown key(s) ${unknown.map((k) => `"${k}"`).join(', ')}; a mapping has "fields" and "defaults"`);
  if (m.defaults !== undefined && (typeof m.defaults !== 'object' || m.defaults === null || Array.isArray(m.defaults))) {
    throw new Error(`mapping file ${path}: "defaults" must be an object of field paths and values`);
  }
  for (const path_ of Object.keys(m.defaults ?? {})) {
    if (path_.split('.').some((part) => part === '' || UNSAFE_SEGMENTS.has(part))) throw new Error(`mapping file ${path}: default path "${path_}" is not allowed`);
  }
  for (const [path_, spec] of Object.entries(m.fields)) {
    const column = typeof spec === 'string' ? spec : spec?.column;
    if (typeof column !== 'string' || column === '') {
      throw new Error(`mapping file ${path}: fields.${path_} must name a column`);
    }
    if (path_.split('.').some((part) => part === '' || UNSAFE_SEGMENTS.has(part))) {
      throw new Error(`mapping file ${path}: field path "${path_}" is not allowed`);
    }
    const as = typeof spec === 'string' ? 'auto' : (spec.as ?? 'auto');
    if (!['string', 'number', 'integer', 'boolean', 'list', 'json', 'auto'].includes(as)) {
      throw new Error(`mapping file ${path}: fields.${path_}.as must be one of string, number, integer, boolean, list, json, auto`);
    }
  }
  return m as CsvMapping;
}

/** The 1-based line of the first non-blank line starting at byte `offset` (a line start). */
function lineStartingAt(map: { starts: number[]; blank: Set<number> }, offset: number): number {
  let lo = 0;
  let hi = map.starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (map.starts[mid]! <= offset) lo = mid;
    else hi = mid - 1;
  }
  while (map.blank.has(lo) && lo < map.starts.length - 1) lo++;
  return lo + 1;
}

/**
 * One record per CSV row (after the header row), built through the mapping. Every row is either read
 * or reported by line: a row with more or fewer cells than the header is a rejected line, not cut or
 * padded, and lines may end in CRLF or LF within one file (two exports joined).
 */
export async function* readCsv(path: string, mapping: CsvMapping): AsyncIterable<SourceRecord> {
  const checkHeader = (header: string[]): string[] => {
    const repeated = header.filter((column, i) => header.indexOf(column) !== i);
    if (repeated.length > 0) throw new Error(`CSV header repeats column(s): ${[...new Set(repeated)].join(', ')} (which cell would be meant?)`);
    const missing = Object.values(mapping.fields)
      .map((spec) => (typeof spec === 'string' ? spec : spec.column))
      .filter((column) => !header.includes(column));
    if (missing.length > 0) throw new Error(`CSV header lacks mapped column(s): ${missing.join(', ')}`);
    return header;
  };
  // Bytes that are not UTF-8 would be read as U+FFFD (two ids becoming one): the whole file is checked
  // before a row of it is imported, and refused naming the line.
  const lines = await utf8LineMap(path);
  // A record that cannot be read (a quote never closed) is reported as a rejected line, and the rest
  // imported; a quote inside an unquoted cell (`a 27" screen`) is the text it is.
  const unreadable: Array<{ end: number; message: string }> = [];
  const parser = createReadStream(path).pipe(
    parseCsv({
      columns: checkHeader,
      skip_empty_lines: true,
      relax_column_count: true,
      relax_quotes: true,
      skip_records_with_error: true,
      info: true,
      bom: true,
      record_delimiter: ['\r\n', '\n'],
    }),
  );
  parser.on('skip', (error: Error & { bytes?: number }) => unreadable.push({ end: error.bytes ?? 0, message: error.message.replace(/ at line \d+$/, '') }));
  // Records end where the next begins: the first one after the header's line.
  let previousEnd = lines.starts[1] ?? 0;
  const skipped = function* (before: number): Generator<SourceRecord> {
    while (unreadable.length > 0 && unreadable[0]!.end <= before) {
      const { end, message } = unreadable.shift()!;
      yield { line: lineStartingAt(lines, previousEnd), value: undefined, decodeError: `cannot be read as CSV: ${message}` };
      previousEnd = end;
    }
  };
  for await (const row of parser as AsyncIterable<{ record: Record<string, string>; info: { bytes: number; index: number; columns: unknown[] } }>) {
    yield* skipped(row.info.bytes);
    const line = lineStartingAt(lines, previousEnd);
    previousEnd = row.info.bytes;
    if (row.info.index !== row.info.columns.length) {
      yield { line, value: undefined, decodeError: `has ${row.info.index} cells, the header ${row.info.columns.length}` };
      continue;
    }
    try {
      yield { line, value: mapRow(row.record, mapping) };
    } catch (error) {
      yield error instanceof CellError ? { line, value: undefined, decodeError: error.message, decodePath: error.path } : { line, value: undefined, decodeError: (error as Error).message };
    }
  }
  yield* skipped(Infinity);
}

function mapRow(row: Record<string, string>, mapping: CsvMapping): Record<string, unknown> {
  const event: Record<string, unknown> = { entities: {}, payload: {} };
  // A copy per row: a default that is an object (payload: {currency}) would otherwise be the same
  // object in every row, and one row's cells written into it would reach the rows after.
  for (const [path, value] of Object.entries(mapping.defaults ?? {})) setPath(event, path, structuredClone(value));
  for (const [path, spec] of Object.entries(mapping.fields)) {
    const column = typeof spec === 'string' ? spec : spec.column;
    const as = typeof spec === 'string' ? 'auto' : (spec.as ?? 'auto');
    const cell = row[column];
    if (cell === undefined || cell === '') continue;
    setPath(event, path, convert(cell, as, path, column));
  }
  return event;
}

const DECIMAL = /^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/;
const INTEGER = /^\s*[-+]?\d+\s*$/;

function convert(cell: string, as: ColumnType, path: string, column: string): unknown {
  const fail = (what: string): never => {
    throw new CellError(path, `column "${column}" value ${JSON.stringify(cell.slice(0, 40))} is not ${what}`);
  };
  switch (as) {
    case 'string':
      return cell;
    // Decimal notation only: Number() would also read "" and "  " (as 0), "0x1f" and "Infinity".
    case 'number':
      return DECIMAL.test(cell) && Number.isFinite(Number(cell)) ? Number(cell) : fail('a finite number');
    case 'integer':
      return INTEGER.test(cell) && Number.isSafeInteger(Number(cell)) ? Number(cell) : fail('an integer');
    case 'boolean': {
      const v = cell.trim().toLowerCase();
      if (['true', '1', 'yes'].includes(v)) return true;
      if (['false', '0', 'no'].includes(v)) return false;
      return fail('a boolean (true/false, yes/no or 1/0)');
    }
    case 'list':
      return cell.split('|').map((s) => s.trim()).filter((s) => s !== '');
    case 'json':
      try {
        return JSON.parse(cell);
      } catch {
        return fail('valid JSON');
      }
    case 'auto':
      // Event times often come as epoch milliseconds in CSV exports; everything else stays text.
      return path === 'ts' && /^\d+$/.test(cell.trim()) ? Number(cell) : cell;
  }
}

const UNSAFE_SEGMENTS = new Set(['__proto__', 'constructor', 'prototype']);

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  if (parts.some((p) => UNSAFE_SEGMENTS.has(p) || p === '')) throw new Error(`mapping path "${path}" is not allowed`);
  let node = target;
  for (const part of parts.slice(0, -1)) {
    if (typeof node[part] !== 'object' || node[part] === null) node[part] = {};
    node = node[part] as Record<string, unknown>;
  }
  node[parts[parts.length - 1]!] = value;
}

/** A CSV cell that does not convert to what its field needs: reported under the field's path. */
class CellError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(message);
  }
}
