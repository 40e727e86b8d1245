import { ExportsSection } from '../../components/exports.tsx';
import { useState } from 'react';
import { api, ok } from '../../api/client.ts';
import { activePack } from '../../api/pack.ts';
import { Link, enc, navigate, useLocation } from '../../router.tsx';
import { Async, Badge, Field, Section, Tabs, TierBadge, when, Outcome } from '../../ui/basics.tsx';
import { RequirementDetail } from '../../components/requirement-detail.tsx';
import { useAction, useLoad, type Loaded } from '../../ui/hooks.ts';
import { Alignment, KpiChart, TierOverride, UseCaseProcess } from './use-case-process.tsx';
import { Incidents } from '../../components/incidents.tsx';
import { Person } from '../../components/person.tsx';
import { GatedButton, NotOffered } from '../../components/gated.tsx';
import { useSession } from '../../session.tsx';
import { NextActions, StatusBanner } from '../../components/next-actions.tsx';
import { prefill, QuestionnaireForm, TierSummary, type Answers, type UseCaseFacts } from './questionnaire.tsx';

const TABS = ['Overview', 'Risk assessment', 'Process', 'Requirements', 'Models'];

export function UseCasePage({ id }: { id: string }) {
  const { query, path } = useLocation();
  const tab = TABS.includes(query.get('tab') ?? '') ? query.get('tab')! : 'Overview';
  const uc = useLoad(() => loadUseCase(id), [id]);
  const assessment = useLoad(() => loadAssessment(id), [id]);
  const next = useLoad(
    async () => ok(await api.GET('/api/v1/use-cases/{id}/next-actions', { params: { path: { id } } })),
    [id, tab],
  );
  return (
    <Async state={uc}>
      {(u) => (
        <>
          <div className="page-head">
            <div>
              <p className="crumb">
                <Link to="/inventory">Inventory</Link> / use case
              </p>
              <h1>{u.name}</h1>
              <p className="meta">
                <TierBadge tier={assessment.data?.current?.tier} />{' '}
                {assessment.data?.current && (
                  <Badge value={`EU AI Act: ${assessment.data.current.euAiAct}`} tone="neutral" />
                )}{' '}
                owned by <strong>{u.ownerTeam}</strong>
              </p>
            </div>
          </div>
          {next.data && <StatusBanner status={next.data.status} step={next.data.step} />}
          <Tabs tabs={TABS} current={tab} onChange={(t) => navigate(`${path}?tab=${enc(t)}`, { replace: true })}>
            {tab === 'Overview' && (
              <>
                {next.data && (
                  <NextActions
                    subject={{ useCaseId: id }}
                    team={u.ownerTeam}
                    data={next.data}
                    onChanged={() => {
                      next.reload();
                      uc.reload();
                    }}
                  />
                )}
                {next.data && next.data.versions.length > 0 && (
                  <Section title="Versions">
                    <ul className="compact">
                      {next.data.versions.map((v) => (
                        <li key={`${v.model}/${v.version}`}>
                          <Link to={`/models/${enc(v.model)}/versions/${v.version}`}>
                            {v.model} v{v.version}
                          </Link>{' '}
                          <Badge value={v.status.label} /> step {v.step ?? '—'}, {v.met} of {v.total} requirements met
                        </li>
                      ))}
                    </ul>
                  </Section>
                )}
                <Overview u={u} onChanged={uc.reload} />
                <Alignment id={id} team={u.ownerTeam} />
                <Incidents useCaseId={id} team={u.ownerTeam} />
                <ExportsSection
                  documents={[
                    {
                      label: 'EU AI Act Annex IV technical documentation',
                      url: `/api/v1/use-cases/${enc(id)}/exports/annex-iv`,
                    },
                  ]}
                />
              </>
            )}
            {tab === 'Process' && (
              <UseCaseProcess id={id} team={u.ownerTeam} packId={assessment.data?.current?.policy.id} />
            )}
            {tab === 'Risk assessment' && <RiskAssessment id={id} team={u.ownerTeam} state={assessment} useCase={u} />}
            {tab === 'Requirements' && <Requirements id={id} />}
            {tab === 'Models' && <Models id={id} team={u.ownerTeam} />}
          </Tabs>
        </>
      )}
    </Async>
  );
}

