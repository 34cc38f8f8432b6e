// The model registry: each model's stage, version and test metrics, the models on trial (shadow,
// canary) beside the active one, and the moves through the stages (promote, roll back), each confirmed
// first because it changes live decisions.
import { useId, useState } from 'react';
import type { DecisionAction, ModelStage, ModelsResponse, ModelView, PeriodMetrics, ShadowComparison } from '../api/types';
import { formatDateTime, formatNumber, formatPercent, formatProbability } from '../lib/format';
import { useApiData } from '../lib/useApiData';
import { useNotice } from '../shell/notice';
import { useSession } from '../shell/session';
import { ConfirmDialog } from '../ui/ConfirmDialog';
import { ErrorNotice } from '../ui/ErrorNotice';
import { Page } from '../ui/Page';

const METRICS: Array<{ key: keyof PeriodMetrics; label: string; format(value: number): string; better?: 'higher' | 'lower' }> = [
  { key: 'auc', label: 'AUC', format: (v) => v.toFixed(3), better: 'higher' },
  { key: 'averagePrecision', label: 'Average precision', format: (v) => v.toFixed(3), better: 'higher' },
  { key: 'ece', label: 'Calibration error (ECE)', format: (v) => v.toFixed(4), better: 'lower' },
  { key: 'brier', label: 'Brier score', format: (v) => v.toFixed(4), better: 'lower' },
  { key: 'recallAtVolume', label: 'Recall at review volume', format: (v) => formatPercent(v), better: 'higher' },
  { key: 'rows', label: 'Test rows', format: (v) => formatNumber(v) },
  { key: 'positives', label: 'Fraud in test', format: (v) => formatNumber(v) },
];

/** Each stage a model can be moved to, and what the model then does (a phrase after its name). */
const STAGE_CHOICES: Array<{ stage: Exclude<ModelStage, 'candidate'>; label: string; effect: string }> = [
  { stage: 'shadow', label: 'Shadow', effect: 'is scored on every request and logged, and never acts' },
  { stage: 'canary', label: 'Canary', effect: 'decides for a share of users (chosen by a stable hash of the user id)' },
  { stage: 'active', label: 'Active', effect: 'decides for everyone, and the current active model steps down' },
  { stage: 'retired', label: 'Retired', effect: 'is no longer scored' },
];

export function ModelsPage() {
  const { isAdmin } = useSession();
  if (isAdmin) return <ModelRegistry />;
  return (
    <Page title="Models">
      <p className="notice notice-info">The model registry needs an admin key. Sign in with one to see and move models.</p>
    </Page>
  );
}

