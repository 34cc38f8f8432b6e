// Countries the marketplace sees, with what the simulator needs of each: time zones, the listing
// currency, how expensive stays are, where guests come from and travel to, IP ranges and local
// e-mail providers.
import { WeightedTable, type Rng } from './random.js';

export interface Country {
  code: string;
  /** UTC offsets in minutes used by people there (DST is ignored). */
  tzOffsets: readonly number[];
  /** Listing currency; countries with a currency far from the dollar's scale price in USD, as many platforms do. */
  currency: string;
  /** Units of `currency` per US dollar. */
  perUsd: number;
  /** Nightly price level relative to the marketplace median. */
  priceLevel: number;
  /** Relative share of guests living there. */
  guests: number;
  /** Relative share of listings located there. */
  listings: number;
  /** First octets of residential IPv4 ranges geolocated there. */
  ipOctets: readonly number[];
  /** Local e-mail providers. */
  mailProviders: readonly string[];
}

function country(
  code: string,
  tzOffsets: number[],
  money: [currency: string, perUsd: number],
  priceLevel: number,
  guests: number,
  listings: number,
  ipOctets: number[],
  mailProviders: string[],
): Country {
  const [currency, perUsd] = money;
  return { code, tzOffsets, currency, perUsd, priceLevel, guests, listings, ipOctets, mailProviders };
}

const USD: [string, number] = ['USD', 1];
const EUR: [string, number] = ['EUR', 0.92];

export const COUNTRIES: readonly Country[] = [
  country('US', [-300, -360, -420, -480], USD, 1.25, 24, 15, [24, 47, 73, 98], ['comcast.net', 'att.net', 'verizon.net']),
  country('GB', [0], ['GBP', 0.79], 1.15, 10, 7, [81, 86], ['btinternet.com', 'sky.com', 'virginmedia.com']),
  country('DE', [60], EUR, 1, 9, 5, [84, 91], ['web.de', 'gmx.de', 't-online.de']),
  country('FR', [60], EUR, 1.05, 8, 9, [78, 90], ['orange.fr', 'free.fr', 'laposte.net']),
  country('ES', [60], EUR, 0.85, 5, 10, [83, 88], ['telefonica.net']),
  country('IT', [60], EUR, 0.95, 5, 10, [79, 93], ['libero.it', 'alice.it', 'tiscali.it']),
  country('NL', [60], EUR, 1.1, 3, 3, [82, 145], ['ziggo.nl', 'kpnmail.nl']),
  country('PT', [0], EUR, 0.8, 1.5, 5, [85, 188], ['sapo.pt']),
  country('GR', [120], EUR, 0.8, 1, 5, [94, 176], ['otenet.gr']),
  country('HR', [60], EUR, 0.75, 0.5, 3, [89, 161], ['net.hr']),
  country('IE', [0], EUR, 1.2, 1, 1, [87, 109], ['eircom.net']),
  country('CH', [60], ['CHF', 0.88], 1.6, 1.5, 1, [92, 153], ['bluewin.ch', 'gmx.ch']),
  country('SE', [60], USD, 1.1, 1.5, 1, [95, 130], ['telia.com']),
  country('PL', [60], USD, 0.6, 2, 1.5, [31, 37], ['wp.pl', 'onet.pl', 'interia.pl']),
  country('CA', [-300, -480], ['CAD', 1.36], 1.1, 4, 3, [70, 142], ['shaw.ca', 'rogers.com']),
  country('AU', [600, 480], ['AUD', 1.52], 1.15, 3, 3, [101, 124], ['bigpond.com', 'optusnet.com.au']),
  country('MX', [-360], USD, 0.65, 2, 4, [187, 189], ['prodigy.net.mx']),
  country('BR', [-180], USD, 0.55, 3, 2.5, [177, 191], ['uol.com.br', 'bol.com.br', 'terra.com.br']),
  country('AR', [-180], USD, 0.5, 1, 1.5, [181, 186], ['fibertel.com.ar']),
  country('JP', [540], USD, 1.1, 2, 3, [126, 133], ['docomo.ne.jp', 'yahoo.co.jp']),
  country('TH', [420], USD, 0.5, 0.7, 3, [171, 180], ['hotmail.co.th']),
  country('ID', [420], USD, 0.45, 1, 2, [36, 114], ['telkom.net']),
  country('IN', [330], USD, 0.4, 2, 1, [49, 117], ['rediffmail.com']),
  country('ZA', [120], USD, 0.6, 0.8, 1, [41, 105], ['telkomsa.net']),
  country('TR', [180], USD, 0.5, 1, 1.5, [151, 212], ['ttmail.com']),
  country('NG', [60], USD, 0.5, 0.6, 0.2, [102, 154], ['yahoo.com.ng']),
  country('RO', [120], USD, 0.55, 0.8, 0.5, [62, 80], ['yahoo.ro']),
  country('UA', [120], USD, 0.45, 0.6, 0.3, [159, 193], ['ukr.net', 'i.ua']),
  country('RU', [180], USD, 0.5, 0.5, 0.2, [77, 213], ['mail.ru', 'yandex.ru']),
  country('VN', [420], USD, 0.4, 0.6, 1, [113, 14], ['vnn.vn']),
  country('PH', [480], USD, 0.4, 0.8, 1, [112, 120], ['pldtdsl.net']),
  country('PK', [300], USD, 0.4, 0.5, 0.2, [39, 119], ['cyber.net.pk']),
  country('MA', [60], USD, 0.5, 0.5, 1, [196, 160], ['menara.ma']),
];

