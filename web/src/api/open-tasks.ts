import { useEffect, useSyncExternalStore } from 'react';
import { afterWrites, api, ok } from './client.ts';

// The number of open tasks in the signed-in person's inbox, which the menu and the home page show.
// It is asked for once when a session starts and again after each change the console makes
// (signing, recording evidence, completing or assigning a task may each open or close tasks), not
// on every page: the menu is on every page, and the count costs the server a query over the tasks.
let count: number | undefined;
/** The session (the `/me` answer it started with) the count belongs to. */
let owner: object | undefined;
let asked = 0;
const listeners = new Set<() => void>();

function publish(n: number | undefined): void {
  count = n;
  listeners.forEach((l) => l());
}

async function refresh(): Promise<void> {
  const mine = ++asked;
  try {
    const n = ok(await api.GET('/api/v1/tasks/count', { params: { query: { status: 'open' } } })).count;
    // An answer overtaken by a later question is dropped.
    if (mine === asked) publish(n);
  } catch {
    // The badge keeps what it showed; a session that ended is handled by the client.
  }
}

afterWrites(() => {
  if (listeners.size > 0) void refresh();
});

const subscribe = (l: () => void) => {
  listeners.add(l);
  return () => void listeners.delete(l);
};

/**
 * The open-task count of the session whose `/me` answer is `session` (undefined until known). The
 * first caller in a session asks the server; the others share its answer.
 */
export function useOpenTaskCount(session: object): number | undefined {
  useEffect(() => {
    if (owner === session) return;
    owner = session;
    publish(undefined);
    void refresh();
  }, [session]);
  return useSyncExternalStore(subscribe, () => (owner === session ? count : undefined));
}
