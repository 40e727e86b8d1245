import { useCallback, useEffect, useRef, useState } from 'react';

export interface Loaded<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload: () => void;
}

/** Runs `load` when `deps` change (dropping answers that arrive after newer ones) and on reload(). */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): Loaded<T> {
  const [state, setState] = useState<{ data: T | undefined; error: unknown; loading: boolean }>({
    data: undefined,
    error: undefined,
    loading: true,
  });
  const [tick, setTick] = useState(0);
  const seq = useRef(0);
  useEffect(() => {
    const mine = ++seq.current;
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (data) => mine === seq.current && setState({ data, error: undefined, loading: false }),
      (error: unknown) => mine === seq.current && setState({ data: undefined, error, loading: false }),
    );
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((n) => n + 1), []);
  return { ...state, reload };
}

// Every action on screen hears of every success: an old refusal does not linger beside a later success.
const succeeded = new Set<() => void>();

/**
 * An action's running state, last problem and success confirmation, for buttons and forms. A
 * problem is cleared when this or any other action on screen next succeeds; the confirmation
 * (`success`, or a message `run` returns) is cleared when the action runs again.
 */
export function useAction<A extends unknown[]>(run: (...args: A) => Promise<void | string>, success = 'Done.') {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [done, setDone] = useState<string | null>(null);
  useEffect(() => {
    const clear = () => setError(undefined);
    succeeded.add(clear);
    return () => void succeeded.delete(clear);
  }, []);
  const act = async (...args: A) => {
    setBusy(true);
    setError(undefined);
    setDone(null);
    try {
      const said = await run(...args);
      for (const clear of succeeded) clear();
      setDone(typeof said === 'string' ? said : success);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return { act, busy, error, done, clear: () => (setError(undefined), setDone(null)) };
}

/** `value`, once it has stopped changing for `ms` (what a read asked while typing waits for). */
export function useDebounced<T>(value: T, ms = 300): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return settled;
}
