// Card testing: from one device, a burst of tiny charges across a batch of stolen cards within
// minutes — mostly declined — to find the live ones; then a large booking on a card that worked.
import { APPROVED, attemptBooking, attemptPayment, stayAmount, type PaymentOutcome } from '../actions.js';
import { FRAUDSTER_RHYTHM, HOUR, MINUTE, SECOND } from '../calendar.js';
import { countryByCode } from '../geo.js';
import type { Card } from '../identity.js';
import { WeightedTable } from '../random.js';
import type { World } from '../world.js';
import { truthOf, type Crew, type ScenarioDriver, type Underground } from './underground.js';

const FRAUD = truthOf('card_testing', true);
/** Share of cards in a bought batch that are still live. */
const LIVE_SHARE = 0.12;

const TEST_DECLINES = new WeightedTable([
  ['do_not_honor', 30],
  ['insufficient_funds', 15],
  ['invalid_cvc', 15],
  ['expired_card', 12],
  ['incorrect_number', 10],
  ['stolen_card', 8],
  ['lost_card', 5],
  ['pickup_card', 5],
] as const);

export function cardTestingScenario(world: World, underground: Underground): ScenarioDriver {
  const rng = world.rng('scenario:card_testing');

  function attack(crew: Crew, at: number): void {
    const firstCard = underground.stolenCard(rng);
    const where = underground.presence(rng, crew, at, countryByCode(firstCard.country));
    const account = underground.openAccount(rng, at, crew, countryByCode(firstCard.country), where, FRAUD);
    let t = at + rng.between(1, 5) * MINUTE;
    const live: Card[] = [];
    const cardCount = rng.between(5, 25);
    for (let i = 0; i < cardCount; i++) {
      const card = i === 0 ? firstCard : underground.stolenCard(rng);
      // Make sure the batch yields one live card: the burst ends in a booking.
      const isLive = rng.chance(LIVE_SHARE) || (i === cardCount - 1 && live.length === 0);
      // A dead card keeps failing for the same reason, whatever the amount tried.
      const refusal: PaymentOutcome = { status: 'declined', code: rng.weighted(TEST_DECLINES) };
      for (let attempt = rng.between(1, 3); attempt > 0; attempt--) {
        const amount = rng.pick([0.5, 1, 1, 1, 2, 5]);
        const outcome: PaymentOutcome = isLive ? APPROVED : rng.chance(0.08) ? { status: 'failed' } : refusal;
        attemptPayment(world, t, account, where, card, amount, 'USD', outcome, null, FRAUD);
        t += rng.between(4, 40) * SECOND;
        if (isLive) break;
      }
      if (isLive) live.push(card);
    }
    for (const card of live.slice(1)) underground.cardProvedLive(card);
    const card = live[0]!;
    const bookAt = t + rng.between(10 * MINUTE, 3 * HOUR);
    world.schedule(bookAt, () => {
      const guests = rng.between(1, 4);
      const listing = underground.pickListing(rng, bookAt, guests);
      if (!listing) return;
      const nights = rng.between(2, 6);
      const bookingWhere = rng.chance(0.8) ? where : underground.presence(rng, crew, bookAt, countryByCode(card.country));
      const booking = attemptBooking(world, {
        at: bookAt,
        guest: account,
        where: bookingWhere,
        listing,
        nights,
        guests: Math.min(guests, listing.capacity),
        checkin: underground.checkin(rng, bookAt),
        card,
        amount: stayAmount(rng, listing, nights),
        truth: FRAUD,
      });
      attemptPayment(world, bookAt + rng.between(3, 15) * SECOND, account, bookingWhere, card, booking.payload.amount, booking.payload.currency, APPROVED, booking, FRAUD);
      if (world.labels.willLabel('card_testing')) world.labels.chargeback(booking, card.id, rng.pick(['10.4', '4837']));
    });
  }

  return {
    scenario: 'card_testing',
    bookingsPerCase: 1,
    launch(at) {
      const crew = underground.crew(rng);
      const startAt = FRAUDSTER_RHYTHM.next(rng, at, 0.4, underground.originOf(crew, at).tzOffsets[0]!);
      world.schedule(startAt, () => attack(crew, startAt));
    },
  };
}
