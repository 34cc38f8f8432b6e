// Fuzzy matching of person and company names, for lists such as sanctioned_names: both sides are
// normalised (case, accents, punctuation, word order) and compared with Jaro–Winkler similarity.

/** Letters that Unicode decomposition leaves alone but a reader treats as plain Latin ones. */
const FOLD: Record<string, string> = { ß: 'ss', æ: 'ae', œ: 'oe', ø: 'o', ł: 'l', đ: 'd', ð: 'd', þ: 'th', ı: 'i' };
const FOLDABLE = new RegExp(`[${Object.keys(FOLD).join('')}]`, 'g');

/**
 * Cyrillic and Greek letters that look like Latin ones (after lower-casing): `Рutin` with a Cyrillic
 * Р would otherwise be another word, sorted elsewhere, and slip past the list.
 */
const LOOKALIKE: Record<string, string> = {
  а: 'a', в: 'b', е: 'e', ё: 'e', к: 'k', м: 'm', н: 'h', о: 'o', р: 'p', с: 'c', т: 't', у: 'y', х: 'x', і: 'i', ї: 'i', ј: 'j', ѕ: 's', ԁ: 'd', ɡ: 'g',
  α: 'a', β: 'b', ε: 'e', η: 'n', ι: 'i', κ: 'k', ν: 'v', ο: 'o', ρ: 'p', τ: 't', υ: 'u', χ: 'x',
};
const LOOKALIKES = new RegExp(`[${Object.keys(LOOKALIKE).join('')}]`, 'gu');
/** Hangul fillers render as blanks: they separate words. */
const BLANK_LETTERS = /[\u115f\u1160\u3164\uffa0]/gu;
/** Invisible format characters (zero-width space and joiners, soft hyphen, bidi marks, …): they would split a word in two. */
const INVISIBLE = /[\p{Cf}\p{Default_Ignorable_Code_Point}]/gu;

/**
 * Lower-case, strip accents, punctuation and invisible characters, fold look-alike letters, leave out
 * name particles (al, bin, van, de, …), and sort the words, so `Putin, Vladimir` and `vladimir PUTIN`
 * are one name. Empty when nothing of a name is left.
 */
export function normaliseName(raw: string): string {
  const words = raw
    .replace(BLANK_LETTERS, ' ')
    .replace(INVISIBLE, '')
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(FOLDABLE, (c) => FOLD[c]!)
    .replace(LOOKALIKES, (c) => LOOKALIKE[c]!)
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w.length > 0);
  // `Muammar al-Gaddafi` is the listed `Muammar Gaddafi`, `Ludwig van Beethoven` is `Ludwig Beethoven`:
  // particles come and go between spellings of one name, so they are left out — unless nothing else is left.
  const named = words.filter((w) => !PARTICLES.has(w));
  return (named.length > 0 ? named : words).sort().join(' ');
}

/** Articles and prepositions of names (Arabic, Romance, Germanic) that spellings of one name keep or drop. */
const PARTICLES = new Set(['al', 'el', 'ul', 'bin', 'ibn', 'bint', 'van', 'von', 'der', 'den', 'de', 'del', 'della', 'di', 'da', 'das', 'dos', 'du', 'la', 'le']);

const WINKLER_PREFIX = 4;
const WINKLER_SCALE = 0.1;
/** Winkler's boost applies only to pairs already this similar (Winkler, 1990). */
const WINKLER_BOOST_THRESHOLD = 0.7;

// Match flags, reused across calls (a lookup on a large list computes dozens of similarities): a flag
// is set when it equals the call's stamp, so nothing needs clearing between calls.
let flagsA = new Uint32Array(64);
let flagsB = new Uint32Array(64);
let stamp = 0;

/** Jaro–Winkler similarity in [0, 1]; 1 for equal strings. */
export function jaroWinkler(a: string, b: string): number {
  if (a === b) return 1;
  const la = a.length;
  const lb = b.length;
  if (la === 0 || lb === 0) return 0;
  if (la > flagsA.length) flagsA = new Uint32Array(la * 2);
  if (lb > flagsB.length) flagsB = new Uint32Array(lb * 2);
  if (++stamp === 0xffff_ffff) {
    flagsA.fill(0);
    flagsB.fill(0);
    stamp = 1;
  }
  const mark = stamp;
  const matchedA = flagsA;
  const matchedB = flagsB;
  const window = Math.max(0, (Math.max(la, lb) >> 1) - 1);
  let matches = 0;
  for (let i = 0; i < la; i++) {
    const to = Math.min(lb - 1, i + window);
    const c = a.charCodeAt(i);
    for (let j = Math.max(0, i - window); j <= to; j++) {
      if (matchedB[j] !== mark && b.charCodeAt(j) === c) {
        matchedA[i] = mark;
        matchedB[j] = mark;
        matches++;
        break;
      }
    }
  }
  if (matches === 0) return 0;
  let transpositions = 0;
  for (let i = 0, j = 0; i < la; i++) {
    if (matchedA[i] !== mark) continue;
    while (matchedB[j] !== mark) j++;
    if (a.charCodeAt(i) !== b.charCodeAt(j)) transpositions++;
    j++;
  }
  const jaro = (matches / la + matches / lb + (matches - transpositions / 2) / matches) / 3;
  if (jaro < WINKLER_BOOST_THRESHOLD) return jaro;
  let prefix = 0;
  const limit = Math.min(WINKLER_PREFIX, la, lb);
  while (prefix < limit && a.charCodeAt(prefix) === b.charCodeAt(prefix)) prefix++;
  return jaro + prefix * WINKLER_SCALE * (1 - jaro);
}

