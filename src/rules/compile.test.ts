import { describe, expect, it } from 'vitest';
import { FeatureSet, MARKETPLACE_FEATURE_SET } from '../features/index.js';
import { compileExpression, RuleCompileError, type KnownNames } from './compile.js';
import { BUILTIN_LISTS } from './lists.js';

const known: KnownNames = {
  features: FeatureSet.create(MARKETPLACE_FEATURE_SET).valueNames,
  lists: new Map(BUILTIN_LISTS.map((l) => [l.name, l.kind])),
};

function compileError(expression: string): RuleCompileError {
  try {
    compileExpression(expression, known);
  } catch (error) {
    if (error instanceof RuleCompileError) return error;
    throw error;
  }
  throw new Error(`"${expression}" compiled`);
}

describe('compile errors carry the position and say what is wrong', () => {
  const cases: Array<[string, string, number, number, RegExp]> = [
    ['an operand missing at the end', 'request.payload.amount > 100.0 &&', 1, 34, /ends too early/],
    ['on a later line', 'request.payload.amount > 100.0 &&\n  (features.amount > 1.0 ||', 2, 28, /ends too early/],
    ['an unknown name', 'amount > 100.0', 1, 1, /unknown name "amount": a rule can read request, features, score/],
    ['a misspelt feature, with a suggestion', 'features.amount > 1.0 && features.user_bokings_24h > 3.0', 1, 26, /unknown feature "user_bokings_24h" \(did you mean "user_bookings_24h"\?\)/],
    ['a misspelt feature read with a default', 'features.?acount_age_days.orValue(0.0) < 1.0', 1, 1, /unknown feature "acount_age_days" \(did you mean "account_age_days"\?\)/],
    ['an int compared with a double feature', 'features.message_off_platform == 1', 1, 1, /no such overload: double == int \(features and amounts are doubles: compare with 1.0, not 1\)/],
    ['a result that is not true or false', 'features.amount * 2.0', 1, 1, /a rule must be true or false, but this expression gives a double/],
    ['an unknown list', "in_list('stolen_card', request.entities.card)", 1, 9, /there is no list named "stolen_card" \(did you mean "stolen_cards"\?\)/],
    ['a list name that is not a literal', 'in_list(request.type, request.entities.card)', 1, 9, /the list name must be a quoted string/],
    ['a fuzzy match on a list of cards', "name_matches('stolen_cards', request.entities.user, 0.9)", 1, 14, /"stolen_cards" is a list of card values: name_matches\(\) needs a name list/],
    ['a threshold out of range', "name_matches('sanctioned_names', request.entities.user, 1.5)", 1, 57, /the threshold must be above 0 and at most 1/],
    ['wrong argument types', "in_list('stolen_cards', 42)", 1, 1, /in_list\(list, value\) takes two strings/],
    ['a syntax error', 'request.payload.amount >> 3.0', 1, 25, /syntax error/],
    ['an empty expression', '   ', 1, 1, /the expression is empty/],
    ['a pattern that is not a regular expression', 'request.payload.message.matches("(")', 1, 33, /the pattern of matches\(\) is not a valid regular expression/],
    ['an RE2 flag group JavaScript does not know', 'request.payload.message.matches("(?i)western union")', 1, 33, /not a valid regular expression/],
    ['a pattern that is not a literal', 'request.payload.message.matches(request.payload.currency)', 1, 33, /must be a quoted string/],
    ['a backreference', 'request.payload.message.matches("^(a+)+\\\\1$")', 1, 33, /must not use backreferences or lookbehind/],
    ['a lookbehind', 'request.payload.message.matches("(?<=pay )cash")', 1, 33, /must not use backreferences or lookbehind/],
    ['nested comprehensions', 'request.payload.message.split(" ").exists(a, request.payload.message.split(" ").exists(b, a + " " + b == "western union"))', 1, 46, /exists\(\) inside exists\(\): a rule may not nest comprehensions/],
    ['chained comprehensions', `[1].map(x, [1, 1])${'.map(a, a + a)'.repeat(27)}.size() > 0`, 1, 1, /map\(\) over the result of map\(\): a rule may not chain comprehensions/],
    ['a filter over a filter', 'request.payload.message.split(" ").filter(w, w != "").filter(w, w == "wire").size() > 0', 1, 1, /filter\(\) over the result of filter\(\)/],
    ['an expression too long', `request.payload.amount > 1.0 ${'|| true '.repeat(600)}`, 1, 4001, /longer than 4000 characters/],
  ];
  it.each(cases)('%s', (_, expression, line, column, message) => {
    const error = compileError(expression);
    expect({ line: error.line, column: error.column }).toEqual({ line, column });
    expect(error.problem).toMatch(message);
    expect(error.message).toBe(`line ${line}, column ${column}: ${error.problem}`);
  });
});

describe('matches() on end-user text', () => {
  it('runs a pattern that backtracks catastrophically in linear time instead of stalling every decision', () => {
    const { run } = compileExpression('request.payload.message.matches("^(\\\\w+\\\\s?)*$")', known);
    const started = performance.now();
    const result = run({ request: { payload: { message: 'Hi is an early check in possible for us two please? '.repeat(4) }, entities: {} }, features: {}, score: null });
    expect(result).toBe(false);
    // With the backtracking engine alone this message takes far longer than a minute.
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});

describe('compileExpression', () => {
  it('accepts the documented forms and reports the features and lists a rule reads', () => {
    const compiled = compileExpression(
      "has(features.amount) && features.amount > 500.0 && features.?first_use_of_device.orValue(0.0) == 1.0 && in_list('stolen_cards', request.entities.card) && name_matches('sanctioned_names', request.entities.user, 0.85)",
      known,
    );
    expect(compiled.features).toEqual(['amount', 'first_use_of_device']);
    expect(compiled.lists).toEqual(['sanctioned_names', 'stolen_cards']);
  });

  it('without known names, accepts any feature and list (checked at run time instead)', () => {
    expect(() => compileExpression("features.anything > 1.0 && in_list('any_list', request.entities.user)")).not.toThrow();
  });

  it('accepts a dyn result, which can only be checked at run time', () => {
    expect(() => compileExpression('request.payload.success', known)).not.toThrow();
  });
});
