// Character classes and the domain reader shared by normalisation and detection. Hand-written
// scanners instead of regexes where a regex would need nested quantifiers: each character is looked
// at a bounded number of times, so cost stays linear on any input.

/** a–z, 0–9 or '-': characters of a domain label (after lowercasing). */
export function isLabelChar(code: number): boolean {
  return (code >= 97 && code <= 122) || (code >= 48 && code <= 57) || code === 45;
}

export function isAsciiLetter(code: number): boolean {
  return code >= 97 && code <= 122;
}

export function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

/** Characters of an e-mail local part: a–z, 0–9, '.', '_', '%', '+', '-'. */
export function isLocalPartChar(code: number): boolean {
  return isAsciiLetter(code) || isDigit(code) || code === 46 || code === 95 || code === 37 || code === 43 || code === 45;
}

export interface DomainChain {
  /** Labels in order, e.g. ['bit', 'ly'] for "bit.ly". */
  labels: string[];
  /** Index just past the last label. */
  end: number;
}

/**
 * Reads labels separated by single dots from `start`. A dot that is not followed by a label
 * character ends the chain and is not part of it (the full stop in "see example.com.").
 */
export function readDomain(text: string, start: number): DomainChain {
  const labels: string[] = [];
  let at = start;
  while (at < text.length && isLabelChar(text.charCodeAt(at))) {
    let end = at;
    while (end < text.length && isLabelChar(text.charCodeAt(end))) end++;
    labels.push(text.slice(at, end));
    if (text.charCodeAt(end) !== 46 || !isLabelChar(text.charCodeAt(end + 1))) return { labels, end };
    at = end + 1;
  }
  return { labels, end: at };
}

/** Whether a label is purely letters (a real top-level domain, not "30" in "8.30"). */
export function isAlphabetic(label: string): boolean {
  for (let i = 0; i < label.length; i++) if (!isAsciiLetter(label.charCodeAt(i))) return false;
  return label.length > 0;
}
