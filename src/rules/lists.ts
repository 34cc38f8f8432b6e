// Named lists (stolen cards, blocked devices, sanctioned names, allowed users, …) and the in-memory
// index the rule functions in_list() and name_matches() read. Values are normalised by the list's
// kind on the way in and on lookup, so a list of e-mail addresses matches the hashed addresses
// events carry, and a list of names matches however a name is spelled.
import { hashEmail, isHashedEmail, normaliseEmail } from '../events/email.js';
import { canonicalIp } from '../events/ip.js';
import { containsRawCardNumber } from '../events/pan.js';
import { NameIndex, normaliseName } from './names.js';
import { hasInvisibleCharacter, INVISIBLE_IN_ID_MESSAGE, isWellFormed } from '../lib/text-input.js';

export const LIST_KINDS = ['card', 'device', 'ip', 'email', 'user', 'name', 'string'] as const;
export type ListKind = (typeof LIST_KINDS)[number];

export const LIST_NAME = /^[a-z][a-z0-9_]{0,63}$/;
export const MAX_LIST_VALUE = 256;
/** Longest description of a list, and note on an entry: what a person reads in the console. */
export const MAX_LIST_DESCRIPTION = 2_000;
export const MAX_ENTRY_NOTE = 500;

export interface NamedList {
  name: string;
  kind: ListKind;
  description: string;
  createdAt: number;
  createdBy: string;
}

export interface ListEntry {
  /** The normalised value (an `em_` hash for e-mail lists, the normalised name for name lists). */
  value: string;
  note: string | null;
  /** Epoch ms after which the entry no longer counts; null for never. */
  expiresAt: number | null;
  addedAt: number;
  addedBy: string;
}

/** The lists every installation has; the default rules refer to them. */
export const BUILTIN_LISTS: ReadonlyArray<Pick<NamedList, 'name' | 'kind' | 'description'>> = [
  { name: 'stolen_cards', kind: 'card', description: 'card fingerprints reported stolen or compromised' },
  { name: 'blocked_devices', kind: 'device', description: 'device fingerprints that may not transact' },
  { name: 'blocked_ips', kind: 'ip', description: 'IP addresses that may not transact' },
  { name: 'blocked_emails', kind: 'email', description: 'e-mail addresses (stored normalised and hashed) that may not transact' },
  { name: 'blocked_users', kind: 'user', description: 'accounts that may not transact' },
  { name: 'sanctioned_names', kind: 'name', description: 'people and companies on sanctions lists (fuzzy-matched)' },
  { name: 'allowed_users', kind: 'user', description: 'trusted accounts whose checkouts skip ordinary block and review rules' },
];

export class ListValueError extends Error {}

/** The stored form of a value for a list of this kind; throws ListValueError when it cannot be one. */
export function normaliseListValue(kind: ListKind, raw: string): string {
  // As for entity ids: no control characters (one joins composite keys), and well-formed Unicode (a lone
  // surrogate would be stored as U+FFFD and never match the id it was meant for).
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  if (/[\u0000-\u001f\u007f]/.test(raw)) throw new ListValueError('must not contain control characters (U+0000–U+001F, U+007F)');
  if (!isWellFormed(raw)) throw new ListValueError('is not well-formed Unicode (a lone surrogate)');
  // Events refuse such characters in the ids these lists hold: an entry with one could never match, and would show as the id it imitates.
  if ((kind === 'card' || kind === 'device' || kind === 'user') && hasInvisibleCharacter(raw)) throw new ListValueError(INVISIBLE_IN_ID_MESSAGE);
  // Card numbers belong on no list: a fingerprint of one belongs on the card list.
  if (containsRawCardNumber(raw)) throw new ListValueError('looks like a raw card number: lists hold card fingerprints, never card numbers');
  const value = lookupKey(kind, raw);
  if (value === null) {
    const length = raw.trim().length;
    throw new ListValueError(
      kind === 'email'
        ? `${JSON.stringify(raw)} is not an e-mail address`
        : kind === 'name' && length > 0 && length <= MAX_LIST_VALUE
          ? `${JSON.stringify(raw)} has no letters or digits to match a name on`
          : `a ${kind} value must be 1–${MAX_LIST_VALUE} characters`,
    );
  }
  return value;
}

/** The key a stored value is looked up under today (the value itself when it cannot be one). */
export function canonicalListValue(kind: ListKind, stored: string): string {
  return lookupKey(kind, stored) ?? stored;
}

