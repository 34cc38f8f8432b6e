import { describe, expect, it } from 'vitest';
import { hashEmail } from '../../events/email.js';
import { openSqlite } from '../../lib/sqlite.js';
import { RuleCompileError, RuleSet } from '../compile.js';
import { BUILTIN_LISTS, ListValueError } from '../lists.js';
import { RuleValidationError } from '../rule.js';
import { ensureLists, listIndexAt, ListConflictError, ListNotFoundError, loadListIndex, refreshList, RuleConflictError, RuleNotFoundError } from '../store.js';
import { SqliteListStore, SqliteRuleStore } from './sqlite.js';

function clock(start = 1_000): () => number {
  let t = start;
  return () => t++;
}

function stores() {
  const db = openSqlite(':memory:');
  const lists = new SqliteListStore(db, { now: clock() });
  const rules = new SqliteRuleStore(db, {
    now: clock(),
    known: () => ({ features: ['amount', 'user_bookings_24h'], lists: new Map(BUILTIN_LISTS.map((l) => [l.name, l.kind])) }),
  });
  return { db, lists, rules };
}

const bigAmount = { id: 'big_amount', name: 'Big amount', expression: 'features.amount > 1000.0', action: 'review' as const, priority: 300 };

describe('SqliteRuleStore', () => {
  it('creates version 1 with defaults and the actor', async () => {
    const { rules } = stores();
    const created = await rules.create(bigAmount, 'alice');
    expect(created).toEqual({ ...bigAmount, description: '', shadow: false, enabled: true, version: 1, updatedAt: 1_000, updatedBy: 'alice' });
    expect(await rules.get('big_amount')).toEqual(created);
  });

  it('a rule stored before a check existed can still be changed and disabled; only the text a change alters is checked', async () => {
    const { db, rules } = stores();
    await rules.create(bigAmount, 'alice');
    db.prepare("UPDATE rule_versions SET name = 'Big\tamount' WHERE id = 'big_amount'").run(); // a tab, from an older riskgate
    expect((await rules.disable('big_amount', 'bob')).enabled).toBe(false);
    await expect(rules.update('big_amount', { name: 'Big\tamount again' }, 'bob')).rejects.toThrow(/name: must not contain control characters/);
  });

  it('keeps every version retrievable, bumping the version on every change', async () => {
    const { rules } = stores();
    await rules.create(bigAmount, 'alice');
    await rules.update('big_amount', { expression: 'features.amount > 2000.0' }, 'bob');
    await rules.update('big_amount', { shadow: true, priority: 100 }, 'carol');
    await rules.disable('big_amount', 'dave');
    const history = await rules.history('big_amount');
    expect(history.map((r) => [r.version, r.expression, r.shadow, r.enabled, r.updatedBy])).toEqual([
      [1, 'features.amount > 1000.0', false, true, 'alice'],
      [2, 'features.amount > 2000.0', false, true, 'bob'],
      [3, 'features.amount > 2000.0', true, true, 'carol'],
      [4, 'features.amount > 2000.0', true, false, 'dave'],
    ]);
    expect((await rules.getVersion('big_amount', 1))?.expression).toBe('features.amount > 1000.0');
    expect((await rules.get('big_amount'))?.version).toBe(4);
    expect(await rules.getVersion('big_amount', 9)).toBeUndefined();
  });

  it('stores nothing for a change that changes nothing', async () => {
    const { rules } = stores();
    await rules.create(bigAmount, 'alice');
    const same = await rules.update('big_amount', { priority: 300 }, 'bob');
    expect(same.version).toBe(1);
    expect(await rules.history('big_amount')).toHaveLength(1);
  });

  it('refuses a rule that does not compile, at write time, with the position', async () => {
    const { rules } = stores();
    await expect(rules.create({ ...bigAmount, expression: 'features.amount > ' }, 'alice')).rejects.toThrow(RuleCompileError);
    await expect(rules.create({ ...bigAmount, expression: 'features.amout > 1.0' }, 'alice')).rejects.toThrow(
      'line 1, column 1: unknown feature "amout" (did you mean "amount"?)',
    );
    await rules.create(bigAmount, 'alice');
    await expect(rules.update('big_amount', { expression: "in_list('no_list', request.entities.user)" }, 'bob')).rejects.toThrow(
      'line 1, column 9: there is no list named "no_list"',
    );
    expect(await rules.history('big_amount')).toHaveLength(1);
  });

  it('refuses bad fields, a taken id, a missing rule, an empty actor and stale updates', async () => {
    const { rules } = stores();
    await expect(rules.create({ ...bigAmount, id: 'Big Amount' }, 'alice')).rejects.toThrow(RuleValidationError);
    await expect(rules.create({ ...bigAmount, action: 'deny' as never }, 'alice')).rejects.toThrow(/action: must be one of/);
    await expect(rules.create({ ...bigAmount, priority: 1.5 }, 'alice')).rejects.toThrow(/priority/);
    await expect(rules.create(bigAmount, ' ')).rejects.toThrow(/actor/);
    await rules.create(bigAmount, 'alice');
    await expect(rules.create(bigAmount, 'alice')).rejects.toThrow(RuleConflictError);
    await expect(rules.update('nope', { priority: 1 }, 'alice')).rejects.toThrow(RuleNotFoundError);
    await rules.update('big_amount', { priority: 1 }, 'bob', { expectedVersion: 1 });
    await expect(rules.update('big_amount', { priority: 2 }, 'carol', { expectedVersion: 1 })).rejects.toThrow(/is at version 2, not 1/);
  });

  it('lists the latest versions, highest priority first, optionally enabled only', async () => {
    const { rules } = stores();
    await rules.create(bigAmount, 'alice');
    await rules.create({ id: 'stolen', name: 'Stolen', expression: "in_list('stolen_cards', request.entities.card)", action: 'block', priority: 1000 }, 'alice');
    await rules.create({ id: 'quiet', name: 'Quiet', expression: 'true', action: 'tag', enabled: false }, 'alice');
    await rules.update('big_amount', { priority: 301 }, 'bob');
    expect((await rules.list()).map((r) => [r.id, r.version])).toEqual([
      ['stolen', 1],
      ['big_amount', 2],
      ['quiet', 1],
    ]);
    expect((await rules.list({ enabledOnly: true })).map((r) => r.id)).toEqual(['stolen', 'big_amount']);
  });

  it("changes the rule set's version when a rule changes", async () => {
    const { rules } = stores();
    await rules.create(bigAmount, 'alice');
    const before = RuleSet.compile(await rules.list()).version;
    await rules.update('big_amount', { expression: 'features.amount > 1500.0' }, 'bob');
    const after = RuleSet.compile(await rules.list()).version;
    expect(after).not.toBe(before);
    expect(RuleSet.compile(await rules.list()).version).toBe(after);
  });

  it('keeps its data in STRICT tables that survive reopening', async () => {
    const { db, rules } = stores();
    await rules.create(bigAmount, 'alice');
    const table = db.prepare("SELECT sql FROM sqlite_master WHERE name = 'rule_versions'").get() as { sql: string };
    expect(table.sql).toMatch(/STRICT$/);
    expect((await new SqliteRuleStore(db).get('big_amount'))?.expression).toBe(bigAmount.expression);
  });
});

