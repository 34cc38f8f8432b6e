// The rules the decision path evaluates, highest priority first, and an editor to change one, write a
// new one, or backtest an expression.
import { useState } from 'react';
import type { Rule } from '../api/types';
import { formatDateTime, formatNumber, formatPercent } from '../lib/format';
import { useApiData } from '../lib/useApiData';
import { useSession } from '../shell/session';
import { ErrorNotice } from '../ui/ErrorNotice';
import { Page } from '../ui/Page';
import { RuleEditor } from './RuleEditor';

type Editing = { kind: 'rule'; id: string } | { kind: 'new' } | null;

interface RuleCounts {
  since: number;
  decisions: number;
  rules: Record<string, { hits: number; shadow_hits: number; errors: number } | undefined>;
}

export function RulesPage() {
  const { isAdmin } = useSession();
  const rules = useApiData((client) => client.get<{ rules: Rule[]; rules_version: string; counts: RuleCounts }>('/v1/admin/rules'), []);
  const [editing, setEditing] = useState<Editing>(null);
  const counts = rules.data?.counts ?? { since: 0, decisions: 0, rules: {} };
  const editedRule = editing?.kind === 'rule' ? rules.data?.rules.find((r) => r.id === editing.id) : undefined;

  return (
    <Page
      title="Rules"
      subtitle={
        rules.data ? (
          <>
            Rule set version <code>{rules.data.rules_version}</code>. Shadow rules are evaluated and counted, never acted on. Hits and errors are counted over the{' '}
            {formatNumber(rules.data.counts.decisions)} decisions since the server started ({formatDateTime(rules.data.counts.since)}).
          </>
        ) : null
      }
      actions={
        <button type="button" className="button-primary" onClick={() => setEditing({ kind: 'new' })}>
          {isAdmin ? 'New rule' : 'Backtest an expression'}
        </button>
      }
    >
      <ErrorNotice error={rules.error} context="The rules could not be loaded" />
      <div className={editing ? 'split-layout' : undefined}>
        <div className="table-frame">
          <table className="data-table rules-table">
            <thead>
              <tr>
                <th scope="col">Rule</th>
                <th scope="col">Action</th>
                <th scope="col" className="num col-secondary">
                  Priority
                </th>
                <th scope="col">Mode</th>
                <th scope="col" className="num col-secondary">
                  Version
                </th>
                <th scope="col" className="num">
                  Hits
                </th>
                <th scope="col" className="num">
                  Errors
                </th>
              </tr>
            </thead>
            <tbody>
              {rules.data?.rules.map((rule) => (
                <tr key={rule.id} aria-current={editing?.kind === 'rule' && editing.id === rule.id ? 'true' : undefined} className={rule.enabled ? undefined : 'row-disabled'}>
                  <td>
                    <button type="button" className="link-button mono strong" onClick={() => setEditing({ kind: 'rule', id: rule.id })} aria-label={`Edit rule ${rule.id}`}>
                      {rule.id}
                    </button>
                    <div>{rule.name}</div>
                    <code className="expression">{rule.expression}</code>
                  </td>
                  <td>
                    <span className={`badge badge-action-${rule.action}`}>{rule.action}</span>
                  </td>
                  <td className="num col-secondary">{rule.priority}</td>
                  <td>
                    {rule.enabled ? null : <span className="badge badge-neutral">disabled</span>} {rule.shadow ? <span className="badge badge-shadow">shadow</span> : <span className="badge badge-ok">live</span>}
                  </td>
                  <td className="num col-secondary">{rule.version}</td>
                  <RuleCountCells counts={counts} rule={rule} />
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        {editing && (editing.kind === 'new' || editedRule) ? (
          <RuleEditor
            key={editedRule ? `${editedRule.id}@${editedRule.version}` : 'new'}
            rule={editedRule ?? null}
            onSaved={(saved) => {
              setEditing({ kind: 'rule', id: saved.id });
              rules.reload();
            }}
            onClose={() => setEditing(null)}
          />
        ) : null}
      </div>
    </Page>
  );
}

function RuleCountCells({ counts, rule }: { counts: RuleCounts; rule: Rule }) {
  const count = counts.rules[rule.id];
  const hits = (count?.hits ?? 0) + (count?.shadow_hits ?? 0);
  return (
    <>
      <td className="num">
        {formatNumber(hits)}
        {counts.decisions > 0 && hits > 0 ? <div className="small muted">{formatPercent(hits / counts.decisions)}</div> : null}
      </td>
      <td className={count?.errors ? 'num text-danger' : 'num'}>{formatNumber(count?.errors ?? 0)}</td>
    </>
  );
}
