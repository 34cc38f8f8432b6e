// The review queue: cases worth the most (expected loss) or due soonest first, filtered by status and
// searched by user or event id. j/k or the arrow keys move between cases, Enter opens one, / searches.
import { useEffect, useId, useRef, useState } from 'react';
import type { CaseList, CaseStatus, CaseSummary } from '../api/types';
import { formatDeadline, formatMoney, formatProbability } from '../lib/format';
import { useApiData } from '../lib/useApiData';
import { useDebounced } from '../lib/useDebounced';
import { useShortcuts } from '../lib/useShortcuts';
import { Link, navigate, useLocation } from '../shell/router';
import { ErrorNotice } from '../ui/ErrorNotice';
import { Kbd } from '../ui/Kbd';
import { Page } from '../ui/Page';
import { QueueStatsPanel } from './QueueStatsPanel';
import { RecentLabels } from './RecentLabels';
import { StatusBadge } from './StatusBadge';

const PAGE_SIZE = 25;
const REFRESH_MS = 15_000;
const SEARCH_DELAY_MS = 300;

const STATUS_FILTERS: Array<{ value: CaseStatus | 'all'; label: string }> = [
  { value: 'open', label: 'Open' },
  { value: 'claimed', label: 'Claimed' },
  { value: 'escalated', label: 'Escalated' },
  { value: 'decided', label: 'Decided' },
  { value: 'all', label: 'All' },
];
const SORTS = [
  { value: 'priority', label: 'Expected loss (highest first)' },
  { value: 'sla', label: 'SLA deadline (soonest first)' },
];

interface QueueFilters {
  status: string;
  sort: string;
  q: string;
  page: number;
}

function queueFilters(query: URLSearchParams): QueueFilters {
  return { status: query.get('status') ?? 'open', sort: query.get('sort') ?? 'priority', q: query.get('q') ?? '', page: Math.max(0, Number(query.get('page') ?? 0) || 0) };
}

function queuePath(filters: QueueFilters): string {
  const params = new URLSearchParams();
  if (filters.status !== 'open') params.set('status', filters.status);
  if (filters.sort !== 'priority') params.set('sort', filters.sort);
  if (filters.q) params.set('q', filters.q);
  if (filters.page > 0) params.set('page', String(filters.page));
  const query = params.toString();
  return query ? `/?${query}` : '/';
}

