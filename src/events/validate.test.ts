import { describe, expect, it } from 'vitest';
import { EXAMPLE_EVENTS } from './examples.js';
import { EVENT_TYPES, type EventType } from './schema.js';
import { futureTimeError, parseEvent, type FieldError } from './validate.js';
import { containsRawCardNumber, luhnValid } from './pan.js';
import { hashEmail, normaliseEmail } from './email.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests poke at arbitrary fields of untyped input
const clone = (type: EventType): Record<string, any> => structuredClone(EXAMPLE_EVENTS[type]);

function errorsOf(raw: unknown): FieldError[] {
  const result = parseEvent(raw);
  if (result.ok) throw new Error('expected the event to be refused');
  return result.errors;
}

/** A bad value for one required payload field of each type, and the path the error must name. */
const INVALID_PAYLOADS: Record<EventType, [string, unknown, RegExp]> = {
  account_created: ['country', 'Germany', /pattern|match/],
  profile_updated: ['fields', [], /fewer|least|minItems|items/],
  login: ['success', 'yes', /boolean/],
  search: ['destination', 42, /string/],
  listing_created: ['price', -5, />= 0/],
  booking_attempted: ['nights', 0, />= 1/],
  payment_attempted: ['status', 'pending', /one of: approved, declined, failed/],
  message_sent: ['text', 'x'.repeat(10_001), /10000/],
  review_posted: ['rating', 6, /<= 5/],
  chargeback: ['target_event_id', '', /fewer than 1/],
  reviewer_verdict: ['verdict', 'maybe', /one of: fraud, legit/],
  ato_report: ['reported_by', 'police', /one of: user, support/],
};

