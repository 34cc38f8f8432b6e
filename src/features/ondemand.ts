// Request-time operations: small pure functions from the scored event and already-computed features
// to a number. Definitions name an operation and its operands, so they stay data; the operations'
// code is versioned by ON_DEMAND_OPS_VERSION, which is part of every feature set's hash — bump it
// whenever an operation's result changes.
import type { RiskEvent } from '../events/schema.js';
import { textOf, type TextSignalName, textSignal, TEXT_SIGNALS } from './derived.js';
import { countryUtcOffsetMinutes } from './countries.js';

export const ON_DEMAND_OPS_VERSION = 1;

/** Resolved operands: numbers (NaN = missing) or strings from event fields. */
export type Operand = number | string | undefined;

export interface OnDemandOp {
  arity: number;
  describe: string;
  /** Reads its operands as numbers: a text operand is missing on every row. */
  numeric?: boolean;
  /** Reads the scored event's text: constant 0 on event types that carry none. */
  readsText?: boolean;
  /** Checks the definition's `param`; returns a problem or undefined. */
  checkParam?: (param: string | undefined) => string | undefined;
  compute(args: Operand[], event: RiskEvent, param: string | undefined): number;
}

const num = (x: Operand): number => (typeof x === 'number' ? x : typeof x === 'string' && x.trim() !== '' ? Number(x) : NaN);
const missing = (x: Operand): boolean => x === undefined || (typeof x === 'number' && Number.isNaN(x));

export const ON_DEMAND_OPS: Record<string, OnDemandOp> = {
  value: {
    numeric: true,
    arity: 1,
    describe: 'the operand as a number (booleans as 1/0)',
    compute: ([a]) => num(a),
  },
  div: {
    numeric: true,
    arity: 2,
    describe: 'a ÷ b; missing when either is missing or b is 0',
    compute: ([a, b]) => {
      const x = num(a);
      const y = num(b);
      return y === 0 || Number.isNaN(x) || Number.isNaN(y) ? NaN : x / y;
    },
  },
  seconds_to_days: {
    numeric: true,
    arity: 1,
    describe: 'a seconds in days',
    compute: ([a]) => num(a) / 86_400,
  },
  log1p: {
    numeric: true,
    arity: 1,
    describe: 'ln(1 + a) for a ≥ 0',
    compute: ([a]) => {
      const x = num(a);
      return x < 0 ? NaN : Math.log1p(x);
    },
  },
  missing_or_zero: {
    arity: 1,
    describe: '1 when a is missing or 0 (e.g. the first time a user uses a device), else 0',
    compute: ([a]) => (missing(a) || num(a) === 0 ? 1 : 0),
  },
  differs: {
    arity: 2,
    describe: '1 when both are present and differ, 0 when equal; missing when either is absent',
    compute: ([a, b]) => (missing(a) || missing(b) ? NaN : String(a) === String(b) ? 0 : 1),
  },
  present: {
    arity: 1,
    describe: '1 when the operand is present, else 0',
    compute: ([a]) => (missing(a) || a === '' ? 0 : 1),
  },
  local_hour: {
    arity: 0,
    describe: "hour of day (0–23) at the event time in the user's time zone (context.tz_offset_min, else the user's country)",
    compute: (_args, event) => {
      const offset = event.context?.tz_offset_min ?? countryUtcOffsetMinutes(event.context?.user_country);
      if (offset === undefined) return NaN;
      return Math.floor((((event.ts + offset * 60_000) % 86_400_000) + 86_400_000) % 86_400_000 / 3_600_000);
    },
  },
  text_signal: {
    readsText: true,
    arity: 0,
    describe: 'a signal (param: off_platform, url, phone, email, score) of the event text; 0 when there is no text',
    checkParam: (param) =>
      param !== undefined && (TEXT_SIGNALS as readonly string[]).includes(param) ? undefined : `param must be one of ${TEXT_SIGNALS.join(', ')}`,
    compute: (_args, event, param) => {
      const text = textOf(event);
      return text === undefined ? 0 : textSignal(event, param as TextSignalName);
    },
  },
};
