import { useState } from 'react';
import { api, ok } from '../../api/client.ts';
import { Link } from '../../router.tsx';
import { Async, Badge, Problem, Section, when } from '../../ui/basics.tsx';
import { useAction, useLoad } from '../../ui/hooks.ts';
import { IncidentTable, loadIncidents } from '../../components/incidents.tsx';

/** Monitoring alerts across the inventory, with acknowledge and resolve. */
export function AlertsPage() {
  const [state, setState] = useState<'open' | 'acknowledged' | 'resolved' | 'all'>('open');
  const incidents = useLoad(() => loadIncidents(), []);
  const alerts = useLoad(
    async () => ok(await api.GET('/api/v1/alerts', { params: { query: { state, limit: 200 } } })).items,
    [state],
  );
  const act = useAction(async (id: string, what: 'acknowledge' | 'resolve' | 'escalate') => {
    if (what === 'escalate') {
      const a = alerts.data?.find((x) => x.id === id);
      ok(
        await api.POST('/api/v1/alerts/{id}/incidents', {
          params: { path: { id } },
          body: {
            title: `Alert ${a?.rule ?? ''}: ${a?.metric ?? ''} ${a?.comparator ?? ''} ${a?.threshold ?? ''}`.trim(),
            severity: a?.severity === 'critical' ? 'major' : 'minor',
          },
        }),
      );
      incidents.reload();
    } else if (what === 'acknowledge')
      ok(await api.POST('/api/v1/alerts/{id}/acknowledge', { params: { path: { id } }, body: {} }));
    else ok(await api.POST('/api/v1/alerts/{id}/resolve', { params: { path: { id } }, body: {} }));
    alerts.reload();
  });
  return (
    <>
      <h1>Alerts and incidents</h1>
      <Section
        title="Monitoring alerts"
        actions={
          <label>
            State{' '}
            <select value={state} onChange={(e) => setState(e.target.value as typeof state)}>
              {['open', 'acknowledged', 'resolved', 'all'].map((s) => (
                <option key={s} value={s}>
                  {s}
                </option>
              ))}
            </select>
          </label>
        }
      >
        <Problem error={act.error} />
        <Async state={alerts}>
          {(items) =>
            items.length === 0 ? (
              <p className="muted">No alerts.</p>
            ) : (
              <table className="grid">
                <thead>
                  <tr>
                    <th scope="col">Opened</th>
                    <th scope="col">Severity</th>
                    <th scope="col">Metric</th>
                    <th scope="col">Value</th>
                    <th scope="col">Use case</th>
                    <th scope="col">State</th>
                    <th scope="col">
                      <span className="sr-only">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {items.map((a) => (
                    <tr key={a.id}>
                      <td>{when(a.openedAt)}</td>
                      <td>
                        <Badge value={a.severity} tone={a.severity === 'critical' ? 'bad' : 'warn'} />
                      </td>
                      <td>
                        <code>{a.metric}</code> {a.comparator} {a.threshold}
                      </td>
                      <td>{a.value === null ? '—' : Number.isInteger(a.value) ? a.value : a.value.toFixed(4)}</td>
                      <td>
                        <Link to={`/use-cases/${a.useCaseId}`}>use case</Link>
                      </td>
                      <td>
                        <Badge value={a.state} />
                        {a.acknowledged && <div className="sub">acknowledged {when(a.acknowledged.at)}</div>}
                      </td>
                      <td className="actions">
                        {a.state === 'open' && (
                          <button type="button" className="secondary" onClick={() => void act.act(a.id, 'acknowledge')}>
                            Acknowledge
                          </button>
                        )}
                        {a.state !== 'resolved' && (
                          <button type="button" className="secondary" onClick={() => void act.act(a.id, 'resolve')}>
                            Resolve
                          </button>
                        )}
                        <button type="button" className="secondary" onClick={() => void act.act(a.id, 'escalate')}>
                          Open incident
                        </button>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )
          }
        </Async>
      </Section>
      <Section title="Incidents">
        <Async state={incidents}>{(items) => <IncidentTable items={items} onChanged={incidents.reload} />}</Async>
      </Section>
    </>
  );
}
