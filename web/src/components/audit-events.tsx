import { useState } from 'react';
import { api, ok } from '../api/client.ts';
import { enc, Link } from '../router.tsx';
import { Async, Section, whenExact } from '../ui/basics.tsx';
import { useLoad } from '../ui/hooks.ts';

export type Filter = {
  subjectType?: string;
  subjectId?: string;
  /** An exact action code (for pages that list one kind of event). */
  action?: string;
  actorName?: string;
  subjectName?: string;
  actionFamily?: string;
  from?: string;
  to?: string;
};

/** The filter as query parameters: empty fields left out, newest first. */
export const filterQuery = (f: Filter) => ({
  ...(Object.fromEntries(Object.entries(f).filter(([, v]) => v)) as Filter),
  order: 'desc' as const,
});

export async function loadEvents(f: Filter, cursor?: string) {
  return ok(
    await api.GET('/api/v1/audit/events', {
      params: { query: { limit: 50, ...filterQuery(f), ...(cursor ? { cursor } : {}) } },
    }),
  );
}

type AuditEvent = Awaited<ReturnType<typeof loadEvents>>['items'][number];

/** Pages through the events a filter selects, newest first: a stack of cursors, one per page. */
export function useEventPages(filter: Filter) {
  const [cursors, setCursors] = useState<string[]>([]);
  const key = JSON.stringify(filter);
  const [seen, setSeen] = useState(key);
  if (seen !== key) {
    setSeen(key);
    setCursors([]);
  }
  const events = useLoad(() => loadEvents(filter, cursors.at(-1)), [key, cursors]);
  return {
    events,
    page: cursors.length + 1,
    back: () => setCursors(cursors.slice(0, -1)),
    next: (c: string) => setCursors([...cursors, c]),
  };
}

export function EventPager({
  pages,
  nextCursor,
}: {
  pages: ReturnType<typeof useEventPages>;
  nextCursor: string | null;
}) {
  return (
    <nav className="pager" aria-label="Pages">
      <button type="button" disabled={pages.page === 1} onClick={pages.back}>
        Newer
      </button>
      <span>Page {pages.page}</span>
      <button type="button" disabled={!nextCursor} onClick={() => nextCursor && pages.next(nextCursor)}>
        Older
      </button>
    </nav>
  );
}

/** The audit events of one subject, newest first, paged (the version page's timeline). */
export function AuditTimeline({ subjectType, subjectId }: { subjectType: string; subjectId: string }) {
  const pages = useEventPages({ subjectType, subjectId });
  return (
    <Section title="Audit timeline">
      <Async state={pages.events}>
        {(p) => (
          <>
            <EventTable items={p.items} />
            <EventPager pages={pages} nextCursor={p.nextCursor} />
          </>
        )}
      </Async>
    </Section>
  );
}

const TYPE_LABELS: Record<string, string> = {
  'use-case': 'use case',
  'model-version': 'version',
  'dataset-version': 'dataset version',
  'policy-pack': 'policy pack',
  'audit-trail': 'audit trail',
  'role-grant-request': 'role request',
  'lineage-run': 'lineage run',
  'data-subject-request': 'data-subject request',
};

/** A subject by its name, linked to its page when it has one; by its kind otherwise. */
export function SubjectName({ subject }: { subject: AuditEvent['subject'] }) {
  const kind = TYPE_LABELS[subject.type] ?? subject.type;
  if (subject.type === 'model-version' && subject.model && subject.version !== null)
    return <Link to={`/models/${enc(subject.model)}/versions/${subject.version}`}>{subject.name}</Link>;
  if (subject.type === 'model' && subject.model)
    return <Link to={`/models/${enc(subject.model)}`}>{subject.name}</Link>;
  if (subject.type === 'use-case' && subject.name)
    return <Link to={`/use-cases/${enc(subject.id)}`}>{subject.name}</Link>;
  if (subject.type === 'dataset' && subject.name)
    return <Link to={`/datasets/${enc(subject.id)}`}>{subject.name}</Link>;
  if (subject.name) return <>{subject.name}</>;
  // A request's subject reference stays off the trail; its page (for those who may read it) names it.
  if (subject.type === 'data-subject-request')
    return (
      <Link to={`/data-subject-requests/${enc(subject.id)}`} title={subject.id}>
        a {kind}
      </Link>
    );
  // Ids are for machines: the kind is shown, the id is there on hover and in the exports.
  return <span title={subject.id}>a {kind}</span>;
}

export function EventTable({ items }: { items: AuditEvent[] }) {
  if (items.length === 0) return <p className="muted">No events.</p>;
  return (
    <table className="grid">
      <thead>
        <tr>
          <th scope="col">#</th>
          <th scope="col">When</th>
          <th scope="col">Who</th>
          <th scope="col">Action</th>
          <th scope="col">Subject</th>
          <th scope="col">Reason</th>
        </tr>
      </thead>
      <tbody>
        {items.map((e) => (
          <tr key={e.seq}>
            <td>{e.seq}</td>
            <td>
              <time dateTime={e.time}>{whenExact(e.time)}</time>
            </td>
            <td>
              {e.actor.name}
              <div className="sub" title={e.actor.token ? `API token ${e.actor.token}` : undefined}>
                {e.actor.kind === 'system' ? 'the system' : e.actor.token ? 'with an API token' : 'signed in'}
              </div>
            </td>
            <td>
              <code>{e.action}</code>
            </td>
            <td>
              <SubjectName subject={e.subject} />
              <div className="sub">{TYPE_LABELS[e.subject.type] ?? e.subject.type}</div>
            </td>
            <td>{e.reason ?? ''}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
