import { describe, expect, it } from 'vitest';
import { hashEmail } from '../events/email.js';
import { openSqlite } from '../lib/sqlite.js';
import { MARKETPLACE_FEATURE_SET } from './catalog.js';
import type { FeatureDefinition, WindowedFeature } from './definition.js';
import { FeatureSet } from './featureset.js';
import { SqliteFeatureSetRegistry } from './stores/sqlite-registry.js';

const base: WindowedFeature = { name: 'f', description: '', entity: 'user', events: ['login'], agg: 'count', window: '1h', ttl: '1d' };
const create = (...features: FeatureDefinition[]) => FeatureSet.create({ name: 'x', scored: ['login'], features });
const bad = (patch: Record<string, unknown>) => create({ ...base, ...patch } as WindowedFeature);

describe('feature sets', () => {
  it('accepts the built-in marketplace set, with a _missing indicator per value', () => {
    const set = FeatureSet.create(MARKETPLACE_FEATURE_SET);
    expect(set.windowed.length).toBeGreaterThanOrEqual(40);
    expect(set.vectorNames.length).toBe(2 * set.valueNames.length);
    expect(set.vectorNames).toContain('user_amount_mean_30d_missing');
    expect(set.version).toMatch(/^fs_[0-9a-f]{12}$/);
  });

  it('refuses bad definitions with a message naming the feature', () => {
    expect(() => bad({ entity: 'planet' })).toThrow('feature "f": unknown entity "planet"');
    // Paths no event can hold: the feature would read the same on every event.
    expect(() => bad({ where: { 'entities.merchant': 'm_1' } })).toThrow('feature "f": field path "entities.merchant": entities are entities.user, entities.device');
    expect(() => bad({ agg: 'distinct', field: 'id.length' })).toThrow('feature "f": field path "id.length": id is a single value, with no fields inside');
    // A kind named like a built-in property is no kind, and a description is text.
    for (const kind of ['__proto__', 'constructor', 'toString']) expect(() => bad({ kind } as never)).toThrow(`feature "f": unknown kind "${kind}"`);
    expect(() => bad({ description: [[1]] } as never)).toThrow('feature "f": description must be a string of at most 2,000 characters');
    const ratio = { kind: 'ratio', name: 'r', description: { a: 1 }, numerator: 'f', denominator: 'f' };
    expect(() => create(base, ratio as never)).toThrow('feature "r": description must be a string');
    expect(() => FeatureSet.create({ name: 't', description: [1] as never, scored: ['login'], features: [base] })).toThrow('feature set "t": description must be a string');
    const many = Array.from({ length: 1_001 }, (_, i) => ({ ...base, name: `f${i}` }));
    expect(() => FeatureSet.create({ name: 't', scored: ['login'], features: many })).toThrow('feature set "t": at most 1,000 features, got 1,001');
    expect(() => bad({ events: ['teleported'] })).toThrow('feature "f": unknown event type "teleported"');
    expect(() => bad({ events: [] })).toThrow('feature "f": events must list at least one event type');
    expect(() => bad({ window: '0m' })).toThrow('feature "f": window "0m" must be a positive duration');
    expect(() => bad({ window: '-5m' })).toThrow('feature "f": window "-5m" must be a positive duration');
    expect(() => bad({ window: '30s' })).toThrow('feature "f": window 30s is shorter than the 1m minimum');
    expect(() => bad({ window: '31d', ttl: '60d' })).toThrow('feature "f": window 31d is longer than the 30d maximum');
    expect(() => bad({ window: '7d', ttl: '1d' })).toThrow('feature "f": ttl 1d is shorter than its window 7d');
    expect(() => bad({ ttl: undefined })).toThrow('feature "f": ttl is required');
    expect(() => bad({ window: undefined })).toThrow('feature "f": aggregation count needs a window');
    expect(() => bad({ agg: 'sum' })).toThrow('feature "f": aggregation sum needs a field');
    expect(() => bad({ agg: 'median' })).toThrow('feature "f": unknown aggregation "median"');
    expect(() => bad({ agg: 'velocity' })).toThrow('feature "f": velocity needs k');
    expect(() => bad({ field: 'secret.__proto__' })).toThrow(/field path/);
    expect(() => bad({ where: { 'payload.x': { between: [1, 2] } } })).toThrow(/where\.payload\.x must be/);
    // Conditions the engine could not run are refused here, not met as a TypeError in a replay.
    expect(() => bad({ where: null as never })).toThrow('feature "f": where must be an object');
    expect(() => bad({ where: [] as never })).toThrow('feature "f": where must be an object');
    expect(() => bad({ where: { 'payload.x': { in: 5 } } as never })).toThrow('feature "f": where.payload.x.in must be a list of values');
    expect(() => bad({ where: { 'payload.x': ['a', 'b'] } as never })).toThrow(/where\.payload\.x: a list of values is written \{"in": \[\.\.\.\]\}/);
    expect(() => bad({ where: { 'payload.amount': { gt: '5' } } as never })).toThrow('feature "f": where.payload.amount.gt must be a finite number');
    expect(() => bad({ where: { 'payload.message': { exists: 'yes' } } as never })).toThrow('feature "f": where.payload.message.exists must be true or false');
    // Conditions that could never match, and misspelt fields that would silently change the feature.
    expect(() => bad({ where: { 'payload.promo_code': null } as never })).toThrow('feature "f": where.payload.promo_code: null matches no event');
    expect(() => bad({ where: { 'payload.status': { in: [] } } as never })).toThrow('feature "f": where.payload.status.in must list at least one value');
    expect(() => bad({ windw: '10m' } as never)).toThrow('feature "f": unknown field "windw" for a windowed feature (known: kind, name, description, entity, events, where, agg, field, window, ttl, k, missingValue)');
    expect(() => create(base, { kind: 'ratio', name: 'r', description: '', numerator: 'f', denominator: 'f', numerater: 'f' } as never)).toThrow('feature "r": unknown field "numerater" for a ratio feature');
    expect(() => bad({ name: 'Bad Name' })).toThrow(/lower_snake_case/);
    expect(() => create(base, base)).toThrow('feature "f": defined twice');
    expect(() => bad({ name: 'f_missing' })).toThrow(/reserved for indicators/);
    // Wrong JSON types are named, not a TypeError from deep inside.
    expect(() => bad({ entity: null })).toThrow('feature "f": entity must be an entity kind');
    expect(() => bad({ entity: 5 })).toThrow('feature "f": entity must be an entity kind');
    expect(() => bad({ agg: 'sum', field: 5 })).toThrow('feature "f": field must be a field path');
    expect(() => bad({ description: 7 })).toThrow('feature "f": description must be a string');
    expect(() => bad({ where: { 'payload.x': { ne: { a: 1 } } } as never })).toThrow('feature "f": where.payload.x.ne must hold strings, numbers or booleans');
    expect(() => bad({ where: { 'payload.x': { in: [{}] } } as never })).toThrow('feature "f": where.payload.x.in must hold strings, numbers or booleans');
    expect(() => create(base, { kind: 'on_demand', name: 'a', description: '', op: 'value', args: [5 as never] })).toThrow('feature "a": operands must be feature names');
    // Definitions that would count twice, never end, or clash with the export's columns.
    expect(() => bad({ events: ['login', 'login'] })).toThrow('feature "f": events names an event type twice');
    expect(() => bad({ agg: 'since_first', window: '1h' })).toThrow('feature "f": aggregation since_first takes no window');
    expect(() => bad({ agg: 'since_last', window: '1h' })).toThrow('feature "f": aggregation since_last takes no window');
    expect(() => bad({ name: 'label' })).toThrow('feature "label": is the name of a training-set column');
    expect(() => create(base, { kind: 'ratio', name: "it's", description: '', numerator: 'f', denominator: 'f' })).toThrow(/feature "it's": name must be lower_snake_case/);
    expect(() => create(base, { kind: 'ratio', name: 'r', description: '', numerator: 'f', denominator: 'f', missingValue: 'abc' as never })).toThrow('feature "r": missingValue must be a finite number');
    expect(() => FeatureSet.create({ name: 'x', scored: ['login'], features: [] })).toThrow('feature set "x": features must list at least one feature');
    expect(() => FeatureSet.create({ name: 'x', scored: ['login', 'login'], features: [base] })).toThrow('feature set "x": scored names an event type twice');
    expect(() => FeatureSet.create({ name: 'x', scored: ['chargeback'], features: [base] })).toThrow('feature set "x": scored event type "chargeback" is a label');
    expect(() => FeatureSet.create({ name: 'x', scored: ['login'], features: [base], extra: 1 } as never)).toThrow('feature set "x": unknown field "extra" (known: name, description, scored, features)');
    expect(() => bad({ where: { 'payload.hasOwnProperty': { exists: false } } })).toThrow('feature "f": field path "payload.hasOwnProperty" names "hasOwnProperty", a built-in property of every object, not an event field');
    expect(() => bad({ agg: 'sum', field: 'payload.valueOf' })).toThrow(/names "valueOf", a built-in property/);
    expect(() => bad({ field: 'payload..x' })).toThrow('feature "f": field path "payload..x" has an empty part');
    expect(() => bad({ ttl: `${'9'.repeat(400)}d` })).toThrow(/ttl 9+d is longer than the 36500d \(100 years\) maximum/);
    expect(() => bad({ ttl: '36501d' })).toThrow(/longer than the 36500d/);
    expect(() => create(base, { kind: 'on_demand', name: 'a', description: '', op: 'value', args: ['f'], param: 'zzz' })).toThrow('feature "a": operation value takes no param');
    expect(() => create(base, { kind: 'on_demand', name: 'a', description: '', op: 'value', args: ['$event.payload.toString'] })).toThrow(/feature "a": operand field path "payload.toString" names "toString"/);
    // Paths and values checked against the schemas of the feature's event types: each of these would make
    // a feature that reads the same on every event.
    const bookings = { events: ['booking_attempted'] };
    expect(() => bad({ ...bookings, agg: 'sum', field: 'payload.amonut' })).toThrow(
      'feature "f": field path "payload.amonut": no booking_attempted event has it (booking_attempted payload fields: amount, currency, nights,',
    );
    expect(() => bad({ where: { 'context.ip_contry': 'NG' } })).toThrow('field path "context.ip_contry": no login event has it (context fields: ip_country, user_country,');
    expect(() => bad({ ...bookings, agg: 'sum', field: 'payload.currency' })).toThrow('feature "f": aggregation sum needs a numeric field: "payload.currency" holds text');
    expect(() => bad({ ...bookings, agg: 'mean', field: 'payload' })).toThrow('aggregation mean needs a numeric field: "payload" holds lists or groups of fields');
    expect(() => bad({ events: ['profile_updated'], agg: 'distinct', field: 'payload.fields' })).toThrow('feature "f": distinct counts single values: "payload.fields" holds lists or groups of fields');
    expect(() => bad({ events: ['payment_attempted'], where: { 'payload.status': 'decline' } })).toThrow(
      'feature "f": where.payload.status: no event matches, no payload.status is "decline": "decline" is not one of its values ("approved", "declined", "failed")',
    );
    expect(() => bad({ events: ['payment_attempted'], where: { 'payload.status': { in: ['declined', 'faild'] } } })).toThrow('where.payload.status.in: no event matches, no payload.status is "faild"');
    expect(() => bad({ events: ['payment_attempted'], where: { 'payload.status': { ne: 'aproved' } } })).toThrow('where.payload.status.ne: every event passes, no payload.status is "aproved"');
    expect(() => bad({ where: { 'context.ip_country': 'ng' } })).toThrow('where.context.ip_country: no event matches, no context.ip_country is "ng": riskgate stores it upper-case: write "NG"');
    expect(() => bad({ where: { 'context.ip_country': 'NGA' } })).toThrow('"NGA" does not have its form (ISO 3166-1 alpha-2)');
    expect(() => bad({ ...bookings, where: { 'payload.checkin': '1/2/2026' } })).toThrow('"1/2/2026" does not have its form (a date, YYYY-MM-DD)');
    expect(() => bad({ events: ['review_posted'], where: { 'payload.rating': 6 } })).toThrow('where.payload.rating: no event matches, no payload.rating is 6: it holds whole numbers from 1 to 5');
    expect(() => bad({ events: ['review_posted'], where: { 'payload.rating': { gt: 5 } } })).toThrow('where.payload.rating.gt: no event matches, no payload.rating is over 5: it holds whole numbers from 1 to 5');
    expect(() => bad({ ...bookings, where: { 'payload.nights': 1.5 } })).toThrow('no payload.nights is 1.5: it holds whole numbers');
    expect(() => bad({ ...bookings, where: { 'payload.amount': { lt: 0 } } })).toThrow('no payload.amount is under 0: it holds numbers from 0 to');
    expect(() => bad({ where: { 'payload.success': { gte: 1 } } })).toThrow('where.payload.success.gte: no event matches, no payload.success is at least 1: it holds true or false, not numbers: write true');
    expect(() => bad({ where: { 'payload.success': { lt: 1 } } })).toThrow('not numbers: write false');
    // Stored spellings: e-mail addresses only as hashes, IP addresses in one form.
    expect(() => bad({ where: { 'entities.email': 'Alice@Example.com' } })).toThrow(`no entities.email is "Alice@Example.com": riskgate stores e-mail addresses hashed: write "${hashEmail('alice@example.com')}"`);
    expect(() => bad({ where: { 'entities.email': 'alice' } })).toThrow('riskgate stores e-mail addresses as em_ hashes');
    expect(() => bad({ where: { 'entities.ip': { in: ['198.051.100.7'] } } })).toThrow('no entities.ip is "198.051.100.7": riskgate stores it as "198.51.100.7": write that');
    expect(create({ ...base, where: { 'entities.email': hashEmail('alice@example.com'), 'entities.ip': { ne: '2001:db8::1' }, 'payload.success': true } }).valueNames).toEqual(['f']);
    expect(() => bad({ where: { 'payload.success': 'true' } })).toThrow('where.payload.success: no event matches, no payload.success is "true": it holds true or false, not text');
    expect(() => bad({ ...bookings, where: { 'payload.nights': '2' } })).toThrow('it holds numbers, not text');
    expect(() => bad({ ...bookings, where: { 'payload.currency': { gte: 3 } } })).toThrow('feature "f": where.payload.currency.gte: no event matches, no payload.currency is at least 3: it holds text, not numbers');
    expect(() => create(base, { kind: 'on_demand', name: 'a', description: '', op: 'value', args: ['$event.payload.amount'] })).toThrow(
      'feature "a": operand "$event.payload.amount": no scored event (login) has it (login payload fields: success, method',
    );
    expect(() => create(base, { kind: 'on_demand', name: 'a', description: '', op: 'value', args: ['$event.payload'] })).toThrow('feature "a": operand "$event.payload": it holds a list or a group of fields, never a single value (login payload fields: success, method');
    expect(() => create(base, { kind: 'on_demand', name: 'a', description: '', op: 'value', args: ['$event.entities.merchant'] })).toThrow('(entities: user, device, card, ip, email, listing, host)');
    expect(() => create(base, { kind: 'on_demand', name: 'a', description: '', op: 'value', args: ['$event.id'] })).toThrow('$event.payload…, $event.ts or $event.type');
    expect(() => bad({ events: ['message_sent'], where: { '$text.off_platform': true } })).toThrow('where.$text.off_platform: no event matches, no $text.off_platform is true: it holds numbers (1 when the text has it, else 0), not true or false');
    expect(() => bad({ events: ['message_sent'], where: { '$text.score': { gt: 1 } } })).toThrow('no $text.score is over 1: it holds numbers from 0 to 1');
    expect(() => bad({ where: { '$text.url': 1 } })).toThrow('feature "f": "$text.url": no login event carries text, so it is 0 on every event (message_sent, review_posted, booking_attempted carry text)');
    expect(() => bad({ events: ['search'], agg: 'sum', field: '$text.phone' })).toThrow('"$text.phone": no search event carries text');
    expect(create({ ...base, events: ['login', 'message_sent'], agg: 'mean', field: '$text.score', where: { '$text.url': 1, '$text.score': { gte: 0.5 } } }).valueNames).toEqual(['f']);
    expect(() => create(base, { kind: 'on_demand', name: 'a', description: '', op: 'value', args: ['$event.type'] })).toThrow('feature "a": operation value reads numbers, and "$event.type" holds text: it would be missing on every row (differs and present read text)');
    expect(() => create(base, { kind: 'on_demand', name: 'a', description: '', op: 'text_signal', args: [], param: 'url' })).toThrow('feature "a": operation text_signal reads the scored event\'s text, and no scored event (login) carries any');
    expect(create(base, { kind: 'on_demand', name: 'a', description: '', op: 'differs', args: ['$event.context.ip_country', '$event.context.user_country'] }, { kind: 'on_demand', name: 'b', description: '', op: 'value', args: ['$event.payload.success'] }).valueNames).toEqual(['f', 'a', 'b']);
    // More values a field never holds, and conditions no event can meet.
    expect(() => bad({ events: ['search'], where: { 'payload.checkin': '2026-02-30' } })).toThrow('no payload.checkin is "2026-02-30": "2026-02-30" is not a day of the calendar');
    expect(() => bad({ where: { 'entities.device': '' } })).toThrow('no entities.device is "": it is never empty');
    expect(() => bad({ where: { id: 'evt 1' } })).toThrow('"evt 1" does not have its form (letters, digits and _ . : @ -, starting with a letter or digit)');
    expect(() => bad({ where: { ts: '2026-01-01' } })).toThrow('it holds numbers (epoch milliseconds), not text');
    expect(() => bad({ where: { ts: { lt: 0 } } })).toThrow('no ts is under 0: it holds whole numbers from 946684800000 to 4102444800000');
    expect(() => bad({ events: ['review_posted'], where: { 'payload.rating': 6 } })).toThrow('it holds whole numbers from 1 to 5');
    expect(() => bad({ where: { 'payload.success': 1 } })).toThrow('it holds true or false, not a number: write {"payload.success": true}');
    expect(() => bad({ where: { 'payload.success': 'false' } })).toThrow('not text: write {"payload.success": false}');
    expect(() => bad({ where: { 'payload.success': { gt: 0.5 } } })).toThrow('not numbers: write true');
    expect(() => bad({ where: { 'entities.email': 'EM_739F05E19D5CFA99' } })).toThrow('an e-mail hash is em_ and 32 lower-case hexadecimal digits');
    expect(() => bad({ events: ['login', 'search'], where: { type: 'booking_attempted' } })).toThrow('"booking_attempted" is not one of its values ("login", "search")');
    expect(() => bad({ events: ['payment_attempted'], where: { 'payload.status': { exists: false } } })).toThrow('where.payload.status.exists: no event matches, every payment_attempted event has payload.status');
    expect(() => bad({ where: { 'entities.device': { exists: false } } })).toThrow('every login event has entities.device');
    // …while a field only some events hold, or an optional one, may be absent.
    expect(create({ ...base, events: ['login', 'search'], where: { 'entities.device': { exists: false }, 'payload.method': { exists: false } } }).valueNames).toEqual(['f']);
    // A path one of the event types holds is enough (the others read it as absent), and what they hold is usable.
    const either = { ...base, events: ['booking_attempted', 'payment_attempted'] } as WindowedFeature;
    expect(create({ ...either, where: { 'payload.status': 'declined', 'context.ip_country': { in: ['NG', 'GH'] } } }).valueNames).toEqual(['f']);
    expect(create({ ...either, agg: 'max', field: 'payload.amount' }, { ...either, name: 'g', agg: 'distinct', field: 'entities.card' }).valueNames).toEqual(['f', 'g']);
    expect(create({ ...base, events: ['login', 'profile_updated'], agg: 'mean', field: 'payload.success', where: { 'payload.method': { ne: 'sso' }, ts: { gt: 0 }, 'payload.fields.0': { exists: true } } }).valueNames).toEqual(['f']);
    // null is how a JSON file leaves a param out
    expect(create(base, { kind: 'on_demand', name: 'a', description: '', op: 'value', args: ['f'], param: null as never }).valueNames).toEqual(['f', 'a']);
  });

  it('loads a registered spec that checks added since refuse: its version, and the models trained on it, stay servable', () => {
    const stored = {
      name: 'x',
      scored: ['login'],
      features: [
        { ...base, ttl: '40000d', where: { 'payload.valueOf': { exists: true } } },
        { kind: 'on_demand', name: 'a', description: '', op: 'value', args: ['$event.payload.toString'], param: 'ignored' },
        { ...base, name: 'g', agg: 'sum', field: 'payload.amonut', where: { 'context.ip_country': 'ng' } },
      ],
      $schema: 'https://example.com/feature-set.json',
    } as never;
    expect(() => FeatureSet.create(stored)).toThrow(/unknown field "\$schema"/);
    const loaded = FeatureSet.create(stored, { registered: true });
    expect(loaded.valueNames).toEqual(['f', 'g', 'a']);
    // What was refused before stays refused.
    expect(() => FeatureSet.create({ name: 'x', scored: ['login'], features: [{ ...base, field: 'payload.__proto__' }] }, { registered: true })).toThrow(/field path/);
  });

  it('refuses on-demand features that depend on themselves, directly or through others', () => {
    expect(() => create({ kind: 'on_demand', name: 'a', description: '', op: 'value', args: ['a'] })).toThrow('feature "a": depends on itself');
    expect(() =>
      create(
        { kind: 'on_demand', name: 'a', description: '', op: 'value', args: ['b'] },
        { kind: 'on_demand', name: 'b', description: '', op: 'value', args: ['a'] },
      ),
    ).toThrow(/depends on itself through other on-demand features/);
    expect(() => create({ kind: 'on_demand', name: 'a', description: '', op: 'frobnicate', args: [] })).toThrow('feature "a": unknown operation "frobnicate"');
    expect(() => create({ kind: 'on_demand', name: 'a', description: '', op: 'div', args: ['x'] })).toThrow('feature "a": operation div takes 2 operand(s)');
    expect(() => create({ kind: 'on_demand', name: 'a', description: '', op: 'value', args: ['nope'] })).toThrow(/operand "nope" is not a defined feature/);
    expect(() => create({ kind: 'on_demand', name: 'a', description: '', op: 'text_signal', args: [], param: 'mood' })).toThrow(/param must be one of/);
    expect(() => create(base, { kind: 'ratio', name: 'r', description: '', numerator: 'f', denominator: 'r' })).toThrow('feature "r": denominator refers to itself');
  });

  it('orders on-demand features so inputs come first', () => {
    const set = create(
      base,
      { kind: 'on_demand', name: 'b', description: '', op: 'value', args: ['a'] },
      { kind: 'on_demand', name: 'a', description: '', op: 'value', args: ['f'] },
    );
    expect(set.onDemand.map((f) => f.name)).toEqual(['a', 'b']);
  });

  it('versions by the hash of the definitions: any change changes it, key order does not', () => {
    const v = create(base).version;
    expect(create({ ...base }).version).toBe(v);
    expect(create({ ttl: '1d', window: '1h', agg: 'count', events: ['login'], entity: 'user', description: '', name: 'f' }).version).toBe(v);
    expect(create({ ...base, window: '2h' }).version).not.toBe(v);
    expect(create({ ...base, where: { 'payload.success': true } }).version).not.toBe(v);
    expect(create({ ...base, description: 'counts logins' }).version).not.toBe(v);
    expect(FeatureSet.create({ name: 'x', scored: ['booking_attempted'], features: [base] }).version).not.toBe(v);
    expect(FeatureSet.create({ name: 'other-name', scored: ['login'], features: [base] }).version).toBe(v);
    // Pinned: a set's version must not move unless its definitions or the code computing them change
    // (a set that reads no text keeps it when only the text detectors change).
    expect(v).toBe('fs_70e0c652299c');
  });

  it('serves a model trained on an older version when its inputs mean the same (per-feature canary)', () => {
    const old = create(base, { kind: 'on_demand', name: 'f_days', description: '', op: 'seconds_to_days', args: ['f'] });
    const added = create(base, { kind: 'on_demand', name: 'f_days', description: '', op: 'seconds_to_days', args: ['f'] }, { ...base, name: 'g', window: '2h' });
    expect(added.version).not.toBe(old.version);
    // The active model (trained on `old`) keeps serving; a canary trained on `added` may use `g`.
    expect(added.servesLike(old, ['f', 'f_missing', 'f_days'])).toEqual({ ok: true });
    const changed = create({ ...base, window: '3h' }, { kind: 'on_demand', name: 'f_days', description: '', op: 'seconds_to_days', args: ['f'] });
    expect(changed.servesLike(old, ['f'])).toEqual({ ok: false, feature: 'f' });
    // f_days itself is unchanged but is computed from a changed feature.
    expect(changed.servesLike(old, ['f_days'])).toEqual({ ok: false, feature: 'f_days' });
    expect(old.servesLike(added, ['g'])).toEqual({ ok: false, feature: 'g' });
    // A count also reads 0 when its entity is live in another feature of its key: a feature that makes
    // more entities live (other events) changes what the old count means, and the model is not served.
    const bookings: WindowedFeature = { ...base, name: 'u_bookings', events: ['booking_attempted'], ttl: '30d' };
    const widened = create(base, { kind: 'on_demand', name: 'f_days', description: '', op: 'seconds_to_days', args: ['f'] }, bookings);
    expect(widened.servesLike(old, ['f'])).toEqual({ ok: false, feature: 'f' });
    expect(widened.servesLike(old, ['f_days'])).toEqual({ ok: false, feature: 'f_days' });
    // A feature that makes no entity live that another one does not already (the same events or fewer,
    // no more lasting) changes nothing: the model is served.
    const days = { kind: 'on_demand', name: 'f_days', description: '', op: 'seconds_to_days', args: ['f'] } as const;
    const lastLogin: WindowedFeature = { ...base, name: 'u_since_login', agg: 'since_last', window: undefined, ttl: '180d' };
    const withLastLogin = create(base, days, lastLogin);
    expect(create(base, days, lastLogin, { ...base, name: 'u_logins_7d', window: '7d', ttl: '90d' }).servesLike(withLastLogin, ['f'])).toEqual({ ok: true });
    expect(create(base, days, lastLogin, { ...base, name: 'u_fails', where: { 'payload.success': false }, window: '1h', ttl: '30d' }).servesLike(withLastLogin, ['f'])).toEqual({ ok: true });
    // …but one that lives longer, reads other events, or counts events by a field the other does not, does.
    expect(create(base, days, lastLogin, { ...base, name: 'u_logins_1y', window: '30d', ttl: '365d' }).servesLike(withLastLogin, ['f'])).toEqual({ ok: false, feature: 'f' });
    expect(create(base, days, lastLogin, { ...base, name: 'u_any', events: ['login', 'message_sent'], ttl: '1d' }).servesLike(withLastLogin, ['f'])).toEqual({ ok: false, feature: 'f' });
    const byMethod = create(base, days, { ...lastLogin, field: 'payload.method' });
    expect(create(base, days, { ...lastLogin, field: 'payload.method' }, { ...base, name: 'u_logins_7d', window: '7d', ttl: '90d' }).servesLike(byMethod, ['f'])).toEqual({ ok: false, feature: 'f' });
  });

  it('keeps feature sets in a registry by version', async () => {
    const db = openSqlite(':memory:');
    const registry = new SqliteFeatureSetRegistry(db);
    const set = FeatureSet.create(MARKETPLACE_FEATURE_SET);
    await registry.register(set.version, MARKETPLACE_FEATURE_SET);
    await registry.register(set.version, MARKETPLACE_FEATURE_SET);
    expect((await registry.list()).map((r) => r.version)).toEqual([set.version]);
    const stored = await registry.get(set.version);
    expect(FeatureSet.create(stored!.spec).version).toBe(set.version);
    expect(await registry.get('fs_000000000000')).toBeUndefined();
    // Which version servers serve: none chosen (the built-in set), a registered one, back to none.
    expect(await registry.served()).toBeUndefined();
    await expect(registry.setServed('fs_000000000000')).rejects.toThrow('feature set fs_000000000000 is not registered');
    await registry.setServed(set.version);
    expect(await new SqliteFeatureSetRegistry(db).served()).toBe(set.version);
    await registry.setServed(undefined);
    expect(await registry.served()).toBeUndefined();
    db.close();
  });
});
