// What a reviewer reads before deciding: the decision and why it was made, the features of this event
// beside the user's usual values, who and what is linked to the account, what was written, and what
// happened to the case so far.
import type { CaseHistoryEntry, Decision, FeatureComparison, LinkedEntities, RiskEvent } from '../api/types';
import { formatDateTime, formatFeatureValue, formatMoney, formatProbability } from '../lib/format';
import { Link } from '../shell/router';

export function DecisionSummary({ decision }: { decision: Decision }) {
  return (
    <section className="panel" aria-labelledby="decision-heading">
      <h2 id="decision-heading">Decision</h2>
      <dl className="facts">
        <div>
          <dt>Action</dt>
          <dd>
            <span className={`badge badge-action-${decision.action}`}>{decision.action}</span>
          </dd>
        </div>
        <div>
          <dt>Score</dt>
          <dd>{decision.score === null ? 'no model score' : formatProbability(decision.score)}</dd>
        </div>
        <div>
          <dt>Model</dt>
          <dd>
            {decision.model ? (
              <>
                <span className="mono">{decision.model.id}</span> v{decision.model.version} ({decision.model.mode})
              </>
            ) : (
              'none (rules only)'
            )}
          </dd>
        </div>
        <div>
          <dt>Degraded</dt>
          <dd>{decision.degraded ? <span className="badge badge-warning">{decision.degraded}</span> : 'no'}</dd>
        </div>
        <div>
          <dt>Thresholds</dt>
          <dd>{decision.policy ? `review ≥ ${formatProbability(decision.policy.review)}, block ≥ ${formatProbability(decision.policy.block)}` : '—'}</dd>
        </div>
        <div>
          <dt>Decided</dt>
          <dd>
            {formatDateTime(decision.decided_at)} · <span className="mono">{decision.decision_id}</span>
          </dd>
        </div>
      </dl>
      {decision.shadow.length > 0 ? (
        <p className="small muted">
          Shadow models (not acted on):{' '}
          {decision.shadow.map((s) => `${s.id} v${s.version} scored ${formatProbability(s.score)}${s.action ? `, would ${s.action}` : ''}`).join('; ')}
        </p>
      ) : null}
    </section>
  );
}

export function ReasonList({ decision }: { decision: Decision }) {
  return (
    <section className="panel" aria-labelledby="reasons-heading">
      <h2 id="reasons-heading">Reasons</h2>
      {decision.reasons.length === 0 ? <p className="muted">The decision gave no reasons.</p> : null}
      <ul className="reason-list">
        {decision.reasons.map((reason, index) => (
          <li key={`${reason.kind}-${reason.rule_id ?? reason.feature ?? index}`} className={`reason reason-${reason.kind}`}>
            {reason.kind === 'rule' ? (
              <span className={`badge badge-action-${reason.action ?? 'tag'}`}>rule · {reason.action}</span>
            ) : (
              <span className="badge badge-neutral">model</span>
            )}{' '}
            <span className="reason-text">{reason.text}</span>
            <span className="small muted mono"> {reason.kind === 'rule' ? `${reason.rule_id} v${reason.version}` : reason.feature}</span>
          </li>
        ))}
      </ul>
      {decision.shadow_rule_hits.length > 0 ? <p className="small muted">Shadow rules that fired (not acted on): {decision.shadow_rule_hits.map((h) => h.rule_id).join(', ')}</p> : null}
      {decision.rule_errors?.some((e) => !e.shadow) ? (
        <p className="small">
          <span className="badge badge-warning">not checked</span> Rules that could not be evaluated on this request:{' '}
          {decision.rule_errors.filter((e) => !e.shadow).map((e) => `${e.rule_id} v${e.version} (${e.message})`).join('; ')}
        </p>
      ) : null}
    </section>
  );
}

export function RequestSummary({ request }: { request: RiskEvent }) {
  const amount = typeof request.payload.amount === 'number' ? request.payload.amount : null;
  const currency = typeof request.payload.currency === 'string' ? request.payload.currency : null;
  const entities = Object.entries(request.entities).filter((entry): entry is [string, string] => typeof entry[1] === 'string');
  return (
    <section className="panel" aria-labelledby="request-heading">
      <h2 id="request-heading">Event</h2>
      <dl className="facts">
        <div>
          <dt>Type</dt>
          <dd>{request.type.replace(/_/g, ' ')}</dd>
        </div>
        <div>
          <dt>When</dt>
          <dd>{formatDateTime(request.ts)}</dd>
        </div>
        {amount !== null ? (
          <div>
            <dt>Amount</dt>
            <dd>{formatMoney(amount, currency)}</dd>
          </div>
        ) : null}
        {entities.map(([kind, value]) => (
          <div key={kind}>
            <dt>{kind}</dt>
            <dd className="mono">{value}</dd>
          </div>
        ))}
      </dl>
    </section>
  );
}

