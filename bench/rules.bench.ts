// Which CEL library evaluates riskgate's rules? Every candidate compiles the same ten realistic rules and
// evaluates them on the same decision contexts; the reference is the same predicates written by hand in
// TypeScript, measured in the same run. Before timing, each library's hits are checked against the
// reference on every context, and each library runs the core-language subset of the CEL specification's
// conformance suite (src/rules/conformance.ts). Then riskgate's own path (buildRuleContext +
// evaluateRules with precedence and error isolation) is timed on the same workload, and name_matches'
// index on a 10,000-name list against comparing with every name.
//
//   npx tsx bench/rules.bench.ts
//
// Env: BENCH_CONTEXTS (2,000 distinct contexts), BENCH_ROUNDS (25 passes over them per run), BENCH_RUNS (5),
// BENCH_NAMES (10,000 names).
import * as buf from '@bufbuild/cel';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { Environment } from '@marcbachmann/cel-js';
import * as chromegg from 'cel-js';
import type { RiskEvent } from '../src/events/schema.js';
import { CEL_OPTIONS, RuleSet } from '../src/rules/compile.js';
import { RuleEvaluator } from '../src/rules/evaluate.js';
import { ListIndex, type ListKind } from '../src/rules/lists.js';
import { nameSimilarity, NameIndex, normaliseName } from '../src/rules/names.js';
import { canonicalJs, conformanceCases, fromSpecValue, marcbachmannAdapter, runConformance, type CelAdapter } from '../test/support/cel-conformance.js';
import { fmt, machine, median, repeat, report } from './lib.js';

const CONTEXTS = Number(process.env.BENCH_CONTEXTS ?? 2_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 25);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);

// ---- the workload: a checkout decision context, as riskgate hands it to the rules ----

interface PlainContext {
  request: {
    id: string;
    type: string;
    ts: number;
    entities: Record<'user' | 'device' | 'card' | 'ip' | 'email' | 'listing' | 'host', string>;
    context: { ip_country?: string; user_country?: string };
    payload: { amount: number; currency: string; nights: number; message?: string };
  };
  features: Record<string, number>;
}

const LISTS = new Map<string, { kind: ListKind; values: Set<string> }>([
  ['stolen_cards', { kind: 'card', values: new Set(Array.from({ length: 500 }, (_, i) => `card_${i * 7}`)) }],
  ['blocked_devices', { kind: 'device', values: new Set(Array.from({ length: 500 }, (_, i) => `dev_${i * 11}`)) }],
  ['blocked_ips', { kind: 'ip', values: new Set(Array.from({ length: 500 }, (_, i) => `ip_${i * 13}`)) }],
]);
const inList = (list: string, value: string): boolean => LISTS.get(list)?.values.has(value) ?? false;

const RULES: Array<{ id: string; expression: string; reference: (c: PlainContext) => boolean }> = [
  {
    id: 'stolen_card',
    expression: "in_list('stolen_cards', request.entities.card)",
    reference: (c) => inList('stolen_cards', c.request.entities.card),
  },
  {
    id: 'blocked_device_or_ip',
    expression: "in_list('blocked_devices', request.entities.device) || in_list('blocked_ips', request.entities.ip)",
    reference: (c) => inList('blocked_devices', c.request.entities.device) || inList('blocked_ips', c.request.entities.ip),
  },
  {
    id: 'failed_payment_burst',
    expression: 'has(features.user_failed_payment_burst) && features.user_failed_payment_burst >= 1.0',
    reference: (c) => (c.features.user_failed_payment_burst ?? -Infinity) >= 1,
  },
  {
    id: 'card_country_new_device_high_amount',
    expression:
      'has(features.card_country_mismatch) && features.card_country_mismatch == 1.0 && ' +
      'has(features.first_use_of_device) && features.first_use_of_device == 1.0 && request.payload.amount >= 500.0',
    reference: (c) => c.features.card_country_mismatch === 1 && c.features.first_use_of_device === 1 && c.request.payload.amount >= 500,
  },
  {
    id: 'shared_device',
    expression: 'has(features.device_distinct_users_24h) && features.device_distinct_users_24h >= 4.0',
    reference: (c) => (c.features.device_distinct_users_24h ?? -Infinity) >= 4,
  },
  {
    id: 'off_platform_message',
    expression: 'has(features.message_off_platform) && features.message_off_platform == 1.0',
    reference: (c) => c.features.message_off_platform === 1,
  },
  {
    id: 'new_account_long_expensive_stay',
    expression: 'has(features.account_age_days) && features.account_age_days < 1.0 && request.payload.amount > 800.0 && request.payload.nights >= 7',
    reference: (c) => (c.features.account_age_days ?? Infinity) < 1 && c.request.payload.amount > 800 && c.request.payload.nights >= 7,
  },
  {
    id: 'card_testing',
    expression:
      'has(features.user_distinct_cards_7d) && features.user_distinct_cards_7d >= 3.0 && ' +
      'has(features.user_decline_ratio_24h) && features.user_decline_ratio_24h > 0.5',
    reference: (c) => (c.features.user_distinct_cards_7d ?? -Infinity) >= 3 && (c.features.user_decline_ratio_24h ?? -Infinity) > 0.5,
  },
  {
    id: 'foreign_ip_unusual_currency',
    expression:
      'has(request.context.ip_country) && has(request.context.user_country) && ' +
      "request.context.ip_country != request.context.user_country && !(request.payload.currency in ['EUR', 'USD', 'GBP'])",
    reference: (c) =>
      c.request.context.ip_country !== undefined &&
      c.request.context.user_country !== undefined &&
      c.request.context.ip_country !== c.request.context.user_country &&
      !['EUR', 'USD', 'GBP'].includes(c.request.payload.currency),
  },
  {
    id: 'payment_outside_platform_words',
    // [Ww] rather than RE2's (?i): @marcbachmann/cel-js runs JavaScript regular expressions (see docs/RULES.md)
    expression: "has(request.payload.message) && request.payload.message.matches('[Ww]estern [Uu]nion|[Ww]ire transfer|[Ww]hats[Aa]pp')",
    reference: (c) => c.request.payload.message !== undefined && /[Ww]estern [Uu]nion|[Ww]ire transfer|[Ww]hats[Aa]pp/.test(c.request.payload.message),
  },
];