/**
 * The key a value is stored and looked up under, or null when it cannot be one. A value being stored
 * is trimmed (an entry typed with a stray space); a value being looked up is an entity id as the event
 * carries it, and `"u_1 "` is not `"u_1"` to the features: it must not match the entry either.
 */
function lookupKey(kind: ListKind, raw: string, storing = true): string | null {
  const trimmed = storing ? raw.trim() : raw;
  if (trimmed.length === 0 || trimmed.length > MAX_LIST_VALUE) return null;
  switch (kind) {
    case 'email': {
      if (isHashedEmail(trimmed)) return trimmed;
      const normalised = normaliseEmail(trimmed);
      return normalised === null ? null : hashEmail(normalised);
    }
    case 'name':
      return normaliseName(trimmed) || null;
    case 'ip':
      return canonicalIp(trimmed);
    default:
      return trimmed;
  }
}

/** What the rule functions need: exact membership and fuzzy name matching, as of a time. */
export interface ListLookup {
  /** The lists' version this lookup reflects, when it comes from a versioned store. */
  readonly version?: number;
  /** Whether the list holds the value (normalised by the list's kind) in an entry live at `at`. */
  contains(list: string, value: string, at: number): boolean;
  /** Whether a name in the list is at least `threshold` similar to `name` (Jaro–Winkler, normalised). */
  matchesName(list: string, name: string, threshold: number, at: number): boolean;
}

interface IndexedList {
  kind: ListKind;
  /** The lists' version its entries were read at: they reflect every change up to it. */
  readAt: number;
  /** value → expiry (Infinity for none). */
  expiries: Map<string, number>;
  names: NameIndex | null;
}

export class UnknownListError extends Error {
  constructor(readonly list: string) {
    super(`there is no list named "${list}"`);
  }
}

/**
 * Every list in memory, for the rules: O(1) exact lookups, indexed fuzzy name lookups. The owner
 * replaces a list's contents with `set` whenever the list changes (store.ts: loadListIndex, refreshList).
 */
export class ListIndex implements ListLookup {
  private readonly lists = new Map<string, IndexedList>();
  /** The lists' version (ListStore.current) the index reflects; decisions log it so replay can rebuild these lists. */
  version = 0;

  /**
   * Replace a list's contents; `entries` hold stored values (normalised by normaliseListValue), read
   * at the lists' version `readAt` (ListStore.current).
   */
  set(list: Pick<NamedList, 'name' | 'kind'>, entries: readonly Pick<ListEntry, 'value' | 'expiresAt'>[], readAt = 0): void {
    // Stored values are in today's canonical form (the store rewrote older ones once, when it opened).
    const expiries = new Map<string, number>();
    for (const e of entries) expiries.set(e.value, e.expiresAt ?? Infinity);
    this.lists.set(list.name, { kind: list.kind, readAt, expiries, names: list.kind === 'name' ? new NameIndex(expiries.keys()) : null });
  }

  /** The version a list's entries were read at (-1 when the list is not indexed). */
  readAt(name: string): number {
    return this.lists.get(name)?.readAt ?? -1;
  }

  /** Share another index's list as it is (its entries are never changed in place, only replaced by set). */
  adopt(from: ListIndex, name: string): void {
    this.lists.set(name, from.get(name));
  }

  delete(name: string): void {
    this.lists.delete(name);
  }

  /** Names and kinds of the indexed lists: what compileExpression needs to vet list names. */
  kinds(): Map<string, ListKind> {
    return new Map([...this.lists].map(([name, list]) => [name, list.kind]));
  }

  contains(list: string, value: string, at: number): boolean {
    const indexed = this.get(list);
    const key = lookupKey(indexed.kind, value, false);
    if (key === null) return false;
    const expiry = indexed.expiries.get(key);
    return expiry !== undefined && expiry > at;
  }

  matchesName(list: string, name: string, threshold: number, at: number): boolean {
    const indexed = this.get(list);
    if (indexed.names === null) throw new Error(`list "${list}" holds ${indexed.kind} values, not names: use in_list()`);
    if (!(threshold > 0 && threshold <= 1)) throw new Error(`the threshold must be in (0, 1], not ${threshold}`);
    return indexed.names.bestMatch(normaliseName(name), threshold, (entry) => indexed.expiries.get(entry)! > at) !== null;
  }

  private get(list: string): IndexedList {
    const indexed = this.lists.get(list);
    if (!indexed) throw new UnknownListError(list);
    return indexed;
  }
}
