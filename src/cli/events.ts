import { once } from 'node:events';
import { closeSync, openSync, readSync, statSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import {
  importRecords,
  loadCsvMapping,
  readCsv,
  readNdjson,
  SqliteEventLog,
  type SourceRecord,
} from '../events/index.js';
import { eventLogPath } from '../lib/config.js';
import { openEmbedded } from '../runtime/embedded.js';
import { RECOVERY_WINDOW } from '../features/index.js';
import { progress } from '../lib/progress.js';
import { checkPeriod, existingFile, writablePath, UserError, parseNumberOption } from './errors.js';
import { dataDirOf } from './data-dir.js';

/** Exit code of an import that kept the good lines but rejected some. */
export const EXIT_SOME_REJECTED = 3;

function openLog(command: Command): SqliteEventLog {
  return new SqliteEventLog(eventLogPath(dataDirOf(command)));
}

export function registerEvents(program: Command): void {
  const events = program.command('events').description('The durable event log: import, inspect, read');

  events
    .command('import <file>')
    .description('Append events from NDJSON or CSV (updating online features); bad lines are reported by line number and field, good ones kept')
    .option('--format <format>', 'ndjson or csv (default: from the file extension)')
    .option('--mapping <file>', 'CSV column mapping (JSON), required for CSV')
    // At most the window a restart reads lost served vectors again from (RECOVERY_WINDOW): an import
    // stopped between a batch's events and its vectors gets them back when it is run again.
    .option('--batch <n>', 'events per commit (at most 10,000)', parseNumberOption('--batch', 1, RECOVERY_WINDOW, true), 5_000)
    .option('--errors <file>', 'write every rejected line as NDJSON {line, errors} here')
    .addHelpText(
      'after',
      `
Exit codes: 0 all lines imported (duplicates count as imported), 3 some lines rejected, 2 bad arguments.
CSV mapping example: {"fields": {"id": "event_id", "ts": "time", "entities.user": "user",
  "payload.amount": {"column": "amount", "as": "number"}}, "defaults": {"type": "payment_attempted"}}`,
    )
    .action(async (file: string, opts, command: Command) => {
      existingFile(file);
      if (opts.errors) writablePath(opts.errors, '--errors');
      const format = opts.format ?? (/\.csv$/i.test(file) ? 'csv' : 'ndjson');
      if (format !== 'csv' && format !== 'ndjson') throw new UserError(`--format must be ndjson or csv, got "${format}"`);
      if (format === 'csv' && !opts.mapping) throw new UserError('CSV import needs --mapping <file> (see --help)');
      if (format !== 'csv' && opts.mapping) throw new UserError('--mapping is for CSV files: an NDJSON line is an event as it is (use --format csv for a CSV file named otherwise)');
      let records: AsyncIterable<SourceRecord>;
      try {
        records = format === 'csv' ? readCsv(file, loadCsvMapping(opts.mapping)) : readNdjson(file);
      } catch (error) {
        throw new UserError((error as Error).message);
      }
      // The first line is read before the data directory is opened (or created): a file that cannot
      // be imported at all (a CSV header without the mapped columns) leaves nothing behind.
      const source = records[Symbol.asyncIterator]();
      const first = await source.next().catch((error: unknown) => {
        throw new UserError(`import stopped: ${(error as Error).message}`);
      });
      records = (async function* () {
        if (first.done) return;
        yield first.value;
        for (let next = await source.next(); !next.done; next = await source.next()) yield next.value;
      })();
      const expectedLines = estimateLines(file);
      const bar = progress('import', 0, 'lines');
      const embedded = await openEmbedded(dataDirOf(command, { create: true }));
      let report;
      try {
        report = await importRecords((events) => embedded.features.ingest(events), records, { batchSize: opts.batch, onProgress: (r) => bar.update(r.read, Math.max(r.read, expectedLines)) });
      } catch (error) {
        throw new UserError(`import stopped: ${(error as Error).message}`);
      } finally {
        await embedded.close();
      }
      bar.stop(`${report.read} lines`);
      console.log(`read ${report.read}, appended ${report.appended}, duplicates ${report.duplicates}, rejected ${report.rejected.length}${report.conflicts > 0 ? ` (${report.conflicts} reusing an id stored with another body)` : ''}`);
      report.rejected.sort((a, b) => a.line - b.line);
      for (const r of report.rejected.slice(0, 20)) {
        console.log(`  line ${r.line}: ${r.errors.map((e) => `${e.path || '(line)'}: ${e.message}`).join('; ')}`);
      }
      if (report.rejected.length > 20) console.log(`  … and ${report.rejected.length - 20} more (use --errors <file>)`);
      if (opts.errors) writeFileSync(opts.errors, report.rejected.map((r) => JSON.stringify(r)).join('\n') + (report.rejected.length ? '\n' : ''));
      if (report.rejected.length > 0) process.exitCode = EXIT_SOME_REJECTED;
    });

  events
    .command('show <id>')
    .description('Print one event by id, with its log sequence number')
    .action(async (id: string, _opts, command: Command) => {
      const log = openLog(command);
      try {
        const found = await log.get(id);
        if (!found) throw new UserError(`no event with id "${id}"`);
        console.log(JSON.stringify(found, null, 2));
      } finally {
        await log.close();
      }
    });

  events
    .command('read')
    .description('Print events in log order as NDJSON ({seq, event} per line)')
    .option('--from <seq>', 'first sequence number', parseNumberOption('--from', 1, Number.MAX_SAFE_INTEGER, true), 1)
    .option('--to <seq>', 'last sequence number', parseNumberOption('--to', 1, Number.MAX_SAFE_INTEGER, true))
    .option('--limit <n>', 'at most this many', parseNumberOption('--limit', 1, Number.MAX_SAFE_INTEGER, true))
    .action(async (opts, command: Command) => {
      checkPeriod(opts.from, opts.to, false);
      const log = openLog(command);
      try {
        let left = opts.limit ?? Infinity;
        for await (const batch of log.stream({ fromSeq: opts.from, toSeq: opts.to, batchSize: 5_000 })) {
          const slice = batch.slice(0, left);
          // Wait for a pipe's reader to catch up: writing ahead of it queues the whole log in memory
          // (and a pipe refuses that past a point with ENOBUFS).
          if (!process.stdout.write(slice.map((e) => JSON.stringify(e)).join('\n') + '\n')) await once(process.stdout, 'drain');
          left -= slice.length;
          if (left <= 0) break;
        }
      } finally {
        await log.close();
      }
    });

  events
    .command('stats')
    .description('Count events in the log by type')
    .action(async (_opts, command: Command) => {
      const log = openLog(command);
      try {
        const counts = new Map<string, number>();
        let first = Infinity;
        let last = -Infinity;
        for await (const batch of log.stream({ batchSize: 20_000 })) {
          for (const { event } of batch) {
            counts.set(event.type, (counts.get(event.type) ?? 0) + 1);
            first = Math.min(first, event.ts);
            last = Math.max(last, event.ts);
          }
        }
        const total = [...counts.values()].reduce((a, b) => a + b, 0);
        console.log(`${total} events, last seq ${await log.lastSeq()}`);
        if (total > 0) console.log(`event time ${new Date(first).toISOString()} .. ${new Date(last).toISOString()}`);
        for (const [type, n] of [...counts].sort((a, b) => b[1] - a[1])) console.log(`  ${type.padEnd(20)} ${n}`);
      } finally {
        await log.close();
      }
    });
}

/** Lines in a file, for the progress bar: its size over the mean length of the lines in its first MiB. */
function estimateLines(file: string): number {
  const bytes = statSync(file).size;
  const head = Buffer.alloc(Math.min(bytes, 1 << 20));
  const fd = openSync(file, 'r');
  try {
    readSync(fd, head, 0, head.length, 0);
  } finally {
    closeSync(fd);
  }
  let lines = 0;
  for (let at = head.indexOf(10); at !== -1; at = head.indexOf(10, at + 1)) lines++;
  return lines === 0 ? 1 : Math.round((bytes * lines) / head.length);
}
