// Review rings: a group of guest accounts (5–15) and colluding hosts (2–5) trade cheap stays for
// five-star reviews over weeks. Members otherwise browse and book like anybody (camouflage), share a
// few devices and a subnet, and write short, interchangeable praise. Reviewers seldom catch them.
import { APPROVED, attemptBooking, attemptPayment, createListing, hostPresence, postReview, search, signUp, stayAmount } from '../actions.js';
import { DAY, GUEST_RHYTHM, HOST_RHYTHM, MINUTE, SECOND, localDayStart } from '../calendar.js';
import { GUEST_HOME, LISTING_LOCATION, residentialIp } from '../geo.js';
import type { Device } from '../identity.js';
import { newGuest, newHost, newListing, scheduleNextSession, sessionPresence } from '../legit.js';
import { ringReview } from '../text.js';
import type { Guest, Listing, World } from '../world.js';
import { truthOf, type ScenarioDriver } from './underground.js';

const FRAUD = truthOf('review_ring', true);
const CAMOUFLAGE = truthOf('review_ring', false);
/** Rings are sized so that each does roughly this many ring stays over the period. */
const STAYS_PER_RING = 20;
/** Rough bookings per guest account over 60 days, used only to size the number of rings. */
const BOOKINGS_PER_USER_PER_60_DAYS = 1;

interface Ring {
  members: Guest[];
  listings: Listing[];
}

export function reviewRingScenario(world: World): ScenarioDriver {
  const rng = world.rng('scenario:review_ring');
  const { users, days, fraud } = world.config;
  const expectedStays = fraud.review_ring * users * BOOKINGS_PER_USER_PER_60_DAYS * (days / 60);
  const rings: Ring[] = [];
  if (fraud.review_ring > 0) {
    const ringCount = Math.max(1, Math.round(expectedStays / STAYS_PER_RING));
    // Half the rings are already running when the log starts; the rest form during the first 60%.
    for (let i = 0; i < ringCount; i++) rings.push(formRing(i % 2 === 0 ? world.start : world.start + Math.round(rng.uniform(0, 0.6) * (world.end - world.start))));
  }

  function formRing(formedAt: number): Ring {
    const preExisting = formedAt === world.start;
    const home = rng.weighted(GUEST_HOME);
    const sharedDevices: Device[] = Array.from({ length: rng.between(2, 4) }, () => world.ids.mainstreamDevice());
    const subnet = residentialIp(rng, home).replace(/\.\d+$/, '');
    const ring: Ring = { members: [], listings: [] };
    for (let n = rng.between(5, 15); n > 0; n--) {
      const since = preExisting ? world.start : formedAt + rng.between(0, 10 * DAY);
      const member = newGuest(world, rng, CAMOUFLAGE, since, home);
      if (rng.chance(0.4)) member.devices.unshift(rng.pick(sharedDevices));
      if (rng.chance(0.5)) member.homeIp = `${subnet}.${1 + rng.int(254)}`;
      ring.members.push(member);
      if (preExisting) scheduleNextSession(world, rng, member, world.start);
      else world.schedule(since, () => joinAsMember(member, since));
    }
    for (let n = rng.between(2, 5); n > 0; n--) {
      const host = newHost(world, rng, rng.weighted(LISTING_LOCATION), CAMOUFLAGE);
      const opensAt = preExisting ? world.start : Math.max(formedAt, HOST_RHYTHM.onDay(rng, formedAt + rng.uniform(0, 5) * DAY, host.tzOffset));
      const listedAt = preExisting ? world.start : opensAt + 10 * MINUTE;
      for (let k = rng.between(1, 2); k > 0; k--) {
        const listing = newListing(world, rng, host, host.country, listedAt, 0.45);
        ring.listings.push(listing);
        if (preExisting) world.publishListing(listing);
      }
      if (!preExisting) {
        world.schedule(opensAt, () => {
          signUp(world, opensAt, host, hostPresence(host), { country: host.country.code, signup_method: 'email' }, FRAUD);
          for (const listing of host.listings) {
            createListing(world, listedAt, host, listing, FRAUD);
            world.publishListing(listing);
          }
        });
      }
    }
    return ring;
  }

  function joinAsMember(member: Guest, at: number): void {
    signUp(world, at, member, sessionPresence(world, rng, member, at), { country: member.country.code, signup_method: 'email' }, FRAUD);
    scheduleNextSession(world, rng, member, at);
  }

  /** A cheap stay at a fellow ring host's listing, then a five-star review. */
  function ringStay(member: Guest, listing: Listing, at: number): void {
    const where = sessionPresence(world, rng, member, at);
    const checkin = localDayStart(at, 0) + rng.between(1, 10) * DAY;
    search(world, at, member, where, listing.country.code, 1, checkin, FRAUD);
    const t = at + rng.between(30, 300) * SECOND;
    const nights = rng.between(1, 2);
    const card = member.cards[0]!;
    const booking = attemptBooking(world, { at: t, guest: member, where, listing, nights, guests: 1, checkin, card, amount: stayAmount(rng, listing, nights), truth: FRAUD });
    attemptPayment(world, t + rng.between(3, 15) * SECOND, member, where, card, booking.payload.amount, booking.payload.currency, APPROVED, booking, FRAUD);
    const reviewAt = GUEST_RHYTHM.onDay(rng, checkin + (nights + rng.uniform(0.3, 3)) * DAY, member.tzOffset);
    world.schedule(reviewAt, () => {
      const review = postReview(world, reviewAt, member, sessionPresence(world, rng, member, reviewAt), booking, 5, ringReview(rng), FRAUD);
      if (world.labels.willLabel('review_ring')) world.labels.verdict(review, 'fraud', 'review ring');
    });
  }

  return {
    scenario: 'review_ring',
    bookingsPerCase: 1,
    launch(at) {
      const ready = rings.filter((r) => r.members.some((m) => m.since <= at) && r.listings.some((l) => l.activeFrom <= at));
      if (ready.length === 0) return;
      const ring = rng.pick(ready);
      const member = rng.pick(ring.members.filter((m) => m.since <= at));
      const listings = ring.listings.filter((l) => l.activeFrom <= at);
      const stayAt = GUEST_RHYTHM.next(rng, at, 0.5, member.tzOffset);
      world.schedule(stayAt, () => ringStay(member, rng.pick(listings), stayAt));
    },
  };
}
