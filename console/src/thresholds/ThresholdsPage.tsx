// The threshold explorer: move the block and review thresholds and read, at once, how many reviews a
// day that makes against the team's capacity, how much fraud it stops and how many good customers it
// blocks, with curves of each against the block threshold. The server sends the curve for one review
// threshold; the block slider reads it without a round trip, and a new review threshold fetches its
// curve once the slider rests. An admin applies the chosen thresholds.
import { useId, useMemo, useState, type ChangeEvent } from 'react';
import type { Policy, PolicyExplorer } from '../api/types';
import { formatMoney, formatNumber, formatPercent, formatProbability } from '../lib/format';
import { useApiData } from '../lib/useApiData';
import { useDebounced } from '../lib/useDebounced';
import { useNotice } from '../shell/notice';
import { useReadiness } from '../shell/readiness';
import { useSession } from '../shell/session';
import { ConfirmDialog } from '../ui/ConfirmDialog';
import { ErrorNotice } from '../ui/ErrorNotice';
import { LineChart } from '../ui/LineChart';
import { Page } from '../ui/Page';
import { Stat } from '../ui/Stat';
import { buildExplorer, nearestIndex, outcomeAt, type OutcomeName } from './explorer';

const TITLE = 'Threshold explorer';
const CURVE_DELAY_MS = 250;

export function ThresholdsPage() {
  const readiness = useReadiness();
  const modelId = readiness.data?.active_model;
  if (modelId) return <ModelExplorer key={modelId} modelId={modelId} />;
  return (
    <Page title={TITLE}>
      <ErrorNotice error={readiness.error} context="The server's state is unavailable" />
      {modelId === null ? <p className="notice notice-info">No model is active, so there are no thresholds to explore.</p> : null}
    </Page>
  );
}

function ModelExplorer({ modelId }: { modelId: string }) {
  /** The thresholds on the sliders; null until the user moves one (then the model's own are shown). */
  const [chosen, setChosen] = useState<Policy | null>(null);
  const curveReview = useDebounced(chosen?.review, CURVE_DELAY_MS);
  const explorerData = useApiData((client) => client.get<PolicyExplorer>('/v1/policy/explorer', { model_id: modelId, review: curveReview }), [modelId, curveReview], { keepPrevious: true });
  const data = explorerData.data;
  return (
    <Page title={TITLE} subtitle={<>What the thresholds of the active model <code>{modelId}</code> would have done over its validation period.</>}>
      <ErrorNotice error={explorerData.error} context="The explorer data could not be loaded" />
      {data ? <ExplorerView data={data} policy={chosen ?? data.policy} onChange={setChosen} onApplied={explorerData.reload} /> : null}
    </Page>
  );
}

interface ExplorerViewProps {
  data: PolicyExplorer;
  policy: Policy;
  onChange(policy: Policy): void;
  onApplied(): void;
}

