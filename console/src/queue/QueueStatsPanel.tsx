import type { QueueStats } from '../api/types';
import { formatNumber, formatProbability } from '../lib/format';
import { useApiData } from '../lib/useApiData';
import { ErrorNotice } from '../ui/ErrorNotice';
import { Stat } from '../ui/Stat';

const REFRESH_MS = 15_000;

/** How the queue stands against the team's capacity. */
export function QueueStatsPanel() {
  const stats = useApiData((client) => client.get<QueueStats>('/v1/queue/stats'), [], { refreshMs: REFRESH_MS });
  const s = stats.data;
  return (
    <section aria-label="Queue statistics">
      <ErrorNotice error={stats.error} context="Queue statistics are unavailable" />
      {s ? (
        <dl className="stats">
          <Stat label="Open" value={formatNumber(s.open)} hint={`${formatNumber(s.claimed)} claimed · ${formatNumber(s.escalated)} escalated`} />
          <Stat label="SLA breached" value={formatNumber(s.sla_breached)} tone={s.sla_breached > 0 ? 'danger' : undefined} />
          <Stat label="Decided today" value={formatNumber(s.decided_today)} />
          <Stat label="Capacity" value={`${formatNumber(s.capacity_per_day)}/day`} tone={s.open > s.capacity_per_day ? 'warning' : undefined} hint={s.open > s.capacity_per_day ? 'more open cases than a day of capacity' : undefined} />
          <Stat label="Review threshold" value={formatProbability(s.review_threshold)} hint={`block at ${formatProbability(s.block_threshold)}`} />
        </dl>
      ) : null}
    </section>
  );
}
