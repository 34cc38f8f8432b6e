// Create or change a rule, and backtest its expression over the event log before saving it. An
// expression that does not compile is shown with its position, and the cursor is put there.
import { useId, useRef, useState, type FormEvent } from 'react';
import { asApiError, type ApiError } from '../api/client';
import type { BacktestReport, Rule, RuleAction } from '../api/types';
import { useNotice } from '../shell/notice';
import { useSession } from '../shell/session';
import { ErrorNotice } from '../ui/ErrorNotice';
import { BacktestResults } from './BacktestResults';
import { ExpressionError } from './ExpressionError';

const ACTIONS: Array<{ value: RuleAction; label: string }> = [
  { value: 'block', label: 'block' },
  { value: 'review', label: 'review' },
  { value: 'allow', label: 'allow (allow-list)' },
  { value: 'tag', label: 'tag (label only)' },
];
const DEFAULT_MATURITY_DAYS = 21;
const DAY = 86_400_000;

interface Draft {
  id: string;
  name: string;
  description: string;
  expression: string;
  action: RuleAction;
  priority: number;
  shadow: boolean;
  enabled: boolean;
}

const NEW_RULE: Draft = { id: '', name: '', description: '', expression: '', action: 'review', priority: 300, shadow: true, enabled: true };

function draftOf(rule: Rule): Draft {
  const { id, name, description, expression, action, priority, shadow, enabled } = rule;
  return { id, name, description, expression, action, priority, shadow, enabled };
}

export interface RuleEditorProps {
  /** The rule to change; null to write a new one. */
  rule: Rule | null;
  onSaved(rule: Rule): void;
  onClose(): void;
}

