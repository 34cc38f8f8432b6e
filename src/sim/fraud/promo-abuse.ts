// Promo abuse: one person opens many accounts within hours to farm a sign-up promotion, from the same
// one to three devices and home lines, paying with the same few cards, with e-mail addresses that are
// variants of one another (name+1@, name+2@, Gmail dot variants, numbered). Most accounts then book
// with the promo code. The cards are the abuser's own: nobody files a chargeback.
import { APPROVED, attemptBooking, attemptPayment, search, signUp, stayAmount } from '../actions.js';
import { DAY, GUEST_RHYTHM, HOUR, MINUTE, SECOND, localDayStart } from '../calendar.js';
import { GUEST_HOME, residentialIp, type Country } from '../geo.js';
import { DISPOSABLE_DOMAINS, randomPerson, type Card, type Device } from '../identity.js';
import type { Rng } from '../random.js';
import { PROMO_CODES, type Account, type Presence, type World } from '../world.js';
import { truthOf, type ScenarioDriver } from './underground.js';

const FRAUD = truthOf('promo_abuse', true);
const MIN_ACCOUNTS = 5;
const MAX_ACCOUNTS = 25;
const BOOKING_SHARE = 0.8;
const PROMO_DISCOUNT = 0.85;

/** `count` distinct addresses that are recognisably one person's. */
function addressFamily(rng: Rng, count: number): string[] {
  const person = randomPerson(rng);
  const base = `${person.first}${person.last}${rng.between(1, 99)}`;
  switch (rng.int(4)) {
    case 0:
      return Array.from({ length: count }, (_, i) => `${base}+${rng.chance(0.5) ? i + 1 : `promo${i + 1}`}@gmail.com`);
    case 1:
      // Gmail ignores dots: every variant lands in one inbox. The dot pattern spells the account number in binary.
      return Array.from({ length: count }, (_, i) => `${dotted(base, i + 1)}@gmail.com`);
    case 2:
      return Array.from({ length: count }, (_, i) => `${base}${String(i + 1).padStart(2, '0')}@${rng.pick(['outlook.com', 'yahoo.com', 'hotmail.com'])}`);
    default:
      return Array.from({ length: count }, () => `${person.first}${rng.hex(5)}@${rng.pick(DISPOSABLE_DOMAINS)}`);
  }
}

function dotted(local: string, pattern: number): string {
  let out = '';
  for (let i = 0; i < local.length; i++) {
    out += local.charAt(i);
    if (i < local.length - 1 && (pattern >> i) & 1) out += '.';
  }
  return out;
}

export function promoAbuseScenario(world: World): ScenarioDriver {
  const rng = world.rng('scenario:promo_abuse');

  function wave(home: Country, tzOffset: number, at: number): void {
    const devices: Device[] = Array.from({ length: rng.between(1, 3) }, () => (rng.chance(0.2) ? world.ids.fraudDevice(1) : world.ids.mainstreamDevice()));
    const ips = Array.from({ length: rng.between(1, 2) }, () => residentialIp(rng, home));
    const cards: Card[] = Array.from({ length: rng.between(1, 3) }, () => world.ids.card(home.code));
    const code = rng.pick(PROMO_CODES);
    const emails = addressFamily(rng, rng.between(MIN_ACCOUNTS, MAX_ACCOUNTS));
    let t = at;
    for (const email of emails) {
      const where: Presence = { device: rng.pick(devices), ip: rng.pick(ips), ipCountry: home.code, tzOffset };
      const account: Account = { id: world.ids.next('u'), person: randomPerson(rng), email, country: home, tzOffset };
      signUp(world, t, account, where, { country: home.code, signup_method: 'email', promo_code: code }, FRAUD);
      if (rng.chance(BOOKING_SHARE)) {
        const bookAt = t + rng.between(1 * HOUR, 3 * DAY);
        world.schedule(bookAt, () => redeem(account, where, rng.pick(cards), code, bookAt));
      }
      t += rng.between(1, 15) * MINUTE;
    }
  }

  function redeem(account: Account, where: Presence, card: Card, code: string, at: number): void {
    const guests = rng.between(1, 3);
    const destination = rng.chance(0.5) ? account.country : rng.weighted(GUEST_HOME);
    const checkin = localDayStart(at, 0) + rng.between(3, 45) * DAY;
    // Cheap stays: the discount is the point.
    const listing = world.findListing(rng, destination, guests, at, 120 * destination.perUsd) ?? world.findListing(rng, account.country, 1, at);
    if (!listing) return;
    search(world, at, account, where, listing.country.code, guests, checkin, FRAUD);
    const t = at + rng.between(30, 240) * SECOND;
    const nights = rng.between(1, 3);
    const amount = Math.round(stayAmount(rng, listing, nights) * PROMO_DISCOUNT * 100) / 100;
    const booking = attemptBooking(world, {
      at: t,
      guest: account,
      where,
      listing,
      nights,
      guests: Math.min(guests, listing.capacity),
      checkin,
      card,
      amount,
      promoCode: code,
      truth: FRAUD,
    });
    attemptPayment(world, t + rng.between(3, 15) * SECOND, account, where, card, amount, booking.payload.currency, APPROVED, booking, FRAUD);
    if (world.labels.willLabel('promo_abuse')) world.labels.verdict(booking, 'fraud', 'promo abuse: linked accounts');
  }

  return {
    scenario: 'promo_abuse',
    bookingsPerCase: ((MIN_ACCOUNTS + MAX_ACCOUNTS) / 2) * BOOKING_SHARE,
    launch(at) {
      const home = rng.weighted(GUEST_HOME);
      const tzOffset = rng.pick(home.tzOffsets);
      const startAt = GUEST_RHYTHM.next(rng, at, 0.5, tzOffset);
      world.schedule(startAt, () => wave(home, tzOffset, startAt));
    },
  };
}