describe('SqliteListStore', () => {
  it('creates the built-in lists once', async () => {
    const { lists } = stores();
    await ensureLists(lists, BUILTIN_LISTS, 'system');
    await ensureLists(lists, BUILTIN_LISTS, 'system');
    expect((await lists.lists()).map((l) => l.name).sort()).toEqual(BUILTIN_LISTS.map((l) => l.name).sort());
    await expect(lists.createList({ name: 'stolen_cards', kind: 'card' }, 'alice')).rejects.toThrow(ListConflictError);
    await expect(lists.createList({ name: 'Bad Name', kind: 'card' }, 'alice')).rejects.toThrow(ListValueError);
    await expect(lists.createList({ name: 'x', kind: 'planet' as never }, 'alice')).rejects.toThrow(/kind/);
  });

  it('adds, updates and removes entries, normalised by kind, with an audit trail', async () => {
    const { db, lists } = stores();
    await ensureLists(lists, BUILTIN_LISTS, 'system');
    const added = await lists.addEntries('blocked_emails', [{ value: 'Anna.K+promo@GoogleMail.com', note: 'chargebacks', expiresAt: 5_000 }], 'alice');
    expect(added).toEqual([{ value: hashEmail('annak@gmail.com'), note: 'chargebacks', expiresAt: 5_000, addedAt: expect.any(Number), addedBy: 'alice' }]);
    await lists.addEntries('blocked_emails', [{ value: 'annak@gmail.com', note: 'renewed' }], 'bob'); // the same address: updated
    expect((await lists.entries('blocked_emails')).map((e) => [e.note, e.expiresAt, e.addedBy])).toEqual([['renewed', null, 'bob']]);
    expect((await lists.removeEntries('blocked_emails', ['ANNAK@gmail.com', 'other@example.com'], 'carol')).removed).toBe(1);
    expect(await lists.entries('blocked_emails')).toEqual([]);
    const changes = db.prepare('SELECT change, actor FROM list_changes ORDER BY seq').all();
    expect(changes).toEqual([
      { change: 'add', actor: 'alice' },
      { change: 'add', actor: 'bob' },
      { change: 'remove', actor: 'carol' },
    ]);
  });

  it('writes nothing when one value of a batch is bad', async () => {
    const { lists } = stores();
    await ensureLists(lists, BUILTIN_LISTS, 'system');
    await expect(lists.addEntries('blocked_emails', [{ value: 'ok@example.com' }, { value: 'not an address' }], 'alice')).rejects.toThrow(ListValueError);
    // The bad one is named by its place in the request, and says what is wrong with it.
    await expect(lists.addEntries('blocked_emails', [{ value: 'ok@example.com' }, { value: 'not an address' }], 'alice')).rejects.toThrow(/^entries\[1\]\.value: "not an address" is not an e-mail address$/);
    await expect(lists.addEntries('sanctioned_names', [{ value: '!!!' }], 'alice')).rejects.toThrow(/^entries\[0\]\.value: "!!!" has no letters or digits to match a name on$/);
    await expect(lists.removeEntries('blocked_emails', ['ok@example.com', ''], 'alice')).rejects.toThrow(/^values\[1\]: /);
    expect(await lists.entries('blocked_emails')).toEqual([]);
    await expect(lists.addEntries('nope', [{ value: 'x' }], 'alice')).rejects.toThrow(ListNotFoundError);
  });

  it('lists live entries at a time, and loads an index the rules can read', async () => {
    const { lists } = stores();
    await ensureLists(lists, BUILTIN_LISTS, 'system');
    await lists.addEntries('stolen_cards', [{ value: 'cf_1' }, { value: 'cf_2', expiresAt: 10_000 }], 'alice');
    await lists.addEntries('sanctioned_names', [{ value: 'Vladimir Putin' }], 'alice');
    expect((await lists.entries('stolen_cards', { liveAt: 20_000 })).map((e) => e.value)).toEqual(['cf_1']);
    const index = await loadListIndex(lists);
    expect(index.contains('stolen_cards', 'cf_2', 9_000)).toBe(true);
    expect(index.contains('stolen_cards', 'cf_2', 20_000)).toBe(false);
    expect(index.matchesName('sanctioned_names', 'Putin, Wladimir', 0.85, 0)).toBe(true);
    await lists.removeEntries('stolen_cards', ['cf_1'], 'bob');
    await refreshList(index, lists, 'stolen_cards');
    expect(index.contains('stolen_cards', 'cf_1', 0)).toBe(false);
    expect(index.kinds().get('sanctioned_names')).toBe('name');
  });

  it('rewrites once the entries stored before a normalisation changed, so they can be removed; replay still sees them as they were', async () => {
    const { db, lists } = stores();
    await ensureLists(lists, BUILTIN_LISTS, 'system');
    // As an earlier version stored them: an IPv6 address written out, a name with a Cyrillic а, an expiry on a duplicate.
    const legacy = db.prepare("INSERT INTO list_entries (list, value, note, expires_at, added_at, added_by) VALUES (?, ?, 'old', ?, 1, 'alice')");
    const logged = db.prepare("INSERT INTO list_changes (list, value, change, actor, at, expires_at) VALUES (?, ?, 'add', 'alice', 1, ?)");
    for (const [list, value, expires] of [['blocked_ips', '2001:db8:0:0:0:0:0:1', null], ['blocked_ips', '2001:db8::1', 5_000], ['blocked_ips', '198.051.100.007', 7_000], ['sanctioned_names', 'putin vlаdimir', null], ['sanctioned_names', 'al gaddafi muammar', null]] as const) {
      legacy.run(list, value, expires);
      logged.run(list, value, expires);
    }
    // A directory rewritten by an earlier version (before name particles were left out) is rewritten again.
    db.prepare("DELETE FROM list_store_meta WHERE key LIKE 'canonical_values%'").run();
    db.prepare("INSERT INTO list_store_meta (key, value) VALUES ('canonical_values', '1')").run();
    const before = await lists.lastChange('blocked_ips');
    const reopened = new SqliteListStore(db, { now: clock() });
    expect((await reopened.entries('blocked_ips')).map((e) => [e.value, e.expiresAt]).sort()).toEqual([['198.51.100.7', 7_000], ['2001:db8::1', null]]); // the later expiry: none
    expect((await reopened.entries('sanctioned_names')).map((e) => e.value).sort()).toEqual(['gaddafi muammar', 'putin vladimir']);
    expect((await reopened.removeEntries('sanctioned_names', ['Muammar al-Gaddafi'], 'bob')).removed).toBe(1);
    // What the rules read: the old spellings match what lookups normalise today.
    const index = await loadListIndex(reopened);
    expect(index.contains('blocked_ips', '2001:db8::1', 1e15)).toBe(true); // no expiry: the later of the two
    expect(index.contains('sanctioned_names', 'Vladimir Putin', 0)).toBe(true);
    expect(index.contains('blocked_ips', '198.51.100.7', 6_000)).toBe(true);
    expect((await reopened.removeEntries('blocked_ips', ['2001:DB8:0:0:0:0:0:1', '198.51.100.7'], 'bob')).removed).toBe(2);
    expect(await reopened.entries('blocked_ips')).toEqual([]);
    expect((await reopened.asOf('blocked_ips', before)).map((e) => e.value).sort()).toEqual(['198.051.100.007', '2001:db8:0:0:0:0:0:1', '2001:db8::1']);
    new SqliteListStore(db, { now: clock() }); // once only: nothing left to rewrite, nothing logged again
    expect(await reopened.lastChange('blocked_ips')).toBe(await lists.lastChange('blocked_ips'));
  });

  it('rebuilds the lists as they were at any version, expiries included', async () => {
    const { lists } = stores();
    await ensureLists(lists, BUILTIN_LISTS, 'system');
    const index = await loadListIndex(lists);
    expect(index.version).toBe(0);
    await lists.addEntries('stolen_cards', [{ value: 'cf_1' }, { value: 'cf_2', expiresAt: 10_000 }], 'alice');
    await refreshList(index, lists, 'stolen_cards');
    const both = index.version;
    expect(both).toBe(2);
    await lists.removeEntries('stolen_cards', ['cf_1'], 'bob');
    await lists.addEntries('stolen_cards', [{ value: 'cf_2', expiresAt: 50_000 }], 'carol');
    await refreshList(index, lists, 'stolen_cards');
    expect(index.version).toBe(4);

    const then = await listIndexAt(lists, both);
    expect(then.version).toBe(both);
    expect(then.contains('stolen_cards', 'cf_1', 20_000)).toBe(true);
    expect(then.contains('stolen_cards', 'cf_2', 20_000)).toBe(false);
    const now = await listIndexAt(lists, index.version);
    for (const [card, at] of [['cf_1', 0], ['cf_2', 20_000], ['cf_2', 60_000]] as const) {
      expect(now.contains('stolen_cards', card, at)).toBe(index.contains('stolen_cards', card, at));
    }
    expect((await listIndexAt(lists, 0)).contains('stolen_cards', 'cf_1', 0)).toBe(false);

    // With the serving index: lists unchanged since the version are shared from it, changed ones rebuilt.
    const shared = await listIndexAt(lists, both, index);
    expect(shared.readAt('blocked_users')).toBe(index.readAt('blocked_users')); // never changed: shared
    expect(shared.readAt('stolen_cards')).toBe(both); // changed since: rebuilt as it was
    expect(shared.contains('stolen_cards', 'cf_1', 20_000)).toBe(true);
    expect(shared.contains('stolen_cards', 'cf_2', 20_000)).toBe(false);
    const current = await listIndexAt(lists, index.version, index);
    expect(current.readAt('stolen_cards')).toBe(index.readAt('stolen_cards'));
    expect(current.contains('stolen_cards', 'cf_2', 20_000)).toBe(true);
    // A serving index that has not read a list's newest change (another process made it) is not trusted for it.
    await lists.addEntries('stolen_cards', [{ value: 'cf_3' }], 'dave');
    const ahead = await listIndexAt(lists, index.version + 1, index);
    expect(ahead.readAt('stolen_cards')).toBe(index.version + 1);
    expect(ahead.contains('stolen_cards', 'cf_3', 0)).toBe(true);
  });
});