const FEATURE_RANGES: Record<string, () => number> = {
  user_failed_payment_burst: () => (random() < 0.05 ? 1 : 0),
  card_country_mismatch: () => (random() < 0.15 ? 1 : 0),
  first_use_of_device: () => (random() < 0.3 ? 1 : 0),
  device_distinct_users_24h: () => Math.floor(random() ** 3 * 8),
  message_off_platform: () => (random() < 0.04 ? 1 : 0),
  account_age_days: () => random() * 400,
  user_distinct_cards_7d: () => Math.floor(random() ** 2 * 5),
  user_decline_ratio_24h: () => random(),
  amount_vs_user_mean: () => random() * 4,
  user_bookings_24h: () => Math.floor(random() * 5),
};

let seed = 7;
function random(): number {
  seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
  return seed / 2 ** 32;
}
const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)]!;
const COUNTRIES = ['DE', 'FR', 'PT', 'US', 'GB', 'NG', 'BR'];
const MESSAGES = ['Looking forward to our stay!', 'Can I pay you via Western Union instead?', 'Is early check-in possible?', 'message me on WhatsApp +44 7700 900123'];

function makeContext(i: number): PlainContext {
  const features: Record<string, number> = {};
  for (const [name, value] of Object.entries(FEATURE_RANGES)) if (random() < 0.85) features[name] = value();
  const context: PlainContext['request']['context'] = {};
  if (random() < 0.9) context.ip_country = pick(COUNTRIES);
  if (random() < 0.9) context.user_country = pick(COUNTRIES);
  const payload: PlainContext['request']['payload'] = {
    amount: Math.round(random() ** 2 * 3000 * 100) / 100,
    currency: pick(['EUR', 'EUR', 'USD', 'GBP', 'BRL', 'NGN']),
    nights: 1 + Math.floor(random() ** 2 * 20),
  };
  if (random() < 0.3) payload.message = pick(MESSAGES);
  return {
    request: {
      id: `evt_${i}`,
      type: 'booking_attempted',
      ts: Date.UTC(2026, 2, 1) + i * 60_000,
      entities: {
        user: `u_${Math.floor(random() * 5000)}`,
        device: `dev_${Math.floor(random() * 6000)}`,
        card: `card_${Math.floor(random() * 4000)}`,
        ip: `ip_${Math.floor(random() * 7000)}`,
        email: `em_${Math.floor(random() * 5000)}`,
        listing: `l_${Math.floor(random() * 800)}`,
        host: `h_${Math.floor(random() * 300)}`,
      },
      context,
      payload,
    },
    features,
  };
}

// ---- the candidates ----

interface Candidate {
  name: string;
  version: string;
  /** Compile every rule; the returned function evaluates one rule on a prepared input. */
  compile(expressions: readonly string[]): Array<(input: unknown) => unknown>;
  /** The context in the library's own value model (ints as the library wants them, ts as its timestamp). */
  prepare(context: PlainContext): unknown;
  conformance: CelAdapter;
}