function Overview({ u, onChanged }: { u: Awaited<ReturnType<typeof loadUseCase>>; onChanged: () => void }) {
  const mayNotEdit = useSession().why('use-case:write', u.ownerTeam);
  const [editing, setEditing] = useState(false);
  const [name, setName] = useState(u.name);
  const [objective, setObjective] = useState(u.objective);
  const save = useAction(async () => {
    ok(await api.PATCH('/api/v1/use-cases/{id}', { params: { path: { id: u.id } }, body: { name, objective } }));
    setEditing(false);
    onChanged();
  });
  if (editing) {
    return (
      <Section title="Edit the use case">
        <form
          className="form"
          onSubmit={(e) => {
            e.preventDefault();
            void save.act();
          }}
        >
          <Field label="Name">
            <input value={name} onChange={(e) => setName(e.target.value)} required />
          </Field>
          <Field label="Objective">
            <textarea value={objective} onChange={(e) => setObjective(e.target.value)} rows={4} required />
          </Field>
          <Outcome of={save} />
          <div className="actions">
            <button type="button" className="secondary" onClick={() => setEditing(false)}>
              Cancel
            </button>
            <button type="submit" disabled={save.busy}>
              Save
            </button>
          </div>
        </form>
      </Section>
    );
  }
  return (
    <Section
      title="Objective"
      actions={
        <GatedButton className="secondary" reason={mayNotEdit} onClick={() => setEditing(true)}>
          Edit
        </GatedButton>
      }
    >
      <p className="prose">{u.objective}</p>
      <dl className="facts">
        <dt>Consumers</dt>
        <dd>{u.consumers}</dd>
        <dt>Regions</dt>
        <dd>{u.regions.join(', ')}</dd>
        <dt>Sector</dt>
        <dd>{u.sector}</dd>
        <dt>Personal data</dt>
        <dd>{u.processesPersonalData ? 'yes' : 'no'}</dd>
        <dt>Registered</dt>
        <dd>
          {when(u.createdAt)} by <Person id={u.createdBy} />
        </dd>
      </dl>
      <h3>Business KPIs</h3>
      {u.kpis.length === 0 ? (
        <p className="muted">No KPIs were set at scoping.</p>
      ) : (
        <table className="grid">
          <thead>
            <tr>
              <th scope="col">KPI</th>
              <th scope="col">Target</th>
            </tr>
          </thead>
          <tbody>
            {u.kpis.map((k) => (
              <tr key={k.name}>
                <td>{k.name}</td>
                <td>
                  {k.direction === 'at-least' ? '≥' : '≤'} {k.target}
                  {k.unit ? ` ${k.unit}` : ''}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <div className="charts">
        {u.kpis.map((k) => (
          <KpiChart key={k.name} id={u.id} kpi={k.name} team={u.ownerTeam} />
        ))}
      </div>
    </Section>
  );
}
async function loadUseCase(id: string) {
  return ok(await api.GET('/api/v1/use-cases/{id}', { params: { path: { id } } }));
}

function RiskAssessment({
  id,
  team,
  state,
  useCase,
}: {
  id: string;
  /** The use case's team: answering the questionnaire needs assessment:write there. */
  team: string;
  state: Loaded<Awaited<ReturnType<typeof loadAssessment>>>;
  useCase: UseCaseFacts;
}) {
  const pack = useLoad(activePack, []);
  const mayNotAssess = useSession().why('assessment:write', team);
  const [answers, setAnswers] = useState<Answers | null>(null);
  const current = state.data?.current ?? null;
  // A first assessment starts from what the create form already asked; a re-assessment from the last answers.
  const fromUseCase = !current && pack.data ? prefill(pack.data.questionnaire, useCase) : {};
  const prefilled = new Set(Object.keys(fromUseCase).filter((q) => answers === null || answers[q] === fromUseCase[q]));
  const given: Answers = answers ?? (current?.answers as Answers | undefined) ?? fromUseCase;
  const submit = useAction(async () => {
    // An unticked multi-choice question is answered "none of these".
    const none = Object.fromEntries(
      (pack.data?.questionnaire ?? [])
        .filter((q) => q.type === 'multi-choice' && given[q.id] === undefined)
        .map((q) => [q.id, [] as string[]]),
    );
    ok(
      await api.PUT('/api/v1/use-cases/{id}/assessment', {
        params: { path: { id } },
        body: { answers: { ...none, ...given } },
      }),
    );
    setAnswers(null);
    state.reload();
  }, 'Classified: the tier and its reasons are shown above.');
  const set = (q: string, v: string | boolean | string[]) => setAnswers({ ...given, [q]: v });
  return (
    <>
      {current && (
        <Section title="Current classification">
          <p className="meta">
            <TierBadge tier={current.tier} /> <Badge value={`EU AI Act: ${current.euAiAct}`} tone="neutral" />{' '}
            {current.tags.map((t) => (
              <Badge key={t} value={t} tone="neutral" />
            ))}
            {current.overdue ? (
              <Badge value="overdue" title="risk review overdue" />
            ) : (
              <span className="muted"> review by {current.reviewBy}</span>
            )}
          </p>
          {current.override && (
            <p>
              Tier overridden to {current.override.tier} ({current.override.reason}); confirmed by{' '}
              <Person id={current.override.confirmedBy} />
              {current.override.signature && (
                <>
                  {' '}
                  (signed{' '}
                  <code title={current.override.signature.manifestDigest}>
                    {current.override.signature.manifestDigest.slice(0, 20)}…
                  </code>
                  )
                </>
              )}
              .
            </p>
          )}
          <TierSummary
            tier={current.tier}
            tiers={pack.data?.tiers ?? []}
            trace={current.trace}
            overridden={current.override !== null && current.override !== undefined}
          />
          <p className="sub">
            Assessed {when(current.createdAt)} by <Person id={current.createdBy} /> under policy {current.policy.name}{' '}
            {current.policy.version}.
          </p>
        </Section>
      )}
      {current && <TierOverride id={id} team={team} pending={current.pendingOverride} onChanged={state.reload} />}
      <Section title={current ? 'Answer the questionnaire again' : 'Risk questionnaire'}>
        {mayNotAssess ? (
          <NotOffered what="Answering the questionnaire" reason={mayNotAssess} />
        ) : (
          <Async state={pack}>
            {(p) => <QuestionnaireForm pack={p} given={given} prefilled={prefilled} set={set} submit={submit} />}
          </Async>
        )}
      </Section>
      {state.data && state.data.history.length > 1 && (
        <Section title="History">
          <table className="grid">
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">By</th>
                <th scope="col">Tier</th>
                <th scope="col">EU AI Act</th>
                <th scope="col">Policy</th>
              </tr>
            </thead>
            <tbody>
              {state.data.history.map((a) => (
                <tr key={a.id}>
                  <td>{when(a.createdAt)}</td>
                  <td>
                    <Person id={a.createdBy} />
                  </td>
                  <td>
                    <TierBadge tier={a.tier} />
                  </td>
                  <td>{a.euAiAct}</td>
                  <td>
                    {a.policy.name} {a.policy.version}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </Section>
      )}
    </>
  );
}
async function loadAssessment(id: string) {
  return ok(await api.GET('/api/v1/use-cases/{id}/assessment', { params: { path: { id } } }));
}

function Requirements({ id }: { id: string }) {
  const req = useLoad(
    async () => ok(await api.GET('/api/v1/use-cases/{id}/requirements', { params: { path: { id } } })),
    [id],
  );
  return (
    <Section title="Required measures">
      <Async state={req}>
        {(r) =>
          !r.assessed ? (
            <p className="muted">Answer the risk questionnaire first: the measures follow from the tier.</p>
          ) : (
            <table className="grid">
              <thead>
                <tr>
                  <th scope="col">Measure</th>
                  <th scope="col">Step</th>
                  <th scope="col">Status</th>
                  <th scope="col">Detail</th>
                </tr>
              </thead>
              <tbody>
                {r.requirements.map((m) => (
                  <tr key={m.measure}>
                    <td>
                      {m.title ?? m.measure}
                      <div className="sub">{m.measure}</div>
                    </td>
                    <td>{m.step ?? '—'}</td>
                    <td>
                      <Badge value={m.status} />
                    </td>
                    <td className="sub">
                      <RequirementDetail r={m} satisfied="met" />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </Async>
    </Section>
  );
}

function Models({ id, team }: { id: string; team: string }) {
  const mayNotRegister = useSession().why('model:write', team);
  const models = useLoad(
    async () => ok(await api.GET('/api/v1/models', { params: { query: { useCaseId: id, limit: 200 } } })).items,
    [id],
  );
  const [name, setName] = useState('');
  const create = useAction(async () => {
    const m = ok(await api.POST('/api/v1/models', { body: { name: name.trim(), useCaseId: id } }));
    navigate(`/models/${enc(m.name)}`);
  });
  return (
    <>
      <Section title="Models">
        <Async state={models}>
          {(items) =>
            items.length === 0 ? (
              <p className="muted">No model yet.</p>
            ) : (
              <table className="grid">
                <thead>
                  <tr>
                    <th scope="col">Model</th>
                    <th scope="col">Latest version</th>
                    <th scope="col">Health</th>
                    <th scope="col">Aliases</th>
                  </tr>
                </thead>
                <tbody>
                  {items.map((m) => (
                    <tr key={m.id}>
                      <td>
                        <Link to={`/models/${enc(m.name)}`}>{m.name}</Link>
                      </td>
                      <td>{m.latestVersion ?? '—'}</td>
                      <td>
                        <Badge value={m.health ?? 'no-data'} />
                      </td>
                      <td>
                        {Object.entries(m.aliases)
                          .map(([a, v]) => `${a} → v${v}`)
                          .join(', ') || '—'}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )
          }
        </Async>
      </Section>
      <Section title="Register a model">
        {mayNotRegister ? (
          <NotOffered what="Registering a model" reason={mayNotRegister} />
        ) : (
          <form
            className="form inline"
            onSubmit={(e) => {
              e.preventDefault();
              void create.act();
            }}
          >
            <Field label="Model name">
              <input value={name} onChange={(e) => setName(e.target.value)} required />
            </Field>
            <button type="submit" disabled={create.busy}>
              Register model
            </button>
          </form>
        )}
        <Outcome of={create} />
      </Section>
    </>
  );
}