/**
 * The least Jaro similarity a pair with a common prefix of `prefix` letters needs to reach `threshold`,
 * since Winkler's boost adds at most prefix × 0.1 × (1 − jaro).
 */
function minimumJaro(threshold: number, prefix: number): number {
  return (threshold - prefix * WINKLER_SCALE) / (1 - prefix * WINKLER_SCALE);
}

/** Characters are counted in this many hashed bins; collisions only raise the overlap bound, so it stays safe. */
const BINS = 32;

function countChars(name: string, into: Uint8Array, at: number): void {
  for (let i = 0; i < name.length; i++) {
    const bin = at + (name.charCodeAt(i) & (BINS - 1));
    if (into[bin]! < 255) into[bin]!++;
  }
}

export interface NameMatch {
  /** The normalised list entry that matched. */
  name: string;
  similarity: number;
}

/**
 * Similarity of two normalised names: Jaro–Winkler of the names as normalised (words sorted), or of
 * the names with `name`'s words put in the order of the query words they resemble most, whichever is
 * higher. Sorting makes `Putin, Vladimir` and `Vladimir Putin` one name, but a variant that changes a
 * word's first letter can change the order: `muammar qaddafi` against `gaddafi muammar` (sorted) is
 * 0.52, word for word 0.96.
 */
export function nameSimilarity(query: string, name: string): number {
  const sorted = jaroWinkler(query, name);
  if (sorted === 1 || !query.includes(' ') || !name.includes(' ')) return sorted;
  const aligned = alignWords(query.split(' '), name.split(' '));
  return aligned === name ? sorted : Math.max(sorted, jaroWinkler(query, aligned));
}

/**
 * The longest common prefix (at most WINKLER_PREFIX) `query` can have with `name`'s words put in
 * another order: the most any word after the first shares with the query's start; a word matched to
 * its end may be followed by anything, so it counts as the maximum.
 */
function longestWordPrefix(query: string, name: string): number {
  let longest = 0;
  for (let space = name.indexOf(' '); space >= 0 && longest < WINKLER_PREFIX; space = name.indexOf(' ', space + 1)) {
    let k = 0;
    while (k < WINKLER_PREFIX && k < query.length && space + 1 + k < name.length && query.charCodeAt(k) === name.charCodeAt(space + 1 + k)) k++;
    const wordEnded = space + 1 + k === name.length || name.charCodeAt(space + 1 + k) === 32;
    longest = Math.max(longest, wordEnded && k > 0 ? WINKLER_PREFIX : k);
  }
  return longest;
}

/** `words` reordered to follow `guide`: each guide word takes the most similar word left (ties: the first); the rest follow in order. */
function alignWords(guide: readonly string[], words: readonly string[]): string {
  const left = [...words];
  const ordered: string[] = [];
  for (const g of guide) {
    if (left.length === 0) break;
    let best = 0;
    let bestSimilarity = -1;
    for (let i = 0; i < left.length; i++) {
      const similarity = jaroWinkler(g, left[i]!);
      if (similarity > bestSimilarity) {
        best = i;
        bestSimilarity = similarity;
      }
    }
    ordered.push(left.splice(best, 1)[0]!);
  }
  return [...ordered, ...left].join(' ');
}

/**
 * Blocking keys of a normalised name: for every word, the three pairs of the first three characters
 * from its start in place (`ab`, `a_c`, `_bc` for "abc…"), read across a space after a word of one or
 * two letters (`a a` for "a aabaab": a variant that turns that space into a letter, "aqaabaab", keeps
 * `a_a`); such a short word is also its own key. A variant that changes one of the first three
 * characters from a word's start still shares a key with the original through it.
 */
