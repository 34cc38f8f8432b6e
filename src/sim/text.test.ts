import { describe, expect, it } from 'vitest';
import { containsRawCardNumber } from '../events/pan.js';
import { Rng } from './random.js';
import { bookingNote, checkInInfo, guestInquiry, guestOffPlatformRequest, guestOnTheWay, hostOffPlatformRequest, hostReply, legitReview, phoneNumber, ringReview } from './text.js';

const generators: Record<string, (rng: Rng) => string> = {
  phoneNumber,
  guestInquiry: (rng) => guestInquiry(rng, 'anna'),
  bookingNote,
  hostReply: (rng) => hostReply(rng, 'anna'),
  checkInInfo: (rng) => checkInInfo(rng, 'anna'),
  guestOnTheWay,
  legitReview: (rng) => legitReview(rng, 1 + rng.int(5), 'anna'),
  ringReview,
  hostOffPlatformRequest: (rng) => hostOffPlatformRequest(rng, 'anna'),
  guestOffPlatformRequest,
};

describe('simulated text', () => {
  it.each(Object.keys(generators))('%s never contains anything intake would take for a card number', (name) => {
    const rng = new Rng(3, name);
    for (let i = 0; i < 20_000; i++) {
      const text = generators[name]!(rng);
      if (containsRawCardNumber(text)) expect.fail(`${name} produced ${text}`);
    }
  });

  it('hides off-platform contacts in many shapes', () => {
    const rng = new Rng(3, 'shapes');
    const texts = Array.from({ length: 500 }, () => hostOffPlatformRequest(rng, 'anna'));
    for (const shape of [/WhatsApp me on \+/, /(zero|one|two|three|four|five|six|seven|eight|nine) (zero|one|two|three|four|five|six|seven|eight|nine)/, /\d\.\d\.\d/, / at g m a i l dot com/, /Telegram @/, /IBAN DE\d\d/, /bc1q/, /Western Union/]) {
      expect(texts.some((t) => shape.test(t)), String(shape)).toBe(true);
    }
  });
});
