// Working a case: claim it (a lease, so two reviewers never decide the same case), then decide fraud or
// legit with a note, or escalate it. Every step has a key: c claims, f / l / e pick the outcome and put
// the cursor in the note, Enter submits, r releases.
import { useId, useRef, useState, type ReactNode } from 'react';
import { ApiError, asApiError } from '../api/client';
import type { CaseDetail, CaseVerdict, Lease } from '../api/types';
import { formatClock } from '../lib/format';
import { useShortcuts } from '../lib/useShortcuts';
import { useSession } from '../shell/session';
import { ErrorNotice } from '../ui/ErrorNotice';
import { Kbd } from '../ui/Kbd';
import { forgetLease, heldLease, rememberLease } from './leases';

type Outcome = CaseVerdict | 'escalate';

const OUTCOMES: Array<{ value: Outcome; label: string; key: string; submitLabel: string }> = [
  { value: 'fraud', label: 'Fraud', key: 'f', submitLabel: 'Decide: fraud' },
  { value: 'legit', label: 'Legitimate', key: 'l', submitLabel: 'Decide: legitimate' },
  { value: 'escalate', label: 'Escalate', key: 'e', submitLabel: 'Escalate' },
];

export interface ReviewPanelProps {
  reviewCase: CaseDetail;
  /** The case changed on the server (claimed, released): show it again. */
  onChanged(): void;
  /** The case left this reviewer's hands (decided or escalated): move on. */
  onFinished(notice: ReactNode): void;
}

