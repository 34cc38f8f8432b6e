// Text made safe for SVG and HTML. Labels come from data (scenario names, countries, model ids), so
// every string is escaped before it reaches markup, and characters XML forbids are replaced so the
// output always parses.

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

// C0 controls other than tab/newline/return, the non-characters U+FFFE/U+FFFF and unpaired surrogates
// are not allowed anywhere in an XML document, escaped or not.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Escapes text for element content and quoted attribute values in both XML (SVG) and HTML. */
export function escapeXml(text: string): string {
  return text.replace(NOT_XML, '\uFFFD').replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

/** At most `maxChars` characters (code points, so emoji are never split), ending in "…" when cut. */
export function truncate(text: string, maxChars: number): string {
  const chars = Array.from(text);
  if (chars.length <= maxChars) return text;
  return chars.slice(0, Math.max(0, maxChars - 1)).join('').trimEnd() + '…';
}
