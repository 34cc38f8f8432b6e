// Who people appear to be: names, e-mail addresses, devices (user agents), cards and ids.
// Ids are a prefix plus hex, never long digit runs: intake refuses anything that could be a card number.
import { permute32, seedWord, WeightedTable, type Rng } from './random.js';
import type { Country } from './geo.js';

const FIRST_NAMES = [
  'anna', 'james', 'maria', 'david', 'sofia', 'lucas', 'emma', 'noah', 'olivia', 'liam', 'mia', 'ethan',
  'chloe', 'mateo', 'lena', 'jonas', 'sara', 'marco', 'giulia', 'pierre', 'camille', 'hugo', 'ines', 'diego',
  'yuki', 'kenji', 'priya', 'arjun', 'fatima', 'omar', 'amara', 'chidi', 'olga', 'ivan', 'eva', 'tomas',
  'nina', 'felix', 'clara', 'oscar', 'laura', 'daniel', 'ana', 'joao', 'beatriz', 'kate', 'ryan', 'grace',
] as const;

const LAST_NAMES = [
  'smith', 'garcia', 'muller', 'rossi', 'martin', 'silva', 'kowalski', 'johnson', 'brown', 'lopez', 'dubois',
  'schmidt', 'ferrari', 'santos', 'nguyen', 'tanaka', 'sato', 'patel', 'sharma', 'okafor', 'ivanova', 'popescu',
  'jansen', 'andersson', 'murphy', 'wilson', 'taylor', 'moreau', 'fischer', 'costa', 'bianchi', 'novak',
  'horvat', 'yilmaz', 'kim', 'lee', 'walker', 'hall', 'young', 'king', 'wright', 'scott',
] as const;

export function capitalise(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}

export interface Person {
  first: string;
  last: string;
}

export function randomPerson(rng: Rng): Person {
  return { first: rng.pick(FIRST_NAMES), last: rng.pick(LAST_NAMES) };
}

const WEBMAIL = new WeightedTable([
  ['gmail.com', 42],
  ['outlook.com', 9],
  ['hotmail.com', 8],
  ['yahoo.com', 8],
  ['icloud.com', 8],
  ['proton.me', 2],
  ['googlemail.com', 0.5],
  ['local', 22],
] as const);

/** Throwaway inbox services: common in fraud, rare (but not absent) among real users. */
export const DISPOSABLE_DOMAINS = [
  'mailinator.com', 'guerrillamail.com', '10minutemail.com', 'temp-mail.org', 'yopmail.com', 'sharklasers.com',
  'trashmail.com', 'dispostable.com', 'maildrop.cc', 'getnada.com', 'tempmail.dev', 'mailnesia.com',
] as const;

/** The local part people actually pick: name variants, birth years, the odd Gmail dot. */
function personalLocalPart(rng: Rng, person: Person): string {
  const { first, last } = person;
  switch (rng.int(7)) {
    case 0:
      return `${first}.${last}`;
    case 1:
      return `${first}${last}`;
    case 2:
      return `${first.charAt(0)}${last}`;
    case 3:
      return `${first}.${last}${rng.between(60, 99)}`;
    case 4:
      return `${first}_${last}`;
    case 5:
      return `${first}${rng.between(1, 999)}`;
    default:
      return `${last}.${first}`;
  }
}

/** A real person's everyday address; sometimes with a `+tag` sub-address the way Gmail users do. */
export function personalEmail(rng: Rng, person: Person, home: Country): string {
  let domain: string = rng.weighted(WEBMAIL);
  if (domain === 'local') domain = rng.pick(home.mailProviders);
  let local = personalLocalPart(rng, person);
  if ((domain === 'gmail.com' || domain === 'googlemail.com') && rng.chance(0.06)) local += `+${rng.pick(['travel', 'stays', 'bookings', 'trips'])}`;
  if (rng.chance(0.003)) domain = rng.pick(DISPOSABLE_DOMAINS);
  return `${local}@${domain}`;
}

