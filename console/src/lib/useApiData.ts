// Data from the API for a view: loaded when its inputs change, optionally refreshed on a timer, and
// reloadable after a change. While a refresh runs the previous data stays on screen; while other inputs
// load it is gone, unless the view asks to keep it (a curve that follows a slider).
import { useCallback, useEffect, useState } from 'react';
import { asApiError, type ApiClient, type ApiError } from '../api/client';
import { useSession } from '../shell/session';

export interface ApiData<T> {
  data: T | undefined;
  error: ApiError | undefined;
  loading: boolean;
  reload(): void;
}

interface Loaded<T> {
  /** The inputs the data was loaded for: data of other inputs is never shown. */
  inputs: string;
  data?: T;
  error?: ApiError;
  loading: boolean;
}

export interface ApiDataOptions {
  refreshMs?: number;
  /** No refreshing on the timer while true. */
  paused?: boolean;
  /** Show the data of the previous inputs until the new ones arrive. */
  keepPrevious?: boolean;
}

export function useApiData<T>(load: (client: ApiClient) => Promise<T>, inputs: readonly unknown[], options: ApiDataOptions = {}): ApiData<T> {
  const { refreshMs, paused, keepPrevious } = options;
  const { client } = useSession();
  const inputsKey = JSON.stringify(inputs);
  const [state, setState] = useState<Loaded<T>>({ inputs: inputsKey, loading: true });
  const [generation, setGeneration] = useState(0);
  const reload = useCallback(() => setGeneration((g) => g + 1), []);

  useEffect(() => {
    let current = true;
    setState((previous) => {
      if (previous.inputs === inputsKey) return { ...previous, loading: true };
      return keepPrevious ? { inputs: inputsKey, data: previous.data, loading: true } : { inputs: inputsKey, loading: true };
    });
    load(client).then(
      (data) => current && setState({ inputs: inputsKey, data, loading: false }),
      (error: unknown) => current && setState((previous) => ({ ...previous, error: asApiError(error), loading: false })),
    );
    return () => {
      current = false;
    };
    // `load` is a new function on every render: what it reads is in inputsKey.
  }, [client, inputsKey, generation]);

  useEffect(() => {
    if (!refreshMs || paused) return;
    const timer = setInterval(() => {
      if (!document.hidden) reload();
    }, refreshMs);
    return () => clearInterval(timer);
  }, [refreshMs, paused, reload]);

  const fresh = state.inputs === inputsKey;
  return { data: fresh || keepPrevious ? state.data : undefined, error: fresh ? state.error : undefined, loading: !fresh || state.loading, reload };
}
