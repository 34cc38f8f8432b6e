// A model on trial against the model that decided, on the same live requests: every decision logs the
// shadow models' scores and the actions their own thresholds would have taken, so agreement, the
// disagreement matrix and the score correlation come straight from the decision log.
import type { Action, Decision } from './decision.js';
import { policyAction } from './decide.js';

const ACTIONS: readonly Action[] = ['allow', 'review', 'block'];

export type ActionMatrix = Record<Action, Record<Action, number>>;

export interface ShadowComparison {
  model_id: string;
  /** Decisions where both the deciding model and this model scored. */
  decisions: number;
  /** When the first and last of those decisions were made (null when none). */
  from: number | null;
  to: number | null;
  /** Share of decisions where both models' thresholds give the same action (null when none). */
  agreement: number | null;
  /** Rows: the deciding model's action; columns: this model's. */
  matrix: ActionMatrix;
  mean_score: { deciding: number | null; shadow: number | null };
  /** Pearson correlation of the two scores (null with fewer than two decisions or a constant score). */
  score_correlation: number | null;
  /** Requests this model would send to review or block, per deciding model's one (null when the deciding model flags none). */
  flagged_ratio: number | null;
}

function emptyMatrix(): ActionMatrix {
  const row = () => ({ allow: 0, review: 0, block: 0 });
  return { allow: row(), review: row(), block: row() };
}

/**
 * Compares `modelId`, scored in shadow, with the model that decided each request. The deciding model's
 * action is its score against the thresholds in force then (not the final action, which rules and the
 * kill switch also shape), so the two sides are compared like for like.
 */
export function compareShadow(decisions: readonly Decision[], modelId: string): ShadowComparison {
  const matrix = emptyMatrix();
  const deciding: number[] = [];
  const shadow: number[] = [];
  let from = Infinity;
  let to = -Infinity;
  for (const d of decisions) {
    if (d.score === null || d.policy === null || d.model?.id === modelId) continue;
    const trial = d.shadow.find((s) => s.id === modelId);
    if (!trial || trial.score === null || trial.action === null) continue;
    matrix[policyAction(d.score, d.policy)][trial.action]++;
    deciding.push(d.score);
    shadow.push(trial.score);
    from = Math.min(from, d.decided_at);
    to = Math.max(to, d.decided_at);
  }
  const n = deciding.length;
  const agreeing = ACTIONS.reduce((sum, a) => sum + matrix[a][a], 0);
  const flaggedBy = (side: 'deciding' | 'shadow') =>
    ACTIONS.reduce((sum, row) => sum + ACTIONS.reduce((s, col) => s + ((side === 'deciding' ? row : col) === 'allow' ? 0 : matrix[row][col]), 0), 0);
  const decidingFlagged = flaggedBy('deciding');
  return {
    model_id: modelId,
    decisions: n,
    from: n > 0 ? from : null,
    to: n > 0 ? to : null,
    agreement: n > 0 ? agreeing / n : null,
    matrix,
    mean_score: { deciding: n > 0 ? mean(deciding) : null, shadow: n > 0 ? mean(shadow) : null },
    score_correlation: pearson(deciding, shadow),
    flagged_ratio: decidingFlagged > 0 ? flaggedBy('shadow') / decidingFlagged : null,
  };
}

function mean(values: readonly number[]): number {
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

function pearson(x: readonly number[], y: readonly number[]): number | null {
  if (x.length < 2) return null;
  const mx = mean(x);
  const my = mean(y);
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < x.length; i++) {
    const dx = x[i]! - mx;
    const dy = y[i]! - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  return sxx > 0 && syy > 0 ? sxy / Math.sqrt(sxx * syy) : null;
}
