// Legitimate marketplace behaviour: hosts and their listings, guests signing up over time and coming
// back in sessions (log in, search, sometimes ask the host, book and pay), stays with check-in
// messages and reviews afterwards. It includes what makes fraud detection hard: travellers on hotel
// wifi or roaming, new phones, foreign-issued cards, shared mobile-carrier IPs, declined cards that
// then go through, forgotten passwords, and a little friendly fraud.
import {
  APPROVED,
  attemptBooking,
  attemptPayment,
  createListing,
  hostPresence,
  logIn,
  postReview,
  search,
  sendMessage,
  signUp,
  stayAmount,
  updateProfile,
  type PaymentOutcome,
} from './actions.js';
import { DAY, GUEST_RHYTHM, HOST_RHYTHM, HOUR, localDayStart, MINUTE, SECOND } from './calendar.js';
import { GUEST_HOME, LISTING_LOCATION, localPrice, residentialIp, type Country } from './geo.js';
import { personalEmail, randomPerson, type Card, type Device } from './identity.js';
import { WeightedTable, type Rng } from './random.js';
import { bookingNote, checkInInfo, guestInquiry, guestOnTheWay, hostReply, legitRating, legitReview } from './text.js';
import type { RawEventByType, Truth } from './types.js';
import { LEGIT, PROMO_CODES, type Guest, type Host, type Listing, type Presence, type World } from './world.js';

/** Guests whose account predates the log: their sign-up is not in it. */
const PRE_EXISTING_GUEST_SHARE = 0.55;
const PRE_EXISTING_HOST_SHARE = 0.85;
/** Median days between a guest's sessions (log-normal across guests). */
const MEDIAN_SESSION_GAP_DAYS = 3.2;
const BOOKING_PROBABILITY = 0.075;
const RETURNING_GUEST_BOOST = 1.4;
const LOGIN_SHARE = 0.7;
const LOGIN_TYPO_SHARE = 0.05;
const PASSWORD_RESET_SHARE = 0.008;
const PROFILE_CHANGE_SHARE = 0.012;
const NEW_DEVICE_SHARE = 0.03;
const NEW_CARD_SHARE = 0.02;
/** People keep a handful of devices and cards; the oldest drop out. */
const MAX_DEVICES = 4;
const MAX_CARDS = 4;
const BUSINESS_TRIP_SHARE = 0.03;
const FOREIGN_CARD_SHARE = 0.05;
const SIGNUP_PROMO_SHARE = 0.15;
const REFERRAL_SHARE = 0.05;
const INQUIRY_SHARE = 0.2;
const REVIEW_SHARE = 0.55;
/** Cardholders disputing a stay they did have (friendly fraud). */
const FRIENDLY_CHARGEBACK_SHARE = 0.0025;
/** Bookings an analyst looks at routinely; unusual-looking ones more often. */
const ROUTINE_REVIEW_SHARE = 0.006;
const UNUSUAL_REVIEW_SHARE = 0.04;
/** Existing hosts add a listing about this often (days). */
const MEAN_DAYS_BETWEEN_NEW_LISTINGS = 150;

const CATEGORIES = new WeightedTable([
  [{ name: 'apartment', priceFactor: 1, capacity: [2, 5] }, 45],
  [{ name: 'room', priceFactor: 0.55, capacity: [1, 2] }, 15],
  [{ name: 'house', priceFactor: 1.6, capacity: [4, 10] }, 20],
  [{ name: 'studio', priceFactor: 0.8, capacity: [1, 3] }, 10],
  [{ name: 'villa', priceFactor: 3.2, capacity: [6, 14] }, 4],
  [{ name: 'cabin', priceFactor: 1.1, capacity: [2, 6] }, 6],
] as const);

const DECLINES = new WeightedTable([
  ['insufficient_funds', 45],
  ['do_not_honor', 25],
  ['expired_card', 12],
  ['invalid_cvc', 10],
  ['generic_decline', 8],
] as const);

