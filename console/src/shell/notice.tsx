// A short confirmation of what just happened ("Case … decided: fraud"), shown in a live region on the
// page it is meant for, which may be the page the user is sent to next.
import { createContext, useContext, useMemo, useState, type ReactNode } from 'react';

export interface Notice {
  message: ReactNode;
  /** The console path the notice is shown on. */
  path: string;
}

interface NoticeState {
  notice: Notice | null;
  announce(message: ReactNode, path: string): void;
  dismiss(): void;
}

const NoticeContext = createContext<NoticeState | null>(null);

export function NoticeProvider({ children }: { children: ReactNode }) {
  const [notice, setNotice] = useState<Notice | null>(null);
  const state = useMemo<NoticeState>(() => ({ notice, announce: (message, path) => setNotice({ message, path }), dismiss: () => setNotice(null) }), [notice]);
  return <NoticeContext.Provider value={state}>{children}</NoticeContext.Provider>;
}

export function useNotice(): NoticeState {
  const state = useContext(NoticeContext);
  if (!state) throw new Error('useNotice outside NoticeProvider');
  return state;
}
