// Message and review text. Legitimate text mentions numbers too (door codes, check-in times, a
// host's phone "call me when you arrive") so that a text signal has hard negatives; off-platform
// payment requests come in many phrasings and obfuscations. Numbers are built so that no run of
// 13–19 digits appears: intake would take it for a card number.
import type { Rng } from './random.js';
import { capitalise } from './identity.js';

function code(rng: Rng): string {
  return String(rng.between(1000, 9999));
}

function clockTime(rng: Rng, fromHour: number, toHour: number): string {
  return `${rng.between(fromHour, toHour)}:${rng.pick(['00', '00', '30', '15', '45'])}`;
}

/** A mobile number as people write it: at most 12 digits in one run, so never card-number-shaped. */
export function phoneNumber(rng: Rng): string {
  const digits = (n: number): string => {
    let out = '';
    for (let i = 0; i < n; i++) out += String(rng.int(10));
    return out;
  };
  switch (rng.int(6)) {
    case 0:
      return `+44 7${digits(3)} ${digits(6)}`;
    case 1:
      return `+33 6 ${digits(2)} ${digits(2)} ${digits(2)} ${digits(2)}`;
    case 2:
      return `+1 (${rng.between(201, 989)}) ${digits(3)}-${digits(4)}`;
    case 3:
      return `+49 15${digits(1)} ${digits(7)}`;
    case 4:
      return `0803 ${digits(3)} ${digits(4)}`;
    default:
      return `+34 6${digits(2)} ${digits(3)} ${digits(3)}`;
  }
}

const INQUIRY = [
  (r: Rng, host: string) => `Hi ${host}! Is the place available for ${r.between(2, 5)} guests on those dates?`,
  (r: Rng) => `Hello, we are ${r.between(2, 4)} adults and ${r.between(1, 3)} kids. Is there a cot available?`,
  (r: Rng) => `Is early check-in possible? Our flight lands at ${clockTime(r, 7, 12)}.`,
  () => 'Do you allow pets? We have a small, very quiet dog.',
  () => 'Hi, is there parking nearby and is it free?',
  () => 'Hello! How far is it from the train station on foot?',
  (r: Rng, host: string) => `Hi ${host}, we would arrive quite late, around ${clockTime(r, 21, 23)}. Is self check-in possible?`,
  () => 'Is the kitchen equipped for cooking? We plan to eat in most evenings.',
  () => 'Could we leave our luggage after check-out? Our train is in the evening.',
  () => 'Hi! Is the apartment suitable for someone working remotely, how fast is the wifi?',
];

export function guestInquiry(rng: Rng, hostFirstName: string): string {
  return rng.pick(INQUIRY)(rng, capitalise(hostFirstName));
}

const BOOKING_NOTE = [
  (r: Rng) => `Hi! We are a family of ${r.between(3, 5)} visiting for a wedding. Looking forward to it.`,
  () => 'Hello, travelling for work, I will be quiet and tidy. Thanks!',
  (r: Rng) => `We will arrive around ${clockTime(r, 14, 20)}. Thank you!`,
  () => 'Celebrating our anniversary, excited to stay at your place!',
  () => 'Hi, first time in the city, any tips for restaurants nearby are welcome.',
];

export function bookingNote(rng: Rng): string {
  return rng.pick(BOOKING_NOTE)(rng);
}

const HOST_REPLY = [
  (r: Rng, guest: string) => `Hi ${guest}, yes it is available! Check-in is from ${clockTime(r, 14, 16)}.`,
  () => 'Hello! Yes, no problem at all. Let me know if you have other questions.',
  (r: Rng) => `Sure, there is free street parking, and a garage ${r.between(2, 8)} minutes away.`,
  (r: Rng) => `Hi, the station is about ${r.between(5, 20)} minutes on foot.`,
  () => 'Yes, the kitchen has everything you need. Enjoy!',
  (r: Rng, guest: string) => `Hi ${guest}, early check-in depends on the cleaning, usually from ${clockTime(r, 11, 13)} is fine.`,
];

export function hostReply(rng: Rng, guestFirstName: string): string {
  return rng.pick(HOST_REPLY)(rng, capitalise(guestFirstName));
}

