import { useEffect, useState } from 'preact/hooks';
import { ApiError } from '../api.js';

/** A REST answer on its way: loading (with the previous answer, if any), ready, or failed. */
export type Load<T> =
  | { kind: 'loading'; previous: T | null }
  | { kind: 'ready'; value: T }
  | { kind: 'failed'; error: unknown; previous: T | null };

function latestOf<T>(load: Load<T>): T | null {
  return load.kind === 'ready' ? load.value : load.previous;
}

/**
 * Runs `fetcher` whenever `deps` change, aborting the request before; an answer that arrives after
 * the deps moved on is dropped, so what is shown always belongs to the current inputs.
 */
export function useLoad<T>(fetcher: (signal: AbortSignal) => Promise<T>, deps: readonly unknown[]): Load<T> {
  const [load, setLoad] = useState<Load<T>>({ kind: 'loading', previous: null });
  useEffect(() => {
    const abort = new AbortController();
    setLoad((prev) => ({ kind: 'loading', previous: latestOf(prev) }));
    fetcher(abort.signal).then(
      (value) => {
        if (!abort.signal.aborted) setLoad({ kind: 'ready', value });
      },
      (error: unknown) => {
        if (!abort.signal.aborted) setLoad((prev) => ({ kind: 'failed', error, previous: latestOf(prev) }));
      },
    );
    return () => abort.abort();
  }, deps);
  return load;
}

/** What went wrong, short and without stack traces: the server's LB_ERR_* code or the HTTP status. */
export function failureReason(error: unknown): string {
  if (error instanceof ApiError) return error.code ?? `HTTP ${error.status}`;
  if (error instanceof TypeError) return 'network';
  return error instanceof Error ? error.name : 'unknown';
}