function toMaps(value: object): Map<string, unknown> {
  const isPlain = (v: unknown): v is object => typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype;
  return new Map(Object.entries(value).map(([k, v]) => [k, isPlain(v) ? toMaps(v) : v]));
}

const withBigIntNights = (c: PlainContext) => ({ ...c.request, payload: { ...c.request.payload, nights: BigInt(c.request.payload.nights) } });

const marcbachmann: Candidate = {
  name: '@marcbachmann/cel-js',
  version: '8.0.0',
  compile(expressions) {
    const env = new Environment(CEL_OPTIONS)
      .registerVariable('request', 'map')
      .registerVariable('features', 'map<string, double>')
      .registerFunction('in_list(string, string): bool', inList);
    return expressions.map((e) => {
      const program = env.parse(e);
      const checked = program.check();
      if (!checked.valid) throw checked.error!;
      return program as (input: unknown) => unknown;
    });
  },
  prepare: (c) => ({ request: { ...withBigIntNights(c), ts: new Date(c.request.ts) }, features: c.features }),
  conformance: marcbachmannAdapter(CEL_OPTIONS),
};

const bufbuild: Candidate = {
  name: '@bufbuild/cel',
  version: '0.6.1',
  compile(expressions) {
    const env = buf.celEnv({
      variables: { request: buf.mapType(buf.CelScalar.STRING, buf.CelScalar.DYN), features: buf.mapType(buf.CelScalar.STRING, buf.CelScalar.DOUBLE) },
      funcs: [buf.celFunc('in_list', [buf.CelScalar.STRING, buf.CelScalar.STRING], buf.CelScalar.BOOL, inList)],
    });
    return expressions.map((e) => {
      const program = buf.plan(env, buf.parse(e));
      return (input: unknown) => {
        const result = program(input as never);
        if (buf.isCelError(result)) throw result;
        return result;
      };
    });
  },
  // Nested Maps: @bufbuild/cel converts plain objects on every access, which more than doubles its time.
  prepare: (c) => ({ request: toMaps({ ...withBigIntNights(c), ts: timestampFromMs(c.request.ts) }), features: new Map(Object.entries(c.features)) }),
  conformance: {
    name: '@bufbuild/cel',
    distinguishesIntegers: true,
    toInput: (v) => fromSpecValue(v, (i) => i, (u) => buf.celUint(u), (m) => m),
    run: (expr, bindings) => {
      const result = buf.run(expr, bindings as never);
      if (buf.isCelError(result)) throw result;
      return result;
    },
    canonicalResult: (r) =>
      canonicalJs(r, true, function describe(o: object): string | undefined {
        if (buf.isCelUint(o)) return `uint:${o.value}`;
        if (buf.isCelType(o)) return `type:${o.name}`;
        if (buf.isCelList(o)) return canonicalJs([...o], true, describe);
        if (buf.isCelMap(o)) return canonicalJs(new Map(o.entries()), true, describe);
        return undefined;
      }),
  },
};

const chromeggCel: Candidate = {
  name: 'cel-js',
  version: '0.8.2',
  compile(expressions) {
    const functions = { in_list: inList };
    return expressions.map((e) => {
      const parsed = chromegg.parse(e);
      if (!parsed.isSuccess) throw new Error(parsed.errors.join('; '));
      return (input: unknown) => chromegg.evaluate(parsed.cst, input as Record<string, unknown>, functions);
    });
  },
  prepare: (c) => ({ request: c.request, features: c.features }),
  conformance: {
    name: 'cel-js',
    distinguishesIntegers: false,
    toInput: (v) => fromSpecValue(v, Number, Number, (m) => Object.fromEntries(m)),
    run: (expr, bindings) => chromegg.evaluate(expr, bindings as Record<string, unknown>),
    canonicalResult: (r) => canonicalJs(r, false, () => undefined),
  },
};

// ---- measurement ----

function timeRuleSet<T>(contexts: readonly T[], evaluate: (input: T) => number): number {
  let sink = 0;
  const started = performance.now();
  for (let round = 0; round < ROUNDS; round++) for (const input of contexts) sink += evaluate(input);
  const elapsed = performance.now() - started;
  if (sink < 0) console.log('(unreachable: keeps the evaluation from being optimised away)');
  return elapsed;
}

function timeMs(fn: () => void): number {
  const started = performance.now();
  fn();
  return performance.now() - started;
}

