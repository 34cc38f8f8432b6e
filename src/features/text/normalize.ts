// Normalisation undoes the usual tricks for slipping contact details past a filter ("john at gmail
// dot com", "f i v e five 5", fullwidth letters, zero-width spaces) so that detection can look for
// plain forms. The rewrites that could damage ordinary text ("at", "dot", " . ") only apply where
// an address or a domain follows, so "we arrive at the station" stays as it is.
//
// normalizeText is idempotent: normalizeText(normalizeText(s)) === normalizeText(s).
import { isAlphabetic, isLabelChar, isLocalPartChar, readDomain } from './scan.js';
import { DIGIT_WORDS, MAIL_PROVIDERS, STRONG_TLDS, isKnownTld } from './vocabulary.js';

/**
 * Zero-width and formatting characters: soft hyphen, joiners, bidi controls, fillers, BOM, and
 * variation selectors. The combining ones stand outside the bracket so none follows another
 * character inside it (which would read as one combined character).
 */
const INVISIBLE = /[\u00ad\u061c\u115f\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff]|\u034f|\u1160|\u17b4|\u17b5|[\u180b-\u180f]|[\ufe00-\ufe0f]/g;
const NON_ASCII = /[\u0080-\uffff]/;
/** Whitespace other than a lone space (replacing every space with itself would cost more). */
const IRREGULAR_WHITESPACE = /\s{2,}|[^\S ]/g;
/**
 * "(at)", "[ at ]", "{@}", "(dot)", "[.]", "((d o t))" — deliberate obfuscation, rewritten
 * unconditionally. Nested brackets go in one step (or "[ (at) ]" would need a second pass), and a
 * match may only start at the first of a run of brackets, so a long run is scanned once, not once
 * per bracket. Spaced letters are accepted because they are collapsed only later.
 */
const BRACKETED_CONNECTOR = /(?<![([{<] ?) ?(?:[([{<] ?)+(at|a[ .]t|@|dot|d[ .]o[ .]t|\.)(?: ?[)\]}>])+ ?/g;
const BRACKET = /[([{<]/;
/** Three or more single letters separated by single spaces or dots: "g m a i l", "j.o.h.n". */
const SPACED_LETTERS = /(?<![a-z0-9])[a-z](?:[ .][a-z](?![a-z0-9])){2,}/g;
const LETTER_SEPARATORS = /[ .]/g;
const DIGIT_WORD = /zero|one|t(?:wo|hree)|f(?:our|ive)|s(?:ix|even)|eight|nine/g;
/**
 * A whole word made of digit words and digits: "five", "5five5", "one2three". Digit words are
 * prefix-free, so a word splits into them one way only and a failed match backtracks linearly.
 */
const SPELLED_NUMBER = /\b(?:zero|one|two|three|four|five|six|seven|eight|nine|\d)+\b/g;
const SPOKEN_PROVIDER = /\b(?:gee|g) ?-?mail\b|\bhot ?-?mail\b/g;
/**
 * " dot " or a spaced " . " between labels; rewritten only when the next label is a top-level domain.
 * The lookbehind (rather than a check in the callback) keeps a rejected candidate from consuming
 * the space in front of the next one, which would make the result depend on the pass.
 */
const SPELLED_DOT = /(?<=[a-z0-9-]) (?:dot|\.) (?=[a-z0-9])/g;
const SPACED_AT_SIGN = /(?<=[a-z0-9_]) ?@ ?(?=[a-z0-9])/g;
/** " at " before a label; rewritten only when an address plausibly surrounds it. */
const SPELLED_AT = /(?<=[a-z0-9-]) at (?=[a-z0-9])/g;

export function normalizeText(text: string): string {
  let s = NON_ASCII.test(text) ? foldUnicode(text) : text.toLowerCase();
  s = s.replace(IRREGULAR_WHITESPACE, ' ').trim();
  if (BRACKET.test(s)) s = s.replace(BRACKETED_CONNECTOR, (_match, connector: string) => (connector.startsWith('a') || connector === '@' ? '@' : '.'));
  s = s.replace(SPACED_LETTERS, (letters) => letters.replace(LETTER_SEPARATORS, ''));
  if (s.search(DIGIT_WORD) !== -1) s = s.replace(SPELLED_NUMBER, (number) => number.replace(DIGIT_WORD, digitOf));
  if (s.includes('mail')) s = s.replace(SPOKEN_PROVIDER, (name) => (name.startsWith('h') ? 'hotmail' : 'gmail'));
  if (s.includes(' dot ') || s.includes(' . ')) s = s.replace(SPELLED_DOT, dotBeforeTld);
  if (s.includes('@')) s = s.replace(SPACED_AT_SIGN, '@');
  if (s.includes(' at ')) s = s.replace(SPELLED_AT, atInAddress);
  return s;
}

/**
 * Invisible characters removed, NFKC, lowercase — repeated until nothing changes, because each step
 * can enable another: NFKC turns U+FFA0 into the invisible U+1160, removing an invisible character
 * lets NFKC compose its neighbours, lowercasing can produce characters NFKC maps further. Two
 * rounds settle real text; the bound only guards against pathological input.
 */
function foldUnicode(text: string): string {
  let s = text;
  for (let round = 0; round < 4; round++) {
    const next = s.replace(INVISIBLE, '').normalize('NFKC').toLowerCase();
    if (next === s) break;
    s = next;
  }
  return s;
}

const DIGIT_OF: ReadonlyMap<string, string> = new Map(DIGIT_WORDS);

function digitOf(word: string): string {
  return DIGIT_OF.get(word)!;
}

function dotBeforeTld(connector: string, offset: number, s: string): string {
  let end = offset + connector.length;
  while (end < s.length && isLabelChar(s.charCodeAt(end))) end++;
  return isKnownTld(s.slice(offset + connector.length, end)) ? '.' : connector;
}

/**
 * "anna at gmail", "j.smith at example.com" → '@'. A plain word before "at" and an unknown domain
 * after ("book at example.com") reads as a sentence about a site, so it is left alone: the domain
 * is still reported as a link.
 */
function atInAddress(connector: string, offset: number, s: string): string {
  let localStart = offset;
  while (localStart > 0 && isLocalPartChar(s.charCodeAt(localStart - 1))) localStart--;
  const local = s.slice(localStart, offset);
  const { labels } = readDomain(s, offset + connector.length);
  if (MAIL_PROVIDERS.has(labels[0]!)) return '@';
  const tld = labels[labels.length - 1]!;
  const looksLikeAddress = labels.length >= 2 && STRONG_TLDS.has(tld) && !isAlphabetic(local);
  return looksLikeAddress ? '@' : connector;
}
