export {
  RULE_ACTIONS,
  RULE_ID,
  MAX_EXPRESSION_LENGTH,
  DEFAULT_PRIORITIES,
  RuleValidationError,
  validateRuleFields,
  decideVerdict,
  byPriority,
  type Rule,
  type RuleAction,
  type RuleInput,
  type RuleChanges,
  type RuleHit,
  type RuleError,
  type RulesResult,
  type Verdict,
} from './rule.js';
export { compileExpression, RuleCompileError, RuleSet, ruleSetVersion, type CompiledExpression, type CompiledRule, type KnownNames } from './compile.js';
export { buildRuleContext, type RuleContext, type RuleRequest } from './context.js';
export { evaluateRules, RuleEvaluator } from './evaluate.js';
export {
  BUILTIN_LISTS,
  LIST_KINDS,
  LIST_NAME,
  ListIndex,
  ListValueError,
  MAX_ENTRY_NOTE,
  MAX_LIST_DESCRIPTION,
  UnknownListError,
  normaliseListValue,
  type ListEntry,
  type ListKind,
  type ListLookup,
  type NamedList,
} from './lists.js';
export { normaliseName, jaroWinkler, NameIndex } from './names.js';
export {
  checkRule,
  ensureLists,
  loadListIndex,
  refreshList,
  listIndexAt,
  ListConflictError,
  ListNotFoundError,
  RuleConflictError,
  RuleNotFoundError,
  type ListStore,
  type NewListEntry,
  type RuleStore,
  type RuleUpdateOptions,
} from './store.js';
export { SqliteRuleStore, SqliteListStore, type SqliteRuleStoreOptions, type SqliteStoreOptions } from './stores/sqlite.js';
export { backtestRule, type BacktestCandidate, type BacktestOptions, type BacktestReport, type RuleOverlap } from './backtest.js';
export { DEFAULT_RULES } from './defaults.js';
