// The server's readiness (/readyz): which model is active and whether the kill switch is on. Every page
// shows the kill switch; the threshold explorer needs the active model.
import { createContext, useContext, type ReactNode } from 'react';
import type { Readiness } from '../api/types';
import { useApiData, type ApiData } from '../lib/useApiData';

const REFRESH_MS = 15_000;
const ReadinessContext = createContext<ApiData<Readiness> | null>(null);

export function ReadinessProvider({ children }: { children: ReactNode }) {
  const readiness = useApiData((client) => client.get<Readiness>('/readyz'), [], { refreshMs: REFRESH_MS });
  return <ReadinessContext.Provider value={readiness}>{children}</ReadinessContext.Provider>;
}

export function useReadiness(): ApiData<Readiness> {
  const readiness = useContext(ReadinessContext);
  if (!readiness) throw new Error('useReadiness outside ReadinessProvider');
  return readiness;
}
