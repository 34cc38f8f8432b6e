// Client-side routing under /console with the History API; the server answers every console path
// with the app (src/console/plugin.ts), so each page has a URL that can be bookmarked and reloaded.
import { useSyncExternalStore, type AnchorHTMLAttributes, type MouseEvent, type Ref } from 'react';

export const BASE_PATH = '/console';
const NAVIGATED = 'riskgate:navigated';

export interface Location {
  /** The path inside the console, starting with `/`. */
  path: string;
  query: URLSearchParams;
}

function subscribe(onChange: () => void): () => void {
  window.addEventListener('popstate', onChange);
  window.addEventListener(NAVIGATED, onChange);
  return () => {
    window.removeEventListener('popstate', onChange);
    window.removeEventListener(NAVIGATED, onChange);
  };
}

const currentHref = () => window.location.pathname + window.location.search;

export function useLocation(): Location {
  const href = useSyncExternalStore(subscribe, currentHref);
  const url = new URL(href, window.location.origin);
  const inside = url.pathname.startsWith(BASE_PATH) ? url.pathname.slice(BASE_PATH.length) : url.pathname;
  return { path: inside === '' ? '/' : inside, query: url.searchParams };
}

/** Go to a console path (`/cases/case_1`, `/?status=open`). */
export function navigate(to: string, options: { replace?: boolean } = {}): void {
  const href = BASE_PATH + to;
  if (href === currentHref()) return;
  if (options.replace) window.history.replaceState(null, '', href);
  else window.history.pushState(null, '', href);
  window.dispatchEvent(new Event(NAVIGATED));
}

type LinkProps = Omit<AnchorHTMLAttributes<HTMLAnchorElement>, 'href'> & { to: string; ref?: Ref<HTMLAnchorElement> };

/** A real link (open in a new tab works) that navigates inside the app on a plain click. */
export function Link({ to, onClick, ref, ...rest }: LinkProps) {
  const follow = (event: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(event);
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(to);
  };
  return <a ref={ref} href={BASE_PATH + to} onClick={follow} {...rest} />;
}
