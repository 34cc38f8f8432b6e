import { describe, expect, it } from 'vitest';
import { normaliseEmail } from '../events/email.js';
import { isLabelType } from '../events/schema.js';
import { DAY } from './calendar.js';
import { LABEL_COVERAGE, SCENARIOS, resolveSimConfig, simulate, type RawEvent, type RawEventByType, type Scenario, type SimOptions } from './index.js';

type Booking = RawEventByType<'booking_attempted'>;

const SHARE = 0.03;
const options: SimOptions = {
  seed: 11,
  users: 6000,
  hosts: 600,
  days: 45,
  fraud: Object.fromEntries(SCENARIOS.map((s) => [s, SHARE])),
  // Short label delays, so most fraud has its labels inside the run.
  labels: { medianDelayDays: 5, minDelayDays: 1, maxDelayDays: 12, unlabelledShare: 0.15 },
};
const config = resolveSimConfig(options);
const end = config.start + config.days * DAY;
const events: RawEvent[] = [...simulate(options)];
const bookings = events.filter((e): e is Booking => e.type === 'booking_attempted');
const ofScenario = (scenario: Scenario | 'legit', fraud: boolean): RawEvent[] => events.filter((e) => e.truth.scenario === scenario && e.truth.fraud === fraud);

describe('fraud intensities', () => {
  // Observed share / configured share. Scenarios whose cases stretch over days lose the part that
  // would fall after the end of the run; promo waves come in lumps of ~12 bookings.
  const bounds: Record<Scenario, [number, number]> = {
    stolen_card: [0.75, 1.2],
    card_testing: [0.8, 1.2],
    ato: [0.8, 1.2],
    off_platform: [0.6, 1.25],
    review_ring: [0.75, 1.25],
    promo_abuse: [0.4, 1.6],
  };
  it.each(SCENARIOS)('%s: fraudulent bookings are about the configured share of all bookings', (scenario) => {
    const ratio = bookings.filter((b) => b.truth.scenario === scenario && b.truth.fraud).length / bookings.length / SHARE;
    expect(ratio).toBeGreaterThanOrEqual(bounds[scenario][0]);
    expect(ratio).toBeLessThanOrEqual(bounds[scenario][1]);
  });

  it('legitimate bookings stay the large majority', () => {
    expect(bookings.filter((b) => !b.truth.fraud).length / bookings.length).toBeGreaterThan(0.8);
  });
});

describe('labels', () => {
  /** Fraudulent bookings old enough that every label they get has arrived, and whether any label names them (or a message or review about them). */
  function labelledMatureFraud(): Map<string, { scenario: Scenario; labelled: boolean }> {
    const mature = new Map<string, { scenario: Scenario; labelled: boolean }>();
    const aboutBooking = new Map<string, string>();
    for (const e of events) {
      if (e.type === 'booking_attempted' && e.truth.fraud && e.ts < end - config.labels.maxDelayDays * DAY) {
        mature.set(e.id, { scenario: e.truth.scenario as Scenario, labelled: false });
      } else if ((e.type === 'message_sent' || e.type === 'review_posted') && e.payload.booking_id !== undefined) {
        aboutBooking.set(e.id, e.payload.booking_id);
      } else if (isLabelType(e.type)) {
        const target = (e.payload as { target_event_id: string }).target_event_id;
        const booking = mature.get(aboutBooking.get(target) ?? target);
        if (booking) booking.labelled = true;
      }
    }
    return mature;
  }
  const mature = labelledMatureFraud();

  it.each(SCENARIOS)('%s: the never-labelled share matches unlabelledShare and the scenario coverage', (scenario) => {
    const cases = [...mature.values()].filter((c) => c.scenario === scenario);
    const unlabelled = cases.filter((c) => !c.labelled).length / cases.length;
    const expected = 1 - (1 - config.labels.unlabelledShare) * LABEL_COVERAGE[scenario];
    expect(cases.length).toBeGreaterThan(30);
    expect(Math.abs(unlabelled - expected)).toBeLessThan(0.12);
  });

  it('chargebacks dispute approved bookings, some of them legitimate (friendly fraud)', () => {
    const chargebacks = events.filter((e) => e.type === 'chargeback');
    expect(chargebacks.filter((c) => c.truth.fraud).length).toBeGreaterThan(100);
    expect(chargebacks.some((c) => c.truth.scenario === 'legit' && !c.truth.fraud)).toBe(true);
  });
});

describe('legitimate behaviour includes hard negatives', () => {
  const legit = bookings.filter((b) => b.truth.scenario === 'legit');

  it('travellers book from foreign IPs and with foreign cards', () => {
    const foreignIp = legit.filter((b) => b.context!.ip_country !== b.context!.user_country).length / legit.length;
    const foreignCard = legit.filter((b) => b.payload.card_country !== b.context!.user_country).length / legit.length;
    expect(foreignIp).toBeGreaterThan(0.01);
    expect(foreignCard).toBeGreaterThan(0.02);
  });

  it('messages mention codes and phone numbers, and declined payments get retried', () => {
    const texts = ofScenario('legit', false).filter((e) => e.type === 'message_sent').map((e) => (e.payload as { text: string }).text);
    expect(texts.some((t) => /call me when you arrive: \+?\d/.test(t))).toBe(true);
    expect(texts.some((t) => /code (is )?\d{4}/.test(t))).toBe(true);
    const payments = ofScenario('legit', false).filter((e): e is RawEventByType<'payment_attempted'> => e.type === 'payment_attempted');
    const declined = new Set(payments.filter((p) => p.payload.status === 'declined').map((p) => p.payload.booking_id));
    expect(payments.some((p) => p.payload.status === 'approved' && declined.has(p.payload.booking_id))).toBe(true);
  });

  it('activity peaks in the local evening', () => {
    const hours = new Array<number>(24).fill(0);
    for (const e of ofScenario('legit', false)) {
      if (e.type === 'search') hours[Math.floor((e.ts / 3_600_000 + e.context!.tz_offset_min! / 60 + 48) % 24)]!++;
    }
    const evening = hours[19]! + hours[20]! + hours[21]!;
    const night = hours[3]! + hours[4]! + hours[5]!;
    expect(evening).toBeGreaterThan(8 * night);
  });
});

