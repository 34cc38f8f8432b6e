import { describe, expect, it } from 'vitest';
import { normalizeText, textSignals } from './index.js';

type Fired = 'offPlatform' | 'url' | 'phone' | 'email';

/** [message, the signals that must fire — every other signal must not]. */
const POSITIVE: ReadonlyArray<readonly [string, readonly Fired[]]> = [
  // Payment outside the platform
  ['Please pay by wire transfer, it is easier for me', ['offPlatform']],
  ['I prefer a bank transfer, I will send you my bank details', ['offPlatform']],
  ['My IBAN is DE89 3704 0044 0532 0130 00', ['offPlatform']],
  ['iban: GB29NWBK60161331926819', ['offPlatform']],
  ['Send the deposit via Western Union', ['offPlatform']],
  ['MoneyGram is fine for me', ['offPlatform']],
  ['Can you pay in bitcoin? I give 10% off', ['offPlatform']],
  ['I accept USDT (TRC20) only', ['offPlatform']],
  ['Send 0.5 ETH and the flat is yours', ['offPlatform']],
  ['wallet: 0x71C7656EC7ab88b098defB751B7401B5f6d8976F', ['offPlatform']],
  ['send to bc1qxy2kgdygjrsqtzq2n0yrf2493p83kkfjhx0wlh asap', ['offPlatform']],
  ['Pay with PayPal friends and family please', ['offPlatform']],
  ['send it as f&f, no fees', ['offPlatform']],
  ['Zelle me the deposit tonight', ['offPlatform']],
  ['Do you have Venmo?', ['offPlatform']],
  ['Cash App works too', ['offPlatform']],
  ["Let's do this outside the platform so we both save", ['offPlatform']],
  ['If you book directly with me I can give you a discount', ['offPlatform']],
  ['We can avoid the Airbnb fees if you pay me directly', ['offPlatform']],
  ['Contact me directly for a better price', ['offPlatform']],
  // Other messengers (fullwidth letters, zero-width characters)
  ['Add me on WhatsApp', ['offPlatform']],
  ['ＷｈａｔｓＡｐｐ is faster', ['offPlatform']],
  ['what\u200Bs\u200Bapp me', ['offPlatform']],
  ['Message me on Telegram', ['offPlatform']],
  ["Text me on Signal, it's safer", ['offPlatform']],
  ['wire\u200B transfer only', ['offPlatform']],
  // Phone numbers
  ['Call me at +44 20 7946 0958', ['phone']],
  ['my number is 555-123-4567', ['phone']],
  ['(555) 123 4567 after 6', ['phone']],
  ['reach me: 06 12 34 56 78', ['phone']],
  ['my cell is 555.123.4567', ['phone']],
  ['+1-202-555-0143', ['phone']],
  ['five five five one two three four', ['phone']],
  ['5five5 one2three 4567', ['phone']],
  ['zero six one two three four five six seven eight', ['phone']],
  ['f i v e 5 5 1 2 3 4', ['phone']],
  // E-mail addresses
  ['john.smith@gmail.com', ['email']],
  ['john.smith at gmail dot com', ['email']],
  ['john (at) gmail (dot) com', ['email']],
  ['j o h n @ g m a i l . c o m', ['email']],
  ['johnsmith at gee mail dot com', ['email']],
  ['write to john [at] yahoo [dot] fr', ['email']],
  ['my hotmail: anna_b at hotmail', ['email']],
  ['email me: maria @ outlook', ['email']],
  ['anna.k＠gmail．com', ['email']],
  ['j.doe88 at mycompany dot co dot uk', ['email']],
  ['john[at]gmail[dot]com', ['email']],
  ['anna [ (at) ] gmail [ (d o t) ] com', ['email']],
  // Links
  ['see https://example.com/listing/12345678', ['url']],
  ['www.cheap-stays.net has the same flat', ['url']],
  ['book at example.com for less', ['url']],
  ['bit.ly/3xYz', ['url']],
  ['check example dot com', ['url']],
  ['example[.]com', ['url']],
  ['visit cheapstays (dot) net', ['url']],
  ['hxxps://evil.example/login', ['url']],
  // Combinations
  ['Contact me directly at john@protonmail.com', ['offPlatform', 'email']],
  ['Pay me via Zelle: 555 123 4567', ['offPlatform', 'phone']],
  ['WhatsApp me on +33 6 12 34 56 78', ['offPlatform', 'phone']],
  ["let's continue on whatsapp: 0044 7911 123456", ['offPlatform', 'phone']],
  ['wh@tsapp me, it is cheaper', ['offPlatform']],
  ['call +44 2026 04 10 55', ['phone']],
  ['ring me 2019 12 11 22 33', ['phone']],
  ['t.me/hostjohn for the discount', ['offPlatform', 'url']],
  ['Email john.doe@gmail.com or call +1 555 123 4567 to avoid service fees', ['offPlatform', 'email', 'phone']],
];

