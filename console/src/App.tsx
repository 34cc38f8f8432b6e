// The console: sign in, then one page per path under /console.
import { Fragment, type ComponentType } from 'react';
import { CasePage } from './case/CasePage';
import { KillSwitchPage } from './kill-switch/KillSwitchPage';
import { ListsPage } from './lists/ListsPage';
import { ModelsPage } from './models/ModelsPage';
import { QueuePage } from './queue/QueuePage';
import { RulesPage } from './rules/RulesPage';
import { Layout } from './shell/Layout';
import { NoticeProvider } from './shell/notice';
import { ReadinessProvider } from './shell/readiness';
import { Link, useLocation } from './shell/router';
import { SessionProvider, useSessionState } from './shell/session';
import { SignInPage } from './shell/SignInPage';
import { ThresholdsPage } from './thresholds/ThresholdsPage';
import { TopRiskPage } from './top-risk/TopRiskPage';
import { Page } from './ui/Page';

export function App() {
  return (
    <SessionProvider>
      <SignedIn />
    </SessionProvider>
  );
}

function SignedIn() {
  const { session } = useSessionState();
  if (!session) return <SignInPage />;
  return (
    <NoticeProvider>
      <ReadinessProvider>
        <Layout>
          <CurrentPage />
        </Layout>
      </ReadinessProvider>
    </NoticeProvider>
  );
}

const PAGES: Record<string, ComponentType> = {
  '/': QueuePage,
  '/rules': RulesPage,
  '/lists': ListsPage,
  '/models': ModelsPage,
  '/thresholds': ThresholdsPage,
  '/top-risk': TopRiskPage,
  '/kill-switch': KillSwitchPage,
};

/** The page of the current path, mounted afresh on every path so it starts at its heading. */
function CurrentPage() {
  const { path } = useLocation();
  const caseId = /^\/cases\/([^/]+)$/.exec(path)?.[1];
  const StaticPage = PAGES[path];
  return <Fragment key={path}>{caseId ? <CasePage caseId={decodeURIComponent(caseId)} /> : StaticPage ? <StaticPage /> : <NotFoundPage path={path} />}</Fragment>;
}

function NotFoundPage({ path }: { path: string }) {
  return (
    <Page title="Page not found">
      <p>
        There is no console page at <code>{path}</code>. <Link to="/">Go to the review queue</Link>.
      </p>
    </Page>
  );
}