/** How this event's value compares with the user's usual one, in words; `unusual` from twice or half. */
function comparedToUsual(feature: FeatureComparison): { text: string; unusual: boolean } {
  if (feature.value === null) return { text: 'missing', unusual: false };
  if (feature.usual === null) return { text: 'no history', unusual: false };
  if (feature.usual === 0) return feature.value === 0 ? { text: 'as usual', unusual: false } : { text: 'usually 0', unusual: true };
  const ratio = feature.value / feature.usual;
  if (ratio >= 0.8 && ratio <= 1.25) return { text: 'as usual', unusual: false };
  return { text: `${ratio >= 10 ? Math.round(ratio) : ratio.toFixed(1)}× usual`, unusual: ratio >= 2 || ratio <= 0.5 };
}

/** Orders features by how far they are from the user's usual (log ratio); no comparison sorts last. */
function distanceFromUsual(feature: FeatureComparison): number {
  if (feature.value === null || feature.usual === null) return -1;
  return Math.abs(Math.log((Math.abs(feature.value) + 1e-9) / (Math.abs(feature.usual) + 1e-9)));
}

export function FeatureTable({ features }: { features: FeatureComparison[] }) {
  const present = features.filter((f) => f.value !== null).sort((a, b) => distanceFromUsual(b) - distanceFromUsual(a));
  const missing = features.filter((f) => f.value === null);
  return (
    <section className="panel" aria-labelledby="features-heading">
      <h2 id="features-heading">Features</h2>
      <p className="small muted">This event's values beside the user's usual (the median over their earlier decisions), the most unusual first.</p>
      {present.length === 0 ? (
        <p className="muted">No feature values were logged for this decision.</p>
      ) : (
        <table className="data-table feature-table">
          <thead>
            <tr>
              <th scope="col">Feature</th>
              <th scope="col" className="num">
                This event
              </th>
              <th scope="col" className="num">
                Usual
              </th>
              <th scope="col">Compared</th>
            </tr>
          </thead>
          <tbody>
            {present.map((feature) => {
              const comparison = comparedToUsual(feature);
              return (
                <tr key={feature.name}>
                  <th scope="row">
                    <span className="mono">{feature.name}</span>
                    {feature.description ? <div className="small muted">{feature.description}</div> : null}
                  </th>
                  <td className="num">{formatFeatureValue(feature.value)}</td>
                  <td className="num">{feature.usual === null ? '—' : formatFeatureValue(feature.usual)}</td>
                  <td className={comparison.unusual ? 'unusual' : 'muted'}>{comparison.text}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {missing.length > 0 ? (
        <details className="missing-features">
          <summary>
            {missing.length} {missing.length === 1 ? 'feature has' : 'features have'} no value for this event (never seen, or idle past its TTL)
          </summary>
          <p className="small mono">{missing.map((f) => f.name).join(', ')}</p>
        </details>
      ) : null}
    </section>
  );
}

const LINK_GROUPS: Array<{ key: keyof LinkedEntities; label: string }> = [
  { key: 'users', label: 'Accounts' },
  { key: 'devices', label: 'Devices' },
  { key: 'cards', label: 'Cards' },
  { key: 'ips', label: 'IP addresses' },
];

export function LinkedEntityList({ linked }: { linked: LinkedEntities }) {
  return (
    <section className="panel" aria-labelledby="linked-heading">
      <h2 id="linked-heading">Linked</h2>
      <dl className="linked">
        {LINK_GROUPS.map(({ key, label }) => (
          <div key={key}>
            <dt>
              {label} ({linked[key].length})
            </dt>
            <dd>
              {linked[key].length === 0 ? <span className="muted">none</span> : null}
              <ul className="chips">
                {linked[key].map((value) => (
                  <li key={value}>{key === 'users' ? <Link to={`/?status=all&q=${encodeURIComponent(value)}`}>{value}</Link> : <span className="mono">{value}</span>}</li>
                ))}
              </ul>
            </dd>
          </div>
        ))}
      </dl>
    </section>
  );
}

export function MessageList({ messages }: { messages: Array<{ ts: number; text: string }> }) {
  return (
    <section className="panel" aria-labelledby="messages-heading">
      <h2 id="messages-heading">Messages</h2>
      {messages.length === 0 ? <p className="muted">No messages.</p> : null}
      <ol className="message-list">
        {messages.map((message, index) => (
          <li key={`${message.ts}-${index}`}>
            <time className="small muted">{formatDateTime(message.ts)}</time>
            <blockquote>{message.text}</blockquote>
          </li>
        ))}
      </ol>
    </section>
  );
}

export function CaseHistory({ history }: { history: CaseHistoryEntry[] }) {
  return (
    <section className="panel" aria-labelledby="history-heading">
      <h2 id="history-heading">History</h2>
      <ol className="history">
        {history.map((entry, index) => (
          <li key={`${entry.at}-${index}`}>
            <div>
              <strong>{entry.action}</strong> <span className="small muted">by {entry.actor}</span>
            </div>
            <time className="small muted">{formatDateTime(entry.at)}</time>
            {entry.note ? <blockquote className="note">{entry.note}</blockquote> : null}
          </li>
        ))}
      </ol>
    </section>
  );
}
