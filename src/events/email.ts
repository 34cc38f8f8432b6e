// E-mail addresses are keys for features (how many accounts share this address?) but are personal data,
// so riskgate stores only a hash of the normalised address, plus its domain.
import { createHash } from 'node:crypto';

const SHAPE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const GMAIL = new Set(['gmail.com', 'googlemail.com']);
const HASHED = /^em_[0-9a-f]{32}$/;

/**
 * Lower-case, drop a `+tag` from the local part, and for Gmail drop dots and fold googlemail.com into
 * gmail.com, so `Anna.K+promo@GoogleMail.com` and `annak@gmail.com` are one key. Null when not an address.
 */
export function normaliseEmail(address: string): string | null {
  const trimmed = address.trim().toLowerCase();
  if (!SHAPE.test(trimmed)) return null;
  const at = trimmed.lastIndexOf('@');
  let local = trimmed.slice(0, at);
  let domain = trimmed.slice(at + 1);
  const plus = local.indexOf('+');
  if (plus > 0) local = local.slice(0, plus);
  if (GMAIL.has(domain)) {
    domain = 'gmail.com';
    local = local.replace(/\./g, '');
  }
  if (local.length === 0) return null;
  return `${local}@${domain}`;
}

export function hashEmail(normalised: string): string {
  return `em_${createHash('sha256').update(`riskgate:email:v1:${normalised}`).digest('hex').slice(0, 32)}`;
}

export function isHashedEmail(value: string): boolean {
  return HASHED.test(value);
}

export function emailDomain(normalised: string): string {
  return normalised.slice(normalised.lastIndexOf('@') + 1);
}