export function ReviewPanel({ reviewCase: c, onChanged, onFinished }: ReviewPanelProps) {
  const { client } = useSession();
  const noteId = useId();
  const [lease, setLease] = useState<Lease | null>(() => heldLease(c));
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error>();
  const noteField = useRef<HTMLTextAreaElement>(null);
  const firstOutcome = useRef<HTMLInputElement>(null);

  const run = async (work: () => Promise<void>) => {
    if (busy) return;
    setBusy(true);
    setError(undefined);
    try {
      await work();
    } catch (failure) {
      setError(asApiError(failure));
      // A conflict means this tab holds no lease any more (it lapsed, or another reviewer has the case).
      if (failure instanceof ApiError && failure.status === 409) {
        forgetLease(c.id);
        setLease(null);
        onChanged();
      }
    } finally {
      setBusy(false);
    }
  };

  const claim = () =>
    run(async () => {
      const granted = await client.post<Lease>(`/v1/cases/${encodeURIComponent(c.id)}/claim`, {});
      rememberLease(c.id, granted);
      setLease(granted);
      onChanged();
      // The claim button is gone; the outcome choice is next — unless the reviewer already picked an
      // outcome (f / l / e) before this frame, which put the focus in the note: it stays there.
      requestAnimationFrame(() => {
        if (document.activeElement !== noteField.current) firstOutcome.current?.focus();
      });
    });

  const release = () =>
    run(async () => {
      if (!lease) return;
      await client.post(`/v1/cases/${encodeURIComponent(c.id)}/release`, { lease_id: lease.lease_id });
      forgetLease(c.id);
      setLease(null);
      setOutcome(null);
      onChanged();
    });

  const choose = (chosen: Outcome) => {
    if (!lease) {
      setError(new Error('Claim the case first (press c).'));
      return;
    }
    setOutcome(chosen);
    noteField.current?.focus();
  };

  const submit = (event: { preventDefault(): void }) => {
    event.preventDefault();
    if (!lease || !outcome) return;
    if (note.trim() === '') {
      setError(new Error('Write a note: what you saw and why you decided so.'));
      noteField.current?.focus();
      return;
    }
    void run(async () => {
      const path = `/v1/cases/${encodeURIComponent(c.id)}`;
      if (outcome === 'escalate') {
        await client.post(`${path}/escalate`, { lease_id: lease.lease_id, note: note.trim() });
        forgetLease(c.id);
        onFinished(<>Case {c.id} escalated.</>);
        return;
      }
      const result = await client.post<{ label_event_id: string }>(`${path}/decide`, { lease_id: lease.lease_id, verdict: outcome, note: note.trim() });
      forgetLease(c.id);
      onFinished(
        <>
          Case {c.id} decided <strong>{outcome === 'fraud' ? 'fraud' : 'legitimate'}</strong>; label event <code className="label-event-id">{result.label_event_id}</code> appended to the event log.
        </>,
      );
    });
  };

  const open = c.status !== 'decided';
  useShortcuts({
    c: () => (open && !lease ? void claim() : false),
    f: () => (open ? choose('fraud') : false),
    l: () => (open ? choose('legit') : false),
    e: () => (open ? choose('escalate') : false),
    r: () => (lease ? void release() : false),
  });

  if (!open) {
    return (
      <section className="panel review-panel" aria-labelledby="review-heading">
        <h2 id="review-heading">Verdict</h2>
        <p>
          <span className={`badge badge-${c.verdict === 'fraud' ? 'danger' : 'ok'}`}>{c.verdict === 'fraud' ? 'Fraud' : 'Legitimate'}</span>
        </p>
        {c.note ? <blockquote className="note">{c.note}</blockquote> : null}
        {c.label_event_id ? (
          <p>
            Label event <code className="label-event-id">{c.label_event_id}</code>
          </p>
        ) : null}
      </section>
    );
  }

  const claimedByOther = !lease && c.claimed_by !== null && (c.lease_expires_at ?? 0) > Date.now();
  const chosen = OUTCOMES.find((o) => o.value === outcome);
  return (
    <section className="panel review-panel" aria-labelledby="review-heading" aria-busy={busy}>
      <h2 id="review-heading">Review</h2>
      {lease ? (
        <>
          <p className="lease">
            You hold this case until <strong>{formatClock(lease.expires_at)}</strong>.
          </p>
          <form onSubmit={submit}>
            <fieldset className="outcomes">
              <legend>Outcome</legend>
              {OUTCOMES.map((option, index) => (
                <label key={option.value} className={`outcome outcome-${option.value}`}>
                  <input
                    ref={index === 0 ? firstOutcome : undefined}
                    type="radio"
                    name="outcome"
                    value={option.value}
                    checked={outcome === option.value}
                    onChange={() => setOutcome(option.value)}
                    aria-keyshortcuts={option.key}
                  />
                  {option.label} <Kbd>{option.key}</Kbd>
                </label>
              ))}
            </fieldset>
            <div className="field">
              <label htmlFor={noteId}>Note</label>
              <textarea
                id={noteId}
                ref={noteField}
                rows={3}
                value={note}
                onChange={(event) => setNote(event.target.value)}
                onKeyDown={(event) => {
                  if (event.key === 'Enter' && !event.shiftKey) submit(event);
                  if (event.key === 'Escape') event.currentTarget.blur();
                }}
                placeholder="What you saw and why"
                aria-describedby={`${noteId}-hint`}
              />
              <p id={`${noteId}-hint`} className="field-hint">
                <kbd>Enter</kbd> submits, <kbd>Shift</kbd>+<kbd>Enter</kbd> starts a new line, <kbd>Esc</kbd> leaves the note.
              </p>
            </div>
            <ErrorNotice error={error} />
            <div className="button-row">
              <button type="submit" className={outcome === 'fraud' ? 'button-danger' : 'button-primary'} disabled={!chosen || busy}>
                {chosen ? chosen.submitLabel : 'Choose an outcome'}
              </button>
              <button type="button" onClick={release} disabled={busy} aria-keyshortcuts="r">
                Release <Kbd>r</Kbd>
              </button>
            </div>
          </form>
        </>
      ) : (
        <>
          {claimedByOther ? (
            <p className="notice notice-warning">
              Claimed by <strong>{c.claimed_by}</strong> until {formatClock(c.lease_expires_at!)}.
            </p>
          ) : (
            <p>Claim the case to decide it. The claim is a lease: if you leave it, the case returns to the queue.</p>
          )}
          <ErrorNotice error={error} />
          <button type="button" className="button-primary" onClick={claim} disabled={busy} aria-keyshortcuts="c">
            Claim <Kbd>c</Kbd>
          </button>
        </>
      )}
    </section>
  );
}
