// Rules and lists in the embedded tier: SQLite stores in riskgate.db, the list index in memory, the
// enabled rules compiled into the evaluator the decision path calls.
import {
  BUILTIN_LISTS,
  DEFAULT_RULES,
  ensureLists,
  listIndexAt,
  loadListIndex,
  refreshList,
  RuleEvaluator,
  RuleSet,
  SqliteListStore,
  SqliteRuleStore,
  type KnownNames,
  type ListIndex,
  type Rule,
} from '../rules/index.js';
import type { FeatureSet } from '../features/index.js';
import type { Embedded } from './embedded.js';

export interface RulesRuntime {
  rules: SqliteRuleStore;
  lists: SqliteListStore;
  index: ListIndex;
  known(): KnownNames;
  /** The enabled rules now, compiled against the served features and the lists. */
  evaluator(): Promise<RuleEvaluator>;
  /**
   * Exactly the given rule versions over the lists as they were at `listsVersion`, on the vectors of
   * `featureSet` (default: the one served) — for replaying a decision, with the set it was made with.
   */
  evaluatorAt(versions: ReadonlyArray<{ id: string; version: number }>, listsVersion?: number, featureSet?: FeatureSet): Promise<RuleEvaluator>;
  refreshList(name: string): Promise<void>;
  /** Reload every list (one created or changed by another process included). */
  refreshAllLists(): Promise<void>;
}

export async function openRules(embedded: Pick<Embedded, 'db' | 'featureSet'>): Promise<RulesRuntime> {
  const lists = new SqliteListStore(embedded.db);
  await ensureLists(lists, BUILTIN_LISTS, 'riskgate');
  const index = await loadListIndex(lists);
  const known = (set = embedded.featureSet): KnownNames => ({ features: set.valueNames, lists: index.kinds() });
  const rules = new SqliteRuleStore(embedded.db, { known: () => known() });
  const compile = (list: readonly Rule[], lookup: ListIndex = index, set = embedded.featureSet) => new RuleEvaluator(RuleSet.compile(list, known(set)), set.vectorNames, lookup);
  return {
    rules,
    lists,
    index,
    known,
    evaluator: async () => compile(await rules.list()),
    async evaluatorAt(versions, listsVersion, featureSet) {
      const exact: Rule[] = [];
      for (const { id, version } of versions) {
        const rule = await rules.getVersion(id, version);
        if (!rule) throw new Error(`rule ${id} version ${version} is not in the store`);
        exact.push({ ...rule, enabled: true });
      }
      return compile(exact, listsVersion === undefined ? index : await listIndexAt(lists, listsVersion, index), featureSet);
    },
    refreshList: (name) => refreshList(index, lists, name),
    async refreshAllLists() {
      await loadListIndex(lists, index);
    },
  };
}

/**
 * On a fresh data directory: the default rules, and a stolen-cards list seeded with the cards that
 * received chargebacks (what a team adds after each chargeback). Later starts change nothing.
 */
export async function installDefaultRules(runtime: RulesRuntime, embedded: Pick<Embedded, 'audit' | 'log'>, actor: string): Promise<{ rules: number; listEntries: number }> {
  let created = 0;
  if ((await runtime.rules.list()).length === 0) {
    for (const rule of DEFAULT_RULES) {
      const stored = await runtime.rules.create(rule, actor);
      await embedded.audit.append({ actor, action: 'rule.create', subject: stored.id, details: { version: stored.version, action: stored.action, expression: stored.expression, shadow: stored.shadow } });
      created++;
    }
  }
  let listEntries = 0;
  if ((await runtime.lists.entries('stolen_cards')).length === 0) {
    const cards = new Set<string>();
    for await (const batch of embedded.log.stream()) {
      for (const { event } of batch) if (event.type === 'chargeback' && event.entities.card) cards.add(event.entities.card);
    }
    if (cards.size > 0) {
      const added = await runtime.lists.addEntries('stolen_cards', [...cards].map((value) => ({ value, note: 'chargeback received' })), actor);
      await embedded.audit.append({ actor, action: 'list.add', subject: 'stolen_cards', details: { values: added.map((e) => e.value), note: 'chargeback received' } });
      listEntries = added.length;
      await runtime.refreshList('stolen_cards');
    }
  }
  return { rules: created, listEntries };
}
