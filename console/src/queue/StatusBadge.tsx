import type { CaseSummary } from '../api/types';

/** Where a case stands: open, claimed (by whom), escalated, or decided (which way). */
export function StatusBadge({ summary: c, now }: { summary: CaseSummary; now: number }) {
  if (c.status === 'decided') return <span className={`badge badge-${c.verdict === 'fraud' ? 'danger' : 'ok'}`}>Decided: {c.verdict ?? 'unknown'}</span>;
  const claimed = c.claimed_by !== null && (c.lease_expires_at ?? 0) > now;
  return (
    <>
      <span className={`badge badge-${c.status}`}>{c.status === 'escalated' ? 'Escalated' : claimed ? (c.escalated ? 'Escalated, claimed' : 'Claimed') : 'Open'}</span>
      {claimed ? <span className="small muted"> by {c.claimed_by}</span> : null}
    </>
  );
}