function ExplorerView({ data, policy, onChange, onApplied }: ExplorerViewProps) {
  const { client, isAdmin } = useSession();
  const { announce } = useNotice();
  const blockId = useId();
  const reviewId = useId();
  const [applying, setApplying] = useState(false);
  const explorer = useMemo(() => buildExplorer(data.points), [data.points]);

  const outcome = outcomeAt(explorer, policy.block, policy.review);
  const overCapacity = outcome.reviewsPerDay > data.capacity_per_day;
  const changed = policy.block !== data.policy.block || policy.review !== data.policy.review;
  // The review threshold never exceeds the block threshold: there would be no review band.
  const setBlock = (block: number) => onChange({ block, review: Math.min(policy.review, block) });
  const setReview = (review: number) => onChange({ block: policy.block, review: Math.min(review, policy.block) });

  // The sliders step through the thresholds the server explored (an even grid plus quantiles of the
  // scores), so they move finely where calibrated probabilities crowd near 0 and coarsely above.
  const scale = explorer.blockValues;
  const slider = (value: number, set: (threshold: number) => void) => ({
    type: 'range' as const,
    min: 0,
    max: Math.max(0, scale.length - 1),
    step: 1,
    value: nearestIndex(scale, value),
    'aria-valuetext': formatProbability(value),
    onChange: (e: ChangeEvent<HTMLInputElement>) => set(scale[Number(e.target.value)] ?? value),
  });
  const curveOf = (name: OutcomeName, scale = 1) => explorer.blockValues.map((block) => ({ x: block, y: scale * outcomeAt(explorer, block, policy.review)[name] }));
  const atBlock = `at block ${formatProbability(policy.block)}, review ${formatProbability(policy.review)}`;

  return (
    <>
      <section className="panel sliders" aria-label="Thresholds">
        <div className="slider">
          <label htmlFor={blockId}>
            Block at or above <output htmlFor={blockId}>{formatProbability(policy.block)}</output>
          </label>
          <input id={blockId} {...slider(policy.block, setBlock)} />
        </div>
        <div className="slider">
          <label htmlFor={reviewId}>
            Review at or above <output htmlFor={reviewId}>{formatProbability(policy.review)}</output>
          </label>
          <input id={reviewId} {...slider(policy.review, setReview)} />
        </div>
        <div className="slider-actions">
          <p className="small muted">
            In force: review ≥ {formatProbability(data.in_force.review)}, block ≥ {formatProbability(data.in_force.block)}
            {data.in_force.review !== data.policy.review ? ` (the capacity guard has raised the review threshold from the installed ${formatProbability(data.policy.review)})` : ''}
          </p>
          <button type="button" onClick={() => onChange(data.policy)} disabled={!changed}>
            Reset
          </button>
          {isAdmin ? (
            <button type="button" className="button-primary" onClick={() => setApplying(true)} disabled={!changed}>
              Apply…
            </button>
          ) : null}
        </div>
      </section>

      <dl className="stats" aria-live="polite">
        <Stat
          label="Reviews per day"
          value={formatNumber(outcome.reviewsPerDay, 1)}
          tone={overCapacity ? 'warning' : undefined}
          hint={overCapacity ? `over the capacity of ${formatNumber(data.capacity_per_day)}/day` : `capacity ${formatNumber(data.capacity_per_day)}/day`}
        />
        <Stat label="Fraud stopped" value={formatMoney(outcome.fraudStoppedAmount, data.currency)} hint={`${formatPercent(outcome.fraudStoppedShare)} of the fraud amount, blocked or reviewed`} />
        <Stat label="Good customers blocked per day" value={formatNumber(outcome.goodBlockedPerDay, 1)} />
        <Stat
          label="Savings"
          value={data.savings_unit === data.currency ? formatMoney(outcome.savings, data.currency) : `${formatNumber(outcome.savings, 0)} ${data.savings_unit}`}
          hint="the cost of doing nothing less the cost of this policy, over the validation period (docs/POLICY.md)"
        />
      </dl>

      <section className="panel" aria-labelledby="curves-heading">
        <h2 id="curves-heading">Against the block threshold</h2>
        <div className="chart-row">
          <LineChart
            title="Reviews per day"
            description={`Reviews per day against the block threshold, review threshold held at ${formatProbability(policy.review)}; ${atBlock}: ${formatNumber(outcome.reviewsPerDay, 1)} a day, against a capacity of ${data.capacity_per_day}.`}
            xLabel="block threshold (square-root scale)"
            series={[{ label: 'reviews per day', points: curveOf('reviewsPerDay'), slot: 1 }]}
            marker={policy.block}
            reference={{ y: data.capacity_per_day, label: `capacity ${formatNumber(data.capacity_per_day)}/day` }}
            formatY={(v) => formatNumber(v)}
          />
          <LineChart
            title="Fraud stopped (% of fraud amount)"
            description={`Share of the fraud amount stopped against the block threshold; ${atBlock}: ${formatPercent(outcome.fraudStoppedShare)}.`}
            xLabel="block threshold (square-root scale)"
            series={[{ label: 'fraud stopped', points: curveOf('fraudStoppedShare', 100), slot: 2 }]}
            marker={policy.block}
            formatY={(v) => `${formatNumber(v)}%`}
          />
          <LineChart
            title="Good customers blocked per day"
            description={`Good customers blocked per day against the block threshold; ${atBlock}: ${formatNumber(outcome.goodBlockedPerDay, 1)}.`}
            xLabel="block threshold (square-root scale)"
            series={[{ label: 'good customers blocked', points: curveOf('goodBlockedPerDay'), slot: 3 }]}
            marker={policy.block}
            formatY={(v) => formatNumber(v, v > 0 && v < 10 ? 1 : 0)}
          />
        </div>
        <p className="small muted">The review threshold is held at {formatProbability(policy.review)}; the dashed line marks the chosen block threshold.</p>
      </section>

      {applying ? (
        <ConfirmDialog
          title="Apply these thresholds?"
          confirmLabel="Apply thresholds"
          onConfirm={async () => {
            await client.put(`/v1/admin/models/${encodeURIComponent(data.model_id)}/policy`, policy);
            announce(`Thresholds applied: review ≥ ${formatProbability(policy.review)}, block ≥ ${formatProbability(policy.block)}.`, '/thresholds');
            onApplied();
          }}
          onClose={() => setApplying(false)}
        >
          <p>
            From the next decision on, model <code>{data.model_id}</code> blocks at or above <strong>{formatProbability(policy.block)}</strong> and sends to review at or above{' '}
            <strong>{formatProbability(policy.review)}</strong> (now {formatProbability(data.policy.block)} and {formatProbability(data.policy.review)}).
          </p>
          <p>
            Expected: {formatNumber(outcome.reviewsPerDay, 1)} reviews a day (capacity {formatNumber(data.capacity_per_day)}), {formatPercent(outcome.fraudStoppedShare)} of the fraud amount stopped,{' '}
            {formatNumber(outcome.goodBlockedPerDay, 1)} good customers blocked a day.
          </p>
        </ConfirmDialog>
      ) : null}
    </>
  );
}
