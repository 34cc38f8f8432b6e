// Sign in with an API key (`riskgate keys create --scopes review`, or the admin key `npm start` prints).
import { useEffect, useId, useState, type FormEvent } from 'react';
import { asApiError, type ApiError } from '../api/client';
import { ErrorNotice } from '../ui/ErrorNotice';
import { useSessionState } from './session';

export function SignInPage() {
  const { signIn, endedBecause } = useSessionState();
  const keyId = useId();
  const hintId = useId();
  const [apiKey, setApiKey] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError>();

  useEffect(() => {
    document.title = 'Sign in · riskgate console';
  }, []);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await signIn(apiKey.trim());
    } catch (failure) {
      setError(asApiError(failure));
      setBusy(false);
    }
  };

  return (
    <main className="sign-in">
      <form onSubmit={submit} aria-labelledby="sign-in-title">
        <h1 id="sign-in-title">
          riskgate <span>console</span>
        </h1>
        <p>Sign in with an API key that has the review scope. An admin key also manages rules, models, thresholds and the kill switch.</p>
        {endedBecause ? (
          <div className="notice notice-warning" role="status">
            {endedBecause}
          </div>
        ) : null}
        <div className="field">
          <label htmlFor={keyId}>API key</label>
          <input
            id={keyId}
            type="password"
            value={apiKey}
            onChange={(event) => setApiKey(event.target.value)}
            autoComplete="off"
            spellCheck={false}
            required
            autoFocus
            aria-describedby={hintId}
            aria-invalid={error ? true : undefined}
          />
          <p id={hintId} className="field-hint">
            Kept in this browser tab only (session storage) and sent as <code>Authorization: Bearer</code>. Create one with{' '}
            <code>riskgate keys create --name you --scopes review</code>.
          </p>
        </div>
        <ErrorNotice error={error} />
        <button type="submit" className="button-primary" disabled={busy || apiKey.trim() === ''} aria-busy={busy}>
          {busy ? 'Checking the key…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
