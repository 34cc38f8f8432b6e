// The riskiest accounts right now (by the score of their latest decision), refreshed every few seconds. The
// updates can be paused (moving content should be stoppable).
import { useEffect, useState } from 'react';
import type { TopEntities } from '../api/types';
import { formatClock, formatProbability } from '../lib/format';
import { useApiData } from '../lib/useApiData';
import { Link } from '../shell/router';
import { ErrorNotice } from '../ui/ErrorNotice';
import { Page } from '../ui/Page';

const SHOWN = 20;
const REFRESH_MS = 3_000;

export function TopRiskPage() {
  const [paused, setPaused] = useState(false);
  const [updatedAt, setUpdatedAt] = useState<number | null>(null);
  const top = useApiData((client) => client.get<TopEntities>('/v1/topk', { k: SHOWN }), [], { refreshMs: REFRESH_MS, paused });
  useEffect(() => {
    if (top.data) setUpdatedAt(Date.now());
  }, [top.data]);
  const entities = top.data?.entities ?? [];

  return (
    <Page
      title="Top risky accounts"
      subtitle={`The ${SHOWN} accounts whose latest decision scored highest, refreshed every ${REFRESH_MS / 1000} seconds.`}
      actions={
        <button type="button" onClick={() => setPaused((p) => !p)} aria-pressed={paused}>
          {paused ? 'Resume live updates' : 'Pause live updates'}
        </button>
      }
    >
      <ErrorNotice error={top.error} context="The leaderboard could not be loaded" />
      <p className="small muted" aria-live="off">
        {paused ? 'Paused.' : 'Live.'} {updatedAt ? `Updated ${formatClock(updatedAt)}.` : null}
      </p>
      {top.data && entities.length === 0 ? <p className="empty">No risky entities yet.</p> : null}
      {entities.length > 0 ? (
        <table className="data-table leaderboard">
          <thead>
            <tr>
              <th scope="col" className="num">
                Rank
              </th>
              <th scope="col">Account</th>
              <th scope="col">Latest score (probability of fraud)</th>
            </tr>
          </thead>
          <tbody>
            {entities.map((entry, index) => (
              <tr key={entry.entity}>
                <td className="num">{index + 1}</td>
                <th scope="row">
                  <Link to={`/?status=all&q=${encodeURIComponent(entry.entity)}`} className="mono">
                    {entry.entity}
                  </Link>
                </th>
                <td>
                  <div className="score-bar">
                    <span className="score-fill" style={{ width: `${Math.min(1, Math.max(0, entry.score)) * 100}%` }} />
                    <span className="score-value">{formatProbability(entry.score)}</span>
                  </div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </Page>
  );
}
