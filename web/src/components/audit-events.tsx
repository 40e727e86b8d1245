import { api, ok } from '../api/client.ts';
import { Async, Section, when } from '../ui/basics.tsx';
import { useLoad } from '../ui/hooks.ts';

export type Filter = { subjectType?: string; subjectId?: string; action?: string; from?: string; to?: string };

export async function loadEvents(f: Filter, cursor?: string) {
  return ok(
    await api.GET('/api/v1/audit/events', {
      params: {
        query: {
          limit: 50,
          ...Object.fromEntries(Object.entries(f).filter(([, v]) => v)),
          ...(cursor ? { cursor } : {}),
        },
      },
    }),
  );
}

/** The audit events of one subject, newest last (the version page's timeline). */
export function AuditTimeline({ subjectType, subjectId }: { subjectType: string; subjectId: string }) {
  const events = useLoad(() => loadEvents({ subjectType, subjectId }), [subjectType, subjectId]);
  return (
    <Section title="Audit timeline">
      <Async state={events}>{(p) => <EventTable items={p.items} />}</Async>
    </Section>
  );
}

export function EventTable({ items }: { items: Awaited<ReturnType<typeof loadEvents>>['items'] }) {
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
            <td>{when(e.time)}</td>
            <td>
              {e.actor.name}
              <div className="sub">
                {e.actor.kind}
                {e.actor.token ? ` · token ${e.actor.token}` : ''}
              </div>
            </td>
            <td>
              <code>{e.action}</code>
            </td>
            <td>
              {e.subject.type}
              <div className="sub">
                <code>{e.subject.id}</code>
              </div>
            </td>
            <td>{e.reason ?? ''}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
