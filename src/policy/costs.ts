// The cost model behind every threshold choice: what a missed fraud, a blocked good customer and a
// manual review cost, all in one unit. See docs/POLICY.md for the savings definition built on it.

/**
 * What letting one fraud through costs: a multiple of a false alarm (`fpCost`), or the transaction's
 * amount times a multiplier (a chargeback costs the amount; 1.2 adds fees and handling).
 */
export type MissedFraudCost = { kind: 'multiple'; value: number } | { kind: 'amount'; multiplier: number };

export interface CostModel {
  fnCost: MissedFraudCost;
  /**
   * Cost of blocking a good customer (default 1). With `fnCost` by amount, give it in the same
   * currency: the margin and goodwill lost with a blocked booking.
   */
  fpCost?: number;
  /** Cost of one manual review, in the same unit (default 0.2). */
  reviewCost?: number;
}

export type ResolvedCosts = Required<CostModel>;

export const DEFAULT_FP_COST = 1;
export const DEFAULT_REVIEW_COST = 0.2;

function checkCost(name: string, value: number): void {
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`${name} must be a finite number ≥ 0, got ${String(value)}`);
}

/** Defaults filled in and every number checked, so that no NaN can reach a savings figure. */
export function resolveCosts(model: CostModel): ResolvedCosts {
  const costs: ResolvedCosts = {
    fnCost: model.fnCost,
    fpCost: model.fpCost ?? DEFAULT_FP_COST,
    reviewCost: model.reviewCost ?? DEFAULT_REVIEW_COST,
  };
  if (costs.fnCost.kind === 'multiple') checkCost('fnCost.value', costs.fnCost.value);
  else if (costs.fnCost.kind === 'amount') checkCost('fnCost.multiplier', costs.fnCost.multiplier);
  else throw new RangeError(`fnCost.kind must be "multiple" or "amount"`);
  checkCost('fpCost', costs.fpCost);
  checkCost('reviewCost', costs.reviewCost);
  return costs;
}

/** Whether savings are in money (missed fraud costs its amount) or in units of one false alarm. */
export const savingsAreMoney = (costs: Pick<CostModel, 'fnCost'>): boolean => costs.fnCost.kind === 'amount';

/** Review capacity in cases per day; Infinity means no limit. */
export function checkCapacity(capacityPerDay: number): void {
  if (!(capacityPerDay >= 0)) throw new RangeError(`capacityPerDay must be a number ≥ 0, got ${String(capacityPerDay)}`);
}
