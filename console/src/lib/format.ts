// How numbers, money and times read in the console.

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** An amount in an ISO currency ("USD") or after a symbol ("$"). */
export function formatMoney(amount: number | null, currency: string | null): string {
  if (amount === null || !Number.isFinite(amount)) return '—';
  const fractionDigits = Math.abs(amount) >= 100 ? 0 : 2;
  if (currency && !/^[A-Z]{3}$/.test(currency)) return `${amount < 0 ? '−' : ''}${currency}${formatNumber(Math.abs(amount), fractionDigits)}`;
  return new Intl.NumberFormat('en', { style: 'currency', currency: currency ?? 'USD', minimumFractionDigits: fractionDigits, maximumFractionDigits: fractionDigits }).format(amount);
}

export function formatNumber(value: number | null, fractionDigits = 0): string {
  if (value === null || !Number.isFinite(value)) return '—';
  return value.toLocaleString('en', { minimumFractionDigits: fractionDigits, maximumFractionDigits: fractionDigits });
}

/** A probability or share as a percentage, e.g. 0.1234 → "12.3%". */
export function formatPercent(value: number | null, fractionDigits = 1): string {
  if (value === null || !Number.isFinite(value)) return '—';
  return `${(value * 100).toFixed(fractionDigits)}%`;
}

/** A threshold or score on the probability scale, e.g. "0.80". */
export function formatProbability(value: number | null): string {
  if (value === null || !Number.isFinite(value)) return '—';
  return value.toFixed(value < 0.01 && value > 0 ? 4 : 2);
}

/** A feature value: integers as they are, other numbers to three significant digits. */
export function formatFeatureValue(value: number | null): string {
  if (value === null) return 'missing';
  if (Number.isInteger(value)) return value.toLocaleString('en');
  return value.toPrecision(3);
}

export function formatDateTime(time: number | string): string {
  const date = new Date(time);
  if (Number.isNaN(date.getTime())) return String(time);
  return date.toLocaleString('en-GB', { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
}

export function formatClock(time: number): string {
  return new Date(time).toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

/** A length of time in the largest sensible units: "45 min", "3 h 10 min", "2 d 4 h". */
export function formatDuration(ms: number): string {
  const minutes = Math.round(Math.abs(ms) / MINUTE);
  if (minutes < 1) return 'less than a minute';
  if (minutes < 60) return `${minutes} min`;
  if (minutes < 24 * 60) return joinUnits(Math.floor(minutes / 60), 'h', minutes % 60, 'min');
  const hours = Math.round(Math.abs(ms) / HOUR);
  return joinUnits(Math.floor(hours / 24), 'd', hours % 24, 'h');
}

function joinUnits(major: number, majorUnit: string, minor: number, minorUnit: string): string {
  return minor ? `${major} ${majorUnit} ${minor} ${minorUnit}` : `${major} ${majorUnit}`;
}

/** When an SLA deadline falls relative to now: "due in 40 min" or "overdue by 2 h". */
export function formatDeadline(dueAt: number, now: number): string {
  return dueAt >= now ? `due in ${formatDuration(dueAt - now)}` : `overdue by ${formatDuration(now - dueAt)}`;
}