export function QueuePage() {
  const { query } = useLocation();
  const filters = queueFilters(query);
  const statusId = useId();
  const sortId = useId();
  const searchId = useId();
  const searchInput = useRef<HTMLInputElement>(null);
  const rowLinks = useRef<Array<HTMLAnchorElement | null>>([]);
  const [searchText, setSearchText] = useState(filters.q);

  const queue = useApiData(
    (client) => client.get<CaseList>('/v1/cases', { status: filters.status, sort: filters.sort, q: filters.q, limit: PAGE_SIZE, offset: filters.page * PAGE_SIZE }),
    [filters],
    { refreshMs: REFRESH_MS },
  );
  const cases = queue.data?.cases ?? [];

  const update = (changes: Partial<QueueFilters>) => navigate(queuePath({ ...filters, page: 0, ...changes }), { replace: true });

  // Typing searches once it pauses; only a change of the settled text starts a search.
  const settledSearch = useDebounced(searchText.trim(), SEARCH_DELAY_MS);
  useEffect(() => {
    if (settledSearch !== filters.q) update({ q: settledSearch });
  }, [settledSearch]);

  // The current case is the one whose link has the focus; j/k move the focus, so Enter follows the link.
  const focusedRow = () => cases.findIndex((_, index) => rowLinks.current[index] === document.activeElement);
  const focusRow = (index: number) => rowLinks.current[Math.min(Math.max(index, 0), cases.length - 1)]?.focus();
  const moveFocus = (step: number) => {
    const current = focusedRow();
    focusRow(current === -1 ? 0 : current + step);
  };
  const openFirstCase = (event: KeyboardEvent) => {
    if (event.target instanceof Element && event.target.closest('a, button, input, select, textarea, summary')) return false;
    if (cases[0]) navigate(`/cases/${cases[0].id}`);
  };
  useShortcuts({
    j: () => moveFocus(1),
    ArrowDown: () => moveFocus(1),
    k: () => moveFocus(-1),
    ArrowUp: () => moveFocus(-1),
    Enter: openFirstCase,
    '/': () => searchInput.current?.focus(),
  });

  const total = queue.data?.total ?? 0;
  const first = filters.page * PAGE_SIZE;
  return (
    <Page title="Review queue" subtitle="Cases the decision service sent for review. Work the most expensive first; breached SLAs are flagged.">
      <QueueStatsPanel />
      <div className="queue-layout">
        <section aria-labelledby="cases-heading">
          <h2 id="cases-heading" className="visually-hidden">
            Cases
          </h2>
          <form className="toolbar" role="search" onSubmit={(event) => event.preventDefault()}>
            <div className="field field-inline">
              <label htmlFor={statusId}>Status</label>
              <select id={statusId} value={filters.status} onChange={(event) => update({ status: event.target.value })}>
                {STATUS_FILTERS.map((option) => (
                  <option key={option.value} value={option.value}>
                    {option.label}
                  </option>
                ))}
              </select>
            </div>
            <div className="field field-inline">
              <label htmlFor={sortId}>Sort by</label>
              <select id={sortId} value={filters.sort} onChange={(event) => update({ sort: event.target.value })}>
                {SORTS.map((option) => (
                  <option key={option.value} value={option.value}>
                    {option.label}
                  </option>
                ))}
              </select>
            </div>
            <div className="field field-inline field-grow">
              <label htmlFor={searchId}>
                Search <Kbd>/</Kbd>
              </label>
              <input
                id={searchId}
                ref={searchInput}
                type="search"
                placeholder="Case, user or event id"
                value={searchText}
                maxLength={200}
                aria-keyshortcuts="/"
                onChange={(event) => setSearchText(event.target.value)}
                onKeyDown={(event) => {
                  if (event.key === 'ArrowDown') {
                    event.preventDefault();
                    focusRow(0);
                  }
                }}
              />
            </div>
          </form>
          <ErrorNotice error={queue.error} context="The queue could not be loaded" />
          <div className="table-frame" aria-busy={queue.loading}>
            <table className="data-table queue-table">
              <caption className="visually-hidden">
                {STATUS_FILTERS.find((s) => s.value === filters.status)?.label ?? filters.status} cases, sorted by {filters.sort === 'sla' ? 'SLA deadline' : 'expected loss'}
              </caption>
              <thead>
                <tr>
                  <th scope="col" className="num">
                    Expected loss
                  </th>
                  <th scope="col">Case</th>
                  <th scope="col" className="num">
                    Amount
                  </th>
                  <th scope="col" className="num">
                    Score
                  </th>
                  <th scope="col">Status</th>
                  <th scope="col">SLA</th>
                  <th scope="col">Why</th>
                </tr>
              </thead>
              <tbody>
                {cases.map((c, index) => (
                  <QueueRow
                    key={c.id}
                    summary={c}
                    linkRef={(element) => {
                      rowLinks.current[index] = element;
                    }}
                  />
                ))}
              </tbody>
            </table>
            {queue.data && cases.length === 0 ? <p className="empty">No cases match. {filters.status === 'open' && !filters.q ? 'The queue is clear.' : null}</p> : null}
          </div>
          {total > 0 ? (
            <nav className="pager" aria-label="Queue pages">
              <span>
                {first + 1}–{Math.min(first + PAGE_SIZE, total)} of {total}
              </span>
              <button type="button" disabled={filters.page === 0} onClick={() => update({ page: filters.page - 1 })}>
                Previous
              </button>
              <button type="button" disabled={first + PAGE_SIZE >= total} onClick={() => update({ page: filters.page + 1 })}>
                Next
              </button>
            </nav>
          ) : null}
        </section>
        <aside className="queue-aside">
          <RecentLabels />
          <section className="panel" aria-labelledby="queue-keys-heading">
            <h2 id="queue-keys-heading">Keyboard</h2>
            <dl className="key-list">
              <dt>
                <kbd>j</kbd> <kbd>k</kbd> or <kbd>↓</kbd> <kbd>↑</kbd>
              </dt>
              <dd>next / previous case</dd>
              <dt>
                <kbd>Enter</kbd>
              </dt>
              <dd>open the selected case</dd>
              <dt>
                <kbd>/</kbd>
              </dt>
              <dd>search</dd>
            </dl>
          </section>
        </aside>
      </div>
    </Page>
  );
}

function QueueRow({ summary: c, linkRef }: { summary: CaseSummary; linkRef(element: HTMLAnchorElement | null): void }) {
  const now = Date.now();
  return (
    <tr className={c.sla_breached && c.status !== 'decided' ? 'row-breached' : undefined}>
      <td className="num strong">{formatMoney(c.priority, c.currency)}</td>
      <td>
        <Link to={`/cases/${c.id}`} ref={linkRef} className="row-link">
          {c.user ?? 'unknown user'}
        </Link>
        <div className="muted mono small">{c.event_id}</div>
      </td>
      <td className="num">{formatMoney(c.amount, c.currency)}</td>
      <td className="num">{formatProbability(c.score)}</td>
      <td>
        <StatusBadge summary={c} now={now} />
      </td>
      <td>
        {c.sla_breached ? <span className="badge badge-danger">SLA breached</span> : null}
        <div className={c.sla_breached ? 'small' : undefined}>{c.status === 'decided' ? (c.sla_breached ? 'decided late' : 'decided in time') : formatDeadline(c.sla_due_at, now)}</div>
      </td>
      <td className="reasons-cell">{c.reasons[0] ?? '—'}</td>
    </tr>
  );
}
