import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RiskEvent } from '../events/schema.js';
import { RuleSet } from './compile.js';
import { buildRuleContext, type RuleContext } from './context.js';
import { evaluateRules, RuleEvaluator } from './evaluate.js';
import { ListIndex } from './lists.js';
import { listsTimeFor } from '../decisions/decide.js';
import { decideVerdict, type Rule, type RuleAction, type RuleHit } from './rule.js';

function rule(id: string, expression: string, fields: Partial<Rule> = {}): Rule {
  return {
    id,
    name: id,
    description: '',
    expression,
    action: 'review',
    priority: 0,
    shadow: false,
    enabled: true,
    version: 1,
    updatedAt: 0,
    updatedBy: 'test',
    ...fields,
  };
}

const booking: RiskEvent = {
  id: 'b1',
  type: 'booking_attempted',
  ts: Date.UTC(2026, 2, 2, 18, 30),
  v: 1,
  entities: { user: 'u1', device: 'd1', card: 'c1', ip: '203.0.113.7', listing: 'l1', host: 'h1' },
  context: { ip_country: 'DE', user_country: 'DE' },
  payload: { amount: 412.5, currency: 'EUR', nights: 4 },
};

function context(features: Record<string, number> = {}, score: number | null = null): RuleContext {
  const names = Object.keys(features);
  const vector = Float64Array.from([...names.map((n) => features[n]!), ...names.map(() => 0)]);
  return buildRuleContext(booking, [...names, ...names.map((n) => `${n}_missing`)], vector, score);
}

const lists = new ListIndex();
lists.set({ name: 'stolen_cards', kind: 'card' }, [{ value: 'c1', expiresAt: null }]);

describe('precedence', () => {
  const hit = (ruleId: string, action: RuleAction, priority: number): RuleHit => ({ ruleId, version: 1, name: ruleId, action, priority, shadow: false });
  // Each row: the acting hits (already in priority order) and the verdict they must give.
  const table: Array<[string, RuleHit[], ReturnType<typeof decideVerdict>]> = [
    ['no hits', [], { action: null, decidedBy: null }],
    ['only tags', [hit('t', 'tag', 0)], { action: null, decidedBy: null }],
    ['block beats review', [hit('r', 'review', 600), hit('b', 'block', 500)], { action: 'block', decidedBy: 'b' }],
    ['review beats allow of lower priority', [hit('r', 'review', 300), hit('a', 'allow', 100)], { action: 'review', decidedBy: 'r' }],
    ['allow overrides lower-priority block and review', [hit('a', 'allow', 900), hit('b', 'block', 500), hit('r', 'review', 300)], { action: 'allow', decidedBy: 'a' }],
    ['block list beats allow list', [hit('stolen', 'block', 1000), hit('vip', 'allow', 900), hit('r', 'review', 300)], { action: 'block', decidedBy: 'stolen' }],
    ['equal priority: the stricter action wins', [hit('b', 'block', 500), hit('a', 'allow', 500)], { action: 'block', decidedBy: 'b' }],
    ['allow overrides the block but not a review above it', [hit('r', 'review', 800), hit('a', 'allow', 700), hit('b', 'block', 500)], { action: 'review', decidedBy: 'r' }],
    ['the highest-priority rule of the winning action decides', [hit('b2', 'block', 700), hit('b1', 'block', 500)], { action: 'block', decidedBy: 'b2' }],
    ['tags never decide', [hit('t', 'tag', 2000), hit('a', 'allow', 100)], { action: 'allow', decidedBy: 'a' }],
  ];
  it.each(table)('%s', (_, hits, verdict) => {
    expect(decideVerdict(hits)).toEqual(verdict);
  });

  it('is applied by evaluateRules in priority order', () => {
    const set = RuleSet.compile([
      rule('vip', 'request.entities.user == "u1"', { action: 'allow', priority: 900 }),
      rule('stolen', "in_list('stolen_cards', request.entities.card)", { action: 'block', priority: 1000 }),
      rule('big', 'request.payload.amount > 100.0', { action: 'review', priority: 300 }),
      rule('label', 'true', { action: 'tag', priority: 0 }),
    ]);
    const result = evaluateRules(set, context(), lists);
    expect(result.hits.map((h) => h.ruleId)).toEqual(['stolen', 'vip', 'big', 'label']);
    expect(result).toMatchObject({ action: 'block', decidedBy: 'stolen', tags: ['label'], errors: [] });
  });
});

