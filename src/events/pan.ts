// riskgate never accepts a raw card number (PAN). Anything that looks like one is refused at intake.
// "Looks like one": a run of 13–19 digits, optionally grouped by single spaces or dashes, that passes
// the Luhn check. Longer digit runs are not card numbers and are left alone.

const DIGIT_RUN = /\d(?:[ -]?\d)*/g;

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

export function containsRawCardNumber(text: string): boolean {
  if (text.length < 13 || countDigits(text) < 13) return false;
  for (const match of text.matchAll(DIGIT_RUN)) {
    const digits = match[0].replace(/[ -]/g, '');
    if (digits.length >= 13 && digits.length <= 19 && luhnValid(digits)) return true;
  }
  return false;
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