/** Before arrival: access details, which legitimately contain codes and sometimes a phone number. */
const CHECK_IN_INFO = [
  (r: Rng, guest: string) => `Hi ${guest}! Check-in is from ${clockTime(r, 14, 16)}. The key box code is ${code(r)}.`,
  (r: Rng) => `The door code is ${code(r)} and the wifi password is casa${r.between(10, 99)}. Enjoy your stay!`,
  (r: Rng) => `Welcome! Parking spot number ${r.between(1, 40)}, building B, door code ${code(r)}#.`,
  (r: Rng, guest: string) => `Hi ${guest}, call me when you arrive: ${phoneNumber(r)}. I will meet you at the entrance.`,
  (r: Rng) => `Check-out is at ${clockTime(r, 10, 11)}. Please leave the keys on the table. Door code ${code(r)}.`,
  (r: Rng) => `Hello! I will be there at ${clockTime(r, 15, 18)} to give you the keys. My number in case of delay: ${phoneNumber(r)}`,
];

export function checkInInfo(rng: Rng, guestFirstName: string): string {
  return rng.pick(CHECK_IN_INFO)(rng, capitalise(guestFirstName));
}

const GUEST_ON_THE_WAY = [
  (r: Rng) => `We just landed, should be there in about ${r.between(30, 90)} minutes.`,
  (r: Rng) => `Running a bit late, traffic. Please call me when you arrive at the flat: ${phoneNumber(r)}`,
  () => 'Thanks for the instructions, see you tomorrow!',
  () => 'Arrived safely, the place is lovely. Thank you!',
  () => 'Hi, the key box will not open, could you help?',
];

export function guestOnTheWay(rng: Rng): string {
  return rng.pick(GUEST_ON_THE_WAY)(rng);
}

// ---- reviews ----

const OPENERS_GOOD = ['Lovely stay.', 'Great location!', 'Spotless apartment.', 'We had a wonderful time.', 'Exactly as in the photos.', 'Perfect for a weekend away.', 'Cosy and quiet.', 'Fantastic view from the balcony.'];
const DETAILS_GOOD = ['The host was very responsive', 'it is close to the metro', 'the beds were comfortable', 'the kitchen was well equipped', 'check-in was easy', 'the neighbourhood has great cafes', 'there were fresh towels and coffee', 'the kids loved the garden'];
const CAVEATS = ['it was a bit noisy at night', 'the wifi was slow', 'the shower pressure was weak', 'parking was hard to find', 'the stairs are steep', 'the heating took a while to warm up'];
const CLOSINGS_GOOD = ['Would stay again.', 'Recommended!', 'Thanks again!', 'Highly recommend.', 'We will be back.', ''];
const COMPLAINTS = ['Not as described.', 'The bathroom was dirty.', 'Host was hard to reach.', 'Photos are very outdated.', 'Check-in was a mess, we waited an hour.', 'Mould in the bedroom.'];

export function legitRating(rng: Rng): number {
  const r = rng.next();
  return r < 0.62 ? 5 : r < 0.86 ? 4 : r < 0.94 ? 3 : r < 0.97 ? 2 : 1;
}

export function legitReview(rng: Rng, rating: number, hostFirstName: string): string {
  if (rating <= 2) return `${rng.pick(COMPLAINTS)} ${rng.pick(COMPLAINTS)}`;
  const opener = rng.pick(OPENERS_GOOD);
  const detail = rng.pick(DETAILS_GOOD);
  const closing = rng.chance(0.3) ? `Thanks ${capitalise(hostFirstName)}!` : rng.pick(CLOSINGS_GOOD);
  if (rating === 3 || (rating === 4 && rng.chance(0.6))) return `${opener} ${capitalise(detail)}, but ${rng.pick(CAVEATS)}. ${closing}`.trim();
  return `${opener} ${capitalise(detail)} and ${rng.pick(DETAILS_GOOD)}. ${closing}`.trim();
}

/** Review rings post short, interchangeable praise. */
const RING_REVIEWS = [
  'Amazing place!!! Highly recommend',
  'Best host ever, 5 stars',
  'Perfect stay, great host',
  'Excellent!! Will come back',
  'Super clean and great location!',
  'Amazing stay, highly recommended!!',
  'Great host, perfect place',
  'Excellent place, best host!',
];

export function ringReview(rng: Rng): string {
  const text = rng.pick(RING_REVIEWS);
  return rng.chance(0.3) ? `${text} ${rng.pick(['👍', '⭐⭐⭐⭐⭐', ':)', '!!'])}` : text;
}