interface Measured {
  name: string;
  version?: string;
  usPerRuleSet: number;
  ruleSetsPerSec: number;
  ratioToReference: number;
  compileUsPerRule?: number;
  mismatches?: number;
  errors?: number;
  conformance?: { passed: number; cases: number; rate: number };
}

console.log(`machine: ${machine()}`);
console.log(`workload: ${RULES.length} rules × ${fmt(CONTEXTS)} contexts × ${ROUNDS} rounds, median of ${RUNS} runs`);
const plain = Array.from({ length: CONTEXTS }, (_, i) => makeContext(i));
const expected = plain.map((c) => RULES.map((r) => r.reference(c)));
const hitRate = expected.flat().filter(Boolean).length / (CONTEXTS * RULES.length);

const references = RULES.map((r) => r.reference);
const referenceMs = median(
  await repeat(RUNS, () =>
    timeRuleSet(plain, (input) => {
      let hits = 0;
      for (const rule of references) if (rule(input)) hits++;
      return hits;
    }),
  ),
);
const perRuleSet = (ms: number) => (ms * 1000) / (CONTEXTS * ROUNDS);
const reference: Measured = {
  name: 'hand-written TypeScript (reference)',
  usPerRuleSet: perRuleSet(referenceMs),
  ruleSetsPerSec: (CONTEXTS * ROUNDS) / (referenceMs / 1000),
  ratioToReference: 1,
};
console.log(`hit rate ${fmt(hitRate * 100, 1)}% of rule evaluations; reference: ${fmt(reference.usPerRuleSet, 3)} µs per rule set`);

const cases = conformanceCases();
const measured: Measured[] = [reference];
for (const candidate of [marcbachmann, bufbuild, chromeggCel]) {
  const compileStarted = performance.now();
  const programs = candidate.compile(RULES.map((r) => r.expression));
  const compileUsPerRule = ((performance.now() - compileStarted) * 1000) / RULES.length;
  const inputs = plain.map((c) => candidate.prepare(c));

  // Correctness first: the same hits as the reference on every context, and no errors.
  let mismatches = 0;
  let errors = 0;
  let firstError = '';
  inputs.forEach((input, i) =>
    programs.forEach((program, r) => {
      try {
        if ((program(input) === true) !== expected[i]![r]) mismatches++;
      } catch (error) {
        errors++;
        firstError ||= `${RULES[r]!.id}: ${(error as Error).message.split('\n')[0]}`;
      }
    }),
  );
  const conformance = runConformance(candidate.conformance, cases);

  const ms = median(
    await repeat(RUNS, () =>
      timeRuleSet(inputs, (input) => {
        let hits = 0;
        for (const program of programs) {
          try {
            if (program(input) === true) hits++;
          } catch {
            // counted above; the timed loop treats an error as no hit, like riskgate does
          }
        }
        return hits;
      }),
    ),
  );
  const result: Measured = {
    name: candidate.name,
    version: candidate.version,
    usPerRuleSet: perRuleSet(ms),
    ruleSetsPerSec: (CONTEXTS * ROUNDS) / (ms / 1000),
    ratioToReference: perRuleSet(ms) / reference.usPerRuleSet,
    compileUsPerRule,
    mismatches,
    errors,
    conformance: { passed: conformance.passed, cases: conformance.cases, rate: conformance.passed / conformance.cases },
  };
  measured.push(result);
  console.log(
    `${candidate.name} ${candidate.version}: ${fmt(result.usPerRuleSet, 2)} µs per rule set (${fmt(result.ruleSetsPerSec)}/s, ` +
      `${fmt(result.ratioToReference, 1)}× the reference); compile ${fmt(compileUsPerRule, 1)} µs/rule; ` +
      `${mismatches} mismatches, ${errors} errors vs the reference; conformance ${conformance.passed}/${conformance.cases}`,
  );
  if (firstError) console.log(`  first error: ${firstError}`);
}

// ---- riskgate's own path: event + feature vector → buildRuleContext → evaluateRules ----

