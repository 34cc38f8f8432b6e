// A runner for a subset of the CEL specification's conformance suite (the test data that
// @bufbuild/cel-spec ships, taken from google/cel-spec), against any CEL library behind a small adapter.
// Shared by the conformance test of the library riskgate uses and by the rules benchmark, which scores
// every candidate library on the same subset before picking one.
import { tests } from '@bufbuild/cel-spec/testdata/conformance.js';
import { Environment, type EnvironmentOptions } from '@marcbachmann/cel-js';

/** The core language a rule author uses; protobuf messages, wrappers, enums and extension libraries are left out. */
export const CORE_SECTIONS = [
  'basic/self_eval_zeroish',
  'basic/self_eval_nonzeroish',
  'basic/variables',
  'basic/functions',
  'basic/reserved_const',
  'comparisons/eq_literal',
  'comparisons/ne_literal',
  'comparisons/lt_literal',
  'comparisons/gt_literal',
  'comparisons/lte_literal',
  'comparisons/gte_literal',
  'comparisons/in_list_literal',
  'comparisons/in_map_literal',
  'comparisons/bound',
  'conversions/bool',
  'conversions/bytes',
  'conversions/double',
  'conversions/dyn',
  'conversions/int',
  'conversions/string',
  'conversions/uint',
  'fields/map_fields',
  'fields/map_has',
  'fields/quoted_map_fields',
  'fields/in',
  'fp_math/fp_math',
  'integer_math/int64_math',
  'integer_math/uint64_math',
  'lists/concatenation',
  'lists/index',
  'lists/in',
  'lists/size',
  'logic/conditional',
  'logic/AND',
  'logic/OR',
  'logic/NOT',
  'macros/exists',
  'macros/all',
  'macros/exists_one',
  'macros/map',
  'macros/filter',
  'macros/nested',
  'parse/nest',
  'parse/repeat',
  'parse/whitespace',
  'parse/comments',
  'string/size',
  'string/starts_with',
  'string/ends_with',
  'string/matches',
  'string/concatenation',
  'string/contains',
  'string/bytes_concat',
  'timestamps/timestamp_conversions',
  'timestamps/duration_conversions',
  'timestamps/timestamp_selectors',
  'timestamps/timestamp_selectors_tz',
  'timestamps/timestamp_equality',
  'timestamps/duration_equality',
  'timestamps/comparisons',
  'timestamps/duration_converters',
  'timestamps/timestamp_range',
  'timestamps/duration_range',
] as const;

/** A conformance value in the protobuf JSON form of `cel.expr.Value`. */
export type SpecValue =
  | { int64Value: string }
  | { uint64Value: string }
  | { doubleValue: number | string }
  | { stringValue: string }
  | { bytesValue: string }
  | { boolValue: boolean }
  | { nullValue: unknown }
  | { listValue: { values?: SpecValue[] } }
  | { mapValue: { entries?: Array<{ key: SpecValue; value: SpecValue }> } }
  | { typeValue: string };

export interface ConformanceCase {
  /** `section/suite/name` */
  id: string;
  expr: string;
  bindings: Record<string, SpecValue>;
  /** The expected value, or 'error' when evaluation must fail. */
  expected: SpecValue | 'error';
}

/** What a library has to offer to be run against the suite. */
export interface CelAdapter {
  name: string;
  /** Whether ints and doubles are different types (libraries without a separate int type compare numbers). */
  distinguishesIntegers: boolean;
  /** Convert a spec value to the library's input; undefined when the library cannot take it. */
  toInput(value: SpecValue): unknown;
  /** Parse, check and evaluate; throws (or returns `{ error }`) when the expression fails. */
  run(expr: string, bindings: Record<string, unknown>): unknown;
  /** The library's result in the canonical form of `canonical()`, or undefined when it is an error. */
  canonicalResult(result: unknown): string | undefined;
}

interface RawTest {
  original: {
    name: string;
    expr: string;
    value?: Record<string, unknown>;
    evalError?: unknown;
    typedResult?: { result?: Record<string, unknown> };
    bindings?: Record<string, { value?: Record<string, unknown> }>;
    container?: string;
    checkOnly?: boolean;
    disableCheck?: boolean;
  };
}
interface RawSuite {
  name: string;
  suites?: RawSuite[];
  tests?: RawTest[];
}