describe('fraud scenarios leave their signatures', () => {
  it('stolen cards: card country differs from the IP country, amounts above the legitimate median', () => {
    const fraud = bookings.filter((b) => b.truth.scenario === 'stolen_card' && b.truth.fraud);
    const mismatch = fraud.filter((b) => b.payload.card_country !== b.context!.ip_country).length / fraud.length;
    expect(mismatch).toBeGreaterThan(0.6);
    expect(median(fraud.map((b) => b.payload.amount))).toBeGreaterThan(1.5 * median(bookings.filter((b) => !b.truth.fraud).map((b) => b.payload.amount)));
  });

  it('card testing: bursts of small declined charges across many cards from one device', () => {
    const tests = ofScenario('card_testing', true).filter((e): e is RawEventByType<'payment_attempted'> => e.type === 'payment_attempted' && e.payload.booking_id === undefined);
    expect(tests.filter((p) => p.payload.status !== 'approved').length / tests.length).toBeGreaterThan(0.7);
    expect(tests.every((p) => p.payload.amount <= 5)).toBe(true);
    const cardsPerDevice = new Map<string, Set<string>>();
    for (const p of tests) {
      const cards = cardsPerDevice.get(p.entities.device!) ?? new Set<string>();
      cardsPerDevice.set(p.entities.device!, cards.add(p.entities.card!));
    }
    expect(Math.max(...[...cardsPerDevice.values()].map((c) => c.size))).toBeGreaterThanOrEqual(5);
  });

  it('account takeover: the attacker changes the profile before booking on the account', () => {
    const fraud = ofScenario('ato', true);
    const changed = new Set(fraud.filter((e) => e.type === 'profile_updated').map((e) => e.entities.user));
    const booked = fraud.filter((e) => e.type === 'booking_attempted');
    expect(booked.filter((b) => changed.has(b.entities.user)).length / booked.length).toBeGreaterThan(0.95);
    expect(ofScenario('ato', false).some((e) => e.type === 'profile_updated')).toBe(true); // the owner's recovery
  });

  it('off-platform: messages ask for payment outside the platform', () => {
    const texts = ofScenario('off_platform', true).flatMap((e) =>
      e.type === 'message_sent' ? [e.payload.text] : e.type === 'booking_attempted' && e.payload.message ? [e.payload.message] : [],
    );
    const asks = texts.filter((t) => /transfer|western union|bitcoin|usdt|iban|wire|pay you|pay me|send the money/i.test(t));
    expect(texts.length).toBeGreaterThan(30);
    expect(asks.length / texts.length).toBeGreaterThan(0.95);
  });

  it('review rings: five stars, short similar texts, shared devices', () => {
    const reviews = ofScenario('review_ring', true).filter((e): e is RawEventByType<'review_posted'> => e.type === 'review_posted');
    expect(reviews.length).toBeGreaterThan(20);
    expect(reviews.every((r) => r.payload.rating === 5 && r.payload.text.length < 60)).toBe(true);
    expect(new Set(reviews.map((r) => r.payload.text.replace(/ \S+$/, ''))).size).toBeLessThan(reviews.length / 2);
  });

  it('promo abuse: waves of promo sign-ups sharing devices', () => {
    const signUps = ofScenario('promo_abuse', true).filter((e): e is RawEventByType<'account_created'> => e.type === 'account_created');
    expect(signUps.every((s) => s.payload.promo_code !== undefined)).toBe(true);
    const perDevice = new Map<string, number>();
    for (const s of signUps) perDevice.set(s.entities.device!, (perDevice.get(s.entities.device!) ?? 0) + 1);
    expect(Math.max(...perDevice.values())).toBeGreaterThanOrEqual(5);
    // name+1@, n.ame@ … land in one inbox: intake's normalisation folds them into one e-mail key.
    const perInbox = new Map<string, number>();
    for (const s of signUps) perInbox.set(normaliseEmail(s.entities.email!)!, (perInbox.get(normaliseEmail(s.entities.email!)!) ?? 0) + 1);
    expect(Math.max(...perInbox.values())).toBeGreaterThanOrEqual(5);
  });
});

describe('drift', () => {
  it('after drift.fromDay, payment fraud matches the card country and books smaller amounts', () => {
    const fromDay = 20;
    const drifted = simulate({ seed: 5, users: 3000, hosts: 300, days: 40, fraud: { stolen_card: 0.05, card_testing: 0, ato: 0, off_platform: 0, review_ring: 0, promo_abuse: 0 }, drift: { fromDay } });
    const before: Booking[] = [];
    const after: Booking[] = [];
    const driftAt = config.start + fromDay * DAY;
    for (const e of drifted) {
      if (e.type === 'booking_attempted' && e.truth.scenario === 'stolen_card') (e.ts < driftAt ? before : after).push(e);
    }
    const matching = (list: Booking[]): number => list.filter((b) => b.payload.card_country === b.context!.ip_country).length / list.length;
    expect(matching(after)).toBeGreaterThan(matching(before) + 0.3);
    expect(median(after.map((b) => b.payload.amount))).toBeLessThan(median(before.map((b) => b.payload.amount)));
  });
});

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}