const BY_CODE = new Map(COUNTRIES.map((c) => [c.code, c]));

export function countryByCode(code: string): Country {
  const found = BY_CODE.get(code);
  if (!found) throw new RangeError(`unknown country ${code}`);
  return found;
}

export const GUEST_HOME = new WeightedTable(COUNTRIES.map((c) => [c, c.guests] as const));
export const LISTING_LOCATION = new WeightedTable(COUNTRIES.map((c) => [c, c.listings] as const));

/** Where stolen cards are issued: rich, card-heavy markets. */
export const CARD_ISSUERS = new WeightedTable(
  (
    [
      ['US', 40],
      ['GB', 15],
      ['CA', 8],
      ['AU', 6],
      ['DE', 8],
      ['FR', 8],
      ['IT', 4],
      ['ES', 4],
      ['NL', 3],
      ['CH', 2],
      ['JP', 2],
    ] as const
  ).map(([code, w]) => [countryByCode(code), w] as const),
);

/** A residential address in the country's ranges. */
export function residentialIp(rng: Rng, where: Country): string {
  return `${rng.pick(where.ipOctets)}.${rng.int(256)}.${rng.int(256)}.${1 + rng.int(254)}`;
}

/** Hosting providers' ranges: proxies and VPN exits that fraud operations rent, with where they geolocate. */
const DATACENTER_RANGES: ReadonlyArray<{ prefix: string; country: string }> = [
  { prefix: '45.76', country: 'US' },
  { prefix: '104.238', country: 'US' },
  { prefix: '167.99', country: 'US' },
  { prefix: '185.107', country: 'NL' },
  { prefix: '5.161', country: 'NL' },
  { prefix: '46.4', country: 'DE' },
  { prefix: '139.59', country: 'GB' },
  { prefix: '178.62', country: 'GB' },
  { prefix: '51.15', country: 'FR' },
];

export function datacenterIp(rng: Rng): { ip: string; country: string } {
  const range = rng.pick(DATACENTER_RANGES);
  return { ip: `${range.prefix}.${rng.int(256)}.${1 + rng.int(254)}`, country: range.country };
}

/** Convert a price in US dollars to the country's listing currency, rounded as prices are. */
export function localPrice(usd: number, where: Country): number {
  return Math.max(5, Math.round(usd * where.perUsd));
}