const SIGNUP_METHODS = new WeightedTable([
  ['email', 60],
  ['google', 30],
  ['apple', 10],
] as const);

const LOGIN_METHODS = new WeightedTable([
  ['password', 60],
  ['sso', 25],
  ['magic_link', 10],
  ['2fa', 5],
] as const);

export function startLegitimateMarketplace(world: World): void {
  const rng = world.rng('legit');
  for (let i = 0; i < world.config.hosts; i++) addHost(world, rng);
  for (let i = 0; i < world.config.users; i++) addGuest(world, rng);
}

// ---- hosts and listings ----

export function newHost(world: World, rng: Rng, home: Country, truth: Truth): Host {
  const person = randomPerson(rng);
  return {
    id: world.ids.next('u'),
    hostId: world.ids.next('h'),
    person,
    email: personalEmail(rng, person, home),
    country: home,
    tzOffset: rng.pick(home.tzOffsets),
    device: world.ids.mainstreamDevice(),
    ip: residentialIp(rng, home),
    ipCountry: home.code,
    listings: [],
    truth,
  };
}

/** A listing with a price typical of its country and category (in US dollars before conversion, times `priceScale`). */
export function newListing(world: World, rng: Rng, host: Host, where: Country, activeFrom: number, priceScale = 1): Listing {
  const category = rng.weighted(CATEGORIES);
  const usd = rng.logNormal(95 * where.priceLevel * category.priceFactor * priceScale, 0.45);
  const listing: Listing = {
    id: world.ids.next('l'),
    host,
    country: where,
    price: localPrice(usd, where),
    currency: where.currency,
    category: category.name,
    capacity: rng.between(category.capacity[0], category.capacity[1]),
    activeFrom,
  };
  host.listings.push(listing);
  return listing;
}

function addHost(world: World, rng: Rng): void {
  const host = newHost(world, rng, rng.weighted(LISTING_LOCATION), LEGIT);
  const professional = rng.chance(0.05);
  const listingCount = professional ? rng.between(4, 12) : rng.chance(0.25) ? 2 : 1;
  if (rng.chance(PRE_EXISTING_HOST_SHARE)) {
    for (let i = 0; i < listingCount; i++) world.publishListing(newListing(world, rng, host, host.country, world.start));
  } else {
    const joinAt = HOST_RHYTHM.onDay(rng, world.start + rng.next() * (world.end - world.start), host.tzOffset);
    world.schedule(joinAt, () => hostJoins(world, rng, host, listingCount));
  }
  const nextListingAt = world.start + rng.exponential(MEAN_DAYS_BETWEEN_NEW_LISTINGS * DAY);
  world.schedule(nextListingAt, () => listMore(world, rng, host));
}

function hostJoins(world: World, rng: Rng, host: Host, listingCount: number): void {
  const at = world.engine.now;
  signUp(world, at, host, hostPresence(host), { country: host.country.code, signup_method: rng.chance(0.7) ? 'email' : 'google' }, LEGIT);
  let t = at + rng.between(5, 90) * MINUTE;
  for (let i = 0; i < listingCount; i++) {
    const listing = newListing(world, rng, host, host.country, t);
    createListing(world, t, host, listing, LEGIT);
    world.publishListing(listing);
    t += rng.between(10, 120) * MINUTE;
  }
}

function listMore(world: World, rng: Rng, host: Host): void {
  const at = world.engine.now;
  if (host.listings.length > 0 && host.listings[0]!.activeFrom <= at) {
    const listing = newListing(world, rng, host, host.country, at);
    createListing(world, at, host, listing, LEGIT);
    world.publishListing(listing);
  }
  world.schedule(at + rng.exponential(MEAN_DAYS_BETWEEN_NEW_LISTINGS * DAY), () => listMore(world, rng, host));
}

// ---- guests ----