// ---- off-platform payment requests ----

const SPELLED = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];

/** A phone number written to slip past pattern matching: digits as words, spaced, or dotted. */
function obfuscatedPhone(rng: Rng): string {
  const digits = phoneNumber(rng).replace(/\D/g, '').slice(0, 11);
  switch (rng.int(4)) {
    case 0:
      return [...digits].map((d) => SPELLED[Number(d)]).join(' ');
    case 1:
      return [...digits].join(' ');
    case 2:
      return [...digits].join('.');
    default:
      return digits.replace(/(\d{3})(?=\d)/g, '$1-');
  }
}

function obfuscatedEmail(rng: Rng): string {
  const first = rng.pick(['j', 'm', 'a', 'd', 's']);
  const last = rng.pick(['smith', 'rossi', 'garcia', 'martin', 'lopez']);
  return rng.pick([
    `${first}.${last} at g m a i l dot com`,
    `${first}${last} (at) outlook (dot) com`,
    `${first}.${last}[at]yahoo[dot]com`,
    `${first} dot ${last} at gmail`,
  ]);
}

const BECH32 = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';
const BASE58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

function fromAlphabet(rng: Rng, alphabet: string, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet.charAt(rng.int(alphabet.length));
  return out;
}

/** German-style IBAN: 20 digits after the country code, longer than any card number. */
function iban(rng: Rng): string {
  let digits = '';
  for (let i = 0; i < 20; i++) digits += String(rng.int(10));
  return `DE${digits}`.replace(/(.{4})(?=.)/g, '$1 ');
}

function contactChannel(rng: Rng): string {
  switch (rng.int(6)) {
    case 0:
      return `WhatsApp me on ${phoneNumber(rng)}`;
    case 1:
      return `text me on whats app: ${obfuscatedPhone(rng)}`;
    case 2:
      return `contact me on Telegram @${rng.pick(['villa', 'casa', 'stay', 'homes'])}_${rng.pick(['maria', 'lux', 'rent', 'best'])}${rng.between(1, 99)}`;
    case 3:
      return `write to me directly: ${obfuscatedEmail(rng)}`;
    case 4:
      return `message me at wa.me/${phoneNumber(rng).replace(/\D/g, '').slice(0, 11)}`;
    default:
      return `call me at ${obfuscatedPhone(rng)}`;
  }
}

function paymentChannel(rng: Rng): string {
  switch (rng.int(5)) {
    case 0:
      return `by bank transfer to IBAN ${iban(rng)}`;
    case 1:
      return `via Western Union to ${capitalise(rng.pick(['maria', 'john', 'peter', 'grace']))} ${capitalise(rng.pick(['lopez', 'smith', 'okafor', 'ivanov']))}`;
    case 2:
      return `in bitcoin to bc1q${fromAlphabet(rng, BECH32, 38)}`;
    case 3:
      return `in USDT (TRC20) to T${fromAlphabet(rng, BASE58, 33)}`;
    default:
      return 'by wire transfer, I will send you the bank details';
  }
}

const HOST_PITCHES = [
  'The payment system of the site has a problem with my account, please pay the deposit',
  'To avoid the service fee I can give you 15% discount if you pay me directly',
  'For security reasons the booking must be confirmed with a prepayment',
  'The calendar is not updated, the place is free but you need to pay',
  'I had problems with the platform so I take reservations outside now, please pay',
];

/** A (fake) host steering a guest off the platform. */
export function hostOffPlatformRequest(rng: Rng, guestFirstName: string): string {
  const greeting = rng.chance(0.7) ? `Hello ${capitalise(guestFirstName)}! ` : '';
  return `${greeting}${rng.pick(HOST_PITCHES)} ${paymentChannel(rng)}. For faster answer ${contactChannel(rng)}.`;
}

const GUEST_PITCHES = [
  'Can I pay you directly? The platform fees are too high, I can add 10% extra',
  'My card does not work on the site, I would rather pay you',
  'I prefer to pay outside the app, it is cheaper for both of us, maybe',
  'My company pays for the trip and they want to send the money',
];

/** A guest proposing to pay the host outside the platform (often the start of an overpayment scam). */
export function guestOffPlatformRequest(rng: Rng): string {
  return `${rng.pick(GUEST_PITCHES)} ${paymentChannel(rng)}. Please ${contactChannel(rng)}.`;
}
