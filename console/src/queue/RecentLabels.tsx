import type { LabelEvent } from '../api/types';
import { formatDateTime } from '../lib/format';
import { useApiData } from '../lib/useApiData';
import { ErrorNotice } from '../ui/ErrorNotice';

const SHOWN = 8;
/** Verdicts decided in this console become labels with ids riskgate reserves (src/review/label.ts); any other verdict label came from a client. */
const CONSOLE_VERDICT_PREFIX = 'verdict_case_';
const REFRESH_MS = 15_000;

/** The newest label events: reviewers' verdicts (and chargebacks) as they reach the event log. */
export function RecentLabels() {
  const labels = useApiData((client) => client.get<{ labels: LabelEvent[] }>('/v1/labels', { limit: SHOWN }), [], { refreshMs: REFRESH_MS });
  return (
    <section className="panel" aria-labelledby="recent-labels-heading">
      <h2 id="recent-labels-heading">Recent labels</h2>
      <ErrorNotice error={labels.error} />
      {labels.data && labels.data.labels.length === 0 ? <p className="muted">No labels yet.</p> : null}
      <ul className="label-list">
        {labels.data?.labels.map((label) => (
          <li key={label.id}>
            <span className={`badge badge-${label.verdict === 'fraud' ? 'danger' : label.verdict === 'legit' ? 'ok' : 'neutral'}`}>{label.verdict ?? label.type}</span>{' '}
            <span className="mono small">{label.target_event_id}</span>
            <div className="small muted">
              <span className="mono">{label.id}</span> · {formatDateTime(label.ts)}
              {label.type === 'reviewer_verdict' && !label.id.startsWith(CONSOLE_VERDICT_PREFIX)
                ? ` · sent through the events API${label.reviewer ? `, reviewer given as ${label.reviewer}` : ''}`
                : label.reviewer
                  ? ` · ${label.reviewer}`
                  : null}
            </div>
          </li>
        ))}
      </ul>
    </section>
  );
}