function newCard(world: World, rng: Rng, home: Country): Card {
  return world.ids.card(rng.chance(FOREIGN_CARD_SHARE) ? rng.weighted(GUEST_HOME).code : home.code);
}

/** The newest item goes first: it becomes the default device or card. */
function addNewest<T>(items: T[], item: T, max: number): void {
  items.unshift(item);
  if (items.length > max) items.pop();
}

/** A guest account with a life of its own; `truth` marks fraud accounts that browse like real people. */
export function newGuest(world: World, rng: Rng, truth: Truth, since: number, home: Country = rng.weighted(GUEST_HOME)): Guest {
  const person = randomPerson(rng);
  const guest: Guest = {
    id: world.ids.next('u'),
    since,
    person,
    email: personalEmail(rng, person, home),
    country: home,
    tzOffset: rng.pick(home.tzOffsets),
    devices: [world.ids.mainstreamDevice()],
    homeIp: residentialIp(rng, home),
    cards: [newCard(world, rng, home)],
    meanGapDays: rng.logNormal(MEDIAN_SESSION_GAP_DAYS, 0.7),
    bookings: 0,
    promoCode: null,
    truth,
    away: null,
  };
  if (rng.chance(0.4)) guest.devices.push(world.ids.mainstreamDevice());
  if (rng.chance(0.25)) guest.cards.push(newCard(world, rng, home));
  return guest;
}

function addGuest(world: World, rng: Rng): void {
  const guest = newGuest(world, rng, LEGIT, world.start);
  world.guests.push(guest);
  if (rng.chance(PRE_EXISTING_GUEST_SHARE)) {
    scheduleNextSession(world, rng, guest, world.start);
  } else {
    guest.since = Math.max(world.start, GUEST_RHYTHM.onDay(rng, world.start + rng.next() * (world.end - world.start), guest.tzOffset));
    world.schedule(guest.since, () => guestSignsUp(world, rng, guest));
  }
}

function guestSignsUp(world: World, rng: Rng, guest: Guest): void {
  const at = world.engine.now;
  const where = homePresence(world, rng, guest, guest.devices[0]!);
  const payload: RawEventByType<'account_created'>['payload'] = {
    country: guest.country.code,
    signup_method: rng.weighted(SIGNUP_METHODS),
  };
  if (rng.chance(SIGNUP_PROMO_SHARE)) payload.promo_code = guest.promoCode = rng.pick(PROMO_CODES);
  if (rng.chance(REFERRAL_SHARE) && world.guests.length > 1) payload.referrer = rng.pick(world.guests).id;
  signUp(world, at, guest, where, payload, guest.truth);
  browse(world, rng, guest, where, at + rng.between(20, 120) * SECOND);
  scheduleNextSession(world, rng, guest, at);
}

/** Start `guest` coming back in sessions after `after`, for the rest of the period. */
export function scheduleNextSession(world: World, rng: Rng, guest: Guest, after: number): void {
  const at = GUEST_RHYTHM.next(rng, after, guest.meanGapDays, guest.tzOffset);
  world.schedule(at, () => {
    session(world, rng, guest, at);
    scheduleNextSession(world, rng, guest, at);
  });
}

function homePresence(world: World, rng: Rng, guest: Guest, device: Device): Presence {
  if (device.mobile && rng.chance(0.5)) {
    return { device, ip: rng.pick(world.mobileIps.get(guest.country.code)!), ipCountry: guest.country.code, tzOffset: guest.tzOffset };
  }
  return { device, ip: guest.homeIp, ipCountry: guest.country.code, tzOffset: guest.tzOffset };
}

