// Contact details in normalised text: e-mail addresses, links and phone numbers. Each finder is a
// linear scan. Addresses are found first and links second, and each is blanked out before the next
// search, so "anna@gmail.com" is an address and not also a link, and the digits of
// "https://x.com/p/12345678" or "wa.me/4479…" are not also a phone number.
import { isAlphabetic, isAsciiLetter, isDigit, isLabelChar, isLocalPartChar, readDomain } from './scan.js';
import { MAIL_PROVIDERS, STRONG_TLDS, WORD_TLDS, isKnownTld } from './vocabulary.js';

export interface Span {
  start: number;
  end: number;
}

/** user@domain with a known top-level domain, or user@provider without one ("anna@gmail"). */
export function findEmails(text: string): Span[] {
  const found: Span[] = [];
  for (let at = text.indexOf('@'); at !== -1; at = text.indexOf('@', at + 1)) {
    let start = at;
    while (start > 0 && isLocalPartChar(text.charCodeAt(start - 1))) start--;
    if (!hasAlphanumeric(text, start, at)) continue;
    const { labels, end } = readDomain(text, at + 1);
    if (labels.length === 0) continue;
    const tld = labels[labels.length - 1]!;
    if (MAIL_PROVIDERS.has(labels[0]!) || (labels.length >= 2 && isKnownTld(tld))) found.push({ start, end });
  }
  return found;
}

const SCHEME_URL = /\b(?:https?|hxxps?|ftp):\/\/\S+/g;

/** Links with a scheme, www. links, and bare domains such as "example.com" or "bit.ly/x". */
export function findUrls(text: string): Span[] {
  const found: Span[] = [];
  if (text.includes('://')) {
    for (const match of text.matchAll(SCHEME_URL)) found.push({ start: match.index, end: match.index + match[0].length });
  }
  // Bare domains outside those links. A domain has a dot between label characters, so only the
  // text around dots is examined; after a chain of labels the search resumes past it.
  const rest = blankOut(text, found);
  let resumeAt = 0;
  for (let dot = rest.indexOf('.'); dot !== -1; dot = rest.indexOf('.', Math.max(dot + 1, resumeAt))) {
    if (!isLabelChar(rest.charCodeAt(dot - 1)) || !isLabelChar(rest.charCodeAt(dot + 1))) continue;
    let start = dot - 1;
    while (isLabelChar(rest.charCodeAt(start - 1))) start--;
    const { labels, end } = readDomain(rest, start);
    resumeAt = end;
    const pathFollows = rest.charCodeAt(end) === 47 /* / */ && end + 1 < rest.length && rest.charCodeAt(end + 1) !== 32;
    const partOfLargerToken = continuesToken(rest.charCodeAt(start - 1)) || rest.charCodeAt(end) === 64; /* @: a local part */
    if (!partOfLargerToken && isDomain(labels, pathFollows)) {
      let linkEnd = end;
      if (pathFollows) while (linkEnd < rest.length && rest.charCodeAt(linkEnd) !== 32) linkEnd++;
      found.push({ start, end: linkEnd });
      resumeAt = linkEnd;
    }
  }
  return found;
}

function isDomain(labels: string[], pathFollows: boolean): boolean {
  if (labels.length < 2) return false;
  const tld = labels[labels.length - 1]!;
  if (!isAlphabetic(tld)) return false;
  if (labels[0] === 'www') return true;
  // "x.com" is a link but "a.m" and "e.g" are not: a one-letter name needs a path to count.
  if (STRONG_TLDS.has(tld)) return labels[labels.length - 2]!.length >= 2 || pathFollows;
  return WORD_TLDS.has(tld) && pathFollows;
}

/** Whether the character before a position joins it to a preceding word, number, domain or address. */
function continuesToken(code: number): boolean {
  return isLabelChar(code) || code === 46 /* . */ || code === 64 /* @ */ || code === 95 /* _ */;
}

function hasAlphanumeric(text: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const code = text.charCodeAt(i);
    if (isAsciiLetter(code) || isDigit(code)) return true;
  }
  return false;
}