export function RuleEditor({ rule, onSaved, onClose }: RuleEditorProps) {
  const { client, isAdmin } = useSession();
  const { announce } = useNotice();
  const ids = { id: useId(), name: useId(), description: useId(), expression: useId(), action: useId(), priority: useId(), error: useId(), maturity: useId(), from: useId(), to: useId() };
  const expressionField = useRef<HTMLTextAreaElement>(null);
  const [draft, setDraft] = useState<Draft>(rule ? draftOf(rule) : NEW_RULE);
  // The newest compile error, from saving or backtesting; shown while the expression is unchanged.
  const [compileError, setCompileError] = useState<{ error: ApiError; expression: string }>();
  const [saveError, setSaveError] = useState<ApiError>();
  const [saving, setSaving] = useState(false);
  const [period, setPeriod] = useState({ from: '', to: '', maturityDays: DEFAULT_MATURITY_DAYS });
  const [backtest, setBacktest] = useState<{ running: boolean; report?: BacktestReport; error?: ApiError }>({ running: false });

  const change = <K extends keyof Draft>(field: K, value: Draft[K]) => setDraft((d) => ({ ...d, [field]: value }));
  const positioned = compileError && compileError.expression === draft.expression && compileError.error.position ? compileError : undefined;

  /** Put the cursor where the expression stops making sense. */
  const showCompileError = (error: ApiError) => {
    if (!error.position) return;
    setCompileError({ error, expression: draft.expression });
    const field = expressionField.current;
    if (!field) return;
    field.focus();
    const at = Math.min(error.position.offset, draft.expression.length);
    field.setSelectionRange(Math.max(0, at === draft.expression.length ? at - 1 : at), at + 1);
  };

  const save = async (event: FormEvent) => {
    event.preventDefault();
    setSaving(true);
    setSaveError(undefined);
    const fields = { name: draft.name, description: draft.description, expression: draft.expression, action: draft.action, priority: draft.priority, shadow: draft.shadow, enabled: draft.enabled };
    try {
      const saved = rule
        ? await client.put<Rule>(`/v1/admin/rules/${encodeURIComponent(rule.id)}`, { ...fields, expected_version: rule.version })
        : await client.post<Rule>('/v1/admin/rules', { id: draft.id, ...fields });
      announce(`Rule ${saved.id} saved as version ${saved.version}.`, '/rules');
      onSaved(saved);
    } catch (failure) {
      const error = asApiError(failure);
      if (error.position) showCompileError(error);
      else setSaveError(error);
    } finally {
      setSaving(false);
    }
  };

  const runBacktest = async () => {
    setBacktest({ running: true });
    try {
      const report = await client.post<BacktestReport>('/v1/admin/rules/backtest', {
        expression: draft.expression,
        maturity_days: period.maturityDays,
        ...(period.from ? { from: Date.parse(period.from) } : {}),
        ...(period.to ? { to: Date.parse(period.to) + DAY } : {}),
      });
      setBacktest({ running: false, report });
    } catch (failure) {
      const error = asApiError(failure);
      if (error.position) {
        showCompileError(error);
        setBacktest({ running: false });
      } else setBacktest({ running: false, error });
    }
  };

  const readOnly = !isAdmin;
  return (
    <section className="panel rule-editor" aria-labelledby="rule-editor-heading">
      <div className="panel-heading">
        <h2 id="rule-editor-heading">{rule ? `Rule ${rule.id} (version ${rule.version})` : 'New rule'}</h2>
        <button type="button" className="button-quiet" onClick={onClose}>
          Close
        </button>
      </div>
      {readOnly ? <p className="notice notice-info">Your key can backtest an expression; saving a rule needs an admin key.</p> : null}
      <form onSubmit={save}>
        {rule ? null : (
          <div className="field">
            <label htmlFor={ids.id}>Id</label>
            <input id={ids.id} value={draft.id} onChange={(e) => change('id', e.target.value)} required pattern="[a-z][a-z0-9_\-]{0,63}" spellCheck={false} readOnly={readOnly} />
            <p className="field-hint">Lower-case letters, digits, _ or -; it cannot change later.</p>
          </div>
        )}
        <div className="field">
          <label htmlFor={ids.name}>Name</label>
          <input id={ids.name} value={draft.name} onChange={(e) => change('name', e.target.value)} required maxLength={200} readOnly={readOnly} />
        </div>
        <div className="field">
          <label htmlFor={ids.expression}>Expression (CEL)</label>
          <textarea
            id={ids.expression}
            ref={expressionField}
            className="code-input"
            rows={6}
            value={draft.expression}
            onChange={(e) => change('expression', e.target.value)}
            spellCheck={false}
            required
            aria-invalid={positioned ? true : undefined}
            aria-describedby={positioned ? ids.error : undefined}
          />
          {positioned ? <ExpressionError id={ids.error} message={positioned.error.message} position={positioned.error.position!} expression={positioned.expression} /> : null}
          <p className="field-hint">
            Reads <code>request</code>, <code>features</code> and lists (<code>in_list('stolen_cards', request.entities.card)</code>); see docs/RULES.md.
          </p>
        </div>
        <div className="field-row">
          <div className="field">
            <label htmlFor={ids.action}>Action</label>
            <select id={ids.action} value={draft.action} onChange={(e) => change('action', e.target.value as RuleAction)} disabled={readOnly}>
              {ACTIONS.map((a) => (
                <option key={a.value} value={a.value}>
                  {a.label}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor={ids.priority}>Priority</label>
            <input id={ids.priority} type="number" step={1} value={draft.priority} onChange={(e) => change('priority', Number(e.target.value))} readOnly={readOnly} />
          </div>
          <label className="checkbox">
            <input type="checkbox" checked={draft.shadow} onChange={(e) => change('shadow', e.target.checked)} disabled={readOnly} /> Shadow (count, never act)
          </label>
          <label className="checkbox">
            <input type="checkbox" checked={draft.enabled} onChange={(e) => change('enabled', e.target.checked)} disabled={readOnly} /> Enabled
          </label>
        </div>
        <div className="field">
          <label htmlFor={ids.description}>Description</label>
          <textarea id={ids.description} rows={2} value={draft.description} onChange={(e) => change('description', e.target.value)} maxLength={2000} readOnly={readOnly} />
        </div>
        <ErrorNotice error={saveError} context="Not saved" />
        {readOnly ? null : (
          <button type="submit" className="button-primary" disabled={saving} aria-busy={saving}>
            {saving ? 'Saving…' : rule ? 'Save as a new version' : 'Create rule'}
          </button>
        )}
      </form>

      <fieldset className="backtest-form">
        <legend>Backtest: what would this expression have caught?</legend>
        <div className="field-row">
          <div className="field">
            <label htmlFor={ids.from}>From</label>
            <input id={ids.from} type="date" value={period.from} onChange={(e) => setPeriod((p) => ({ ...p, from: e.target.value }))} />
          </div>
          <div className="field">
            <label htmlFor={ids.to}>To (inclusive)</label>
            <input id={ids.to} type="date" value={period.to} onChange={(e) => setPeriod((p) => ({ ...p, to: e.target.value }))} />
          </div>
          <div className="field">
            <label htmlFor={ids.maturity}>Label maturity (days)</label>
            <input id={ids.maturity} type="number" min={0} max={365} value={period.maturityDays} onChange={(e) => setPeriod((p) => ({ ...p, maturityDays: Number(e.target.value) }))} />
          </div>
          <button type="button" onClick={runBacktest} disabled={backtest.running || draft.expression.trim() === ''} aria-busy={backtest.running}>
            {backtest.running ? 'Replaying the log…' : 'Run backtest'}
          </button>
        </div>
        <p className="field-hint">Without dates, the whole event log. Fraud labels count when they arrived within the maturity after the event.</p>
      </fieldset>
      <ErrorNotice error={backtest.error} context="Backtest failed" />
      {backtest.report ? <BacktestResults report={backtest.report} ruleId={rule?.id ?? null} /> : null}
    </section>
  );
}
