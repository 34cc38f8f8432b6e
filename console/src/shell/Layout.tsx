// The frame around every signed-in page: navigation, who is signed in, the kill-switch banner and the
// live region for notices.
import type { ReactNode } from 'react';
import { Link, useLocation } from './router';
import { useNotice } from './notice';
import { useReadiness } from './readiness';
import { useSession } from './session';

const SECTIONS: Array<{ to: string; label: string; owns(path: string): boolean }> = [
  { to: '/', label: 'Review queue', owns: (path) => path === '/' || path.startsWith('/cases/') },
  { to: '/rules', label: 'Rules', owns: (path) => path === '/rules' },
  { to: '/lists', label: 'Lists', owns: (path) => path === '/lists' },
  { to: '/models', label: 'Models', owns: (path) => path === '/models' },
  { to: '/thresholds', label: 'Thresholds', owns: (path) => path === '/thresholds' },
  { to: '/top-risk', label: 'Top risky accounts', owns: (path) => path === '/top-risk' },
  { to: '/kill-switch', label: 'Kill switch', owns: (path) => path === '/kill-switch' },
];

export function Layout({ children }: { children: ReactNode }) {
  const { path } = useLocation();
  const { isAdmin, signOut } = useSession();
  const { notice, dismiss } = useNotice();
  const readiness = useReadiness();

  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <Link to="/" className="brand">
          riskgate <span>console</span>
        </Link>
        <nav aria-label="Sections">
          <ul>
            {SECTIONS.map((section) => (
              <li key={section.to}>
                <Link to={section.to} aria-current={section.owns(path) ? 'page' : undefined}>
                  {section.label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <div className="account">
          <span className="badge">{isAdmin ? 'Admin key' : 'Reviewer key'}</span>
          <button type="button" onClick={signOut}>
            Sign out
          </button>
        </div>
      </header>
      {readiness.data?.kill_switch ? (
        <div className="banner banner-danger" role="alert">
          The kill switch is on: models are off and decisions use the rules alone (<code>degraded: kill_switch</code>). <Link to="/kill-switch">Kill switch</Link>
        </div>
      ) : null}
      <main id="main">
        <div className="notice-region" role="status" aria-live="polite">
          {notice && notice.path === path ? (
            <div className="notice notice-success">
              <span>{notice.message}</span>
              <button type="button" className="button-quiet" onClick={dismiss} aria-label="Dismiss notice">
                ×
              </button>
            </div>
          ) : null}
        </div>
        {children}
      </main>
    </div>
  );
}
