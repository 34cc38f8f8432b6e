// Axis domains and tick positions. Linear axes step by 1, 2 or 5 × 10^k so tick labels are round
// numbers; log axes tick at powers of ten.

export interface LinearScale {
  min: number;
  max: number;
  step: number;
  ticks: number[];
}

export interface LinearScaleOptions {
  /** Roughly how many intervals between ticks (default 5). */
  targetTicks?: number;
  /** Keep `min` as given instead of widening it down to a tick. */
  fixedMin?: boolean;
  fixedMax?: boolean;
}

// Products like 3 × 0.1 carry binary noise (0.30000000000000004); twelve significant digits drop it
// at any magnitude while staying far below the precision that tick values need.
const clean = (value: number) => Number(value.toPrecision(12)) + 0; // + 0 turns -0 into 0

/** The smallest 1, 2 or 5 × 10^k that is at least `roughStep` (1 for a step that is not positive). */
export function niceStep(roughStep: number): number {
  if (!(roughStep > 0) || !Number.isFinite(roughStep)) return 1;
  const power = 10 ** Math.floor(Math.log10(roughStep));
  const mantissa = roughStep / power;
  // A little slack so that 1.0000000000000002 (from a division) still counts as 1.
  const nice = [1, 2, 5].find((m) => mantissa <= m * (1 + 1e-9)) ?? 10;
  return clean(nice * power);
}

const TINY = 1e-100;

/**
 * A domain covering [min, max] whose ends are widened to multiples of a nice step (unless fixed),
 * with the ticks that fall inside it. A domain without width (all values equal, or no data at all)
 * is widened around the value first, so that nothing downstream divides by zero.
 */
export function linearScale(min: number, max: number, options: LinearScaleOptions = {}): LinearScale {
  const { targetTicks = 5, fixedMin = false, fixedMax = false } = options;
  let lo = Number.isFinite(min) ? min : 0;
  let hi = Number.isFinite(max) ? max : lo;
  if (lo > hi) {
    // An end fixed beyond all the data wins; the free end collapses onto it and is widened below.
    if (fixedMin && !fixedMax) hi = lo;
    else if (fixedMax && !fixedMin) lo = hi;
    else [lo, hi] = [hi, lo];
  }
  // A span too narrow to tick apart from the values' magnitude (1 and 1 + 1e-15), or to divide at all
  // (subnormal numbers), counts as a single value; values that tiny count as zero.
  const negligible = hi - lo <= Math.max(Math.abs(lo), Math.abs(hi)) * 1e-10 || hi - lo < TINY;
  if (negligible) {
    const pad = Math.abs(lo) < TINY ? 1 : Math.abs(lo) / 2;
    if (fixedMin && !fixedMax) hi += pad;
    else if (fixedMax && !fixedMin) lo -= pad;
    else [lo, hi] = [lo - pad, hi + pad];
  }
  // Spans beyond the largest double cannot be divided into ticks; clamp to something finite.
  const span = Math.min(hi - lo, Number.MAX_VALUE);
  const step = niceStep(span / Math.max(1, targetTicks));
  const [dataLo, dataHi] = [lo, hi];
  if (!fixedMin) lo = Math.floor(lo / step) * step;
  if (!fixedMax) hi = Math.ceil(hi / step) * step;
  // Drop binary noise from the ends too, unless that would collapse a tiny domain to a point.
  if (clean(hi) > clean(lo)) [lo, hi] = [clean(lo), clean(hi)];
  // Rounding (or a division that underflows) can land an end just inside the data; one more step out.
  if (lo > dataLo) lo = clean(lo - step);
  if (hi < dataHi) hi = clean(hi + step);
  // Near the largest double, rounding out overflows; the domain stays finite and loses its last tick.
  lo = Math.max(lo, -Number.MAX_VALUE);
  hi = Math.min(hi, Number.MAX_VALUE);
  const first = Math.ceil(lo / step - 1e-9);
  const last = Math.floor(hi / step + 1e-9);
  const ticks: number[] = [];
  // Counting ticks (capped) rather than looping over k keeps pathological input from looping for ever.
  for (let i = 0; i <= Math.min(last - first, 100); i++) {
    const tick = (first + i) * step;
    if (Number.isFinite(tick)) ticks.push(clean(tick));
  }
  return { min: lo, max: hi, step, ticks };
}

export interface LogScale {
  /** log10 of the domain's ends. */
  minExponent: number;
  maxExponent: number;
  /** Tick values (powers of ten). */
  ticks: number[];
}

/**
 * A log10 axis for positive values from `minPositive` to `max`. The bottom sits half a decade below
 * the smallest value's decade, so a bar of the smallest count (often 1) is still visible; ticks are
 * powers of ten, thinned to at most about six.
 */
export function logScale(minPositive: number, max: number): LogScale {
  const lowDecade = Math.floor(Math.log10(minPositive));
  const maxExponent = Math.max(Math.ceil(Math.log10(max)), lowDecade + 1);
  const minExponent = lowDecade - 0.5;
  const every = Math.ceil((maxExponent - lowDecade + 1) / 6);
  const ticks: number[] = [];
  for (let e = lowDecade; e <= maxExponent; e += every) ticks.push(Number(`1e${e}`)); // exact powers of ten
  return { minExponent, maxExponent, ticks };
}