/** Where a session comes from: usually home on a known device; sometimes a new phone, a trip, a new ISP address. */
export function sessionPresence(world: World, rng: Rng, guest: Guest, at: number): Presence {
  if (rng.chance(NEW_DEVICE_SHARE)) addNewest(guest.devices, world.ids.mainstreamDevice(), MAX_DEVICES);
  const device = guest.devices.length > 1 && rng.chance(0.35) ? rng.pick(guest.devices) : guest.devices[0]!;
  const onStay = guest.away !== null && at >= guest.away.from && at < guest.away.until ? guest.away.country : null;
  const abroad = onStay ?? (rng.chance(BUSINESS_TRIP_SHARE) ? rng.weighted(LISTING_LOCATION) : null);
  if (abroad && abroad !== guest.country) {
    const tzOffset = rng.pick(abroad.tzOffsets);
    // A roaming phone keeps its home carrier's address; hotel or café wifi geolocates locally.
    if (device.mobile && rng.chance(0.5)) return { device, ip: rng.pick(world.mobileIps.get(guest.country.code)!), ipCountry: guest.country.code, tzOffset };
    return { device, ip: residentialIp(rng, abroad), ipCountry: abroad.code, tzOffset };
  }
  if (rng.chance(0.02)) guest.homeIp = residentialIp(rng, guest.country);
  return homePresence(world, rng, guest, device);
}

function session(world: World, rng: Rng, guest: Guest, at: number): void {
  const where = sessionPresence(world, rng, guest, at);
  let t = at;
  if (rng.chance(LOGIN_SHARE)) t = logInLikeAPerson(world, rng, guest, where, t);
  if (rng.chance(PROFILE_CHANGE_SHARE)) t = changeProfile(world, rng, guest, where, t);
  browse(world, rng, guest, where, t);
}

/** Mostly a clean login; sometimes a typo first, and now and then a forgotten password and a reset. */
function logInLikeAPerson(world: World, rng: Rng, guest: Guest, where: Presence, at: number): number {
  let t = at;
  const method = rng.weighted(LOGIN_METHODS);
  if (rng.chance(PASSWORD_RESET_SHARE)) {
    for (let i = rng.between(2, 3); i > 0; i--, t += rng.between(8, 40) * SECOND) logIn(world, t, guest, where, false, 'password', guest.truth);
    logIn(world, (t += rng.between(1, 5) * MINUTE), guest, where, true, 'magic_link', guest.truth);
    updateProfile(world, (t += rng.between(20, 90) * SECOND), guest, where, ['password'], guest.truth);
    return t + rng.between(5, 30) * SECOND;
  }
  if (method === 'password' && rng.chance(LOGIN_TYPO_SHARE)) {
    logIn(world, t, guest, where, false, method, guest.truth);
    t += rng.between(5, 40) * SECOND;
  }
  logIn(world, t, guest, where, true, method, guest.truth);
  return t + rng.between(3, 30) * SECOND;
}

const PROFILE_CHANGES: ReadonlyArray<RawEventByType<'profile_updated'>['payload']['fields']> = [['phone'], ['address'], ['password'], ['email'], ['phone', 'address']];

function changeProfile(world: World, rng: Rng, guest: Guest, where: Presence, at: number): number {
  const fields = rng.pick(PROFILE_CHANGES);
  if (fields.includes('email')) guest.email = personalEmail(rng, guest.person, guest.country);
  updateProfile(world, at, guest, where, fields, guest.truth);
  return at + rng.between(10, 60) * SECOND;
}

interface TripPlan {
  destination: Country;
  guests: number;
  checkin: number;
  nights: number;
}

function planTrip(rng: Rng, guest: Guest, at: number): TripPlan {
  const destination = rng.chance(0.35) ? guest.country : rng.weighted(LISTING_LOCATION);
  const guests = rng.chance(0.3) ? 1 : rng.chance(0.6) ? 2 : rng.between(3, 6);
  const leadDays = Math.min(300, Math.max(1, Math.round(rng.logNormal(21, 0.9))));
  const nights = Math.min(28, Math.max(1, Math.round(rng.logNormal(3, 0.6))));
  return { destination, guests, checkin: localDayStart(at, 0) + leadDays * DAY, nights };
}

