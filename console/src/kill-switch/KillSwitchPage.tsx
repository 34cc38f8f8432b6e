// The kill switch turns every model off: decisions fall back to the rules alone and say so
// (`degraded: kill_switch`). Turning it on or off is confirmed by typing a word.
import { useId, useState } from 'react';
import { useApiData } from '../lib/useApiData';
import { useNotice } from '../shell/notice';
import { useReadiness } from '../shell/readiness';
import { useSession } from '../shell/session';
import { ConfirmDialog } from '../ui/ConfirmDialog';
import { ErrorNotice } from '../ui/ErrorNotice';
import { Page } from '../ui/Page';

const TITLE = 'Kill switch';

export function KillSwitchPage() {
  const { isAdmin } = useSession();
  const readiness = useReadiness();
  if (isAdmin) return <KillSwitchControl />;
  return (
    <Page title={TITLE}>
      <ErrorNotice error={readiness.error} />
      {readiness.data ? <KillSwitchState enabled={readiness.data.kill_switch} /> : null}
      <p className="notice notice-info">Turning the kill switch on or off needs an admin key.</p>
    </Page>
  );
}

function KillSwitchState({ enabled }: { enabled: boolean }) {
  return enabled ? (
    <div className="kill-state kill-state-on">
      <p className="kill-state-title">On: models are off</p>
      <p>Every decision is made by the rules alone and reports <code>degraded: kill_switch</code>.</p>
    </div>
  ) : (
    <div className="kill-state kill-state-off">
      <p className="kill-state-title">Off: models are deciding</p>
      <p>Decisions use the active model (and the canary), the rules and the thresholds.</p>
    </div>
  );
}

function KillSwitchControl() {
  const { client } = useSession();
  const { announce } = useNotice();
  const readiness = useReadiness();
  const reasonId = useId();
  const state = useApiData((api) => api.get<{ enabled: boolean }>('/v1/admin/kill-switch'), []);
  const [confirming, setConfirming] = useState(false);
  const [reason, setReason] = useState('');
  const enabled = state.data?.enabled;

  return (
    <Page title={TITLE} subtitle="For emergencies: a model misbehaving, a feature store that cannot be trusted. Rules keep running.">
      <ErrorNotice error={state.error} context="The kill switch state could not be read" />
      {enabled !== undefined ? (
        <>
          <KillSwitchState enabled={enabled} />
          <button type="button" className={enabled ? 'button-primary' : 'button-danger'} onClick={() => setConfirming(true)}>
            {enabled ? 'Turn models back on…' : 'Turn models off (kill switch)…'}
          </button>
        </>
      ) : null}
      {confirming && enabled !== undefined ? (
        <ConfirmDialog
          title={enabled ? 'Turn the models back on?' : 'Pull the kill switch?'}
          confirmLabel={enabled ? 'Turn models on' : 'Turn models off'}
          typeToConfirm={enabled ? 'RESUME' : 'KILL'}
          danger={!enabled}
          onConfirm={async () => {
            await client.put('/v1/admin/kill-switch', { enabled: !enabled, ...(reason.trim() ? { reason: reason.trim() } : {}) });
            announce(enabled ? 'Kill switch off: models are deciding again.' : 'Kill switch on: decisions use the rules alone.', '/kill-switch');
            setReason('');
            state.reload();
            readiness.reload();
          }}
          onClose={() => setConfirming(false)}
        >
          <p>
            {enabled
              ? 'From the next request on, the active model (and the canary) decide again.'
              : 'From the next request on, no model is scored: the rules alone decide, and every decision says degraded: kill_switch.'}
          </p>
          <div className="field">
            <label htmlFor={reasonId}>Reason (for the audit log)</label>
            <input id={reasonId} value={reason} onChange={(e) => setReason(e.target.value)} maxLength={500} />
          </div>
        </ConfirmDialog>
      ) : null}
    </Page>
  );
}
