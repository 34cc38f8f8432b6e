// Number formatting for reports, independent of the machine's locale so the same input always gives
// the same bytes. Every formatter returns "—" for a missing or non-finite value: a metric that is
// undefined for a segment (ROC AUC without any fraud) reads as missing, never as "NaN".

export const MISSING = '—';

type MaybeNumber = number | null | undefined;

const isFiniteNumber = (value: MaybeNumber): value is number => typeof value === 'number' && Number.isFinite(value);

const groupThousands = (digits: string) => digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');

/** Fixed decimals with thousands separators: 1234.5 → "1,234.50". Never "-0.00". */
export function formatFixed(value: MaybeNumber, digits = 2): string {
  if (!isFiniteNumber(value)) return MISSING;
  const magnitude = Math.abs(value).toFixed(digits);
  if (magnitude.includes('e')) return String(value); // ≥ 1e21: toFixed gives up on fixed notation
  const [whole = '0', fraction] = magnitude.split('.');
  const sign = value < 0 && /[1-9]/.test(magnitude) ? '-' : '';
  return `${sign}${groupThousands(whole)}${fraction === undefined ? '' : `.${fraction}`}`;
}

/** Rounded to a whole number with thousands separators: 1234567.8 → "1,234,568". */
export function formatInteger(value: MaybeNumber): string {
  return formatFixed(value, 0);
}

/** A fraction as a percentage: 0.1234 → "12.3%". */
export function formatPercent(fraction: MaybeNumber, digits = 1): string {
  return isFiniteNumber(fraction) ? `${formatFixed(fraction * 100, digits)}%` : MISSING;
}

/** An amount of money: -1234.5 → "-$1,234.50". */
/** How an amount in currency `code` is marked in English text: "$", "€", "£", else the code and a space ("CHF "). */
export function currencySymbol(code: string): string {
  let symbol: string | undefined;
  try {
    symbol = new Intl.NumberFormat('en', { style: 'currency', currency: code }).formatToParts(0).find((part) => part.type === 'currency')?.value;
  } catch {
    // not a currency Intl knows
  }
  return symbol === undefined || /^[A-Z]{3}$/.test(symbol) ? `${code} ` : symbol;
}

export function formatMoney(value: MaybeNumber, symbol = '$', digits = 2): string {
  if (!isFiniteNumber(value)) return MISSING;
  const magnitude = formatFixed(Math.abs(value), digits);
  return value < 0 && /[1-9]/.test(magnitude) ? `-${symbol}${magnitude}` : `${symbol}${magnitude}`;
}

/** A general number: whole numbers as integers, others with two decimals. */
export function formatNumber(value: MaybeNumber): string {
  return isFiniteNumber(value) ? formatFixed(value, Number.isInteger(value) ? 0 : 2) : MISSING;
}

/** A difference with an explicit "+" when it is positive after rounding: 0.0123 → "+0.012" with fixed 3. */
export function formatSigned(value: MaybeNumber, format: (value: number) => string): string {
  if (!isFiniteNumber(value)) return MISSING;
  const text = format(value);
  return value > 0 && /[1-9]/.test(text) ? `+${text}` : text;
}

const COMPACT_UNITS = [
  { size: 1e9, suffix: 'B' },
  { size: 1e6, suffix: 'M' },
  { size: 1e3, suffix: 'k' },
] as const;

/**
 * An axis tick: as many decimals as the tick step needs (0.05 steps → "0.15"), and k/M/B once the
 * step reaches a thousand ("20k", not "20,000", to keep tick labels short).
 */
export function formatTick(value: number, step: number): string {
  const unit = COMPACT_UNITS.find((u) => Math.abs(step) >= u.size);
  const scaledStep = Math.abs(step) / (unit?.size ?? 1);
  const decimals = scaledStep > 0 && Number.isFinite(scaledStep) ? Math.max(0, -Math.floor(Math.log10(scaledStep) + 1e-9)) : 0;
  const text = formatFixed(value / (unit?.size ?? 1), Math.min(decimals, 20));
  return text === MISSING || !unit || text === '0' ? text : `${text}${unit.suffix}`;
}

/** A UTC calendar date: "2026-01-05". */
export function formatDateUtc(ms: MaybeNumber): string {
  return isValidTime(ms) ? new Date(ms).toISOString().slice(0, 10) : MISSING;
}

/** A UTC date and minute: "2026-01-05 14:30 UTC". */
export function formatDateTimeUtc(ms: MaybeNumber): string {
  return isValidTime(ms) ? `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC` : MISSING;
}

// Dates are only defined within ±8.64e15 ms of the epoch; beyond that toISOString throws.
const isValidTime = (ms: MaybeNumber): ms is number => isFiniteNumber(ms) && Math.abs(ms) <= 8.64e15;