/** Search a few times, and maybe book — straight away or after asking the host. */
function browse(world: World, rng: Rng, guest: Guest, where: Presence, at: number): void {
  let plan = planTrip(rng, guest, at);
  let t = at;
  for (let n = 1 + rng.poisson(1.6); n > 0; n--) {
    search(world, t, guest, where, plan.destination.code, plan.guests, plan.checkin, guest.truth);
    t += rng.between(15, 150) * SECOND;
    if (rng.chance(0.15)) plan = planTrip(rng, guest, t);
  }
  const propensity = BOOKING_PROBABILITY * (guest.bookings > 0 ? RETURNING_GUEST_BOOST : 1);
  if (!rng.chance(propensity)) return;
  const listing = world.findListing(rng, plan.destination, plan.guests, t);
  if (!listing) return;
  if (rng.chance(INQUIRY_SHARE)) askHostThenBook(world, rng, guest, where, listing, plan, t);
  else book(world, rng, guest, where, listing, plan, t);
}

function askHostThenBook(world: World, rng: Rng, guest: Guest, where: Presence, listing: Listing, plan: TripPlan, at: number): void {
  const host = listing.host;
  const threadId = world.ids.next('th');
  sendMessage(world, at, guest, where, host, guestInquiry(rng, host.person.first), { listing, threadId }, guest.truth);
  const replyAt = at + Math.max(3 * MINUTE, Math.round(rng.logNormal(45 * MINUTE, 1.1)));
  world.schedule(replyAt, () => {
    const hostWhere = hostPresence(host);
    let t = replyAt;
    if (rng.chance(0.3)) {
      logIn(world, t, host, hostWhere, true, 'password', host.truth);
      t += rng.between(10, 120) * SECOND;
    }
    sendMessage(world, t, host, hostWhere, guest, hostReply(rng, guest.person.first), { listing, threadId }, host.truth);
    if (!rng.chance(0.7)) return;
    const bookAt = t + Math.max(MINUTE, Math.round(rng.logNormal(1.5 * HOUR, 1)));
    world.schedule(bookAt, () => book(world, rng, guest, where, listing, plan, bookAt));
  });
}

function book(world: World, rng: Rng, guest: Guest, where: Presence, listing: Listing, plan: TripPlan, at: number): void {
  if (rng.chance(NEW_CARD_SHARE)) addNewest(guest.cards, newCard(world, rng, guest.country), MAX_CARDS);
  const card = guest.cards.length > 1 && rng.chance(0.2) ? rng.pick(guest.cards) : guest.cards[0]!;
  const guests = Math.min(plan.guests, listing.capacity);
  // Asking the host first can take long enough for a short-notice check-in date to pass.
  const checkin = Math.max(plan.checkin, localDayStart(at, 0) + DAY);
  let amount = stayAmount(rng, listing, plan.nights);
  const promoCode = guest.promoCode ?? undefined;
  if (promoCode) amount = Math.round(amount * 85) / 100;
  const message = rng.chance(0.25) ? bookingNote(rng) : undefined;
  const booking = attemptBooking(world, { at, guest, where, listing, nights: plan.nights, guests, checkin, card, amount, promoCode, message, truth: guest.truth });
  if (guest.truth === LEGIT) world.legitBookingHappened(at);
  const paidWith = payLikeAPerson(world, rng, guest, where, booking, card, at);
  if (!paidWith) return;
  guest.bookings++;
  guest.promoCode = null;
  const checkout = checkin + plan.nights * DAY;
  if (listing.country !== guest.country) guest.away = { country: listing.country, from: checkin, until: checkout };
  followTheStay(world, rng, guest, listing, booking, checkin, checkout);
  if (guest.truth === LEGIT) labelLegitBooking(world, guest, where, booking, paidWith);
}

