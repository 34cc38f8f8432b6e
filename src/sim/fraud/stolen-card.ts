// Stolen card: a crew books a pricey stay with someone else's card — on a fresh account, or on a
// "sleeper" account opened days earlier to look established. The card's country rarely matches the
// IP's or the account's (until fraudsters adapt); the issuer approves, the cardholder disputes later.
import { APPROVED, attemptBooking, attemptPayment, search, stayAmount, type PaymentOutcome } from '../actions.js';
import { DAY, FRAUDSTER_RHYTHM, MINUTE, SECOND } from '../calendar.js';
import { countryByCode } from '../geo.js';
import type { Card } from '../identity.js';
import type { Account, Presence, World } from '../world.js';
import { truthOf, type Crew, type ScenarioDriver, type Underground } from './underground.js';

const FRAUD = truthOf('stolen_card', true);
const FRESH_ACCOUNT_SHARE = 0.6;
const APPROVAL_RATE = 0.85;
const ISSUER_DECLINES = ['stolen_card', 'do_not_honor', 'lost_card', 'fraudulent'] as const;

export function stolenCardScenario(world: World, underground: Underground): ScenarioDriver {
  const rng = world.rng('scenario:stolen_card');

  function strike(account: Account, where: Presence, at: number, card: Card): void {
    let t = at;
    const guests = rng.between(1, 4);
    const listing = underground.pickListing(rng, t, guests);
    if (!listing) return;
    for (let n = rng.between(1, 3); n > 0; n--, t += rng.between(10, 90) * SECOND) {
      search(world, t, account, where, listing.country.code, guests, underground.checkin(rng, t), FRAUD);
    }
    const nights = rng.between(2, 7);
    const booking = attemptBooking(world, {
      at: t,
      guest: account,
      where,
      listing,
      nights,
      guests: Math.min(guests, listing.capacity),
      checkin: underground.checkin(rng, t),
      card,
      amount: stayAmount(rng, listing, nights),
      truth: FRAUD,
    });
    const { amount, currency } = booking.payload;
    t += rng.between(3, 15) * SECOND;
    let paidWith = card;
    if (!rng.chance(APPROVAL_RATE)) {
      const declined: PaymentOutcome = { status: 'declined', code: rng.pick(ISSUER_DECLINES) };
      attemptPayment(world, t, account, where, card, amount, currency, declined, booking, FRAUD);
      // Straight on to the next card in the batch.
      paidWith = underground.stolenCard(rng);
      t += rng.between(30, 180) * SECOND;
      if (!rng.chance(APPROVAL_RATE)) {
        attemptPayment(world, t, account, where, paidWith, amount, currency, declined, booking, FRAUD);
        return;
      }
    }
    attemptPayment(world, t, account, where, paidWith, amount, currency, APPROVED, booking, FRAUD);
    if (world.labels.willLabel('stolen_card')) world.labels.chargeback(booking, paidWith.id, rng.pick(['10.4', '4837', 'fraudulent']));
  }

  function attack(crew: Crew, at: number): void {
    const card = underground.stolenCard(rng);
    const cardCountry = countryByCode(card.country);
    const where = underground.presence(rng, crew, at, cardCountry);
    const account = underground.openAccount(rng, at, crew, cardCountry, where, FRAUD);
    if (rng.chance(FRESH_ACCOUNT_SHARE)) {
      strike(account, where, at + rng.between(2, 25) * MINUTE, card);
      return;
    }
    // A sleeper: browse a little now, come back days later from the same crew.
    search(world, at + rng.between(1, 5) * MINUTE, account, where, cardCountry.code, rng.between(1, 3), underground.checkin(rng, at), FRAUD);
    const strikeAt = FRAUDSTER_RHYTHM.next(rng, at + 2 * DAY, 3, where.tzOffset);
    world.schedule(strikeAt, () => strike(account, underground.presence(rng, crew, strikeAt, cardCountry), strikeAt, card));
  }

  return {
    scenario: 'stolen_card',
    bookingsPerCase: 1,
    launch(at) {
      const crew = underground.crew(rng);
      const startAt = FRAUDSTER_RHYTHM.next(rng, at, 0.4, underground.originOf(crew, at).tzOffsets[0]!);
      world.schedule(startAt, () => attack(crew, startAt));
    },
  };
}
