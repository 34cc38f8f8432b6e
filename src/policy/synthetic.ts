// A seeded synthetic validation period for the policy tests (and for trying the optimizer without a
// trained model): calibrated by construction — each label is drawn with its row's probability — with
// a weekly swing in volume, larger fraud amounts, and one card-testing burst day, so the busiest day
// is well above the average one, as in real traffic.
import type { EvaluationRow } from '../models/evaluation.js';
import { Prng } from '../models/gbdt/prng.js';
import { DAY_MS } from './rows.js';

export interface SyntheticPeriodOptions {
  seed?: number;
  days?: number;
  /** Average legitimate-traffic rows per day. */
  rowsPerDay?: number;
  /** UTC midnight of the first day. */
  start?: number;
  /** The day (0-based) of the card-testing burst; -1 for none. */
  burstDay?: number;
}

export function syntheticPeriod(options: SyntheticPeriodOptions = {}): EvaluationRow[] {
  const { seed = 7, days = 28, rowsPerDay = 400, start = Date.UTC(2026, 0, 5), burstDay = 10 } = options;
  const random = new Prng(seed);
  const normal = () => Math.sqrt(-2 * Math.log(1 - random.nextFloat())) * Math.cos(2 * Math.PI * random.nextFloat());
  const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));
  const cents = (x: number) => Math.round(x * 100) / 100;
  const rows: EvaluationRow[] = [];
  const row = (day: number, z: number) => {
    const probability = sigmoid(z);
    const label = random.nextFloat() < probability ? 1 : 0;
    const amount = cents(label === 1 ? Math.exp(Math.log(300) + 0.8 * normal()) : Math.exp(Math.log(120) + 0.6 * normal()));
    rows.push({ probability, label, ts: start + day * DAY_MS + Math.floor(random.nextFloat() * DAY_MS), amount });
  };
  for (let day = 0; day < days; day++) {
    const volume = Math.round(rowsPerDay * (1 + 0.3 * Math.sin((2 * Math.PI * day) / 7)));
    for (let i = 0; i < volume; i++) row(day, -4 + 1.6 * normal());
    if (day === burstDay) for (let i = 0; i < rowsPerDay / 4; i++) row(day, 0.5 + normal());
  }
  return rows;
}