describe('event validation', () => {
  for (const type of EVENT_TYPES) {
    describe(type, () => {
      it('accepts the example and normalises it', () => {
        const result = parseEvent(clone(type));
        expect(result.ok).toBe(true);
        if (!result.ok) return;
        expect(result.event.type).toBe(type);
        expect(typeof result.event.ts).toBe('number');
        expect(result.event.v).toBe(1);
      });

      it('refuses an invalid payload naming the field', () => {
        const [field, value, message] = INVALID_PAYLOADS[type];
        const event = clone(type);
        event.payload[field] = value;
        const errors = errorsOf(event);
        const error = errors.find((e) => e.path === `payload.${field}`);
        expect(error, JSON.stringify(errors)).toBeDefined();
        expect(error!.message).toMatch(message);
      });

      it('refuses an unknown payload field', () => {
        const event = clone(type);
        event.payload.surprise = 1;
        expect(errorsOf(event)).toContainEqual({ path: 'payload.surprise', message: 'is not a known field' });
      });

      it('refuses an event padded with more unknown fields than errors are listed, whatever else it hides', () => {
        for (const padding of [63, 64, 200]) {
          const payload = clone(type);
          for (let i = 0; i < padding; i++) payload.payload[`k${i}`] = 1;
          expect(parseEvent(payload).ok, `${padding} payload fields`).toBe(false);
          const envelope = clone(type);
          for (let i = 0; i < padding; i++) envelope[`k${i}`] = 1;
          expect(parseEvent(envelope).ok, `${padding} envelope fields`).toBe(false);
        }
      });
    });
  }

  it('reports every problem at once, with paths', () => {
    const errors = errorsOf({
      id: '',
      type: 'booking_attempted',
      ts: 'yesterday',
      entities: { user: 'u_1', listing: 'l_1' },
      payload: { amount: -1, currency: 'EUR', nights: 1.5 },
    });
    const paths = errors.map((e) => e.path).sort();
    expect(paths).toEqual(['entities.host', 'id', 'payload.amount', 'payload.nights', 'ts']);
    expect(errors.find((e) => e.path === 'ts')!.message).toMatch(/RFC 3339/);
  });

  it('names missing top-level fields', () => {
    const errors = errorsOf({ type: 'login' });
    expect(errors.map((e) => e.path).sort()).toEqual(['entities', 'id', 'payload', 'ts']);
  });

  it('refuses an unknown type and lists the known ones', () => {
    const event = clone('login');
    event.type = 'teleport';
    const error = errorsOf(event).find((e) => e.path === 'type');
    expect(error?.message).toMatch(/must be one of: account_created/);
  });

  it('refuses non-objects', () => {
    for (const value of [null, 3, 'x', [], undefined]) {
      expect(errorsOf(value)).toEqual([{ path: '', message: 'must be a JSON object' }]);
    }
  });

  it('says what a constant must be, and how far past the clock-skew limit a time is when it is just past it', () => {
    const login = clone('login');
    login.v = 2;
    expect(errorsOf(login)).toEqual([{ path: 'v', message: 'must be 1' }]);
    const now = Date.UTC(2026, 0, 1);
    expect(futureTimeError(now + 24 * 3_600_000 + 30_000, now)?.message).toBe('is 24 hours and 30 s in the future; at most 24 hours of clock skew are accepted');
    expect(futureTimeError(now + 24 * 3_600_000 + 100_000, now)?.message).toBe('is 24 hours and 1 min in the future; at most 24 hours of clock skew are accepted');
    expect(futureTimeError(now + 25 * 3_600_000 - 5, now)?.message).toBe('is 24 hours and 59 min in the future; at most 24 hours of clock skew are accepted');
    expect(futureTimeError(now + 25 * 3_600_000, now)?.message).toBe('is 25.0 hours in the future; at most 24 hours of clock skew are accepted');
    expect(futureTimeError(now + 48 * 3_600_000, now)?.message).toBe('is 48.0 hours in the future; at most 24 hours of clock skew are accepted');
    expect(futureTimeError(now + 24 * 3_600_000, now)).toBeUndefined();
  });

  it('keeps decision ids for decisions: no event takes one, and no label points at one', () => {
    const login = clone('login');
    login.id = 'dec_00000b0c';
    expect(errorsOf(login)).toEqual([{ path: 'id', message: 'must not start with "dec_": riskgate gives such ids to decisions, and decisions are looked up by either id' }]);
    const chargeback = clone('chargeback');
    chargeback.payload.target_event_id = 'dec_00000b0c';
    expect(errorsOf(chargeback)).toEqual([{ path: 'payload.target_event_id', message: "is a decision id; a label points at the event it judges (the decision's event_id)" }]);
    login.id = 'DEC_123'; // only the prefix riskgate makes
    expect(parseEvent(login).ok).toBe(true);
  });

  it('refuses NaN and infinities as numbers', () => {
    for (const amount of [NaN, Infinity, -Infinity]) {
      const event = clone('booking_attempted');
      event.payload.amount = amount;
      expect(errorsOf(event)).toContainEqual({ path: 'payload.amount', message: 'must be a finite number' });
    }
  });

  it('refuses implausibly large amounts', () => {
    const event = clone('booking_attempted');
    event.payload.amount = 2e9;
    expect(errorsOf(event).map((e) => e.path)).toEqual(['payload.amount']);
  });

  it('refuses __proto__ and constructor keys anywhere', () => {
    const event = JSON.parse(
      '{"id":"e1","type":"login","ts":1767225600000,"entities":{"user":"u","device":"d","ip":"i","__proto__":{"x":1}},"payload":{"success":true}}',
    );
    expect(errorsOf(event)).toEqual([{ path: 'entities.__proto__', message: 'is a reserved key and is not accepted' }]);
    const nested = clone('login');
    nested.payload = JSON.parse('{"success":true,"constructor":{"prototype":1}}');
    expect(errorsOf(nested)[0]!.path).toBe('payload.constructor');
  });

  it('requires the entities each type needs', () => {
    const event = clone('payment_attempted');
    delete event.entities.card;
    expect(errorsOf(event)).toContainEqual({ path: 'entities.card', message: 'is required for payment_attempted events' });
  });

  it('requires a decline code for declined payments', () => {
    const event = clone('payment_attempted');
    delete event.payload.decline_code;
    expect(errorsOf(event)).toContainEqual({ path: 'payload.decline_code', message: 'is required when status is declined' });
    event.payload.status = 'approved';
    expect(parseEvent(event).ok).toBe(true);
  });

  it('takes a check-in day only if the calendar has it', () => {
    const event = clone('booking_attempted');
    for (const day of ['2026-02-28', '2024-02-29', '2026-12-31']) expect(parseEvent({ ...event, payload: { ...event.payload, checkin: day } }).ok, day).toBe(true);
    for (const day of ['2026-13-01', '2026-02-29', '2026-04-31', '2026-00-10']) {
      expect(errorsOf({ ...event, payload: { ...event.payload, checkin: day } }), day).toContainEqual({ path: 'payload.checkin', message: `is not a day of the calendar (YYYY-MM-DD), got "${day}"` });
    }
  });

  it('accepts epoch milliseconds and RFC 3339 times, refuses others', () => {
    const event = clone('login');
    event.ts = 1_767_225_600_000;
    expect(parseEvent(event)).toMatchObject({ ok: true, event: { ts: 1_767_225_600_000 } });
    event.ts = '2026-01-01T00:00:00.000+01:00';
    expect(parseEvent(event)).toMatchObject({ ok: true, event: { ts: Date.parse('2025-12-31T23:00:00Z') } });
    for (const bad of ['2026-13-01T00:00:00Z', 17, 1.5e12 + 0.5, '']) {
      event.ts = bad;
      expect(errorsOf(event).map((e) => e.path)).toEqual(['ts']);
    }
  });

  it('refuses a leap second and string times outside 2000–2100, as it does epoch milliseconds', () => {
    const event = clone('login');
    event.ts = '2016-12-31T23:59:60Z';
    expect(errorsOf(event)).toEqual([{ path: 'ts', message: expect.stringContaining('leap second') }]);
    for (const outside of ['0000-01-01T00:00:00Z', '1999-12-31T23:59:59Z', '2100-01-01T00:00:00.001Z']) {
      event.ts = outside;
      expect(errorsOf(event), outside).toEqual([{ path: 'ts', message: 'must lie between 2000 and 2100' }]);
    }
    event.ts = '2000-01-01T00:00:00Z';
    expect(parseEvent(event)).toMatchObject({ ok: true, event: { ts: 946_684_800_000 } });
  });

  it('hashes e-mail addresses and keeps their domain', () => {
    const result = parseEvent(clone('account_created'));
    if (!result.ok) throw new Error('expected ok');
    expect(result.event.entities.email).toBe(hashEmail('annak@gmail.com'));
    expect(JSON.stringify(result.event)).not.toMatch(/anna/i);
    expect(result.event.context?.email_domain).toBe('gmail.com');
    expect(result.event.context?.ip_country).toBe('DE');
  });

  it('writes an IP address one way, however the client wrote it', () => {
    const spellings = ['2001:DB8:0:0:0:0:0:1', '2001:db8::1', '2001:0db8::0:1'].map((ip) => {
      const event = clone('login');
      event.entities.ip = ip;
      const result = parseEvent(event);
      return result.ok ? result.event.entities.ip : result.errors;
    });
    expect(spellings).toEqual(['2001:db8::1', '2001:db8::1', '2001:db8::1']);
    const mapped = clone('login');
    mapped.entities.ip = '::ffff:203.0.113.9';
    expect(parseEvent(mapped)).toMatchObject({ ok: true, event: { entities: { ip: '203.0.113.9' } } });
    // Spaces around it and leading zeros would let an address past its block-list entry.
    const ipv4 = ['198.51.100.7', ' 198.51.100.7 ', '198.051.100.007', '198.51.100.7\u00a0', '999.1.1.1', '1.2.3', 'Not An IP'].map((ip) => {
      const event = clone('login');
      event.entities.ip = ip;
      const result = parseEvent(event);
      return result.ok ? result.event.entities.ip : result.errors;
    });
    expect(ipv4).toEqual(['198.51.100.7', '198.51.100.7', '198.51.100.7', '198.51.100.7', '999.1.1.1', '1.2.3', 'not an ip']);
    const blank = clone('login');
    blank.entities.ip = '   ';
    expect(errorsOf(blank)).toContainEqual({ path: 'entities.ip', message: 'must not be blank' });
  });

  it('refuses a malformed e-mail address', () => {
    const event = clone('account_created');
    event.entities.email = 'not an address';
    expect(errorsOf(event)).toContainEqual({ path: 'entities.email', message: 'must be an e-mail address or an em_ hash' });
  });
});

