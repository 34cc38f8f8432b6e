// One review case: the evidence on the left, the review (claim, decide, escalate) and the case's
// history on the right. After a verdict the next open case opens, with a notice of the label appended.
import type { ReactNode } from 'react';
import type { CaseFile, CaseList } from '../api/types';
import { formatDeadline, formatMoney } from '../lib/format';
import { useApiData } from '../lib/useApiData';
import { useShortcuts } from '../lib/useShortcuts';
import { StatusBadge } from '../queue/StatusBadge';
import { Link, navigate } from '../shell/router';
import { useNotice } from '../shell/notice';
import { useSession } from '../shell/session';
import { ErrorNotice } from '../ui/ErrorNotice';
import { Kbd } from '../ui/Kbd';
import { Page } from '../ui/Page';
import { CaseHistory, DecisionSummary, FeatureTable, LinkedEntityList, MessageList, ReasonList, RequestSummary } from './CaseEvidence';
import { ReviewPanel } from './ReviewPanel';

export function CasePage({ caseId }: { caseId: string }) {
  const { client } = useSession();
  const { announce } = useNotice();
  const file = useApiData((api) => api.get<CaseFile>(`/v1/cases/${encodeURIComponent(caseId)}`), [caseId]);

  useShortcuts({ Escape: () => navigate('/') });

  /** The highest-priority open case, or the queue when none is left. */
  const moveOn = async (notice: ReactNode) => {
    // Two, in case the server still lists this one; when the lookup fails the queue shows why.
    const next = await client.get<CaseList>('/v1/cases', { status: 'open', sort: 'priority', limit: 2 }).catch(() => undefined);
    const nextCase = next?.cases.find((c) => c.id !== caseId);
    const path = nextCase ? `/cases/${nextCase.id}` : '/';
    announce(notice, path);
    navigate(path);
  };

  const c = file.data?.case;
  return (
    <Page
      title={`Case ${caseId}`}
      subtitle={
        c ? (
          <>
            {c.user ?? 'unknown user'} · {formatMoney(c.amount, c.currency)} · <StatusBadge summary={c} now={Date.now()} /> ·{' '}
            {c.sla_breached ? <span className="badge badge-danger">SLA breached</span> : c.status === 'decided' ? 'within SLA' : formatDeadline(c.sla_due_at, Date.now())}
          </>
        ) : null
      }
      actions={
        <Link to="/" className="button" aria-keyshortcuts="Escape">
          Back to the queue <Kbd>Esc</Kbd>
        </Link>
      }
    >
      <ErrorNotice error={file.error} context="The case could not be loaded" />
      {file.data && c ? (
        <div className="case-layout">
          <div className="case-evidence">
            <div className="two-up">
              <DecisionSummary decision={file.data.decision} />
              <RequestSummary request={file.data.request} />
            </div>
            <ReasonList decision={file.data.decision} />
            <FeatureTable features={file.data.features} />
            <MessageList messages={file.data.messages} />
          </div>
          <div className="case-aside">
            <ReviewPanel key={c.id} reviewCase={c} onChanged={file.reload} onFinished={moveOn} />
            <LinkedEntityList linked={file.data.linked} />
            <CaseHistory history={c.history} />
          </div>
        </div>
      ) : null}
    </Page>
  );
}
