// Word lists shared by normalisation and detection. All lowercase.

/** English digit words. None is a prefix of another, so a run of them parses one way only. */
export const DIGIT_WORDS: ReadonlyArray<readonly [word: string, digit: string]> = [
  ['zero', '0'], ['one', '1'], ['two', '2'], ['three', '3'], ['four', '4'],
  ['five', '5'], ['six', '6'], ['seven', '7'], ['eight', '8'], ['nine', '9'],
];

/**
 * Top-level domains that are not English words, so "word.tld" in a message is almost surely a
 * domain. Common generic TLDs, shorteners' TLDs (bit.ly, goo.gl) and frequent country codes.
 */
export const STRONG_TLDS: ReadonlySet<string> = new Set([
  'com', 'net', 'org', 'info', 'biz', 'io', 'co', 'ly', 'gl', 'gd', 'xyz', 'top', 'site', 'online',
  'shop', 'store', 'app', 'dev', 'link', 'click', 'club', 'pro', 'live', 'email', 'tv', 'cc', 'ws',
  'tk', 'ml', 'ga', 'cf', 'gq', 'pw', 'su', 'ru', 'ua', 'kz', 'de', 'fr', 'uk', 'nl', 'es', 'pt',
  'pl', 'ch', 'eu', 'ca', 'au', 'nz', 'cn', 'jp', 'kr', 'hk', 'tw', 'sg', 'br', 'mx', 'ar', 'cl',
  'pe', 've', 'se', 'dk', 'fi', 'ie', 'gr', 'ro', 'hu', 'cz', 'sk', 'tr', 'il', 'ae', 'th', 'vn',
  'ph', 'za', 'ng', 'ke', 'eg', 'mobi', 'asia', 'travel',
]);

/**
 * Top-level domains that are also common English words. "nice.it" or "home.me" is more often a
 * missing space after a full stop than a domain, so these count only with stronger evidence
 * (a literal @, www., a scheme or a path).
 */
export const WORD_TLDS: ReadonlySet<string> = new Set([
  'it', 'me', 'in', 'to', 'is', 'at', 'be', 'do', 'no', 'so', 'us', 'my', 'am', 'as', 'by', 'go',
  'id', 'im', 'ma', 'la', 'ai',
]);

/** Mail providers whose name alone makes "someone at provider" an address. */
export const MAIL_PROVIDERS: ReadonlySet<string> = new Set([
  'gmail', 'googlemail', 'hotmail', 'outlook', 'msn', 'yahoo', 'ymail', 'icloud', 'aol', 'protonmail',
  'proton', 'gmx', 'yandex', 'zoho',
]);

export function isKnownTld(label: string): boolean {
  return STRONG_TLDS.has(label) || WORD_TLDS.has(label);
}
