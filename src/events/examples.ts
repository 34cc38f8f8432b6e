// One valid example of every event type, as a client would send it. Used by the docs, the API's
// OpenAPI examples and the tests.
import type { EventType } from './schema.js';

const ts = '2026-03-02T18:30:00Z';

export const EXAMPLE_EVENTS: Record<EventType, Record<string, unknown>> = {
  account_created: {
    id: 'evt_acc_1',
    type: 'account_created',
    ts,
    entities: { user: 'u_1', device: 'd_1', ip: '203.0.113.7', email: 'Anna.K+promo@GoogleMail.com' },
    context: { ip_country: 'de', user_country: 'DE', tz_offset_min: 60 },
    payload: { country: 'DE', signup_method: 'email', promo_code: 'WELCOME10' },
  },
  profile_updated: {
    id: 'evt_prof_1',
    type: 'profile_updated',
    ts,
    entities: { user: 'u_1', device: 'd_2', ip: '198.51.100.4' },
    payload: { fields: ['email', 'password'] },
  },
  login: {
    id: 'evt_login_1',
    type: 'login',
    ts,
    entities: { user: 'u_1', device: 'd_1', ip: '203.0.113.7' },
    context: { ip_country: 'DE' },
    payload: { success: true, method: 'password' },
  },
  search: {
    id: 'evt_search_1',
    type: 'search',
    ts,
    entities: { user: 'u_1', device: 'd_1', ip: '203.0.113.7' },
    payload: { destination: 'PT', guests: 2, checkin: '2026-04-10' },
  },
  listing_created: {
    id: 'evt_listing_1',
    type: 'listing_created',
    ts,
    entities: { host: 'h_1', listing: 'l_1' },
    payload: { country: 'PT', price: 95, currency: 'EUR', category: 'apartment', capacity: 4 },
  },
  booking_attempted: {
    id: 'evt_booking_1',
    type: 'booking_attempted',
    ts,
    entities: { user: 'u_1', device: 'd_1', card: 'cf_9a3e51c0', ip: '203.0.113.7', email: 'annak@gmail.com', listing: 'l_1', host: 'h_1' },
    context: { ip_country: 'DE', user_country: 'DE', tz_offset_min: 60 },
    payload: { amount: 412.5, currency: 'EUR', nights: 4, guests: 2, checkin: '2026-04-10', card_country: 'DE', listing_country: 'PT' },
  },
  payment_attempted: {
    id: 'evt_pay_1',
    type: 'payment_attempted',
    ts,
    entities: { user: 'u_1', card: 'cf_9a3e51c0', device: 'd_1' },
    payload: { amount: 412.5, currency: 'EUR', status: 'declined', decline_code: 'insufficient_funds', booking_id: 'evt_booking_1' },
  },
  message_sent: {
    id: 'evt_msg_1',
    type: 'message_sent',
    ts,
    entities: { user: 'u_1', listing: 'l_1', host: 'h_1' },
    payload: { text: 'Hi! Is early check-in possible?', to_user: 'h_1', thread_id: 'thr_1' },
  },
  review_posted: {
    id: 'evt_review_1',
    type: 'review_posted',
    ts,
    entities: { user: 'u_1', listing: 'l_1', host: 'h_1' },
    payload: { rating: 5, text: 'Lovely flat, great host.', booking_id: 'evt_booking_1' },
  },
  chargeback: {
    id: 'evt_cb_1',
    type: 'chargeback',
    ts: '2026-03-20T09:00:00Z',
    entities: { user: 'u_1', card: 'cf_9a3e51c0', listing: 'l_1', host: 'h_1' },
    payload: { target_event_id: 'evt_booking_1', amount: 412.5, currency: 'EUR', reason_code: '10.4' },
  },
  reviewer_verdict: {
    id: 'evt_verdict_1',
    type: 'reviewer_verdict',
    ts: '2026-03-02T19:10:00Z',
    entities: { user: 'u_1' },
    payload: { target_event_id: 'evt_booking_1', verdict: 'legit', reviewer: 'analyst@example.com', note: 'known traveller' },
  },
  ato_report: {
    id: 'evt_ato_1',
    type: 'ato_report',
    ts: '2026-03-05T08:00:00Z',
    entities: { user: 'u_1' },
    payload: { target_event_id: 'evt_booking_1', reported_by: 'user' },
  },
};
