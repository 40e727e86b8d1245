import { useState } from 'react';
import { useSession } from '../../session.tsx';
import { GatedButton } from '../../components/gated.tsx';
import { api, ok } from '../../api/client.ts';
import { Async, Badge, Dialog, Field, Section, when, Outcome } from '../../ui/basics.tsx';
import { useAction, useLoad } from '../../ui/hooks.ts';

type DiscoveryFinding = {
  id: string;
  source: string;
  origin: string;
  name: string;
  status: string;
  reason: string | null;
  lastSeenAt: string;
  seenCount: number;
};
type Query = {
  source?: 'mlflow' | 'admission' | 'artifact-root' | 'mlflow-intake';
  status?: 'open' | 'adopted' | 'dismissed';
};

const SOURCES = ['mlflow', 'admission', 'artifact-root', 'mlflow-intake'] as const;
const STATUSES = ['open', 'adopted', 'dismissed'] as const;
// A model name cannot hold '/' or ':' (an image reference or a path): the adopter gives one.
const suggestedName = (f: DiscoveryFinding) => (/[/:]/.test(f.name) ? '' : f.name);

/** The discovery inbox: models found outside the inventory, adopted under a use case or dismissed. */
export function DiscoveryPage() {
  const { why, can } = useSession();
  // Scanning is organisation-wide (policy:admin); adopting or dismissing needs model:write in some team, as the routes decide.
  const mayNotScan = why('policy:admin');
  const mayNotDecide = why('model:write');
  const [query, setQuery] = useState<Query>({ status: 'open' });
  const findings = useLoad(
    async () => ok(await api.GET('/api/v1/discovery/findings', { params: { query: { ...query, limit: 500 } } })),
    [query.source, query.status],
  );
  const useCases = useLoad(
    async () => ok(await api.GET('/api/v1/use-cases', { params: { query: { limit: 500 } } })).items,
    [],
  );
  const [adopting, setAdopting] = useState<DiscoveryFinding | null>(null);
  const [dismissing, setDismissing] = useState<DiscoveryFinding | null>(null);
  const [useCase, setUseCase] = useState('');
  const [model, setModel] = useState('');
  const [reason, setReason] = useState('');
  const scan = useAction(async () => {
    ok(await api.POST('/api/v1/discovery/scans'));
    findings.reload();
  });
  const adopt = useAction(async () => {
    if (!adopting) return;
    ok(
      await api.POST('/api/v1/discovery/findings/{id}/adopt', {
        params: { path: { id: adopting.id } },
        body: { useCase, ...(model ? { model } : {}) },
      }),
    );
    setAdopting(null);
    findings.reload();
  });
  const dismiss = useAction(async () => {
    if (!dismissing) return;
    ok(
      await api.POST('/api/v1/discovery/findings/{id}/dismiss', {
        params: { path: { id: dismissing.id } },
        body: { reason },
      }),
    );
    setDismissing(null);
    findings.reload();
  });

  return (
    <>
      <h1>Discovery</h1>
      <p className="muted">
        Models found outside the inventory: on MLflow servers, in artefact directories, in Kubernetes workloads, and
        registered through MLflow without a use case.
      </p>
      <Section
        title="Findings"
        actions={
          <GatedButton className="secondary" disabled={scan.busy} reason={mayNotScan} onClick={() => void scan.act()}>
            {scan.busy ? 'Scanning…' : 'Scan now'}
          </GatedButton>
        }
      >
        <Outcome of={scan} />
        <div className="filters">
          <Field label="Source">
            <select
              value={query.source ?? ''}
              onChange={(e) => setQuery({ ...query, source: (e.target.value || undefined) as Query['source'] })}
            >
              <option value="">all</option>
              {SOURCES.map((s) => (
                <option key={s}>{s}</option>
              ))}
            </select>
          </Field>
          <Field label="Status">
            <select
              value={query.status ?? ''}
              onChange={(e) => setQuery({ ...query, status: (e.target.value || undefined) as Query['status'] })}
            >
              <option value="">all</option>
              {STATUSES.map((s) => (
                <option key={s}>{s}</option>
              ))}
            </select>
          </Field>
        </div>
        <Async state={findings}>
          {(page) => (
            <>
              <p className="sub" aria-label="Counts">
                {page.counts.open} open · {page.counts.adopted} adopted · {page.counts.dismissed} dismissed
              </p>
              {page.items.length === 0 ? (
                <p className="muted">No findings.</p>
              ) : (
                <table className="grid">
                  <thead>
                    <tr>
                      <th scope="col">Model</th>
                      <th scope="col">Source</th>
                      <th scope="col">Last seen</th>
                      <th scope="col">Status</th>
                      <th scope="col">
                        <span className="sr-only">Actions</span>
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {(page.items as DiscoveryFinding[]).map((f) => (
                      <tr key={f.id}>
                        <td>
                          {f.name}
                          <div className="sub">{f.origin}</div>
                        </td>
                        <td>{f.source}</td>
                        <td>
                          {when(f.lastSeenAt)}
                          <div className="sub">seen {f.seenCount}×</div>
                        </td>
                        <td>
                          <Badge value={f.status} title={f.reason ?? undefined} />
                          {f.reason && <div className="sub">{f.reason}</div>}
                        </td>
                        <td>
                          {f.status === 'open' && mayNotDecide && (
                            <small className="muted why-not">{mayNotDecide}</small>
                          )}
                          {f.status === 'open' && !mayNotDecide && (
                            <>
                              <button
                                type="button"
                                className="secondary"
                                aria-label={`Adopt ${f.name}`}
                                onClick={() => {
                                  setUseCase('');
                                  setModel(suggestedName(f));
                                  setAdopting(f);
                                }}
                              >
                                Adopt
                              </button>{' '}
                              <button
                                type="button"
                                className="ghost"
                                aria-label={`Dismiss ${f.name}`}
                                onClick={() => {
                                  setReason('');
                                  setDismissing(f);
                                }}
                              >
                                Dismiss
                              </button>
                            </>
                          )}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
            </>
          )}
        </Async>
      </Section>

      {/* One dialog at a time: dialogs label themselves by a fixed element id. */}
      <Dialog
        open={adopting !== null || dismissing !== null}
        title={adopting ? `Adopt ${adopting.name}` : `Dismiss ${dismissing?.name ?? ''}`}
        onClose={() => {
          setAdopting(null);
          setDismissing(null);
        }}
      >
        {adopting ? (
          <form
            onSubmit={(e) => {
              e.preventDefault();
              void adopt.act();
            }}
          >
            <Field
              label="Use case"
              hint="the use case it is governed under: those of the teams where you may register models"
            >
              <select required value={useCase} onChange={(e) => setUseCase(e.target.value)}>
                <option value="">choose…</option>
                {/* Adopting registers the model in the use case's team (model:write there): only those are offered. */}
                {(useCases.data ?? [])
                  .filter((u) => can('model:write', u.ownerTeam))
                  .map((u) => (
                    <option key={u.id} value={u.id}>
                      {u.name}
                    </option>
                  ))}
              </select>
            </Field>
            <Field label="Model name" hint="an existing model of this name is linked">
              <input required value={model} onChange={(e) => setModel(e.target.value)} />
            </Field>
            <Outcome of={adopt} />
            <button type="submit" disabled={adopt.busy}>
              Adopt
            </button>
          </form>
        ) : (
          <form
            onSubmit={(e) => {
              e.preventDefault();
              void dismiss.act();
            }}
          >
            <Field label="Reason" hint="why it needs no governance (recorded in the audit trail)">
              <textarea required maxLength={2000} value={reason} onChange={(e) => setReason(e.target.value)} />
            </Field>
            <Outcome of={dismiss} />
            <button type="submit" disabled={dismiss.busy}>
              Dismiss
            </button>
          </form>
        )}
      </Dialog>
    </>
  );
}
