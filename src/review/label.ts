// A reviewer's verdict becomes a label event (reviewer_verdict) in the event log: it feeds the
// label-aware features and the next training set. The case is decided first (one conditional update,
// so two reviewers never both decide it) and the label appended right after; a process that stops in
// between leaves a decided case without its label, which the next start appends (missingVerdictLabels).
import type { RiskEvent } from '../events/schema.js';
import type { ReviewCase } from './case.js';
import type { CaseStore } from './store.js';

/** The id of the label event a case's verdict becomes. */
export function verdictLabelId(caseId: string): string {
  return `verdict_${caseId}`;
}

/**
 * The id a case's verdict label gets: verdictLabelId, or — when an event imported from another
 * installation already holds it — the first of `…_2`, `…_3`, … that no event holds.
 */
export async function freeVerdictLabelId(caseId: string, taken: (eventId: string) => Promise<boolean>): Promise<string> {
  const base = verdictLabelId(caseId);
  if (!(await taken(base))) return base;
  for (let n = 2; ; n++) if (!(await taken(`${base}_${n}`))) return `${base}_${n}`;
}

/** What every verdict label's id starts with (case ids start with case_): no client may take one first. */
export const RESERVED_ID_PREFIX = verdictLabelId('case_');

/** The label event of a decided case (raw: the caller validates it like any event). */
export function verdictLabel(decided: ReviewCase, request: RiskEvent | undefined, at: number): Record<string, unknown> {
  const entities = request?.entities ?? {};
  return {
    id: decided.labelEventId ?? verdictLabelId(decided.id),
    type: 'reviewer_verdict',
    ts: Math.max(at, (request?.ts ?? 0) + 1),
    entities: Object.fromEntries(Object.entries(entities).filter(([kind]) => ['user', 'card', 'device', 'listing', 'host'].includes(kind))),
    payload: {
      target_event_id: decided.eventId,
      verdict: decided.verdict,
      reviewer: (decided.decidedBy ?? 'unknown').slice(0, 128),
      case_id: decided.id,
      ...(decided.note ? { note: decided.note } : {}),
    },
  };
}

/** Decided cases whose label is not in the log (`stored(id)` says whether an event id is). */
export function* missingVerdictLabels(cases: CaseStore, stored: (eventId: string) => boolean, now: number): Generator<ReviewCase> {
  const page = 500;
  for (let offset = 0; ; offset += page) {
    const { cases: decided } = cases.list({ status: 'decided', limit: page, offset }, now);
    for (const c of decided) if (c.labelEventId !== null && !stored(c.labelEventId)) yield c;
    if (decided.length < page) return;
  }
}