describe('entity ids', () => {
  it('may not contain control characters (one of them joins composite keys)', () => {
    for (const id of ['a\u0001b', 'u\u0000', 'line\nbreak', 'tab\there', 'del\u007f']) {
      const event = clone('booking_attempted');
      event.entities.device = id;
      expect(errorsOf(event), JSON.stringify(id)).toContainEqual({ path: 'entities.device', message: 'must not contain control characters (U+0000–U+001F, U+007F)' });
    }
    const fine = clone('booking_attempted');
    fine.entities.device = 'd_ünïcode 名前 ✓';
    expect(parseEvent(fine).ok).toBe(true);
  });
});

describe('raw card numbers', () => {
  const pans = ['4111111111111111', '4111 1111 1111 1111', '5555-5555-5555-4444', '378282246310005', '6011111111111117', '4222222222222'];

  it('are recognised by the Luhn check, grouped or not', () => {
    for (const pan of pans) expect(containsRawCardNumber(`pay with ${pan} please`), pan).toBe(true);
    expect(luhnValid('4111111111111112')).toBe(false);
    expect(containsRawCardNumber('4111111111111112')).toBe(false);
    expect(containsRawCardNumber('call +44 20 7946 0958')).toBe(false);
    expect(containsRawCardNumber('12345678901234567890123')).toBe(false); // 23 digits: not a card
    for (const text of ['card:4111111111111111', '(4111111111111111)', '_4111111111111111_', '4111111111111111.']) expect(containsRawCardNumber(text), text).toBe(true);
  });

  it('are recognised in groups of four (or 4-6-5) apart by other separators, and in full-width digits; a date range is not one', () => {
    const separated = ['4111.1111.1111.1111', '4111/1111/1111/1111', '4111  1111  1111  1111', '4111\u00a01111\u00a01111\u00a01111', '4111\u20131111\u20131111\u20131111', '4111\n1111\n1111\n1111', '4111\u200b1111\u200b1111\u200b1111', '３７８２.８２２４６３.１０００５', '４１１１１１１１１１１１１１１１', '4111.1111.1111.1111 12/27 123', 'room 2 4111/1111/1111/1111'];
    for (const pan of separated) expect(containsRawCardNumber(`pay with ${pan} please`), JSON.stringify(pan)).toBe(true);
    for (const text of ['arriving 2026.04.10 2026.04.17', '2026-04-10 - 2026-04-17', 'order 2024/01/01 2024/01/02', '4111.1111.1111.1112', '4111.1111 1111/1111', 'IBAN DE77 2989 2060 4437 8929 89', 'call 2989.2060.4437.8929.89', '2010/2011/2012/2013', 'seasons 2002.2003.2004.2005', '2010\n2011\n2012\n2013']) expect(containsRawCardNumber(text), text).toBe(false);
  });

  it('a run of digits inside a longer token (a hex digest, an id) is not a card number', () => {
    // An em_ hash riskgate itself produced, holding the Luhn-valid run 34195286626229.
    const hashed = 'em_93fe21a6ff4e34195286626229b9c9af';
    expect(containsRawCardNumber(hashed)).toBe(false);
    const event = clone('booking_attempted');
    event.entities.email = hashed;
    const parsed = parseEvent(event);
    expect(parsed.ok && parsed.event.entities.email).toBe(hashed);
    expect(containsRawCardNumber('x4111111111111111')).toBe(false);
    expect(containsRawCardNumber('4111111111111111abc')).toBe(false);
    // The fraction of a decimal number (a client's Math.random() in its ids), but not a number after a full stop.
    expect(containsRawCardNumber('order_0.4111111111111111')).toBe(false);
    expect(containsRawCardNumber('amount 12.4111111111111111')).toBe(false);
    expect(containsRawCardNumber('card no.4111111111111111')).toBe(true);
    expect(containsRawCardNumber('paid. 4111111111111111')).toBe(true);
  });

  it('must start like a payment card: a Luhn-valid run with no issuer prefix is not one', () => {
    for (const pan of ['2221000000000009', '3530111333300000', '6200000000000005', '8200000000000001', '9792000000000003']) {
      expect(luhnValid(pan), pan).toBe(true);
      expect(containsRawCardNumber(pan), pan).toBe(true);
    }
    for (const digits of ['1000000000009', '1234567812345670', '7000000000000005', '9000000000000001', '5000000000005']) {
      expect(luhnValid(digits), digits).toBe(true);
      expect(containsRawCardNumber(digits), digits).toBe(false);
    }
  });

  it('are refused anywhere in an event, naming the field', () => {
    const inCard = clone('booking_attempted');
    inCard.entities.card = '4111111111111111';
    expect(errorsOf(inCard)).toContainEqual({ path: 'entities.card', message: expect.stringMatching(/raw card number/) });

    const inText = clone('message_sent');
    inText.payload.text = 'my card is 5555 5555 5555 4444 exp 12/29';
    expect(errorsOf(inText).map((e) => e.path)).toEqual(['payload.text']);

    const asNumber = clone('booking_attempted');
    asNumber.entities.device = 4111111111111111;
    expect(errorsOf(asNumber).map((e) => e.path)).toContain('entities.device');
  });

  it('does not mistake an epoch-millisecond timestamp for a card, as the time or inside an id', () => {
    let ts = 1_767_225_600_000;
    while (!luhnValid(String(ts))) ts++;
    const event = clone('login');
    event.ts = ts;
    event.id = `login_${ts}`;
    expect(parseEvent(event)).toMatchObject({ ok: true, event: { ts, id: `login_${ts}` } });
  });
});

describe('e-mail normalisation', () => {
  it('folds case, +tags and Gmail dots', () => {
    expect(normaliseEmail(' Anna.K+promo@GoogleMail.com ')).toBe('annak@gmail.com');
    expect(normaliseEmail('Bob+x@Example.org')).toBe('bob@example.org');
    expect(normaliseEmail('b.o.b@example.org')).toBe('b.o.b@example.org');
    expect(normaliseEmail('nope')).toBeNull();
    expect(normaliseEmail('+tag@example.org')).toBe('+tag@example.org');
  });
});
