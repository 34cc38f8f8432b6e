// A backtest report: how often the candidate fired, how much of it was fraud (precision) and how much
// fraud it found (recall) among events whose labels had time to arrive, which existing rules already
// catch the same events, and example event ids.
import { useEffect, useRef } from 'react';
import type { BacktestReport } from '../api/types';
import { formatMoney, formatNumber, formatPercent } from '../lib/format';
import { Stat } from '../ui/Stat';

/** `ruleId`: the rule being edited, whose saved version shows up among the existing rules. */
export function BacktestResults({ report, ruleId }: { report: BacktestReport; ruleId: string | null }) {
  const heading = useRef<HTMLHeadingElement>(null);
  // New results take the focus (and scroll into view): they appear below the editor.
  useEffect(() => heading.current?.focus(), [report]);
  const overlapping = report.overlap.filter((o) => o.both > 0 || o.error).sort((a, b) => b.both - a.both);
  return (
    <section className="backtest-results" aria-labelledby="backtest-heading">
      <h3 id="backtest-heading" ref={heading} tabIndex={-1}>
        Backtest results
      </h3>
      <dl className="stats">
        <Stat label="Hits" value={formatNumber(report.hits)} hint={`of ${formatNumber(report.rows)} scored events`} />
        <Stat label="Hit rate" value={formatPercent(report.hitRate, 2)} />
        <Stat label="Precision" value={formatPercent(report.precision)} hint={`${formatNumber(report.truePositives)} fraud of ${formatNumber(report.truePositives + report.falsePositives)} mature hits`} />
        <Stat label="Recall" value={formatPercent(report.recall)} hint={`of ${formatNumber(report.positives)} fraud events`} />
        <Stat label="Mature events" value={formatNumber(report.matureRows)} hint="labels had time to arrive" />
        {Object.entries(report.amounts ?? {}).map(([currency, money]) => (
          <Stat
            key={currency}
            label={`Fraud stopped (${currency})`}
            value={formatMoney(money.fraud, currency)}
            hint={`${formatMoney(money.legitimate, currency)} of legitimate bookings held up; ${formatMoney(money.hits, currency)} on all hits`}
          />
        ))}
        {report.errors.rows > 0 ? <Stat label="Errors" value={formatNumber(report.errors.rows)} tone="warning" hint={report.errors.examples[0]?.message} /> : null}
      </dl>
      <h4>Overlap with existing rules</h4>
      {overlapping.length === 0 ? (
        <p className="muted">No enabled rule fires on the same events.</p>
      ) : (
        <table className="data-table compact-table">
          <thead>
            <tr>
              <th scope="col">Rule</th>
              <th scope="col" className="num">
                Its hits
              </th>
              <th scope="col" className="num">
                Both
              </th>
              <th scope="col" className="num">
                Share of hits
              </th>
            </tr>
          </thead>
          <tbody>
            {overlapping.map((o) => (
              <tr key={o.ruleId}>
                <th scope="row" className="mono">
                  {o.ruleId} v{o.version}
                  {o.ruleId === ruleId ? <span className="small muted"> (this rule as saved)</span> : null}
                  {o.error ? <div className="small muted">does not compile: {o.error}</div> : null}
                </th>
                <td className="num">{formatNumber(o.hits)}</td>
                <td className="num">{formatNumber(o.both)}</td>
                <td className="num">{report.hits > 0 ? formatPercent(o.both / report.hits) : '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h4>Example events</h4>
      {report.examples.length === 0 ? (
        <p className="muted">No hits.</p>
      ) : (
        <ul className="chips">
          {report.examples.map((eventId) => (
            <li key={eventId} className="mono">
              {eventId}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
