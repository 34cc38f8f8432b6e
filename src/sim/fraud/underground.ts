// What the fraud scenarios share: crews with their pools of devices and proxy addresses, a supply of
// stolen cards (and the ones card testing proved live), fraud accounts, and tactics that change when
// fraudsters adapt (config.drift). Reuse is deliberate: it is what links fraud across accounts.
import { signUp } from '../actions.js';
import { DAY, localDayStart } from '../calendar.js';
import { CARD_ISSUERS, countryByCode, datacenterIp, LISTING_LOCATION, residentialIp, type Country } from '../geo.js';
import { fraudEmail, randomPerson, type Card, type Device } from '../identity.js';
import { WeightedTable, type Rng } from '../random.js';
import type { Scenario, Truth } from '../types.js';
import type { Account, Listing, Presence, World } from '../world.js';

export interface Tactics {
  /** Share of fraud accounts on throwaway e-mail domains. */
  disposableEmail: number;
  /** Share of new devices that are headless browsers, emulators or outdated builds. */
  automatedDevice: number;
  /** Share of sessions on a device that already has a history with real users (bought, infected or spoofed). */
  agedDevice: number;
  /** Share of sessions through a residential proxy in the victim card's country. */
  proxyInCardCountry: number;
  /** Share of sessions through a rented datacenter proxy or VPN. */
  datacenterProxy: number;
  /** Share of sessions whose device clock is set to the card country's time zone. */
  clockMatchesCard: number;
  /** Share of fraud accounts declaring the card's (or victim's) country rather than the crew's own. */
  declaresCardCountry: number;
  /** Listings compared when picking one to book: more candidates, pricier stay. */
  premiumPicks: number;
  /** Share of bookings with check-in within three days. */
  lastMinute: number;
  /** Where crews operate from. */
  origins: WeightedTable<Country>;
}

const originTable = (codes: ReadonlyArray<readonly [string, number]>): WeightedTable<Country> =>
  new WeightedTable(codes.map(([code, weight]) => [countryByCode(code), weight] as const));

const CLASSIC: Tactics = {
  disposableEmail: 0.55,
  automatedDevice: 0.35,
  agedDevice: 0,
  proxyInCardCountry: 0.15,
  datacenterProxy: 0.4,
  clockMatchesCard: 0.1,
  declaresCardCountry: 0.5,
  premiumPicks: 4,
  lastMinute: 0.7,
  origins: originTable([['NG', 3], ['RO', 2], ['UA', 2], ['RU', 2], ['VN', 2], ['ID', 1], ['PH', 1]]),
};

/** After drift: fraud that looks like its victims — aged devices, local IPs and clocks, ordinary amounts. */
const ADAPTED: Tactics = {
  disposableEmail: 0.12,
  automatedDevice: 0.05,
  agedDevice: 0.6,
  proxyInCardCountry: 0.75,
  datacenterProxy: 0.08,
  clockMatchesCard: 0.65,
  declaresCardCountry: 0.85,
  premiumPicks: 1,
  lastMinute: 0.35,
  origins: originTable([['BR', 2], ['TR', 2], ['PK', 1], ['MA', 1], ['IN', 1], ['US', 2], ['GB', 1]]),
};

/** One kind of fraud case, started in proportion to legitimate bookings. */
export interface ScenarioDriver {
  readonly scenario: Scenario;
  /** Expected fraudulent bookings per case: turns the configured booking share into a case rate. */
  readonly bookingsPerCase: number;
  /** Start one case, soon after `at`. */
  launch(at: number): void;
}

const CREW_COUNT = 10;
const MAX_POOL = 40;

export interface Crew {
  origin: Country;
  /** Where the crew operates from once fraudsters adapt. */
  laterOrigin: Country;
  devices: Device[];
  proxies: Array<{ ip: string; country: string }>;
  /** Residential lines the crew uses at home, per country it operates from. */
  homeIps: Map<string, string[]>;
}

const truthCache = new Map<string, Truth>();

/** Ground truth of a scenario's events: `fraud` for the fraudulent acts, not for victims' or camouflage activity. */
export function truthOf(scenario: Scenario, fraud: boolean): Truth {
  const key = `${scenario}:${fraud}`;
  let truth = truthCache.get(key);
  if (!truth) truthCache.set(key, (truth = Object.freeze({ scenario, fraud })));
  return truth;
}

export class Underground {
  private readonly crews: Crew[] = [];
  /** Cards a testing burst showed to work: sold on and used for stolen-card bookings. */
  private readonly liveCards: Card[] = [];

