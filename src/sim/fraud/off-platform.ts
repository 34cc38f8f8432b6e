// Off-platform payment: steering the payment outside the marketplace, where nothing protects it.
// Mostly fake hosts: a new account lists a too-good-to-be-true place, and guests who ask about it or
// book it get messages asking for a wire transfer, Western Union or crypto, with a WhatsApp or
// Telegram contact — phone numbers and e-mails often spelled out or split to dodge filters.
// Sometimes a scam guest asks a real host to take payment directly (overpayment scams).
import { APPROVED, attemptBooking, attemptPayment, createListing, hostPresence, search, sendMessage, signUp, stayAmount } from '../actions.js';
import { DAY, FRAUDSTER_RHYTHM, GUEST_RHYTHM, HOUR, localDayStart, MINUTE, SECOND } from '../calendar.js';
import { LISTING_LOCATION } from '../geo.js';
import { newHost, newListing, sessionPresence } from '../legit.js';
import { guestInquiry, guestOffPlatformRequest, hostOffPlatformRequest } from '../text.js';
import type { RawEventByType } from '../types.js';
import type { Guest, Host, Listing, World } from '../world.js';
import { truthOf, type Crew, type ScenarioDriver, type Underground } from './underground.js';

const FRAUD = truthOf('off_platform', true);
const VICTIM = truthOf('off_platform', false);
const FAKE_HOST_SHARE = 0.7;
const MIN_VICTIMS = 1;
const MAX_VICTIMS = 4;

export function offPlatformScenario(world: World, underground: Underground): ScenarioDriver {
  const rng = world.rng('scenario:off_platform');

  function label(target: RawEventByType<'booking_attempted'> | RawEventByType<'message_sent'>): void {
    world.labels.verdict(target, 'fraud', 'off-platform payment request');
  }

  function fakeHost(crew: Crew, at: number): void {
    const location = rng.weighted(LISTING_LOCATION);
    const host = newHost(world, rng, location, FRAUD);
    const where = underground.presence(rng, crew, at, location);
    Object.assign(host, { device: where.device, ip: where.ip, ipCountry: where.ipCountry, tzOffset: where.tzOffset });
    signUp(world, at, host, where, { country: location.code, signup_method: 'email' }, FRAUD);
    // Well below the going rate: the bait.
    const listing = newListing(world, rng, host, location, at + 20 * MINUTE, 0.65);
    createListing(world, listing.activeFrom, host, listing, FRAUD);
    let victimAt = listing.activeFrom;
    for (let n = rng.between(MIN_VICTIMS, MAX_VICTIMS); n > 0; n--) {
      victimAt += rng.uniform(0.1, 2) * DAY;
      const victim = existingGuest(victimAt);
      let contactAt = GUEST_RHYTHM.onDay(rng, victimAt, victim.tzOffset);
      if (contactAt <= victimAt) contactAt += DAY;
      world.schedule(contactAt, () => deceive(victim, host, listing, contactAt));
    }
  }

  /** A guest whose account exists by `at` (almost every draw; the fallback keeps it total). */
  function existingGuest(at: number): Guest {
    let guest = rng.pick(world.guests);
    for (let tries = 0; tries < 10 && guest.since > at; tries++) guest = rng.pick(world.guests);
    return guest;
  }

  /** One victim: maybe asks first, books, and is then told to pay outside. */
  function deceive(victim: Guest, host: Host, listing: Listing, at: number): void {
    const where = sessionPresence(world, rng, victim, at);
    const threadId = world.ids.next('th');
    let t = at;
    if (rng.chance(0.6)) {
      sendMessage(world, t, victim, where, host, guestInquiry(rng, host.person.first), { listing, threadId }, VICTIM);
      t += rng.between(5, 60) * MINUTE;
      sendMessage(world, t, host, hostPresence(host), victim, hostOffPlatformRequest(rng, victim.person.first), { listing, threadId }, FRAUD);
      t += rng.between(10, 120) * MINUTE;
    }
    const nights = rng.between(2, 7);
    const card = victim.cards[0]!;
    const booking = attemptBooking(world, {
      at: t,
      guest: victim,
      where,
      listing,
      nights,
      guests: Math.min(rng.between(1, 4), listing.capacity),
      checkin: localDayStart(t, 0) + rng.between(7, 60) * DAY,
      card,
      amount: stayAmount(rng, listing, nights),
      truth: FRAUD,
    });
    attemptPayment(world, t + rng.between(3, 20) * SECOND, victim, where, card, booking.payload.amount, booking.payload.currency, APPROVED, booking, FRAUD);
    const followUpAt = t + rng.between(10, 180) * MINUTE;
    const followUp = sendMessage(world, followUpAt, host, hostPresence(host), victim, hostOffPlatformRequest(rng, victim.person.first), { listing, threadId, booking }, FRAUD);
    if (world.labels.willLabel('off_platform')) label(rng.chance(0.6) ? followUp : booking);
  }

  /** A scam guest asks a real host to be paid outside the platform. */
  function scamGuest(crew: Crew, at: number): void {
    const listing = underground.pickListing(rng, at, 2);
    if (!listing) return;
    const where = underground.presence(rng, crew, at, listing.country);
    const account = underground.openAccount(rng, at, crew, listing.country, where, FRAUD);
    let t = at + rng.between(2, 20) * MINUTE;
    search(world, t, account, where, listing.country.code, 2, localDayStart(t, 0) + 14 * DAY, FRAUD);
    t += rng.between(1, 10) * MINUTE;
    const threadId = world.ids.next('th');
    sendMessage(world, t, account, where, listing.host, guestOffPlatformRequest(rng), { listing, threadId }, FRAUD);
    t += rng.between(1, 6) * HOUR;
    const nights = rng.between(3, 10);
    const card = underground.stolenCard(rng);
    const booking = attemptBooking(world, {
      at: t,
      guest: account,
      where,
      listing,
      nights,
      guests: Math.min(2, listing.capacity),
      checkin: localDayStart(t, 0) + rng.between(5, 40) * DAY,
      card,
      amount: stayAmount(rng, listing, nights),
      message: guestOffPlatformRequest(rng),
      truth: FRAUD,
    });
    attemptPayment(world, t + rng.between(3, 20) * SECOND, account, where, card, booking.payload.amount, booking.payload.currency, APPROVED, booking, FRAUD);
    if (world.labels.willLabel('off_platform')) label(booking);
  }

  const meanVictims = (MIN_VICTIMS + MAX_VICTIMS) / 2;
  return {
    scenario: 'off_platform',
    bookingsPerCase: FAKE_HOST_SHARE * meanVictims + (1 - FAKE_HOST_SHARE),
    launch(at) {
      const crew = underground.crew(rng);
      const startAt = FRAUDSTER_RHYTHM.next(rng, at, 0.4, underground.originOf(crew, at).tzOffsets[0]!);
      world.schedule(startAt, () => (rng.chance(FAKE_HOST_SHARE) ? fakeHost(crew, startAt) : scamGuest(crew, startAt)));
    },
  };
}
