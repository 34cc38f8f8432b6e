// IP addresses as entities: one spelling per address, so that features, lists and idempotency checks
// agree however a client writes it.
import { isIPv6 } from 'node:net';

const DOTTED_QUAD = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
/** Dotted quads without leading zeros (parts over 255 too: such a value is kept as it is either way). */
const CANONICAL_IPV4 = /^(?:0|[1-9]\d{0,2})(?:\.(?:0|[1-9]\d{0,2})){3}$/;

/**
 * One spelling per address, so a list entry matches however the address is written: IPv6 lower-case
 * and compressed (RFC 5952: `2001:DB8:0:0:0:0:0:1` → `2001:db8::1`), an IPv4-mapped IPv6 address as the
 * IPv4 one (`::ffff:203.0.113.9` → `203.0.113.9`), IPv4 without leading zeros (`198.051.100.007` →
 * `198.51.100.7`, read as decimal), and without surrounding spaces. Anything else (a zone id, not an
 * address) trimmed and lower-cased.
 */
export function canonicalIp(value: string): string {
  // Most addresses arrive canonical already (events store them so): one test, nothing allocated — the
  // blocked_ips rule looks one up on every decision.
  if (CANONICAL_IPV4.test(value)) return value;
  const lower = value.trim().toLowerCase();
  const quad = DOTTED_QUAD.exec(lower);
  if (quad !== null) {
    const parts = quad.slice(1).map(Number);
    return parts.every((part) => part <= 255) ? parts.join('.') : lower;
  }
  if (!isIPv6(lower) || lower.includes('%')) return lower;
  const compressed = new URL(`http://[${lower}]/`).hostname.slice(1, -1);
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(compressed);
  if (!mapped) return compressed;
  const high = parseInt(mapped[1]!, 16);
  const low = parseInt(mapped[2]!, 16);
  return `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`;
}
