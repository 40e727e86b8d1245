import { useState } from 'react';
import { api, ok } from '../../api/client.ts';
import type { paths } from '../../api/schema.gen.ts';
import { Link, enc } from '../../router.tsx';
import { Async, Badge, Dialog, Field, Section, when, Outcome } from '../../ui/basics.tsx';
import { useAction, useLoad } from '../../ui/hooks.ts';
import { IncidentTable, loadIncidents } from '../../components/incidents.tsx';
import { conditionInWords, valueInWords } from './alert-words.ts';
import { useSession } from '../../session.tsx';

type AlertItem = paths['/api/v1/alerts']['get']['responses'][200]['content']['application/json']['items'][number];

const subjectOf = (a: AlertItem) => (a.model ? `${a.model} v${a.version}` : (a.useCase ?? 'the use case'));

/** Monitoring alerts across the inventory: acknowledge, resolve, or escalate to one incident. */
export function AlertsPage() {
  const [state, setState] = useState<'open' | 'acknowledged' | 'resolved' | 'all'>('open');
  const [escalating, setEscalating] = useState<AlertItem | null>(null);
  const { why } = useSession();
  const incidents = useLoad(() => loadIncidents(), []);
  const alerts = useLoad(
    async () => ok(await api.GET('/api/v1/alerts', { params: { query: { state, limit: 200 } } })).items,
    [state],
  );
  const act = useAction(async (id: string, what: 'acknowledge' | 'resolve') => {
    if (what === 'acknowledge')
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
        <Outcome of={act} />
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
                    <th scope="col">Model version</th>
                    <th scope="col">What fired</th>
                    <th scope="col">Seen</th>
                    <th scope="col">State</th>
                    <th scope="col">Incident</th>
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
                        {a.model ? (
                          <Link to={`/models/${enc(a.model)}/versions/${a.version}?tab=Monitoring`}>
                            {a.model} v{a.version}
                          </Link>
                        ) : (
                          '—'
                        )}
                        <div className="sub">
                          use case <Link to={`/use-cases/${a.useCaseId}`}>{a.useCase ?? 'unnamed'}</Link>
                        </div>
                      </td>
                      <td title={`${a.metric} ${a.comparator} ${a.threshold}`}>{conditionInWords(a)}</td>
                      <td>{valueInWords(a)}</td>
                      <td>
                        <Badge value={a.state} />
                        {a.acknowledged && <div className="sub">acknowledged {when(a.acknowledged.at)}</div>}
                      </td>
                      <td>
                        {a.incident ? (
                          <>
                            {a.incident.title}
                            <div className="sub">
                              {a.incident.severity} · <Badge value={a.incident.state} />
                            </div>
                          </>
                        ) : (
                          <span className="muted">none</span>
                        )}
                      </td>
                      <td className="actions">
                        {/* Acting on an alert needs alert:write in the team owning its use case. */}
                        {why('alert:write', a.team) ? (
                          <small className="muted why-not">{why('alert:write', a.team)}</small>
                        ) : null}
                        {!why('alert:write', a.team) && a.state === 'open' && (
                          <button
                            type="button"
                            className="secondary"
                            disabled={act.busy}
                            onClick={() => void act.act(a.id, 'acknowledge')}
                          >
                            Acknowledge
                          </button>
                        )}
                        {!why('alert:write', a.team) && a.state !== 'resolved' && (
                          <button
                            type="button"
                            className="secondary"
                            disabled={act.busy}
                            onClick={() => void act.act(a.id, 'resolve')}
                          >
                            Resolve
                          </button>
                        )}
                        {!why('alert:write', a.team) && (!a.incident || a.incident.state === 'closed') && (
                          <button type="button" className="secondary" onClick={() => setEscalating(a)}>
                            Open incident…
                          </button>
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )
          }
        </Async>
      </Section>
      <Dialog
        open={escalating !== null}
        title={escalating ? `Open an incident for ${subjectOf(escalating)}` : 'Open an incident'}
        onClose={() => setEscalating(null)}
      >
        {escalating && (
          <IncidentForm
            alert={escalating}
            onCancel={() => setEscalating(null)}
            onOpened={() => {
              setEscalating(null);
              alerts.reload();
              incidents.reload();
            }}
          />
        )}
      </Dialog>
      <Section title="Incidents">
        <Async state={incidents}>{(items) => <IncidentTable items={items} onChanged={incidents.reload} />}</Async>
      </Section>
    </>
  );
}

/**
 * An incident from an alert: title and description are taken from the alert, the severity is the
 * person's judgement (no default), and the server refuses a second open incident for the alert.
 */
function IncidentForm({ alert, onCancel, onOpened }: { alert: AlertItem; onCancel: () => void; onOpened: () => void }) {
  const condition = conditionInWords(alert);
  const [title, setTitle] = useState(`${condition[0]!.toUpperCase()}${condition.slice(1)} on ${subjectOf(alert)}`);
  const [description, setDescription] = useState(
    `Monitoring alert (${alert.severity}) opened ${when(alert.openedAt)} on ${subjectOf(alert)}` +
      `${alert.useCase ? `, use case ${alert.useCase}` : ''}: ${condition}; seen ${valueInWords(alert)}.`,
  );
  const [severity, setSeverity] = useState<'' | 'minor' | 'major' | 'serious'>('');
  const open = useAction(async () => {
    if (!severity) return;
    ok(
      await api.POST('/api/v1/alerts/{id}/incidents', {
        params: { path: { id: alert.id } },
        body: { title, description, severity },
      }),
    );
    onOpened();
  });
  return (
    <form
      className="form"
      onSubmit={(e) => {
        e.preventDefault();
        void open.act();
      }}
    >
      <Field label="Incident title">
        <input value={title} onChange={(e) => setTitle(e.target.value)} required maxLength={300} />
      </Field>
      <Field label="Description">
        <textarea value={description} onChange={(e) => setDescription(e.target.value)} rows={4} />
      </Field>
      <Field label="Severity" hint="Your judgement of the harm: minor, major, or serious (Art. 73 may apply)">
        <select value={severity} onChange={(e) => setSeverity(e.target.value as typeof severity)} required>
          <option value="">Choose…</option>
          {['minor', 'major', 'serious'].map((x) => (
            <option key={x} value={x}>
              {x}
            </option>
          ))}
        </select>
      </Field>
      <Outcome of={open} />
      <div className="actions">
        <button type="submit" disabled={open.busy || !severity}>
          Open incident
        </button>
        <button type="button" className="secondary" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