/** Replaces each span with as many spaces, so later searches skip it and offsets stay valid. */
export function blankOut(text: string, spans: readonly Span[]): string {
  if (spans.length === 0) return text;
  let out = '';
  let from = 0;
  for (const { start, end } of [...spans].sort((a, b) => a.start - b.start)) {
    if (start < from) continue;
    out += text.slice(from, start) + ' '.repeat(end - start);
    from = end;
  }
  return out + text.slice(from);
}

const DATE = String.raw`(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.](?:\d{4}|\d{2}))`;
/** A date or a range of two; blanked before the phone search ("2026-04-10" has 8 digits). */
const DATES = new RegExp(String.raw`(?<![\d./-])${DATE}(?: ?[-–] ?${DATE})?(?!\d|[-./]\d)`, 'g');
/**
 * A date written with spaces ("2026 04 10"): only year first, with a plausible year, month and day,
 * and standing alone — spaced groups of digits are otherwise how phone numbers are written, so one
 * next to another group or a "+" stays a candidate number.
 */
const SPACED_DATES = /(?<![\d+(] ?)(?:19|20)\d{2} (?:0?[1-9]|1[0-2]) (?:0?[1-9]|[12]\d|3[01])(?! ?[\d)])/g;
const CURRENCY_SYMBOLS = '€$£¥₹';
/** A currency right after a number ("1 250 000 idr") makes it an amount. */
const CURRENCY_AFTER = / ?(?:eur|euros?|usd|dollars?|gbp|pounds?|chf|francs?|idr|rupiah|inr|rupees?|jpy|yen|thb|baht|aud|cad|nzd|mxn|pesos?|brl|reais|sek|nok|dkk|kr|pln|czk|huf|try|lira|vnd|zar|[€$£¥₹])(?![a-z])/y;
const MIN_PHONE_DIGITS = 7;
/** E.164 allows at most 15 digits; longer runs are references, card or account numbers. */
const MAX_PHONE_DIGITS = 15;
/** An optional "+" or "(", a digit, then digits and separators (space, dash, dot, parentheses). */
const DIGIT_RUN = /[+(]?\d[\d .()-]*/g;
/** Separators that may stand together between two digits of one number: "-", ") ", " - ". */
const MAX_SEPARATOR_RUN = 3;

/**
 * Whether the text holds a phone number: an optional "+" or "(", then 7–15 digits, in groups
 * separated by spaces, dashes, dots or parentheses. Runs glued to a letter, '_' or '#' ("flight
 * ba2490123", "#12345678"), amounts with a currency, and dates are not phone numbers.
 */
export function hasPhoneNumber(text: string): boolean {
  const s = text.replace(DATES, blank).replace(SPACED_DATES, blank);
  for (const { index, 0: run } of s.matchAll(DIGIT_RUN)) {
    // Split the run where separators pile up, then judge each part.
    let partStart = index;
    let digits = 0;
    let digitsEnd = index;
    let separators = 0;
    for (let i = index; i < index + run.length; i++) {
      if (!isDigit(s.charCodeAt(i))) {
        separators++;
        continue;
      }
      if (separators > MAX_SEPARATOR_RUN) {
        if (isPhoneNumber(s, partStart, digitsEnd, digits)) return true;
        partStart = i;
        digits = 0;
      }
      digits++;
      digitsEnd = i + 1;
      separators = 0;
    }
    if (isPhoneNumber(s, partStart, digitsEnd, digits)) return true;
  }
  return false;
}

function blank(match: string): string {
  return ' '.repeat(match.length);
}

function isPhoneNumber(s: string, start: number, end: number, digits: number): boolean {
  return digits >= MIN_PHONE_DIGITS && digits <= MAX_PHONE_DIGITS && !isGlued(s, start, end) && !isAmount(s, start, end);
}

function isGlued(s: string, start: number, end: number): boolean {
  const before = s.charCodeAt(start - 1);
  return isAsciiLetter(before) || before === 35 /* # */ || before === 95 /* _ */ || isAsciiLetter(s.charCodeAt(end));
}

function isAmount(s: string, start: number, end: number): boolean {
  const before = s[start - 1] === ' ' ? s[start - 2] : s[start - 1];
  if (before !== undefined && CURRENCY_SYMBOLS.includes(before)) return true;
  CURRENCY_AFTER.lastIndex = end;
  return CURRENCY_AFTER.test(s);
}