const SUPPORTED_KINDS = new Set(['int64Value', 'uint64Value', 'doubleValue', 'stringValue', 'bytesValue', 'boolValue', 'nullValue', 'listValue', 'mapValue', 'typeValue']);

/** True when the value only uses kinds of the core language (no protobuf messages or enums). */
function isCoreValue(value: Record<string, unknown>): boolean {
  const [kind] = Object.keys(value);
  if (kind === undefined) return false;
  if (!SUPPORTED_KINDS.has(kind)) return false;
  if (kind === 'listValue') return ((value.listValue as { values?: Record<string, unknown>[] }).values ?? []).every(isCoreValue);
  if (kind === 'mapValue') {
    return ((value.mapValue as { entries?: Array<{ key: Record<string, unknown>; value: Record<string, unknown> }> }).entries ?? []).every(
      (e) => isCoreValue(e.key) && isCoreValue(e.value),
    );
  }
  return true;
}

/** The cases of the selected sections that need nothing but the core language. */
export function conformanceCases(sections: readonly string[] = CORE_SECTIONS): ConformanceCase[] {
  const wanted = new Set(sections);
  const cases: ConformanceCase[] = [];
  for (const section of (tests as RawSuite).suites ?? []) {
    for (const suite of section.suites ?? []) {
      const path = `${section.name}/${suite.name}`;
      if (!wanted.has(path)) continue;
      for (const { original: t } of suite.tests ?? []) {
        // Containers and message literals need protobuf types, which rules never see.
        if (t.container || t.checkOnly || /TestAllTypes|google\.protobuf\./.test(t.expr)) continue;
        const value = t.value ?? t.typedResult?.result;
        const bindings = Object.entries(t.bindings ?? {});
        if (value !== undefined && !isCoreValue(value)) continue;
        if (value === undefined && t.evalError === undefined) continue;
        if (bindings.some(([, b]) => b.value === undefined || !isCoreValue(b.value))) continue;
        cases.push({
          id: `${path}/${t.name}`,
          expr: t.expr,
          bindings: Object.fromEntries(bindings.map(([name, b]) => [name, b.value as SpecValue])),
          expected: value === undefined ? 'error' : (value as SpecValue),
        });
      }
    }
  }
  return cases;
}

/**
 * A canonical string for a spec value, so values of different libraries compare as strings. Without
 * `distinguishesIntegers`, ints, uints and doubles all read as numbers.
 */
export function canonical(value: SpecValue, distinguishesIntegers = true): string {
  if ('int64Value' in value) return distinguishesIntegers ? `int:${BigInt(value.int64Value)}` : `num:${Number(value.int64Value)}`;
  if ('uint64Value' in value) return distinguishesIntegers ? `uint:${BigInt(value.uint64Value)}` : `num:${Number(value.uint64Value)}`;
  if ('doubleValue' in value) return distinguishesIntegers ? `double:${Number(value.doubleValue)}` : `num:${Number(value.doubleValue)}`;
  if ('stringValue' in value) return `string:${JSON.stringify(value.stringValue)}`;
  if ('bytesValue' in value) return `bytes:${Buffer.from(value.bytesValue, 'base64').toString('hex')}`;
  if ('boolValue' in value) return `bool:${value.boolValue}`;
  if ('nullValue' in value) return 'null';
  if ('typeValue' in value) return `type:${value.typeValue}`;
  if ('listValue' in value) return `[${(value.listValue.values ?? []).map((v) => canonical(v, distinguishesIntegers)).join(',')}]`;
  const entries = (value.mapValue.entries ?? []).map((e) => `${canonical(e.key, distinguishesIntegers)}=>${canonical(e.value, distinguishesIntegers)}`);
  return `{${entries.sort().join(',')}}`;
}

