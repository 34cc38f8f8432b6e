export * from './schema.js';
export { parseEvent, formatErrors, futureTimeError, MAX_CLOCK_SKEW_MS, type FieldError, type ParseResult } from './validate.js';
export { containsRawCardNumber, looksLikeRawCardNumber, luhnValid } from './pan.js';
export { normaliseEmail, hashEmail, isHashedEmail } from './email.js';
export type { EventLog, AppendResult, AppendStatus, ReadRange } from './log.js';
export { SqliteEventLog, type SqliteEventLogOptions } from './stores/sqlite.js';
export {
  importRecords,
  type AppendEvents,
  readNdjson,
  readCsv,
  loadCsvMapping,
  type CsvMapping,
  type ImportReport,
  type RejectedLine,
  type SourceRecord,
} from './import.js';