describe('shadow rules', () => {
  it('appear in shadowHits only and never change the action', () => {
    const acting = [rule('review_big', 'request.payload.amount > 100.0', { action: 'review', priority: 300 })];
    const shadows = [
      rule('shadow_block', 'true', { action: 'block', priority: 5000, shadow: true }),
      rule('shadow_allow', 'true', { action: 'allow', priority: 5000, shadow: true }),
    ];
    const without = evaluateRules(RuleSet.compile(acting), context(), lists);
    const withShadows = evaluateRules(RuleSet.compile([...acting, ...shadows]), context(), lists);
    expect(withShadows.action).toBe(without.action);
    expect(withShadows.decidedBy).toBe('review_big');
    expect(withShadows.hits.map((h) => h.ruleId)).toEqual(['review_big']);
    expect(withShadows.shadowHits.map((h) => [h.ruleId, h.shadow])).toEqual([
      ['shadow_allow', true],
      ['shadow_block', true],
    ]);
  });

  it('never change the action, whatever the rules and the context (property)', () => {
    const actions: RuleAction[] = ['block', 'review', 'allow', 'tag'];
    const ruleArb = fc.record({
      action: fc.constantFrom(...actions),
      priority: fc.integer({ min: -5, max: 5 }),
      fires: fc.boolean(),
      shadow: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(ruleArb, { maxLength: 8 }), (specs) => {
        const rules = specs.map((s, i) => rule(`r${i}`, String(s.fires), s));
        const all = evaluateRules(RuleSet.compile(rules), context(), lists);
        const actingOnly = evaluateRules(RuleSet.compile(rules.filter((r) => !r.shadow)), context(), lists);
        return all.action === actingOnly.action && all.decidedBy === actingOnly.decidedBy;
      }),
      { numRuns: 200 },
    );
  });
});

