/** Small hooks the screens share: loading data, running an action, cursor paging. */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { describe } from './api.ts';

export interface Loaded<T> {
  data: T | null;
  error: string;
  loading: boolean;
  reload(): void;
}

/** Runs `load` now and whenever `deps` change; only the latest run's answer is kept. */
export function useLoad<T>(load: () => Promise<T>, deps: readonly unknown[]): Loaded<T> {
  const [state, setState] = useState<{ data: T | null; error: string; loading: boolean }>({
    data: null,
    error: '',
    loading: true,
  });
  const [round, setRound] = useState(0);
  const latest = useRef(0);
  useEffect(() => {
    const run = ++latest.current;
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (data) => run === latest.current && setState({ data, error: '', loading: false }),
      (e: unknown) => run === latest.current && setState({ data: null, error: describe(e), loading: false }),
    );
  }, [...deps, round]);
  const reload = useCallback(() => setRound((r) => r + 1), []);
  return { ...state, reload };
}

export interface Action {
  busy: boolean;
  error: string;
  done: string;
  /** Runs `work`; what it resolves to is shown as done, what it throws as the error. */
  run(work: () => Promise<string | undefined>): Promise<boolean>;
  clear(): void;
}

export function useAction(): Action {
  const [state, setState] = useState({ busy: false, error: '', done: '' });
  const run = useCallback(async (work: () => Promise<string | undefined>) => {
    setState({ busy: true, error: '', done: '' });
    try {
      const done = (await work()) ?? '';
      setState({ busy: false, error: '', done });
      return true;
    } catch (e) {
      setState({ busy: false, error: describe(e), done: '' });
      return false;
    }
  }, []);
  const clear = useCallback(() => setState({ busy: false, error: '', done: '' }), []);
  return { ...state, run, clear };
}

export interface Cursor {
  /** The cursor of the page shown ('' for the first). */
  current: string;
  /** 1 for the first page. */
  page: number;
  next(cursor: string): void;
  previous(): void;
  reset(): void;
}

/** Pages of a list read with a `Next` cursor: the cursors of the pages visited, to go back. */
export function useCursor(): Cursor {
  const [stack, setStack] = useState<string[]>(['']);
  return {
    current: stack[stack.length - 1] ?? '',
    page: stack.length,
    next: (cursor) => setStack((s) => [...s, cursor]),
    previous: () => setStack((s) => (s.length > 1 ? s.slice(0, -1) : s)),
    reset: () => setStack(['']),
  };
}

export interface OlderPages<T> {
  /** Every row read so far, newest first. */
  rows: T[];
  /** Whether an older page may exist. */
  hasOlder: boolean;
  loading: boolean;
  error: string;
  /** Appends the next older page. */
  loadOlder(): void;
  /** Reads again from the newest. */
  reload(): void;
}

/**
 * A list read newest first, a page at a time, older pages appended on request: `read(cursor)`
 * answers a page and the cursor of the next older one (undefined: none). Read again from the
 * newest whenever `deps` change; only the latest read's answer is kept.
 */
export function useOlderPages<T, C>(
  read: (cursor: C | undefined) => Promise<{ rows: T[]; older: C | undefined }>,
  deps: readonly unknown[],
): OlderPages<T> {
  const [rows, setRows] = useState<T[]>([]);
  const [older, setOlder] = useState<C | undefined>(undefined);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState('');
  const [round, setRound] = useState(0);
  const latest = useRef(0);

  const load = async (cursor: C | undefined) => {
    const run = ++latest.current;
    setLoading(true);
    try {
      const page = await read(cursor);
      if (run !== latest.current) return;
      setRows((before) => (cursor === undefined ? page.rows : [...before, ...page.rows]));
      setOlder(page.older);
      setError('');
    } catch (e) {
      if (run === latest.current) setError(describe(e));
    } finally {
      if (run === latest.current) setLoading(false);
    }
  };
  useEffect(() => {
    void load(undefined);
  }, [...deps, round]);

  return {
    rows,
    hasOlder: older !== undefined,
    loading,
    error,
    loadOlder: () => void load(older),
    reload: () => setRound((r) => r + 1),
  };
}