/** Canonical strings for a library's plain JS values (shared by the adapters). */
export function canonicalJs(value: unknown, distinguishesIntegers: boolean, describe: (v: object) => string | undefined): string | undefined {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'bigint':
      return distinguishesIntegers ? `int:${value}` : `num:${Number(value)}`;
    case 'number':
      return distinguishesIntegers ? `double:${value}` : `num:${value}`;
    case 'string':
      return `string:${JSON.stringify(value)}`;
    case 'boolean':
      return `bool:${value}`;
    case 'object':
      break;
    default:
      return undefined;
  }
  const special = describe(value);
  if (special !== undefined) return special;
  if (value instanceof Uint8Array) return `bytes:${Buffer.from(value).toString('hex')}`;
  const each = (v: unknown) => canonicalJs(v, distinguishesIntegers, describe) ?? '?';
  if (Array.isArray(value)) return `[${value.map(each).join(',')}]`;
  const entries = value instanceof Map ? [...value.entries()] : Object.entries(value);
  return `{${entries.map(([k, v]) => `${each(k)}=>${each(v)}`).sort().join(',')}}`;
}

export interface ConformanceReport {
  library: string;
  cases: number;
  passed: number;
  failures: Array<{ id: string; expr: string; expected: string; got: string }>;
}

export function runConformance(adapter: CelAdapter, cases: readonly ConformanceCase[] = conformanceCases()): ConformanceReport {
  const failures: ConformanceReport['failures'] = [];
  for (const c of cases) {
    const expected = c.expected === 'error' ? 'error' : canonical(c.expected, adapter.distinguishesIntegers);
    let got: string;
    try {
      const bindings: Record<string, unknown> = {};
      for (const [name, value] of Object.entries(c.bindings)) {
        const input = adapter.toInput(value);
        if (input === undefined) throw new Error(`cannot bind ${name}`);
        bindings[name] = input;
      }
      got = adapter.canonicalResult(adapter.run(c.expr, bindings)) ?? 'error';
    } catch {
      got = 'error';
    }
    if (got !== expected) failures.push({ id: c.id, expr: c.expr, expected, got });
  }
  return { library: adapter.name, cases: cases.length, passed: cases.length - failures.length, failures };
}

/** A spec value as a library's input, with the library's choices for ints, uints and maps. */
export function fromSpecValue(
  value: SpecValue,
  int: (v: bigint) => unknown,
  uint: (v: bigint) => unknown,
  map: (entries: Map<unknown, unknown>) => unknown,
): unknown {
  const each = (v: SpecValue) => fromSpecValue(v, int, uint, map);
  if ('int64Value' in value) return int(BigInt(value.int64Value));
  if ('uint64Value' in value) return uint(BigInt(value.uint64Value));
  if ('doubleValue' in value) return Number(value.doubleValue);
  if ('stringValue' in value) return value.stringValue;
  if ('bytesValue' in value) return new Uint8Array(Buffer.from(value.bytesValue, 'base64'));
  if ('boolValue' in value) return value.boolValue;
  if ('nullValue' in value) return null;
  if ('listValue' in value) return (value.listValue.values ?? []).map(each);
  if ('mapValue' in value) return map(new Map((value.mapValue.entries ?? []).map((e) => [each(e.key), each(e.value)])));
  return undefined;
}

/**
 * @marcbachmann/cel-js with the given environment options (riskgate's are CEL_OPTIONS in compile.ts);
 * the suite's variables are bound as dyn. Unsigned ints cannot be bound (the library's uint type is not
 * exported), so the few cases that bind one fail on purpose.
 */
export function marcbachmannAdapter(options: EnvironmentOptions): CelAdapter {
  return {
    name: '@marcbachmann/cel-js',
    distinguishesIntegers: true,
    toInput: (v) => fromSpecValue(v, (i) => i, () => undefined, (m) => m),
    run: (expr, bindings) => new Environment({ ...options, unlistedVariablesAreDyn: true }).evaluate(expr, bindings),
    canonicalResult: (result) =>
      canonicalJs(result, true, (o) => {
        const kind = o.constructor?.name;
        if (kind === 'UnsignedInt') return `uint:${(o as { value: bigint }).value}`;
        if (kind === 'Type') return `type:${String(o).replace(/^Type<(.*)>$/, '$1')}`;
        return undefined;
      }),
  };
}
