// The shared state of one simulated run: configuration, the event engine, id and randomness
// sources, the marketplace's population (guests, hosts, listings) and the event factory every
// behaviour emits through.
import type { EventContext, EventType, Payload } from '../events/schema.js';
import { DAY } from './calendar.js';
import type { SimConfig } from './config.js';
import { Emitter, type EventEntities } from './emitter.js';
import { Engine } from './engine.js';
import { COUNTRIES, type Country, residentialIp } from './geo.js';
import { IdFactory, type Card, type Device, type Person } from './identity.js';
import { Labeller } from './labels.js';
import { Rng } from './random.js';
import type { RawEventByType, Truth } from './types.js';

export const LEGIT: Truth = Object.freeze({ scenario: 'legit', fraud: false });

/** Sign-up and first-booking promotions the marketplace runs (and promo abusers farm). */
export const PROMO_CODES = ['WELCOME25', 'FIRSTSTAY', 'NEWYEAR26', 'FRIEND20'] as const;

/** Anyone with an account: guests, hosts' own accounts, fraudsters' accounts. */
export interface Account {
  id: string;
  person: Person;
  email: string;
  /** The country declared on the account (context.user_country). */
  country: Country;
  /** Where the person really is: their devices' clock. */
  tzOffset: number;
}

export interface Guest extends Account {
  /** The account exists from this time (the start of the log for accounts that predate it). */
  since: number;
  devices: Device[];
  homeIp: string;
  cards: Card[];
  /** Mean days between this guest's sessions. */
  meanGapDays: number;
  /** Completed bookings so far: returning customers book more readily. */
  bookings: number;
  /** A sign-up promotion not used yet; spent on the first booking. */
  promoCode: string | null;
  /** Legitimate users carry LEGIT; fraud accounts browsing as camouflage carry their scenario, fraud=false. */
  truth: Truth;
  /** A booked stay abroad, during which sessions come from the destination. */
  away: { country: Country; from: number; until: number } | null;
}

export interface Host extends Account {
  hostId: string;
  device: Device;
  ip: string;
  ipCountry: string;
  listings: Listing[];
  truth: Truth;
}

export interface Listing {
  id: string;
  host: Host;
  country: Country;
  /** Nightly price in `currency`. */
  price: number;
  currency: string;
  category: string;
  capacity: number;
  /** Not bookable before this time (listings created during the period). */
  activeFrom: number;
}

/** Where and on what an account is connected for a run of events. */
export interface Presence {
  device: Device;
  ip: string;
  ipCountry: string;
  tzOffset: number;
}

export class World {
  readonly engine: Engine;
  readonly ids: IdFactory;
  readonly labels: Labeller;
  private readonly emitter: Emitter;
  readonly start: number;
  readonly end: number;
  /** Legitimate guests, the pool that ATO and off-platform scams pick their victims from. */
  readonly guests: Guest[] = [];
  /** Carrier-grade NAT addresses per country: many mobile users legitimately share each one. */
  readonly mobileIps = new Map<string, string[]>();
  private readonly listingsByCountry = new Map<string, Listing[]>();
  private readonly legitBookingListeners: Array<(at: number) => void> = [];

  constructor(readonly config: SimConfig) {
    this.start = config.start;
    this.end = config.start + config.days * DAY;
    this.engine = new Engine(this.start, this.end, config.seed, config);
    this.ids = new IdFactory(config.seed, this.rng('ids'));
    this.emitter = new Emitter(this.engine, this.ids);
    this.labels = new Labeller(this.emitter, config.labels, this.rng('labels'));
    const rng = this.rng('mobile-carriers');
    for (const c of COUNTRIES) {
      this.mobileIps.set(c.code, Array.from({ length: 24 }, () => residentialIp(rng, c)));
    }
  }

  /** An independent random stream, keyed by purpose. */
  rng(stream: string): Rng {
    return new Rng(this.config.seed, stream);
  }

  /** Whether fraudsters have adapted (config.drift) by time `at`. */
  drifted(at: number): boolean {
    const drift = this.config.drift;
    return drift !== undefined && at >= this.start + drift.fromDay * DAY;
  }

  schedule(at: number, task: () => void): void {
    this.engine.schedule(at, task);
  }

  /** Build and queue one event; returns it (even when it falls past the end and is dropped) so callers can reference its id. */
  emit<T extends EventType>(
    type: T,
    ts: number,
    entities: EventEntities,
    context: RawEventByType<T>['context'],
    payload: Payload<T>,
    truth: Truth,
  ): RawEventByType<T> {
    return this.emitter.emit(type, ts, entities, context, payload, truth);
  }

  /** Context of an event done by `account` from `where`. */
  context(account: Account, where: Presence): EventContext {
    return { ip_country: where.ipCountry, user_country: account.country.code, tz_offset_min: where.tzOffset, user_agent: where.device.userAgent };
  }

  /** Make a listing findable by guests browsing the marketplace. */
  publishListing(listing: Listing): void {
    let inCountry = this.listingsByCountry.get(listing.country.code);
    if (!inCountry) this.listingsByCountry.set(listing.country.code, (inCountry = []));
    inCountry.push(listing);
  }

  /** A bookable listing in `country` that fits `guests`, or null when a few tries find none. */
  findListing(rng: Rng, country: Country, guests: number, at: number, maxPrice = Infinity): Listing | null {
    const candidates = this.listingsByCountry.get(country.code);
    if (!candidates) return null;
    for (let attempt = 0; attempt < 6; attempt++) {
      const listing = rng.pick(candidates);
      if (listing.activeFrom <= at && listing.capacity >= guests && listing.price <= maxPrice) return listing;
    }
    return null;
  }

  onLegitBooking(listener: (at: number) => void): void {
    this.legitBookingListeners.push(listener);
  }

  /** Legitimate bookings pace the fraud scenarios, whose intensities are shares of bookings. */
  legitBookingHappened(at: number): void {
    for (const listener of this.legitBookingListeners) listener(at);
  }
}