function blockingKeys(name: string): Set<string> {
  const keys = new Set<string>();
  for (let start = 0; start < name.length; start = name.indexOf(' ', start) + 1 || name.length) {
    const end = name.indexOf(' ', start);
    const wordLength = (end === -1 ? name.length : end) - start;
    if (wordLength < 3) keys.add(name.slice(start, start + wordLength));
    const first = name.slice(start, start + 3);
    if (first.length < 3) continue;
    keys.add(first.slice(0, 2));
    keys.add(`${first[0]}_${first[2]}`);
    keys.add(`_${first.slice(1, 3)}`);
  }
  return keys;
}

/**
 * Normalised names with a fuzzy lookup that stays fast on lists of tens of thousands: an entry is a
 * candidate only when it shares a blocking key with the query (two of the first three letters of some
 * word, in place), and a candidate's Jaro–Winkler similarity is computed only when bounds from its
 * length, its characters and the common prefix say it can reach the threshold. The blocking is the one
 * approximation: a variant is missed when none of its words keeps two of the original's first three
 * letters in place, e.g. when every word lost its first letter (docs/RULES.md).
 */
export class NameIndex {
  private readonly names: string[];
  private readonly exact: Set<string>;
  private readonly byKey = new Map<string, number[]>();
  private readonly charCounts: Uint8Array;
  /** Marks candidates already seen during one lookup; `stamp` changes per lookup, so it is never cleared. */
  private readonly seen: Uint32Array;
  private stamp = 0;

  constructor(normalisedNames: Iterable<string>) {
    this.exact = new Set([...normalisedNames].filter((n) => n.length > 0));
    this.names = [...this.exact];
    this.charCounts = new Uint8Array(this.names.length * BINS);
    this.seen = new Uint32Array(this.names.length);
    this.names.forEach((name, i) => {
      countChars(name, this.charCounts, i * BINS);
      for (const key of blockingKeys(name)) {
        const bucket = this.byKey.get(key);
        if (bucket) bucket.push(i);
        else this.byKey.set(key, [i]);
      }
    });
  }

  /**
   * The most similar entry with similarity ≥ threshold among those `accept` lets through (e.g. not
   * expired), or null. `query` must be normalised.
   */
  bestMatch(query: string, threshold: number, accept: (name: string) => boolean = () => true): NameMatch | null {
    if (query.length === 0) return null;
    if (this.exact.has(query) && accept(query)) return { name: query, similarity: 1 };
    if (threshold >= 1) return null;
    const jaroFloors = [0, 1, 2, 3, 4].map((prefix) => minimumJaro(threshold, prefix));
    const queryCounts = new Uint8Array(BINS);
    countChars(query, queryCounts, 0);
    const queryBins = Uint8Array.from(queryCounts.keys()).filter((bin) => queryCounts[bin]! > 0);
    const counts = this.charCounts;
    const lq = query.length;
    const queryHasWords = query.includes(' ');
    if (++this.stamp === 0xffff_ffff) {
      this.seen.fill(0);
      this.stamp = 1;
    }
    const { seen, stamp, names } = this;
    let best: NameMatch | null = null;
    for (const key of blockingKeys(query)) {
      const bucket = this.byKey.get(key);
      if (bucket === undefined) continue;
      for (let b = 0; b < bucket.length; b++) {
        const i = bucket[b]!;
        if (seen[i] === stamp) continue;
        seen[i] = stamp;
        const name = names[i]!;
        const ln = name.length;
        let prefix = 0;
        const prefixLimit = Math.min(WINKLER_PREFIX, lq, ln);
        while (prefix < prefixLimit && query.charCodeAt(prefix) === name.charCodeAt(prefix)) prefix++;
        // Names of several words are also compared word for word (nameSimilarity), with the entry's
        // words reordered: the common prefix is then at most the longest of the query's with any word.
        const jaroFloor = jaroFloors[queryHasWords ? Math.max(prefix, longestWordPrefix(query, name)) : prefix]!;
        // jaro ≤ (m/|a| + m/|b| + 1) / 3 with m ≤ the shorter length, and m ≤ the shared characters.
        const shorter = Math.min(lq, ln);
        if ((shorter / lq + shorter / ln + 1) / 3 < jaroFloor) continue;
        let shared = 0;
        for (let k = 0, at = i * BINS; k < queryBins.length; k++) {
          const bin = queryBins[k]!;
          const inEntry = counts[at + bin]!;
          const inQuery = queryCounts[bin]!;
          shared += inEntry < inQuery ? inEntry : inQuery;
        }
        if ((shared / lq + shared / ln + 1) / 3 < jaroFloor) continue;
        const similarity = nameSimilarity(query, name);
        if (similarity >= threshold && (best === null || similarity > best.similarity) && accept(name)) best = { name, similarity };
      }
    }
    return best;
  }
}
