// A modal confirmation for changes that act on live traffic (promotions, thresholds, the kill switch).
// The native <dialog> keeps focus inside and closes on Escape; for the most drastic changes the user
// types a word to confirm. A failed call is shown inside the dialog, which stays open.
import { useEffect, useId, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { asApiError, type ApiError } from '../api/client';
import { ErrorNotice } from './ErrorNotice';

export interface ConfirmDialogProps {
  title: string;
  children: ReactNode;
  confirmLabel: string;
  /** A word the user must type before the change can be confirmed. */
  typeToConfirm?: string;
  danger?: boolean;
  onConfirm(): Promise<void>;
  onClose(): void;
}

export function ConfirmDialog({ title, children, confirmLabel, typeToConfirm, danger, onConfirm, onClose }: ConfirmDialogProps) {
  const dialog = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const typedId = useId();
  const [typed, setTyped] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError>();

  useEffect(() => {
    const element = dialog.current;
    if (element && !element.open) element.showModal();
  }, []);

  const confirmed = typeToConfirm === undefined || typed.trim() === typeToConfirm;
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!confirmed || busy) return;
    setBusy(true);
    setError(undefined);
    try {
      await onConfirm();
      onClose();
    } catch (failure) {
      setError(asApiError(failure));
      setBusy(false);
    }
  };

  return (
    <dialog ref={dialog} className="dialog" aria-labelledby={titleId} onClose={onClose}>
      <form onSubmit={submit}>
        <h2 id={titleId}>{title}</h2>
        <div className="dialog-body">{children}</div>
        {typeToConfirm !== undefined ? (
          <div className="field">
            <label htmlFor={typedId}>
              Type <strong>{typeToConfirm}</strong> to confirm
            </label>
            <input id={typedId} value={typed} onChange={(event) => setTyped(event.target.value)} autoComplete="off" spellCheck={false} />
          </div>
        ) : null}
        <ErrorNotice error={error} />
        <div className="dialog-actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className={danger ? 'button-danger' : 'button-primary'} disabled={!confirmed || busy} aria-busy={busy}>
            {busy ? 'Working…' : confirmLabel}
          </button>
        </div>
      </form>
    </dialog>
  );
}