const BENIGN: readonly string[] = [
  'We arrive at 3pm, is early check-in possible?',
  'Our train gets in at 15:30',
  'We arrive at the station at 6 and take a taxi',
  'The door code is 4821',
  'Gate code 1234, door code 5678',
  'Dates: 2026-04-10 to 2026-04-14',
  'Arriving 10.04.2026 - 14.04.2026',
  'From 10/04/2026 to 14/04/2026',
  '€450 for 3 nights, is that ok?',
  'The total is 1 250 000 IDR',
  'Total 1.250,00 € incl. cleaning',
  'Apartment 3B, 12 Rue de Rivoli, 75001 Paris',
  'The address is 221B Baker Street, London NW1 6XE',
  'What is the wifi password?',
  'Wifi password: beach2024!',
  'Check-in 15:00-20:00, check-out 11:00',
  'We are 2 adults + 2 kids',
  'We are a family of four (two adults, two kids)',
  'I need one towel, two pillows and three blankets',
  'Room 12, floor 3',
  'Order #12345678 arrived',
  'Thanks! Great stay, 5 stars',
  'It is 4.5 km from the beach',
  'See photo.jpg attached',
  'Please bring towels, e.g. beach towels, i.e. large ones',
  'I was at home.it was a long day',
  'Nice place.so quiet',
  'Mr. Smith will meet you at the gate',
  'I will pay through the app as usual',
  'Can I pay directly through the app?',
  'My wallet was stolen, can I pay later?',
  'Our friends and family will join us',
  'We will transfer from the airport by taxi',
  'The host was swift to respond',
  'The bank holiday is on Monday',
  'Union Square is nearby',
  'Our phone signal is weak in the mountains',
  'There is no signal in the cabin',
  'Call me when you arrive',
  'Leave the key at the reception, I will be at work',
  'Is there parking at the building?',
  'We love the polka dot curtains',
  'Flight BA2490 lands at 10:45',
  'Coordinates 48.8566, 2.3522',
  'Please send me the house rules',
  'See you at 8.30 tomorrow',
  'The price is 99 dollars per night, 7 nights',
  'Kids are 3, 5 and 7 years old',
  'Our booking ref is HMABC12345',
  'My flight LH 1234 arrives 14:20',
  'The place was 10 min from the station.it was fine',
  'Please let me know at what time we can check in',
  'Tried 4 8 2 1 twice, the code did not work',
  'Hello! We are visiting for the marathon on 12.10. Could we drop our bags at 11?',
  'Booking for 4 people, price 1200 EUR, 12 nights, 2026 04 10',
  'We arrive 2026 4 1 and leave 2026 04 10',
];

const NONE: Record<Fired, boolean> = { offPlatform: false, url: false, phone: false, email: false };

function firedSignals(text: string): Record<Fired, boolean> {
  const { offPlatform, url, phone, email } = textSignals(text);
  return { offPlatform, url, phone, email };
}

describe('textSignals', () => {
  it.each(POSITIVE)('%s → %j', (text, fired) => {
    const expected = { ...NONE };
    for (const signal of fired) expected[signal] = true;
    expect(firedSignals(text)).toEqual(expected);
  });

  it.each(BENIGN.map((text) => [text]))('benign: %s', (text) => {
    expect(textSignals(text)).toEqual({ ...NONE, score: 0, reasons: [] });
  });

  it('has enough examples per category', () => {
    expect(POSITIVE.length).toBeGreaterThanOrEqual(40);
    expect(BENIGN.length).toBeGreaterThanOrEqual(40);
    for (const signal of ['offPlatform', 'url', 'phone', 'email'] as const) {
      expect(POSITIVE.filter(([, fired]) => fired.includes(signal)).length).toBeGreaterThanOrEqual(7);
    }
  });

  it('explains what it found and scores stronger evidence higher', () => {
    const wire = textSignals('Please pay by wire transfer');
    expect(wire.reasons).toEqual(['asks to pay by wire or bank transfer']);
    const phone = textSignals('call 555 123 4567');
    expect(phone.reasons).toEqual(['contains a phone number']);
    const both = textSignals('Pay by wire transfer, call 555 123 4567');
    expect(both.reasons).toEqual(['asks to pay by wire or bank transfer', 'contains a phone number']);
    expect(both.score).toBeGreaterThan(wire.score);
    expect(both.score).toBeGreaterThan(phone.score);
    expect(both.score).toBeLessThan(1);
    expect(textSignals('Hello!').score).toBe(0);
  });
});

describe('normalizeText', () => {
  it.each([
    ['Hello  World\n', 'hello world'],
    ['john (at) gmail (dot) com', 'john@gmail.com'],
    ['j o h n @ g m a i l . c o m', 'john@gmail.com'],
    ['john.smith at gmail dot com', 'john.smith@gmail.com'],
    ['five5 one2three', '55 123'],
    ['someone often networks', 'someone often networks'],
    ['g-mail and hot mail', 'gmail and hotmail'],
    ['we arrive at the station', 'we arrive at the station'],
    ['example[.]com', 'example.com'],
    ['polka dot dress', 'polka dot dress'],
    ['ｆｕｌｌ\u200Bwidth', 'fullwidth'],
  ])('%j → %j', (text, normalized) => {
    expect(normalizeText(text)).toBe(normalized);
  });
});
