// riskgate never accepts a raw card number (PAN). Anything that looks like one is refused at intake.
// "Looks like one": a run of 13–19 digits, optionally grouped by single spaces or dashes (or in groups
// of four by other separators, see GROUPED), that starts
// like a payment card (an issuer prefix of the card networks: 2–6, RuPay's 81/82, Troy's 9792; 13
// digits only for Visa's 4) and passes the Luhn check. The prefix matters: one in ten epoch-millisecond
// timestamps (13 digits starting with 1) passes Luhn, and clients put those in ids. Longer digit runs
// are not card numbers and are left alone, and so are runs that touch a letter: they are part of a
// longer token — a hex digest such as riskgate's own em_ e-mail hashes, a base-36 id — not a number
// someone typed (one em_ hash in a few thousand holds a Luhn-valid run of 13+ digits); so are the
// digits after a decimal point that follows a digit (the fraction of a number such as 0.4532…).

const DIGIT_RUN = /\d(?:[ -]?\d)*/g;
/**
 * A card number as people format it with other separators: groups of four (or Amex's 4-6-5) apart by
 * the same one or two characters each time — dots, slashes, doubled spaces, no-break spaces, dashes
 * of any width, line breaks, zero-width spaces. Only these shapes: a looser rule would join a date
 * range ("2026.04.10 2026.04.17") into one long run.
 */
const SEPARATOR = String.raw`[\s./\-\u2010-\u2015\u200b-\u200d\u2060\ufeff]`;
// Not glued to a word or a longer number; a run that goes on with the same separator (an IBAN, a phone
// number) is left out in code (isCardGroups), as are lists of years.
const GROUPED = new RegExp(
  String.raw`(?<![\d\p{L}])(?:\d{4}(${SEPARATOR}{1,2})\d{4}\1\d{4}\1\d{1,7}(?![\d\p{L}])(?!\1\d)|\d{4}(${SEPARATOR}{1,2})\d{6}\2\d{5}(?![\d\p{L}])(?!\2\d))`,
  'gu',
);
const NON_ASCII = /[\u0080-\uffff]/;

export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

export function containsRawCardNumber(input: string): boolean {
  if (input.length < 13) return false;
  // Full-width and other compatibility digits ("４１１１…") read as the digits they are.
  const text = NON_ASCII.test(input) ? input.normalize('NFKC') : input;
  if (countDigits(text) < 13) return false;
  for (const match of text.matchAll(DIGIT_RUN)) {
    if (isLetter(text.charCodeAt(match.index - 1)) || isLetter(text.charCodeAt(match.index + match[0].length))) continue;
    // The fraction of a decimal number ("0.4532…", a Math.random() in an id): one in twenty is a Luhn-valid run with a card prefix.
    if (text.charCodeAt(match.index - 1) === 46 && isDigit(text.charCodeAt(match.index - 2))) continue;
    if (isCardNumber(match[0].replace(/[ -]/g, ''))) return true;
  }
  for (const match of text.matchAll(GROUPED)) if (isCardGroups(text, match) && isCardNumber(match[0].replace(/\D/g, ''))) return true;
  return false;
}

/** A grouped match that is not the tail of a longer run with the same separator, nor a list of years. */
function isCardGroups(text: string, match: RegExpMatchArray): boolean {
  const separator = match[1] ?? match[2]!;
  const before = text.slice(0, match.index);
  if (before.endsWith(separator) && /\d$/.test(before.slice(0, before.length - separator.length))) return false;
  const groups = match[0].split(separator);
  return !groups.every((group) => /^(?:19|20)\d\d$/.test(group));
}

function isCardNumber(digits: string): boolean {
  return digits.length >= 13 && digits.length <= 19 && hasCardPrefix(digits) && luhnValid(digits);
}

function hasCardPrefix(digits: string): boolean {
  const first = digits[0]!;
  if (digits.length === 13) return first === '4';
  return (first >= '2' && first <= '6') || digits.startsWith('81') || digits.startsWith('82') || digits.startsWith('9792');
}

function isLetter(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function countDigits(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) n++;
  }
  return n;
}

/** A string, or an integer, that contains something like a raw card number. */
export function looksLikeRawCardNumber(value: string | number): boolean {
  if (typeof value === 'string') return containsRawCardNumber(value);
  if (Number.isSafeInteger(value)) return value >= 1e12 && containsRawCardNumber(String(value));
  return Number.isInteger(value) && value >= 1e12; // an integer too large to hold exactly: refuse it
}
