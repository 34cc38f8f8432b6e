// Named lists the rules read (stolen cards, blocked devices, allowed users …): their entries, and adding
// or removing entries. Lists keep no history, so a removal asks first.
import { useId, useState, type FormEvent } from 'react';
import { asApiError, type ApiError } from '../api/client';
import type { ListEntry, NamedList } from '../api/types';
import { formatDateTime } from '../lib/format';
import { useApiData } from '../lib/useApiData';
import { useNotice } from '../shell/notice';
import { useSession } from '../shell/session';
import { ConfirmDialog } from '../ui/ConfirmDialog';
import { ErrorNotice } from '../ui/ErrorNotice';
import { Page } from '../ui/Page';

export function ListsPage() {
  const lists = useApiData((client) => client.get<{ lists: NamedList[] }>('/v1/admin/lists'), []);
  const [selected, setSelected] = useState<string | null>(null);
  const list = lists.data?.lists.find((l) => l.name === (selected ?? lists.data?.lists[0]?.name));

  return (
    <Page title="Lists" subtitle="Values the rules look up with in_list(…). E-mail addresses are stored normalised and hashed.">
      <ErrorNotice error={lists.error} context="The lists could not be loaded" />
      <div className="split-layout split-narrow">
        <nav aria-label="Lists" className="panel list-picker">
          <ul>
            {lists.data?.lists.map((l) => (
              <li key={l.name}>
                <button type="button" className="picker-item" aria-current={l.name === list?.name ? 'true' : undefined} onClick={() => setSelected(l.name)}>
                  <span className="mono strong">{l.name}</span>
                  <span className="small muted">
                    {l.kind} · {l.description}
                  </span>
                </button>
              </li>
            ))}
          </ul>
        </nav>
        {list ? <ListEntries key={list.name} list={list} /> : null}
      </div>
    </Page>
  );
}

/** Entries shown at a time: a sanctions list can hold 100,000. */
const ENTRIES_PAGE = 200;

function ListEntries({ list }: { list: NamedList }) {
  const { client, isAdmin } = useSession();
  const { announce } = useNotice();
  const path = `/v1/admin/lists/${encodeURIComponent(list.name)}/entries`;
  const [offset, setOffset] = useState(0);
  const entries = useApiData((api) => api.get<{ entries: ListEntry[]; total: number }>(`${path}?limit=${ENTRIES_PAGE}&offset=${offset}`), [path, offset]);
  const valueId = useId();
  const noteId = useId();
  const [value, setValue] = useState('');
  const [note, setNote] = useState('');
  const [adding, setAdding] = useState(false);
  const [addError, setAddError] = useState<ApiError>();
  const [removing, setRemoving] = useState<string | null>(null);

  const add = async (event: FormEvent) => {
    event.preventDefault();
    setAdding(true);
    setAddError(undefined);
    try {
      await client.post(path, { entries: [{ value: value.trim(), ...(note.trim() ? { note: note.trim() } : {}) }] });
      announce(`Added ${value.trim()} to ${list.name}.`, '/lists');
      setValue('');
      setNote('');
      entries.reload();
    } catch (failure) {
      setAddError(asApiError(failure));
    } finally {
      setAdding(false);
    }
  };

  return (
    <section className="panel" aria-labelledby="entries-heading">
      <h2 id="entries-heading">
        <span className="mono">{list.name}</span> <span className="small muted">({list.kind})</span>
      </h2>
      <p className="muted wrap-anywhere">{list.description}</p>
      {isAdmin ? (
        <form className="toolbar" onSubmit={add} aria-label={`Add an entry to ${list.name}`}>
          <div className="field field-inline field-grow">
            <label htmlFor={valueId}>Value</label>
            <input id={valueId} value={value} onChange={(e) => setValue(e.target.value)} required spellCheck={false} maxLength={256} />
          </div>
          <div className="field field-inline field-grow">
            <label htmlFor={noteId}>Note</label>
            <input id={noteId} value={note} onChange={(e) => setNote(e.target.value)} placeholder="Why it is listed" maxLength={500} />
          </div>
          <button type="submit" className="button-primary" disabled={adding || value.trim() === ''} aria-busy={adding}>
            Add entry
          </button>
        </form>
      ) : (
        <p className="notice notice-info">Changing a list needs an admin key.</p>
      )}
      <ErrorNotice error={addError} context="Not added" />
      <ErrorNotice error={entries.error} context="The entries could not be loaded" />
      {entries.data && entries.data.total === 0 ? <p className="empty">The list is empty.</p> : null}
      {entries.data && entries.data.total > ENTRIES_PAGE ? (
        <div className="toolbar" role="group" aria-label="Pages of entries">
          <span className="small muted">
            Entries {Math.min(offset + 1, entries.data.total)}–{Math.min(offset + entries.data.entries.length, entries.data.total)} of {entries.data.total}, newest first
          </span>
          <button type="button" className="button-quiet" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - ENTRIES_PAGE))}>
            Newer
          </button>
          <button type="button" className="button-quiet" disabled={offset + ENTRIES_PAGE >= entries.data.total} onClick={() => setOffset(offset + ENTRIES_PAGE)}>
            Older
          </button>
        </div>
      ) : null}
      {entries.data && entries.data.entries.length > 0 ? (
        <table className="data-table">
          <thead>
            <tr>
              <th scope="col">Value</th>
              <th scope="col">Note</th>
              <th scope="col">Added</th>
              <th scope="col">Expires</th>
              {isAdmin ? (
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              ) : null}
            </tr>
          </thead>
          <tbody>
            {entries.data.entries.map((entry) => (
              <tr key={entry.value}>
                <th scope="row" className="mono">
                  {entry.value}
                </th>
                <td>{entry.note ?? ''}</td>
                <td className="small">
                  {formatDateTime(entry.addedAt)} <span className="muted">by {entry.addedBy}</span>
                </td>
                <td className="small">{entry.expiresAt ? formatDateTime(entry.expiresAt) : 'never'}</td>
                {isAdmin ? (
                  <td>
                    <button type="button" className="button-quiet" onClick={() => setRemoving(entry.value)} aria-label={`Remove ${entry.value}`}>
                      Remove
                    </button>
                  </td>
                ) : null}
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {removing !== null ? (
        <ConfirmDialog
          title={`Remove from ${list.name}?`}
          confirmLabel="Remove entry"
          danger
          onConfirm={async () => {
            setAddError(undefined);
            await client.delete(path, { values: [removing] });
            announce(`Removed ${removing} from ${list.name}.`, '/lists');
            entries.reload();
          }}
          onClose={() => setRemoving(null)}
        >
          <p>
            <code>{removing}</code> will no longer match <code>in_list('{list.name}', …)</code> in any rule, from the next decision on.
          </p>
        </ConfirmDialog>
      ) : null}
    </section>
  );
}
