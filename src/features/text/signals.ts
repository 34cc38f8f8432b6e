// Text signals for marketplace messages (booking messages, guest↔host chat): requests to pay or
// talk off-platform, and contact details that would let the conversation leave the platform.
import { blankOut, findEmails, findUrls, hasPhoneNumber } from './contacts.js';
import { normalizeText } from './normalize.js';
import { OFF_PLATFORM_CUES } from './offplatform.js';

export interface TextSignals {
  /** Asks to pay or talk outside the platform (payment rails, fee avoidance, other messengers). */
  offPlatform: boolean;
  /** Contains a link or a bare domain (not counting e-mail addresses). */
  url: boolean;
  /** Contains a phone number (7–15 digits, spelled-out digits included). */
  phone: boolean;
  /** Contains an e-mail address, obfuscated forms included. */
  email: boolean;
  /** 0..1 strength combining the above */
  score: number;
  /** short human-readable reasons, e.g. 'asks to pay by wire transfer', 'contains a phone number' */
  reasons: string[];
}

/**
 * The detectors' version, part of the hash of every feature set that reads text ($text.* fields, the
 * text_signal operation): bump it whenever a message's signals change, so that a model is never served
 * text features computed otherwise than those it was trained on. 2: dates written with spaces
 * ("2026 04 10") are not phone numbers; "wh@tsapp" is WhatsApp.
 */
export const TEXT_SIGNALS_VERSION = 2;

const EMAIL_WEIGHT = 0.6;
const PHONE_WEIGHT = 0.5;
const URL_WEIGHT = 0.35;

export function textSignals(text: string): TextSignals {
  const normalized = normalizeText(text);
  const reasons: string[] = [];
  // Independent pieces of evidence combine as a noisy-or, 1 − Π(1 − weight): one strong cue is
  // enough to score high; weak ones add up without ever reaching 1.
  let unexplained = 1;
  for (const cue of OFF_PLATFORM_CUES) {
    if (cue.matches(normalized)) {
      reasons.push(cue.reason);
      unexplained *= 1 - cue.weight;
    }
  }
  const offPlatform = reasons.length > 0;
  // Addresses first, then links, then phone numbers, each search blind to what the previous ones
  // found: an address's domain is not also a link, digits in a link are not a phone number.
  const emails = findEmails(normalized);
  const withoutEmails = blankOut(normalized, emails);
  const urls = findUrls(withoutEmails);
  const email = emails.length > 0;
  const phone = hasPhoneNumber(blankOut(withoutEmails, urls));
  const url = urls.length > 0;
  for (const [found, reason, weight] of [
    [email, 'contains an e-mail address', EMAIL_WEIGHT],
    [phone, 'contains a phone number', PHONE_WEIGHT],
    [url, 'contains a link', URL_WEIGHT],
  ] as const) {
    if (found) {
      reasons.push(reason);
      unexplained *= 1 - weight;
    }
  }
  return { offPlatform, url, phone, email, score: Math.round((1 - unexplained) * 1000) / 1000, reasons };
}
