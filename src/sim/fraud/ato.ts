// Account takeover: a crew logs into an established guest's account with stuffed credentials, from a
// new device and (usually) another country, changes the e-mail, phone or password to lock the owner
// out, and books soon after — on a stolen card or the owner's saved one. The owner notices and
// reports it; the owner's own recovery afterwards (failed logins, reset, profile change) is
// legitimate activity that resembles the attack.
import { APPROVED, attemptBooking, attemptPayment, logIn, stayAmount, updateProfile } from '../actions.js';
import { DAY, FRAUDSTER_RHYTHM, GUEST_RHYTHM, MINUTE, SECOND } from '../calendar.js';
import { fraudEmail } from '../identity.js';
import type { Payload } from '../../events/schema.js';
import { sessionPresence } from '../legit.js';
import type { Guest, World } from '../world.js';
import { truthOf, type Crew, type ScenarioDriver, type Underground } from './underground.js';

const FRAUD = truthOf('ato', true);
const OWNER = truthOf('ato', false);
/** Only accounts at least this old are worth taking over. */
const MIN_ACCOUNT_AGE = 7 * DAY;
const OWNERS_CARD_SHARE = 0.45;

const LOCKOUT_CHANGES: ReadonlyArray<Payload<'profile_updated'>['fields']> = [
  ['email'],
  ['email', 'password'],
  ['password'],
  ['phone', 'email'],
  ['email', 'phone', 'password'],
];

export function atoScenario(world: World, underground: Underground): ScenarioDriver {
  const rng = world.rng('scenario:ato');

  function victimAt(at: number): Guest | null {
    for (let tries = 0; tries < 20; tries++) {
      const guest = rng.pick(world.guests);
      if (guest.since <= at - MIN_ACCOUNT_AGE || guest.since === world.start) return guest;
    }
    return null;
  }

  function takeOver(crew: Crew, at: number): void {
    const owner = victimAt(at);
    if (!owner) return;
    const where = underground.presence(rng, crew, at, owner.country);
    let t = at;
    for (let failures = rng.between(0, 4); failures > 0; failures--, t += rng.between(2, 20) * SECOND) logIn(world, t, owner, where, false, 'password', FRAUD);
    logIn(world, t, owner, where, true, 'password', FRAUD);
    t += rng.between(1, 6) * MINUTE;
    const fields = rng.pick(LOCKOUT_CHANGES);
    const hijacked = fields.includes('email') ? { ...owner, email: fraudEmail(rng, underground.tactics(at).disposableEmail) } : owner;
    updateProfile(world, t, hijacked, where, fields, FRAUD);

    const bookAt = t + rng.between(5, 120) * MINUTE;
    world.schedule(bookAt, () => {
      const guests = rng.between(1, 4);
      const listing = underground.pickListing(rng, bookAt, guests);
      if (!listing) return;
      const card = rng.chance(OWNERS_CARD_SHARE) ? owner.cards[0]! : underground.stolenCard(rng);
      const nights = rng.between(2, 7);
      const booking = attemptBooking(world, {
        at: bookAt,
        guest: hijacked,
        where,
        listing,
        nights,
        guests: Math.min(guests, listing.capacity),
        checkin: underground.checkin(rng, bookAt),
        card,
        amount: stayAmount(rng, listing, nights),
        truth: FRAUD,
      });
      const { amount, currency } = booking.payload;
      attemptPayment(world, bookAt + rng.between(3, 15) * SECOND, hijacked, where, card, amount, currency, APPROVED, booking, FRAUD);
      if (world.labels.willLabel('ato')) {
        // Owners report the takeover; their bank disputes the charge too, or instead.
        const r = rng.next();
        if (r < 0.8) world.labels.atoReport(booking, rng.chance(0.8) ? 'user' : 'support');
        if (r >= 0.5) world.labels.chargeback(booking, card.id, '10.4');
      }
    });
    if (rng.chance(0.7)) {
      const recoverAt = GUEST_RHYTHM.next(rng, bookAt, 1.5, owner.tzOffset);
      world.schedule(recoverAt, () => recover(owner, recoverAt));
    }
  }

  /** The owner finds the password changed, resets it and restores the e-mail. */
  function recover(owner: Guest, at: number): void {
    const where = sessionPresence(world, rng, owner, at);
    let t = at;
    for (let failures = rng.between(1, 3); failures > 0; failures--, t += rng.between(5, 40) * SECOND) logIn(world, t, owner, where, false, 'password', OWNER);
    logIn(world, (t += rng.between(2, 15) * MINUTE), owner, where, true, 'magic_link', OWNER);
    updateProfile(world, t + rng.between(30, 120) * SECOND, owner, where, ['password', 'email'], OWNER);
  }

  return {
    scenario: 'ato',
    bookingsPerCase: 1,
    launch(at) {
      const crew = underground.crew(rng);
      const startAt = FRAUDSTER_RHYTHM.next(rng, at, 0.4, underground.originOf(crew, at).tzOffsets[0]!);
      world.schedule(startAt, () => takeOver(crew, startAt));
    },
  };
}
