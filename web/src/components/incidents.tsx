import { useState } from 'react';
import { api, ok } from '../api/client.ts';
import { Async, Badge, Field, Section, when, Outcome } from '../ui/basics.tsx';
import { useAction, useLoad } from '../ui/hooks.ts';
import { useSession } from '../session.tsx';
import { NotOffered } from './gated.tsx';

/** Incidents of the use case, and opening one (serious incidents of high-risk use cases carry an Art. 73 deadline). */
export function Incidents({ useCaseId, team }: { useCaseId: string; team: string }) {
  // Opening, reporting and closing incidents need alert:write in the use case's team.
  const mayNot = useSession().why('alert:write', team);
  const incidents = useLoad(() => loadIncidents(useCaseId), [useCaseId]);
  const [title, setTitle] = useState('');
  const [severity, setSeverity] = useState<'minor' | 'major' | 'serious'>('major');
  const [category, setCategory] = useState('');
  const open = useAction(async () => {
    ok(
      await api.POST('/api/v1/use-cases/{id}/incidents', {
        params: { path: { id: useCaseId } },
        body: { title, severity, ...(category ? { category: category as 'standard' } : {}) },
      }),
    );
    setTitle('');
    incidents.reload();
  });
  return (
    <Section title="Incidents">
      <Async state={incidents}>{(items) => <IncidentTable items={items} onChanged={incidents.reload} />}</Async>
      {mayNot ? (
        <NotOffered what="Opening an incident" reason={mayNot} />
      ) : (
        <form
          className="form inline"
          onSubmit={(e) => {
            e.preventDefault();
            void open.act();
          }}
        >
          <Field label="Incident title">
            <input value={title} onChange={(e) => setTitle(e.target.value)} required />
          </Field>
          <Field label="Severity">
            <select value={severity} onChange={(e) => setSeverity(e.target.value as typeof severity)}>
              {['minor', 'major', 'serious'].map((x) => (
                <option key={x}>{x}</option>
              ))}
            </select>
          </Field>
          <Field label="Art. 73 category">
            <select value={category} onChange={(e) => setCategory(e.target.value)}>
              <option value="">none</option>
              {['standard', 'widespread', 'critical-infrastructure', 'death'].map((x) => (
                <option key={x}>{x}</option>
              ))}
            </select>
          </Field>
          <button type="submit" disabled={open.busy}>
            Open incident
          </button>
        </form>
      )}
      <Outcome of={open} />
    </Section>
  );
}

type IncidentItem = Awaited<ReturnType<typeof loadIncidents>>[number];

/** Incidents, newest first: of one use case, or all of them. */
export async function loadIncidents(useCase?: string) {
  return ok(await api.GET('/api/v1/incidents', { params: { query: { limit: 200, ...(useCase ? { useCase } : {}) } } }))
    .items;
}

/** Incidents with their reporting deadlines, reported and closed by whom. */
export function IncidentTable({ items, onChanged }: { items: IncidentItem[]; onChanged: () => void }) {
  const { why } = useSession();
  const act = useAction(async (id: string, what: 'report' | 'close') => {
    if (what === 'report') ok(await api.POST('/api/v1/incidents/{id}/report', { params: { path: { id } }, body: {} }));
    else ok(await api.POST('/api/v1/incidents/{id}/close', { params: { path: { id } }, body: {} }));
    onChanged();
  });
  if (items.length === 0) return <p className="muted">No incident.</p>;
  return (
    <>
      <table className="grid">
        <thead>
          <tr>
            <th scope="col">Opened</th>
            <th scope="col">Incident</th>
            <th scope="col">Severity</th>
            <th scope="col">Report due (Art. 73)</th>
            <th scope="col">State</th>
            <th scope="col">
              <span className="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {items.map((i) => (
            <tr key={i.id}>
              <td>{when(i.openedAt)}</td>
              <td>{i.title}</td>
              <td>
                {i.severity}
                {i.category ? ` · ${i.category}` : ''}
              </td>
              <td>
                {i.reportDueAt ? (
                  <>
                    {when(i.reportDueAt)} {i.overdue && <Badge value="overdue" />}
                  </>
                ) : (
                  '—'
                )}
                {i.reported && <div className="sub">reported {when(i.reported.at)}</div>}
              </td>
              <td>
                <Badge value={i.state} />
              </td>
              <td className="actions">
                {why('alert:write', i.team) && <small className="muted why-not">{why('alert:write', i.team)}</small>}
                {!why('alert:write', i.team) && i.reportDueAt && !i.reported && (
                  <button type="button" className="secondary" onClick={() => void act.act(i.id, 'report')}>
                    Record report
                  </button>
                )}
                {!why('alert:write', i.team) && i.state !== 'closed' && (
                  <button type="button" className="secondary" onClick={() => void act.act(i.id, 'close')}>
                    Close
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <Outcome of={act} />
    </>
  );
}