  constructor(
    private readonly world: World,
    rng: Rng,
  ) {
    for (let i = 0; i < CREW_COUNT; i++) {
      const origin = rng.weighted(CLASSIC.origins);
      this.crews.push({ origin, laterOrigin: rng.weighted(ADAPTED.origins), devices: [], proxies: [], homeIps: new Map() });
    }
  }

  tactics(at: number): Tactics {
    return this.world.drifted(at) ? ADAPTED : CLASSIC;
  }

  crew(rng: Rng): Crew {
    return rng.pick(this.crews);
  }

  originOf(crew: Crew, at: number): Country {
    return this.world.drifted(at) ? crew.laterOrigin : crew.origin;
  }

  stolenCard(rng: Rng): Card {
    if (this.liveCards.length > 0 && rng.chance(0.3)) return this.liveCards.splice(rng.int(this.liveCards.length), 1)[0]!;
    return this.world.ids.card(rng.weighted(CARD_ISSUERS).code);
  }

  cardProvedLive(card: Card): void {
    this.liveCards.push(card);
    if (this.liveCards.length > MAX_POOL) this.liveCards.shift();
  }

  /** A device for a fraud session: a crew device again, a fresh one, or (adapted) one with a real user's history. */
  device(rng: Rng, crew: Crew, at: number): Device {
    const tactics = this.tactics(at);
    const guests = this.world.guests;
    if (rng.chance(tactics.agedDevice) && guests.length > 0) return rng.pick(guests).devices[0]!;
    if (crew.devices.length > 0 && rng.chance(0.45)) return rng.pick(crew.devices);
    const device = this.world.ids.fraudDevice(tactics.automatedDevice);
    remember(crew.devices, device);
    return device;
  }

  /** Where a fraud session comes from, relative to the country of the card (or victim) it targets. */
  presence(rng: Rng, crew: Crew, at: number, target: Country): Presence {
    const tactics = this.tactics(at);
    const device = this.device(rng, crew, at);
    const origin = this.originOf(crew, at);
    const tzOffset = rng.pick(rng.chance(tactics.clockMatchesCard) ? target.tzOffsets : origin.tzOffsets);
    const r = rng.next();
    if (r < tactics.proxyInCardCountry) return { device, ip: residentialIp(rng, target), ipCountry: target.code, tzOffset };
    if (r < tactics.proxyInCardCountry + tactics.datacenterProxy) {
      if (crew.proxies.length === 0 || rng.chance(0.4)) remember(crew.proxies, datacenterIp(rng));
      const proxy = rng.pick(crew.proxies);
      return { device, ip: proxy.ip, ipCountry: proxy.country, tzOffset };
    }
    let homeIps = crew.homeIps.get(origin.code);
    if (!homeIps) crew.homeIps.set(origin.code, (homeIps = []));
    if (homeIps.length === 0 || rng.chance(0.3)) remember(homeIps, residentialIp(rng, origin));
    return { device, ip: rng.pick(homeIps), ipCountry: origin.code, tzOffset };
  }

  /** A listing to book with someone else's money: the priciest of a few when tactics are greedy. */
  pickListing(rng: Rng, at: number, guests: number): Listing | null {
    let best: Listing | null = null;
    for (let tries = this.tactics(at).premiumPicks; tries > 0; tries--) {
      const listing = this.world.findListing(rng, rng.weighted(LISTING_LOCATION), guests, at);
      if (listing && (!best || listing.price / listing.country.perUsd > best.price / best.country.perUsd)) best = listing;
    }
    return best ?? this.world.findListing(rng, rng.weighted(LISTING_LOCATION), 1, at);
  }

  /** Check-in day: fraud books last-minute, before the chargeback can land. */
  checkin(rng: Rng, at: number): number {
    const leadDays = rng.chance(this.tactics(at).lastMinute) ? rng.between(0, 3) : rng.between(4, 60);
    return localDayStart(at, 0) + leadDays * DAY;
  }

  /** Register a fraud account; it claims the target's country or the crew's own. */
  openAccount(rng: Rng, at: number, crew: Crew, target: Country, where: Presence, truth: Truth): Account {
    const tactics = this.tactics(at);
    const declared = rng.chance(tactics.declaresCardCountry) ? target : this.originOf(crew, at);
    const account: Account = {
      id: this.world.ids.next('u'),
      person: randomPerson(rng),
      email: fraudEmail(rng, tactics.disposableEmail),
      country: declared,
      tzOffset: where.tzOffset,
    };
    signUp(this.world, at, account, where, { country: declared.code, signup_method: 'email' }, truth);
    return account;
  }
}

function remember<T>(pool: T[], item: T): void {
  pool.push(item);
  if (pool.length > MAX_POOL) pool.shift();
}