const featureNames = Object.keys(FEATURE_RANGES);
const vectorNames = [...featureNames, ...featureNames.map((n) => `${n}_missing`)];
const lists = new ListIndex();
for (const [name, { kind, values }] of LISTS) lists.set({ name, kind }, [...values].map((value) => ({ value, expiresAt: null })));
const ruleSet = RuleSet.compile(
  RULES.map((r, i) => ({
    id: r.id,
    name: r.id,
    description: '',
    expression: r.expression,
    action: 'review' as const,
    priority: RULES.length - i,
    shadow: false,
    enabled: true,
    version: 1,
    updatedAt: 0,
    updatedBy: 'bench',
  })),
  { features: featureNames, lists: lists.kinds() },
);
const evaluator = new RuleEvaluator(ruleSet, vectorNames, lists);
const decisions = plain.map((c) => {
  const event: RiskEvent = {
    id: c.request.id,
    type: 'booking_attempted',
    ts: c.request.ts,
    v: 1,
    entities: c.request.entities,
    context: c.request.context,
    payload: c.request.payload,
  };
  const vector = Float64Array.from([...featureNames.map((n) => c.features[n] ?? NaN), ...featureNames.map((n) => (n in c.features ? 0 : 1))]);
  return { event, vector };
});
const pathMismatches = decisions.filter(({ event, vector }, i) => {
  const result = evaluator.evaluate(event, vector, null);
  const hit = new Set(result.hits.map((h) => h.ruleId));
  return result.errors.length > 0 || RULES.some((r, j) => hit.has(r.id) !== expected[i]![j]);
}).length;
const pathMs = median(await repeat(RUNS, () => timeRuleSet(decisions, ({ event, vector }) => evaluator.evaluate(event, vector, null).hits.length)));
const riskgatePath: Measured = {
  name: 'riskgate buildRuleContext + evaluateRules (@marcbachmann/cel-js)',
  usPerRuleSet: perRuleSet(pathMs),
  ruleSetsPerSec: (CONTEXTS * ROUNDS) / (pathMs / 1000),
  ratioToReference: perRuleSet(pathMs) / reference.usPerRuleSet,
  mismatches: pathMismatches,
};
measured.push(riskgatePath);
console.log(
  `riskgate path: ${fmt(riskgatePath.usPerRuleSet, 2)} µs per decision's rule set incl. building the context ` +
    `(${fmt(riskgatePath.ruleSetsPerSec)}/s, ${fmt(riskgatePath.ratioToReference, 1)}× the reference); ${pathMismatches} decisions differ from the reference`,
);

// ---- fuzzy name lists: a 10,000-name list, indexed vs comparing with every entry ----

const NAME_LIST = Number(process.env.BENCH_NAMES ?? 10_000);
const LETTERS = 'eeeeeeeeeeeetttttttttaaaaaaaaooooooooiiiiiiinnnnnnnsssssshhhhhhrrrrrrddddllllcccuuummwwffggyyppbbvkjxqz';
const nameWord = () => Array.from({ length: 3 + Math.floor(random() * 7) }, () => LETTERS[Math.floor(random() * LETTERS.length)]).join('');
const listNames = Array.from({ length: NAME_LIST }, () => Array.from({ length: 2 + Math.floor(random() * 2) }, nameWord).join(' ')).map(normaliseName);
const nameIndex = new NameIndex(listNames);
// Half the queries are one-letter variants of listed names, half are unrelated names.
const nameQueries = Array.from({ length: 1_000 }, (_, i) => {
  if (i % 2 === 1) return normaliseName(Array.from({ length: 2 }, nameWord).join(' '));
  const name = listNames[Math.floor(random() * listNames.length)]!;
  const at = 1 + Math.floor(random() * (name.length - 1));
  return normaliseName(`${name.slice(0, at)}x${name.slice(at + 1)}`);
});
const indexedUs = median(await repeat(RUNS, () => timeMs(() => nameQueries.forEach((q) => nameIndex.bestMatch(q, 0.85))))) * (1000 / nameQueries.length);
const bruteQueries = nameQueries.slice(0, 50);
const bruteUs = median(await repeat(3, () => timeMs(() => bruteQueries.forEach((q) => listNames.some((n) => nameSimilarity(q, n) >= 0.85))))) * (1000 / bruteQueries.length);
const agreement = bruteQueries.filter((q) => (nameIndex.bestMatch(q, 0.85) !== null) === listNames.some((n) => nameSimilarity(q, n) >= 0.85)).length / bruteQueries.length;
console.log(
  `name_matches on ${fmt(NAME_LIST)} names: ${fmt(indexedUs, 1)} µs per lookup indexed, ${fmt(bruteUs)} µs comparing with every name ` +
    `(${fmt(bruteUs / indexedUs)}× faster); same answer on ${fmt(agreement * 100)}% of queries`,
);

report('rules', {
  rules: RULES.length,
  contexts: CONTEXTS,
  rounds: ROUNDS,
  hitRate,
  results: measured,
  nameMatch: { listSize: NAME_LIST, indexedUsPerLookup: indexedUs, bruteForceUsPerLookup: bruteUs, speedup: bruteUs / indexedUs, agreement },
});