function ModelRegistry() {
  const { client } = useSession();
  const { announce } = useNotice();
  const models = useApiData((api) => api.get<ModelsResponse>('/v1/admin/models'), []);
  const [promoting, setPromoting] = useState<ModelView | null>(null);
  const [rollingBack, setRollingBack] = useState<string | null>(null);

  const all = models.data?.models ?? [];
  const active = all.filter((m) => m.stage === 'active');
  const onTrial = all.filter((m) => m.stage === 'shadow' || m.stage === 'canary');
  const refused = models.data?.serving.refused ?? [];
  return (
    <Page
      title="Models"
      subtitle="Stages move candidate → shadow → canary → active → retired. Metrics are from each model's test period."
      actions={active.map((m) => (
        <button key={m.name} type="button" onClick={() => setRollingBack(m.name)}>
          Roll back {m.name}…
        </button>
      ))}
    >
      <ErrorNotice error={models.error} context="The models could not be loaded" />
      {refused.map((r) => (
        <p key={r.id} className="notice notice-warning" role="alert">
          Model <code>{r.id}</code> cannot be served{r.reason ? `: ${r.reason}` : ''}.
        </p>
      ))}
      <div className="table-frame">
        <table className="data-table">
          <thead>
            <tr>
              <th scope="col">Model</th>
              <th scope="col">Stage</th>
              <th scope="col" className="num">
                AUC
              </th>
              <th scope="col" className="num">
                AP
              </th>
              <th scope="col" className="num">
                ECE
              </th>
              <th scope="col">Thresholds</th>
              <th scope="col">Training</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {all.map((m) => (
              <tr key={m.id} className={m.stage === 'retired' ? 'row-disabled' : undefined}>
                <th scope="row">
                  <span className="strong">
                    {m.name} v{m.version}
                  </span>
                  <div className="small muted mono">{m.id}</div>
                </th>
                <td>
                  <span className={`badge badge-stage-${m.stage}`}>{m.stage}</span>
                  {m.stage === 'canary' && m.canary_share !== null ? <span className="small"> {formatPercent(m.canary_share, 0)} of users</span> : null}
                </td>
                <td className="num">{metric(m.metrics.test, 'auc')}</td>
                <td className="num">{metric(m.metrics.test, 'averagePrecision')}</td>
                <td className="num">{metric(m.metrics.test, 'ece')}</td>
                <td className="small">
                  review ≥ {formatProbability(m.policy.review)}, block ≥ {formatProbability(m.policy.block)}
                </td>
                <td className="small">
                  {m.kind} on {formatNumber(m.training.rows ?? null)} rows · created {formatDateTime(m.created_at)}
                </td>
                <td>
                  <button type="button" onClick={() => setPromoting(m)} aria-label={`Change the stage of ${m.name} v${m.version}`}>
                    Change stage…
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <ModelComparison active={active} onTrial={onTrial} />
      {onTrial
        .filter((m) => m.stage === 'shadow')
        .map((m) => (
          <LiveComparison key={m.id} model={m} />
        ))}
      {promoting ? (
        <PromoteDialog
          model={promoting}
          onPromote={async (stage, canaryShare) => {
            await client.post(`/v1/admin/models/${encodeURIComponent(promoting.id)}/promote`, { stage, ...(stage === 'canary' ? { canary_share: canaryShare } : {}) });
            announce(`${promoting.name} v${promoting.version} is now ${stage}.`, '/models');
            models.reload();
          }}
          onClose={() => setPromoting(null)}
        />
      ) : null}
      {rollingBack ? (
        <ConfirmDialog
          title={`Roll back ${rollingBack}?`}
          confirmLabel="Roll back"
          danger
          onConfirm={async () => {
            await client.post('/v1/admin/models/rollback', { name: rollingBack });
            announce(`${rollingBack} rolled back to the previous active model.`, '/models');
            models.reload();
          }}
          onClose={() => setRollingBack(null)}
        >
          <p>The active {rollingBack} model is retired and the one active before it decides again, from the next request on.</p>
        </ConfirmDialog>
      ) : null}
    </Page>
  );
}

function metric(period: PeriodMetrics | undefined, key: keyof PeriodMetrics): string {
  const value = period?.[key];
  const definition = METRICS.find((m) => m.key === key)!;
  return typeof value === 'number' && Number.isFinite(value) ? definition.format(value) : '—';
}

/** The active model beside the models on trial, metric by metric, on their test periods. */
function ModelComparison({ active, onTrial }: { active: ModelView[]; onTrial: ModelView[] }) {
  const columns = [...active, ...onTrial];
  return (
    <section className="panel" aria-labelledby="comparison-heading">
      <h2 id="comparison-heading">Active and on trial</h2>
      {onTrial.length === 0 ? (
        <p className="muted">No model is in shadow or canary. Move a candidate to shadow to score it on live traffic beside the active model.</p>
      ) : (
        <table className="data-table comparison-table">
          <thead>
            <tr>
              <th scope="col">Test metric</th>
              {columns.map((m) => (
                <th key={m.id} scope="col" className="num">
                  {m.name} v{m.version} <span className={`badge badge-stage-${m.stage}`}>{m.stage}</span>
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {METRICS.map((definition) => (
              <tr key={definition.key}>
                <th scope="row">
                  {definition.label} {definition.better ? <span className="small muted">({definition.better} is better)</span> : null}
                </th>
                {columns.map((m) => (
                  <td key={m.id} className="num">
                    {metric(m.metrics.test, definition.key)}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function PromoteDialog({ model, onPromote, onClose }: { model: ModelView; onPromote(stage: Exclude<ModelStage, 'candidate'>, canaryShare: number): Promise<void>; onClose(): void }) {
  const shareId = useId();
  const choices = STAGE_CHOICES.filter((c) => c.stage !== model.stage);
  const [stage, setStage] = useState(choices[0]!.stage);
  const [sharePercent, setSharePercent] = useState(10);
  const chosen = STAGE_CHOICES.find((c) => c.stage === stage)!;
  return (
    <ConfirmDialog
      title={`Change the stage of ${model.name} v${model.version}`}
      confirmLabel={`Move to ${stage}`}
      danger={stage === 'active' || stage === 'retired'}
      typeToConfirm={stage === 'active' ? `${model.name} v${model.version}` : undefined}
      onConfirm={() => onPromote(stage, sharePercent / 100)}
      onClose={onClose}
    >
      <p>
        Now <strong>{model.stage}</strong>. <span className="mono small">{model.id}</span>
      </p>
      <fieldset className="stage-choices">
        <legend>New stage</legend>
        {choices.map((c) => (
          <label key={c.stage} className="radio">
            <input type="radio" name="stage" value={c.stage} checked={stage === c.stage} onChange={() => setStage(c.stage)} />
            <span>
              <strong>{c.label}</strong>: {c.effect}
            </span>
          </label>
        ))}
      </fieldset>
      {stage === 'canary' ? (
        <div className="field">
          <label htmlFor={shareId}>Share of users (%)</label>
          <input id={shareId} type="number" min={1} max={99} value={sharePercent} onChange={(e) => setSharePercent(Number(e.target.value))} required />
        </div>
      ) : null}
      <p className="small">
        From the next decision on, {model.name} v{model.version} {chosen.effect}.
      </p>
    </ConfirmDialog>
  );
}

const ACTIONS: DecisionAction[] = ['allow', 'review', 'block'];

/** A shadow model against the model that decided, on the latest live requests (from the decision log). */
function LiveComparison({ model }: { model: ModelView }) {
  const headingId = useId();
  const comparison = useApiData((api) => api.get<ShadowComparison>(`/v1/admin/models/${encodeURIComponent(model.id)}/comparison`), [model.id], { refreshMs: 30_000 });
  const c = comparison.data;
  return (
    <section className="panel" aria-labelledby={headingId}>
      <h2 id={headingId}>
        {model.name} v{model.version} in shadow, on live traffic
      </h2>
      <ErrorNotice error={comparison.error} context="The live comparison could not be loaded" />
      {!c ? null : c.decisions === 0 ? (
        <p className="muted">No decision has been scored by both models yet. Every request from now on is.</p>
      ) : (
        <>
          <p>
            On the latest <strong>{formatNumber(c.decisions)}</strong> decisions ({formatDateTime(c.from!)} to {formatDateTime(c.to!)}) the two models&apos; thresholds agree on{' '}
            <strong>{formatPercent(c.agreement)}</strong>; score correlation {c.score_correlation === null ? '—' : c.score_correlation.toFixed(3)}, mean score{' '}
            {formatProbability(c.mean_score.deciding)} deciding against {formatProbability(c.mean_score.shadow)} in shadow.
            {c.flagged_ratio === null ? null : ` The shadow model would flag ${c.flagged_ratio.toFixed(2)}× as many requests for review or block.`}
          </p>
          <table className="data-table comparison-table" aria-label="Actions of the deciding model (rows) against the shadow model (columns)">
            <thead>
              <tr>
                <th scope="col">Deciding model ↓ / shadow →</th>
                {ACTIONS.map((a) => (
                  <th key={a} scope="col" className="num">
                    {a}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {ACTIONS.map((row) => (
                <tr key={row}>
                  <th scope="row">{row}</th>
                  {ACTIONS.map((col) => (
                    <td key={col} className={row === col ? 'num strong' : 'num'}>
                      {formatNumber(c.matrix[row][col])}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}
