// What accounts do, as events. One place decides which entities and context each kind of event
// carries, so legitimate and fraudulent behaviour look alike at the envelope level and differ only
// in what they do.
import type { Payload } from '../events/schema.js';
import { dateString } from './calendar.js';
import type { Card } from './identity.js';
import type { Rng } from './random.js';
import type { RawEventByType, Truth } from './types.js';
import type { Account, Host, Listing, Presence, World } from './world.js';

type Booking = RawEventByType<'booking_attempted'>;

export function signUp(world: World, at: number, account: Account, where: Presence, payload: Payload<'account_created'>, truth: Truth): RawEventByType<'account_created'> {
  return world.emit('account_created', at, { user: account.id, device: where.device.id, ip: where.ip, email: account.email }, world.context(account, where), payload, truth);
}

export function logIn(world: World, at: number, account: Account, where: Presence, success: boolean, method: Payload<'login'>['method'], truth: Truth): RawEventByType<'login'> {
  const entities = { user: account.id, device: where.device.id, ip: where.ip, email: account.email };
  return world.emit('login', at, entities, world.context(account, where), { success, method }, truth);
}

/** A profile change; when the e-mail changes, `account.email` must already hold the new address. */
export function updateProfile(world: World, at: number, account: Account, where: Presence, fields: Payload<'profile_updated'>['fields'], truth: Truth): void {
  const entities = { user: account.id, device: where.device.id, ip: where.ip, email: account.email };
  world.emit('profile_updated', at, entities, world.context(account, where), { fields }, truth);
}

export function search(world: World, at: number, account: Account, where: Presence, destination: string, guests: number, checkin: number, truth: Truth): void {
  const payload = { destination, guests, checkin: dateString(checkin) };
  world.emit('search', at, { user: account.id, device: where.device.id, ip: where.ip }, world.context(account, where), payload, truth);
}

export function createListing(world: World, at: number, host: Host, listing: Listing, truth: Truth): void {
  const where = hostPresence(host);
  const { country, price, currency, category, capacity } = listing;
  world.emit(
    'listing_created',
    at,
    { host: host.hostId, listing: listing.id, user: host.id, device: host.device.id, ip: host.ip },
    world.context(host, where),
    { country: country.code, price, currency, category, capacity },
    truth,
  );
}

export function hostPresence(host: Host): Presence {
  return { device: host.device, ip: host.ip, ipCountry: host.ipCountry, tzOffset: host.tzOffset };
}

/** Nightly price × nights, plus the platform's service fee and a cleaning fee, with the small noise of taxes and rounding. */
export function stayAmount(rng: Rng, listing: Listing, nights: number): number {
  const cleaning = listing.category === 'room' ? 0 : listing.price * 0.35;
  const total = (listing.price * nights + cleaning) * 1.14 * Math.exp(0.05 * rng.normal());
  return Math.round(total * 100) / 100;
}

export interface BookingRequest {
  at: number;
  guest: Account;
  where: Presence;
  listing: Listing;
  nights: number;
  guests: number;
  /** Check-in day, epoch ms of its start. */
  checkin: number;
  card: Card;
  amount: number;
  promoCode?: string;
  message?: string;
  truth: Truth;
}

export function attemptBooking(world: World, r: BookingRequest): Booking {
  const { listing, where } = r;
  const payload: Payload<'booking_attempted'> = {
    amount: r.amount,
    currency: listing.currency,
    nights: r.nights,
    guests: r.guests,
    checkin: dateString(r.checkin),
    card_country: r.card.country,
    listing_country: listing.country.code,
  };
  if (r.promoCode !== undefined) payload.promo_code = r.promoCode;
  if (r.message !== undefined) payload.message = r.message;
  const entities = { user: r.guest.id, listing: listing.id, host: listing.host.hostId, device: where.device.id, ip: where.ip, card: r.card.id, email: r.guest.email };
  return world.emit('booking_attempted', r.at, entities, world.context(r.guest, where), payload, r.truth);
}

export type PaymentOutcome = { status: 'approved' } | { status: 'declined'; code: string } | { status: 'failed' };

export const APPROVED: PaymentOutcome = Object.freeze({ status: 'approved' });

/** A charge of `amount` on `card`, for `booking` when there is one (card checks and tests have none). */
export function attemptPayment(
  world: World,
  at: number,
  account: Account,
  where: Presence,
  card: Card,
  amount: number,
  currency: string,
  outcome: PaymentOutcome,
  booking: Booking | null,
  truth: Truth,
): void {
  const payload: Payload<'payment_attempted'> = { amount, currency, status: outcome.status };
  if (outcome.status === 'declined') payload.decline_code = outcome.code;
  if (booking) payload.booking_id = booking.id;
  payload.card_country = card.country;
  const entities = booking
    ? { user: account.id, card: card.id, device: where.device.id, ip: where.ip, listing: booking.entities.listing, host: booking.entities.host }
    : { user: account.id, card: card.id, device: where.device.id, ip: where.ip };
  world.emit('payment_attempted', at, entities, world.context(account, where), payload, truth);
}

export interface MessageRefs {
  listing: Listing;
  threadId: string;
  booking?: Booking;
}

export function sendMessage(world: World, at: number, from: Account, where: Presence, to: Account, text: string, refs: MessageRefs, truth: Truth): RawEventByType<'message_sent'> {
  const payload: Payload<'message_sent'> = { text, to_user: to.id, thread_id: refs.threadId };
  if (refs.booking) payload.booking_id = refs.booking.id;
  const entities = { user: from.id, device: where.device.id, ip: where.ip, listing: refs.listing.id, host: refs.listing.host.hostId };
  return world.emit('message_sent', at, entities, world.context(from, where), payload, truth);
}

export function postReview(world: World, at: number, guest: Account, where: Presence, booking: Booking, rating: number, text: string, truth: Truth): RawEventByType<'review_posted'> {
  const { listing, host } = booking.entities;
  const entities = { user: guest.id, listing: listing as string, host: host as string, device: where.device.id, ip: where.ip };
  return world.emit('review_posted', at, entities, world.context(guest, where), { rating, text, booking_id: booking.id }, truth);
}
