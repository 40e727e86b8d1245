import { useEffect, useState } from 'react';
import { api, ok } from '../api/client.ts';
import { enc, Link } from '../router.tsx';
import { useSession } from '../session.tsx';

// Names are asked for in batches: a page that shows twenty authors makes one request, and a name
// once known is not asked for again while the console is open.
const known = new Map<string, string | null>();
const waiting = new Map<string, ((name: string | null) => void)[]>();
let queued = false;

function flush() {
  queued = false;
  const ids = [...waiting.keys()].filter((id) => !known.has(id)).slice(0, 200);
  if (ids.length === 0) return;
  void api.GET('/api/v1/people', { params: { query: { id: ids } } }).then(
    (res) => {
      const found = new Map(ok(res).items.map((p) => [p.id, p.displayName]));
      for (const id of ids) settle(id, found.get(id) ?? null);
    },
    () => ids.forEach((id) => settle(id, null)),
  );
  if (waiting.size > ids.length) queue();
}
function settle(id: string, name: string | null) {
  known.set(id, name);
  for (const f of waiting.get(id) ?? []) f(name);
  waiting.delete(id);
}
function queue() {
  if (queued) return;
  queued = true;
  queueMicrotask(flush);
}

/** The display name of a user id (undefined while it is asked for, null for an unknown id). */
export function usePersonName(id: string | null | undefined): string | null | undefined {
  const [name, setName] = useState<string | null | undefined>(id ? known.get(id) : null);
  useEffect(() => {
    if (!id) return setName(null);
    if (known.has(id)) return setName(known.get(id));
    const list = waiting.get(id) ?? [];
    list.push(setName);
    waiting.set(id, list);
    queue();
    return () => {
      const l = waiting.get(id);
      if (l)
        waiting.set(
          id,
          l.filter((f) => f !== setName),
        );
    };
  }, [id]);
  return name;
}

/**
 * A person by display name, never by id. For those who may read the audit trail the name links to
 * what that person did there.
 */
export function Person({
  id,
  none = '—',
  link = true,
}: {
  id: string | null | undefined;
  none?: string;
  /** False inside another control (a button), where a link may not go. */
  link?: boolean;
}) {
  const name = usePersonName(id);
  const { me } = useSession();
  const auditor = me.roles.some((r) => r.scope === '*' && (r.role === 'risk-audit' || r.role === 'admin'));
  if (!id) return <>{none}</>;
  if (name === undefined) return <span aria-busy="true">…</span>;
  if (name === null) return <>a former user</>;
  return auditor && link ? <Link to={`/audit?actorName=${enc(name)}`}>{name}</Link> : <>{name}</>;
}