/** Pay; on a decline try again with another card or a fixed one, as people do. Returns the card that paid, or null. */
function payLikeAPerson(world: World, rng: Rng, guest: Guest, where: Presence, booking: RawEventByType<'booking_attempted'>, card: Card, at: number): Card | null {
  const { amount, currency } = booking.payload;
  const charge = (t: number, c: Card, outcome: PaymentOutcome): void => attemptPayment(world, t, guest, where, c, amount, currency, outcome, booking, guest.truth);
  let t = at + rng.between(3, 20) * SECOND;
  const r = rng.next();
  if (r < 0.93) {
    charge(t, card, APPROVED);
    return card;
  }
  if (r < 0.99) {
    const code = rng.weighted(DECLINES);
    charge(t, card, { status: 'declined', code });
    t += rng.between(1, 10) * MINUTE;
    let retryCard = guest.cards.find((c) => c !== card) ?? card;
    if (code === 'expired_card' || (retryCard === card && rng.chance(0.3))) {
      retryCard = newCard(world, rng, guest.country);
      addNewest(guest.cards, retryCard, MAX_CARDS);
    }
    if (!rng.chance(0.75)) {
      charge(t, retryCard, { status: 'declined', code: 'insufficient_funds' });
      return null;
    }
    charge(t, retryCard, APPROVED);
    return retryCard;
  }
  charge(t, card, { status: 'failed' });
  t += rng.between(20, 90) * SECOND;
  if (!rng.chance(0.9)) return null;
  charge(t, card, APPROVED);
  return card;
}

/** Messages before arrival and a review after departure. */
function followTheStay(world: World, rng: Rng, guest: Guest, listing: Listing, booking: RawEventByType<'booking_attempted'>, checkin: number, checkout: number): void {
  const host = listing.host;
  const threadId = world.ids.next('th');
  const now = world.engine.now;
  if (rng.chance(0.65)) {
    const infoAt = HOST_RHYTHM.onDay(rng, checkin - DAY, host.tzOffset);
    if (infoAt > now) {
      world.schedule(infoAt, () =>
        sendMessage(world, infoAt, host, hostPresence(host), guest, checkInInfo(rng, guest.person.first), { listing, threadId, booking }, host.truth),
      );
    }
  }
  if (rng.chance(0.25)) {
    const noteAt = checkin + 12 * HOUR + rng.between(0, 8 * 60) * MINUTE;
    world.schedule(noteAt, () =>
      sendMessage(world, noteAt, guest, sessionPresence(world, rng, guest, noteAt), host, guestOnTheWay(rng), { listing, threadId, booking }, guest.truth),
    );
  }
  if (rng.chance(REVIEW_SHARE)) {
    const reviewAt = GUEST_RHYTHM.onDay(rng, checkout + rng.uniform(0.2, 6) * DAY, guest.tzOffset);
    world.schedule(Math.max(reviewAt, checkout), () => {
      const rating = legitRating(rng);
      postReview(world, world.engine.now, guest, sessionPresence(world, rng, guest, world.engine.now), booking, rating, legitReview(rng, rating, host.person.first), guest.truth);
    });
  }
}

/** Friendly fraud and routine reviewer checks: labels on legitimate bookings. */
function labelLegitBooking(world: World, guest: Guest, where: Presence, booking: RawEventByType<'booking_attempted'>, paidWith: Card): void {
  const labels = world.labels;
  if (labels.chance(FRIENDLY_CHARGEBACK_SHARE)) labels.chargeback(booking, paidWith.id, labels.chance(0.5) ? '13.1' : '10.4');
  const unusual = where.ipCountry !== guest.country.code || paidWith.country !== guest.country.code || where.device !== guest.devices[0];
  if (labels.chance(unusual ? UNUSUAL_REVIEW_SHARE : ROUTINE_REVIEW_SHARE)) labels.verdict(booking, 'legit');
}
