// The signed-in API key. It lives in sessionStorage (gone when the tab closes) and goes out as
// `Authorization: Bearer` on every call; whether it is an admin key decides which controls are shown.
import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from 'react';
import { ApiClient, ApiError } from '../api/client';
import { forgetLeases } from '../case/leases';

const STORAGE_KEY = 'riskgate.session';

interface StoredSession {
  apiKey: string;
  isAdmin: boolean;
}

export interface Session {
  client: ApiClient;
  isAdmin: boolean;
  signOut(): void;
}

interface SessionState {
  session: Session | null;
  /** Why the last session ended, when the server ended it. */
  endedBecause: string | null;
  signIn(apiKey: string): Promise<void>;
}

const SessionContext = createContext<SessionState | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [stored, setStored] = useState<StoredSession | null>(readStoredSession);
  const [endedBecause, setEndedBecause] = useState<string | null>(null);

  const end = useCallback((reason: string | null) => {
    sessionStorage.removeItem(STORAGE_KEY);
    forgetLeases();
    setStored(null);
    setEndedBecause(reason);
  }, []);

  const signIn = useCallback(async (apiKey: string) => {
    const isAdmin = await checkKey(apiKey);
    const next = { apiKey, isAdmin };
    sessionStorage.setItem(STORAGE_KEY, JSON.stringify(next));
    setEndedBecause(null);
    setStored(next);
  }, []);

  const session = useMemo<Session | null>(() => {
    if (!stored) return null;
    const client = new ApiClient(stored.apiKey, () => end('The server no longer accepts this API key (revoked or unknown). Sign in again.'));
    return { client, isAdmin: stored.isAdmin, signOut: () => end(null) };
  }, [stored, end]);

  const state = useMemo(() => ({ session, endedBecause, signIn }), [session, endedBecause, signIn]);
  return <SessionContext.Provider value={state}>{children}</SessionContext.Provider>;
}

export function useSessionState(): SessionState {
  const state = useContext(SessionContext);
  if (!state) throw new Error('useSessionState outside SessionProvider');
  return state;
}

/** The signed-in session; only used below the sign-in gate. */
export function useSession(): Session {
  const { session } = useSessionState();
  if (!session) throw new Error('useSession without a signed-in session');
  return session;
}

function readStoredSession(): StoredSession | null {
  try {
    const value = JSON.parse(sessionStorage.getItem(STORAGE_KEY) ?? 'null') as StoredSession | null;
    return value && typeof value.apiKey === 'string' ? value : null;
  } catch {
    return null;
  }
}

/**
 * Whether the key may use the console (it needs the review scope, which admin includes) and whether it
 * is an admin key, from what the server says about the key. Throws an ApiError that says what is wrong.
 */
async function checkKey(apiKey: string): Promise<boolean> {
  let me: { scopes: string[] };
  try {
    me = await new ApiClient(apiKey).get<{ scopes: string[] }>('/v1/me');
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) throw new ApiError(401, 'unauthorized', 'This API key is not valid: it is unknown or has been revoked.');
    throw error;
  }
  const isAdmin = me.scopes.includes('admin');
  if (!isAdmin && !me.scopes.includes('review')) {
    throw new ApiError(403, 'forbidden', `This API key cannot use the console: it has the ${me.scopes.join(', ')} scope${me.scopes.length === 1 ? '' : 's'} and needs review (or admin).`);
  }
  return isAdmin;
}
