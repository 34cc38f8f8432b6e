// The rules the decision path evaluates, highest priority first, and an editor to change one, write a
// new one, or backtest an expression.
import { useState } from 'react';
import type { Rule } from '../api/types';
import { useApiData } from '../lib/useApiData';
import { useSession } from '../shell/session';
import { ErrorNotice } from '../ui/ErrorNotice';
import { Page } from '../ui/Page';
import { RuleEditor } from './RuleEditor';

type Editing = { kind: 'rule'; id: string } | { kind: 'new' } | null;

export function RulesPage() {
  const { isAdmin } = useSession();
  const rules = useApiData((client) => client.get<{ rules: Rule[]; rules_version: string }>('/v1/admin/rules'), []);
  const [editing, setEditing] = useState<Editing>(null);
  const editedRule = editing?.kind === 'rule' ? rules.data?.rules.find((r) => r.id === editing.id) : undefined;

  return (
    <Page
      title="Rules"
      subtitle={rules.data ? <>Rule set version <code>{rules.data.rules_version}</code>. Shadow rules are evaluated and counted, never acted on.</> : null}
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
                <th scope="col" className="num">
                  Priority
                </th>
                <th scope="col">Mode</th>
                <th scope="col" className="num">
                  Version
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
                  <td className="num">{rule.priority}</td>
                  <td>
                    {rule.enabled ? null : <span className="badge badge-neutral">disabled</span>} {rule.shadow ? <span className="badge badge-shadow">shadow</span> : <span className="badge badge-ok">live</span>}
                  </td>
                  <td className="num">{rule.version}</td>
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