describe('runtime errors', () => {
  it('make only the failing rule errored for this decision', () => {
    const set = RuleSet.compile([
      rule('missing_field', 'request.payload.message.contains("wire")', { priority: 10 }),
      rule('null_score', 'score > 0.9', { priority: 9 }),
      rule('missing_feature', 'features.user_bookings_24h > 3.0', { priority: 8 }),
      rule('not_boolean', 'request.payload.amount', { priority: 7 }),
      rule('unknown_list', "in_list('no_such_list', request.entities.user)", { priority: 6 }),
      rule('works', 'request.payload.amount > 400.0', { action: 'block', priority: 1 }),
    ]);
    const result = evaluateRules(set, context(), lists);
    expect(result.action).toBe('block');
    expect(result.hits.map((h) => h.ruleId)).toEqual(['works']);
    expect(result.errors.map((e) => e.ruleId)).toEqual(['missing_field', 'null_score', 'missing_feature', 'not_boolean', 'unknown_list']);
    const messages = Object.fromEntries(result.errors.map((e) => [e.ruleId, e.message]));
    expect(messages.missing_field).toMatch(/No such key: message \(guard optional fields with has\(\), e\.g\. has\(request\.payload\.message\)\)/);
    expect(messages.missing_feature).toMatch(/No such key: user_bookings_24h \(a missing feature is absent from features: read it as features\.\?user_bookings_24h\.orValue\(0\.0\)/);
    expect(messages.null_score).toMatch(/score is null when no model ran/);
    expect(messages.not_boolean).toBe('gave the number 412.5 instead of true or false');
    expect(messages.unknown_list).toBe('there is no list named "no_such_list"');
  });

  it('guarded reads of optional fields and missing features do not error', () => {
    const set = RuleSet.compile([
      rule('guarded_field', 'has(request.payload.message) && request.payload.message.contains("wire")'),
      rule('guarded_feature', 'has(features.user_bookings_24h) && features.user_bookings_24h > 3.0'),
      rule('default_feature', 'features.?user_bookings_24h.orValue(0.0) > 3.0'),
      rule('guarded_score', 'score != null && score > 0.9'),
    ]);
    const result = evaluateRules(set, context(), lists);
    expect(result.errors).toEqual([]);
    expect(result.hits).toEqual([]);
    expect(evaluateRules(set, context({ user_bookings_24h: 5 }, 0.95), lists).hits.map((h) => h.ruleId)).toEqual([
      'default_feature',
      'guarded_feature',
      'guarded_score',
    ]);
  });

  it('a rule that no longer compiles is reported with every evaluation', () => {
    const set = RuleSet.compile([rule('gone', 'features.retired_feature > 1.0'), rule('ok', 'true')], { features: ['amount'] });
    const result = evaluateRules(set, context(), lists);
    expect(result.errors).toEqual([{ ruleId: 'gone', version: 1, shadow: false, message: expect.stringMatching(/^does not compile: line 1, column 1: unknown feature "retired_feature"/) }]);
    expect(result.hits.map((h) => h.ruleId)).toEqual(['ok']);
  });

  it('evaluation never throws, whatever the context (property)', () => {
    const set = RuleSet.compile([
      rule('a', 'request.payload.amount > 100.0 && features.x > 1.0'),
      rule('b', 'score > 0.5 || request.context.ip_country != request.context.user_country'),
      rule('c', "in_list('stolen_cards', request.entities.card) && request.payload.nights + 1 > 3"),
      rule('d', 'request.payload.message.matches("[Ww]ire") || features.?y.orValue(0.0) / features.?x.orValue(0.0) > 2.0'),
      rule('e', 'request.ts > timestamp("2026-01-01T00:00:00Z") && size(request.payload) > 2'),
    ]);
    const value = fc.oneof(fc.double(), fc.integer(), fc.string(), fc.boolean(), fc.constant(null), fc.array(fc.string(), { maxLength: 3 }));
    const contextArb = fc.record({
      payload: fc.dictionary(fc.constantFrom('amount', 'nights', 'message', 'currency', 'other'), value),
      context: fc.dictionary(fc.constantFrom('ip_country', 'user_country'), value),
      features: fc.dictionary(fc.constantFrom('x', 'y', 'z'), fc.double()),
      score: fc.option(fc.double({ min: 0, max: 1 })),
      card: fc.string(),
    });
    fc.assert(
      fc.property(contextArb, (c) => {
        const base = context();
        const randomContext: RuleContext = {
          request: { ...base.request, entities: { ...base.request.entities, card: c.card }, payload: c.payload, context: c.context },
          features: new Map(Object.entries(c.features)),
          score: c.score,
        };
        const result = evaluateRules(set, randomContext, lists);
        return result.hits.length + result.errors.length <= 5;
      }),
      { numRuns: 300 },
    );
  });
});

describe('RuleSet', () => {
  it("has a version that changes when an enabled rule changes, and only then", () => {
    const rules = [rule('a', 'true', { action: 'block' }), rule('b', 'false'), rule('off', 'true', { enabled: false })];
    const version = RuleSet.compile(rules).version;
    expect(version).toMatch(/^rs_[0-9a-f]{12}$/);
    expect(RuleSet.compile([...rules].reverse()).version).toBe(version);
    expect(RuleSet.compile([rules[0]!, { ...rules[1]!, expression: 'true', version: 2 }, rules[2]!]).version).not.toBe(version);
    expect(RuleSet.compile([rules[0]!, rules[1]!]).version).toBe(version); // a disabled rule is not part of it
    expect(RuleSet.compile([rules[0]!, rules[1]!, { ...rules[2]!, enabled: true, version: 2 }]).version).not.toBe(version);
  });

  it('lists the enabled rules it evaluates, for the decision log', () => {
    const set = RuleSet.compile([rule('a', 'true', { version: 3 }), rule('off', 'true', { enabled: false })]);
    expect(set.evaluated).toEqual([{ id: 'a', version: 3 }]);
  });
});

describe('the rules budget', () => {
  const six = Array.from({ length: 6 }, (_, i) => rule(`r${i}`, 'true', { priority: 100 - i }));

  it('starts no rule past the deadline; the first rules (the highest priority) always run', () => {
    const result = evaluateRules(RuleSet.compile(six), context(), lists, undefined, { deadline: performance.now() - 1 });
    expect(result.hits.map((h) => h.ruleId)).toEqual(['r0', 'r1', 'r2', 'r3']);
    expect(result.errors.map((e) => [e.ruleId, e.notEvaluated])).toEqual([['r4', true], ['r5', true]]);
    const inTime = evaluateRules(RuleSet.compile(six), context(), lists, undefined, { deadline: performance.now() + 60_000 });
    expect([inTime.hits.length, inTime.errors]).toEqual([6, []]);
  });

  it('runs acting rules before shadow rules, so shadow rules never take an acting rule\'s place in the budget', () => {
    const shadows = Array.from({ length: 4 }, (_, i) => rule(`s${i}`, 'true', { priority: 1000 - i, shadow: true, action: 'allow' }));
    const acting = [rule('block_it', 'true', { priority: 10, action: 'block' })];
    const late = evaluateRules(RuleSet.compile([...shadows, ...acting]), context(), lists, undefined, { deadline: performance.now() - 1 });
    expect([late.action, late.hits.map((h) => h.ruleId)]).toEqual(['block', ['block_it']]);
    expect(late.errors.map((e) => [e.ruleId, e.shadow, e.notEvaluated])).toEqual(shadows.map((s) => [s.id, true, true]));
    const inTime = evaluateRules(RuleSet.compile([...shadows, ...acting]), context(), lists, undefined, { deadline: performance.now() + 60_000 });
    expect([inTime.action, inTime.shadowHits.length, inTime.errors]).toEqual(['block', 4, []]);
  });

  it('skips exactly the rules it is told to (a replay of a decision that ran out of time)', () => {
    const result = evaluateRules(RuleSet.compile(six), context(), lists, undefined, { skip: new Set(['r1', 'r5']) });
    expect(result.hits.map((h) => h.ruleId)).toEqual(['r0', 'r2', 'r3', 'r4']);
    expect(result.errors.map((e) => e.ruleId)).toEqual(['r1', 'r5']);
  });
});

describe('RuleEvaluator', () => {
  it('evaluates an event with its feature vector the way the decision path calls it', () => {
    const set = RuleSet.compile([rule('busy', 'features.?user_bookings_24h.orValue(0.0) >= 3.0', { action: 'review' })]);
    const evaluator = new RuleEvaluator(set, ['user_bookings_24h', 'user_bookings_24h_missing'], lists);
    expect(evaluator.evaluate(booking, Float64Array.of(4, 0), 0.2).action).toBe('review');
    expect(evaluator.evaluate(booking, Float64Array.of(4, 1), 0.2).action).toBeNull(); // missing
    expect(evaluator.evaluate(booking, null, null).action).toBeNull(); // no features at all
    expect(evaluator.version).toBe(set.version);
  });

  it("judges list expiry at the decision's time when the event is dated ahead of it", () => {
    const at = booking.ts;
    const blocked = new ListIndex();
    blocked.set({ name: 'blocked_users', kind: 'user' }, [{ value: booking.entities.user!, expiresAt: at + 3_600_000 }]);
    const evaluator = new RuleEvaluator(RuleSet.compile([rule('blocked', "in_list('blocked_users', request.entities.user)", { action: 'block' })]), [], blocked);
    const tomorrow = { ...booking, ts: at + 20 * 3_600_000 };
    // Dated 20 hours ahead, decided now: the entry, live for another hour, still blocks.
    expect(evaluator.evaluate(tomorrow, null, null, listsTimeFor(tomorrow.ts, at)).action).toBe('block');
    expect(evaluator.evaluate(tomorrow, null, null).action).toBeNull(); // judged at the event's own time it would have expired
    expect(evaluator.evaluate(booking, null, null, listsTimeFor(booking.ts, at + 2 * 3_600_000)).action).toBe('block'); // an older event: its own time
  });
});