/** What a fraudster registers with: a throwaway inbox or a freshly made webmail account with a random-ish name. */
export function fraudEmail(rng: Rng, disposableShare: number): string {
  const person = randomPerson(rng);
  const local = rng.chance(0.5) ? `${person.first}${person.last.slice(0, 1)}${rng.between(100, 9999)}` : `${person.first}.${person.last}${rng.hex(3)}`;
  if (rng.chance(disposableShare)) return `${local}@${rng.pick(DISPOSABLE_DOMAINS)}`;
  return `${local}@${rng.pick(['gmail.com', 'gmail.com', 'outlook.com', 'hotmail.com', 'yahoo.com'])}`;
}

const MAINSTREAM_AGENTS = new WeightedTable([
  ['Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Mobile/15E148 Safari/604.1', 18],
  ['Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.144 Mobile Safari/537.36', 12],
  ['Mozilla/5.0 (Linux; Android 13; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.43 Mobile Safari/537.36', 6],
  ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36', 16],
  ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Edg/120.0.0.0', 5],
  ['Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Safari/605.1.15', 9],
  ['Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36', 7],
  ['Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0', 4],
  ['Stays/24.51 (iPhone15,2; iOS 17.2; Scale/3.00)', 14],
  ['Stays/24.51 (Android 14; SM-A546B)', 9],
] as const);

/** Automation and emulators fraud operations run, alongside plain browsers. */
const FRAUD_ONLY_AGENTS = [
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Linux; Android 11; sdk_gphone64_x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/96.0.4664.45 Mobile Safari/537.36',
  'Mozilla/5.0 (X11; Linux x86_64; rv:109.0) Gecko/20100101 Firefox/115.0',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/96.0.4664.110 Safari/537.36',
] as const;

export interface Device {
  id: string;
  userAgent: string;
  /** Phones: their traffic often comes through a mobile carrier's shared addresses. */
  mobile: boolean;
}

const MOBILE_AGENT = /Mobile|Android|iPhone/;

export interface Card {
  /** Fingerprint `cf_` + 12 hex digits: stable per instrument, never the number itself. */
  id: string;
  country: string;
}

const HEX_BYTES = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));

/**
 * Ids: a per-kind prefix and 8 hex digits from a keyed bijection of a counter — unique within a run,
 * random-looking, different per seed.
 */
export class IdFactory {
  private counter = 0;
  private readonly key: number;

  constructor(
    seed: number,
    private readonly rng: Rng,
  ) {
    this.key = permute32(seedWord(seed) ^ 0x5bd1e995);
  }

  next(prefix: string): string {
    return `${prefix}_${this.uniqueHex()}`;
  }

  device(userAgent: string): Device {
    return { id: this.next('d'), userAgent, mobile: MOBILE_AGENT.test(userAgent) };
  }

  mainstreamDevice(): Device {
    return this.device(this.rng.weighted(MAINSTREAM_AGENTS));
  }

  /** A device set up by a fraud operation: sometimes obviously automated, often a plain browser. */
  fraudDevice(automatedShare: number): Device {
    return this.device(this.rng.chance(automatedShare) ? this.rng.pick(FRAUD_ONLY_AGENTS) : this.rng.weighted(MAINSTREAM_AGENTS));
  }

  /** A card fingerprint: unique via the counter, padded with random hex so it does not look sequential. */
  card(country: string): Card {
    return { id: `cf_${this.uniqueHex()}${this.rng.hex(4)}`, country };
  }

  private uniqueHex(): string {
    const x = permute32((this.counter++ ^ this.key) >>> 0);
    // Byte lookups: Number#toString(16) is the slowest step of making an event otherwise.
    return HEX_BYTES[x >>> 24]! + HEX_BYTES[(x >>> 16) & 0xff]! + HEX_BYTES[(x >>> 8) & 0xff]! + HEX_BYTES[x & 0xff]!;
  }
}
