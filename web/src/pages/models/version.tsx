import { ExportsSection } from '../../components/exports.tsx';
import { useState } from 'react';
import { api, ok } from '../../api/client.ts';
import { Environments, NextActions, StatusBanner } from '../../components/next-actions.tsx';
import { GateSteps } from '../../components/gate-steps.tsx';
import { describeEvidence, packById } from '../../api/pack.ts';
import { Link, enc, navigate, useLocation } from '../../router.tsx';
import { Async, Badge, Field, Problem, Section, Tabs, plainText, when, Outcome } from '../../ui/basics.tsx';
import { useAction, useLoad, type Loaded } from '../../ui/hooks.ts';
import { AuditTimeline } from '../../components/audit-events.tsx';
import { EvidenceList } from './evidence-view.tsx';
import { MonitoringView } from './monitoring-view.tsx';
import { Oversight } from './oversight.tsx';
import { DeploymentChecks } from './deployment-checks.tsx';
import { SuspendControl, loadSuspensions, type Suspensions } from './suspend-control.tsx';
import { SignDialog } from '../../components/sign-dialog.tsx';
import { ReviewedDocuments } from '../../components/reviewed-documents.tsx';
import { Signatures } from '../../components/signatures-table.tsx';
import { RequirementDetail } from '../../components/requirement-detail.tsx';
import type { VersionNextActions, VersionStatus } from '../../api/version-types.ts';
import { Person } from '../../components/person.tsx';
import { useSession } from '../../session.tsx';
import { GatedButton, SIGNING_ROLES } from '../../components/gated.tsx';

const TABS = ['Overview', 'Governance', 'Evidence', 'Monitoring', 'Audit'];

export function VersionPage({ name, version }: { name: string; version: number }) {
  const { query, path } = useLocation();
  const tab = TABS.includes(query.get('tab') ?? '') ? query.get('tab')! : 'Governance';
  const v = useLoad(
    async () => ok(await api.GET('/api/v1/models/{name}/versions/{version}', { params: { path: { name, version } } })),
    [name, version],
  );
  const status = useLoad(
    async () =>
      ok(await api.GET('/api/v1/models/{name}/versions/{version}/lifecycle', { params: { path: { name, version } } })),
    [name, version, tab],
  );
  const evidence = useLoad(
    async () =>
      ok(await api.GET('/api/v1/models/{name}/versions/{version}/evidence', { params: { path: { name, version } } }))
        .items,
    [name, version, tab],
  );
  const next = useLoad(
    async () =>
      ok(
        await api.GET('/api/v1/models/{name}/versions/{version}/next-actions', { params: { path: { name, version } } }),
      ),
    [name, version, tab],
  );
  // Read once here for the header's suspend control and the Governance tab's oversight section.
  const suspensions = useLoad(() => loadSuspensions(name, version), [name, version]);
  const reload = () => {
    v.reload();
    status.reload();
    evidence.reload();
    next.reload();
    suspensions.reload();
  };
  return (
    <Async state={v}>
      {(ver) => (
        <>
          <div className="page-head">
            <div>
              <p className="crumb">
                <Link to="/inventory">Inventory</Link> / <Link to={`/models/${enc(name)}`}>{name}</Link> / version
              </p>
              <h1>
                {name} v{version}
              </h1>
              <p className="meta">
                {status.data?.policy && <Badge value={`tier ${status.data.policy.tier}`} tone="neutral" />}
              </p>
            </div>
            {status.data && (
              <SuspendControl
                name={name}
                version={version}
                team={status.data.team}
                list={suspensions}
                onChanged={reload}
              />
            )}
          </div>
          {next.data && <StatusBanner status={next.data.status} step={next.data.step} />}
          <Tabs tabs={TABS} current={tab} onChange={(t) => navigate(`${path}?tab=${enc(t)}`, { replace: true })}>
            {tab === 'Overview' && <Definition v={ver} deployments={status.data?.deployments ?? []} />}
            {tab === 'Governance' && (
              <Async state={status}>
                {(s) => (
                  <Governance
                    s={s}
                    next={next.data}
                    artifactDigest={ver.artifactDigest}
                    evidence={evidence.data ?? []}
                    suspensions={suspensions}
                    onChanged={reload}
                  />
                )}
              </Async>
            )}
            {tab === 'Evidence' && (
              <Async state={evidence}>
                {(items) => (
                  <EvidenceList
                    name={name}
                    version={version}
                    team={status.data?.team}
                    evidence={items}
                    onRecorded={reload}
                  />
                )}
              </Async>
            )}
            {tab === 'Monitoring' && <MonitoringView name={name} version={version} team={status.data?.team} />}
            {tab === 'Audit' && <AuditTimeline subjectType="model-version" subjectId={ver.id} />}
          </Tabs>
        </>
      )}
    </Async>
  );
}

const versionUrl = (name: string, version: number) => `/api/v1/models/${enc(name)}/versions/${version}`;

type VersionRecord = Awaited<ReturnType<typeof loadVersion>>;
async function loadVersion(name: string, version: number) {
  return ok(await api.GET('/api/v1/models/{name}/versions/{version}', { params: { path: { name, version } } }));
}

function Definition({ v, deployments }: { v: VersionRecord; deployments: VersionStatus['deployments'] }) {
  return (
    <>
      <Section title="Definition (immutable)">
        <dl className="facts">
          <dt>Artefact</dt>
          <dd>
            <code>{v.artifactUri}</code>
          </dd>
          <dt>Digest</dt>
          <dd>
            <code>{v.artifactDigest ?? '—'}</code>
          </dd>
          <dt>Framework</dt>
          <dd>{v.framework ?? '—'}</dd>
          <dt>Code</dt>
          <dd>
            {v.code ? (
              <>
                <code>{v.code.repository}</code> @ <code>{v.code.commit}</code>
                {v.code.path ? ` (${v.code.path})` : ''}
              </>
            ) : (
              '—'
            )}
          </dd>
          <dt>Environment</dt>
          <dd>
            {v.environment
              ? Object.entries(v.environment).map(([k, val]) => (
                  <div key={k}>
                    {k}: <code>{String(val)}</code>
                  </div>
                ))
              : '—'}
          </dd>
          <dt>Registered</dt>
          <dd>
            {when(v.createdAt)} by <Person id={v.createdBy} />
          </dd>
          <dt>MLflow stage</dt>
          <dd>{v.stage}</dd>
        </dl>
        {v.description && <p className="prose">{v.description}</p>}
        {v.documentation.length > 0 && (
          <ul>
            {v.documentation.map((d) => (
              <li key={d.url}>
                <a href={d.url} rel="noopener noreferrer nofollow" target="_blank">
                  {d.title}
                </a>
              </li>
            ))}
          </ul>
        )}
      </Section>
      <ExportsSection
        documents={[
          { label: 'Model card', url: `${versionUrl(v.model, v.version)}/exports/model-card` },
          { label: 'Validation report', url: `${versionUrl(v.model, v.version)}/exports/validation-report` },
        ]}
        files={[{ label: 'CycloneDX 1.6 ML-BOM (JSON)', url: `${versionUrl(v.model, v.version)}/exports/bom` }]}
      />
      <Section title="Lineage">
        <div className="lineage" role="group" aria-label="lineage: datasets, this version, its deployments">
          <div className="lane">
            <h3>Datasets</h3>
            {v.datasets.length === 0 ? (
              <p className="muted">none recorded</p>
            ) : (
              v.datasets.map((d) => (
                <div key={`${d.dataset}/${d.version}/${d.role}`} className="node">
                  <Link to={`/datasets/${enc(d.dataset)}`}>
                    {d.dataset} v{d.version}
                  </Link>
                  <div className="sub">
                    {d.role} · <code>{d.digest.slice(0, 15)}…</code>
                  </div>
                </div>
              ))
            )}
          </div>
          <div className="arrow" aria-hidden="true">
            →
          </div>
          <div className="lane">
            <h3>Version</h3>
            <div className="node current">
              {v.model} v{v.version}
              <div className="sub">
                <code>{(v.artifactDigest ?? '').slice(0, 15)}…</code>
              </div>
            </div>
          </div>
          <div className="arrow" aria-hidden="true">
            →
          </div>
          <div className="lane">
            <h3>Deployments</h3>
            {deployments.length === 0 ? (
              <p className="muted">not deployed</p>
            ) : (
              deployments.map((d) => (
                <div key={d.id} className={`node${d.active ? ' current' : ''}`}>
                  {d.environment} ({d.mode})
                  <div className="sub">
                    {d.active ? 'active' : `until ${when(d.until)}`} · since {when(d.since)}
                  </div>
                </div>
              ))
            )}
          </div>
        </div>
      </Section>
    </>
  );
}

/** Steps and gates, requirements, signatures, promotions and deployments of the version. */
function Governance({
  s,
  next: actions,
  artifactDigest,
  evidence,
  suspensions,
  onChanged,
}: {
  s: VersionStatus;
  next: VersionNextActions | undefined;
  artifactDigest: string | null;
  evidence: Parameters<typeof SignDialog>[0]['evidence'];
  suspensions: Loaded<Suspensions>;
  onChanged: () => void;
}) {
  const [signing, setSigning] = useState(false);
  const [role, setRole] = useState<string | undefined>(undefined);
  const { why, whyRole } = useSession();
  // Only a role with a part in the process, held in the owning team, can sign; others are told so
  // rather than refused after a password (the dialog then asks the server about separation of duties).
  const mayNotSign = whyRole(SIGNING_ROLES, s.team, 'a role in the process (any role but viewer)');
  const mayNotMove = why('version:write', s.team);
  const current = s.steps.find((x) => x.state === 'current');
  const next = s.steps[s.steps.findIndex((x) => x.state === 'current') + 1];
  const advance = useAction(async () => {
    ok(
      await api.POST('/api/v1/models/{name}/versions/{version}/lifecycle/transitions', {
        params: { path: { name: s.model, version: s.version } },
        body: { to: next!.id },
      }),
    );
    onChanged();
  });
  if (!s.governed)
    return (
      <Section title="Governance">
        <p className="muted">
          The use case has no risk assessment yet, so this version has no process. Answer the questionnaire on the use
          case first.
        </p>
      </Section>
    );
  return (
    <>
      {actions && (
        <NextActions
          subject={{ model: s.model, version: s.version }}
          team={s.team}
          data={actions}
          onChanged={onChanged}
          onSign={(r) => {
            setRole(r);
            setSigning(true);
          }}
        />
      )}
      {actions && <Environments items={actions.environments} />}
      <Section
        title={`Process: ${s.process?.title ?? ''}`}
        actions={
          <GatedButton onClick={() => setSigning(true)} reason={mayNotSign}>
            Sign…
          </GatedButton>
        }
      >
        <GateSteps steps={s.steps} />
        {current && next && (
          <p>
            <GatedButton
              className="secondary"
              disabled={advance.busy}
              reason={mayNotMove}
              onClick={() => void advance.act()}
            >
              Move to {next.title}
            </GatedButton>
          </p>
        )}
        <Outcome of={advance} />
      </Section>
      <DeploymentChecks s={s} />
      <Signatures
        items={s.signatures}
        evidence={evidence}
        evidencePage={`/models/${enc(s.model)}/versions/${s.version}?tab=Evidence`}
      />
      <ReviewedDocuments
        documents={s.documents}
        subject={{ model: s.model, version: s.version }}
        team={s.team}
        onChanged={onChanged}
      />
      <Requirements s={s} />
      <Promotions s={s} onChanged={onChanged} />
      <Oversight list={suspensions} />
      <SignDialog
        open={signing}
        onClose={() => setSigning(false)}
        onSigned={() => {
          setSigning(false);
          onChanged();
        }}
        status={s}
        artifactDigest={artifactDigest}
        evidence={evidence}
        {...(role ? { preferredRole: role } : {})}
      />
    </>
  );
}

function Requirements({ s }: { s: VersionStatus }) {
  // The measures as the pack the use case was assessed under defines them.
  const pack = useLoad(async () => (s.policy ? packById(s.policy.id) : null), [s.policy?.id]);
  const measures = new Map((pack.data?.measures ?? []).map((m) => [m.id, m]));
  return (
    <Section title="Requirements and what satisfies them">
      <table className="grid">
        <thead>
          <tr>
            <th scope="col">Measure</th>
            <th scope="col">Step</th>
            <th scope="col">Satisfied by</th>
            <th scope="col">Status</th>
            <th scope="col">Detail</th>
          </tr>
        </thead>
        <tbody>
          {s.requirements.map((r) => (
            <tr key={r.measure}>
              <td>
                {r.title}
                <div className="sub">{r.measure}</div>
              </td>
              <td>{r.step}</td>
              <td className="sub">{(measures.get(r.measure)?.evidence ?? []).map(describeEvidence).join('; ')}</td>
              <td>
                <Badge value={r.status} />
              </td>
              <td className="sub">
                <RequirementDetail r={r} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </Section>
  );
}

function Promotions({ s, onChanged }: { s: VersionStatus; onChanged: () => void }) {
  const { why } = useSession();
  // Promotions, withdrawals and deployment verifications all need alias:write in the owning team.
  const mayNot = why('alias:write', s.team);
  const [environment, setEnv] = useState<'development' | 'qa' | 'preproduction' | 'production'>('preproduction');
  const [reason, setReason] = useState('');
  const [last, setLast] = useState<Awaited<ReturnType<typeof request>> | null>(null);
  const request = async () =>
    ok(
      await api.POST('/api/v1/models/{name}/versions/{version}/promotions', {
        params: { path: { name: s.model, version: s.version } },
        body: { environment, reason, mode: 'single' },
      }),
    );
  const promote = useAction(async () => {
    setLast(await request());
    onChanged();
  });
  const withdraw = useAction(async (id: string) => {
    ok(
      await api.POST('/api/v1/models/{name}/versions/{version}/promotions/{id}/cancellation', {
        params: { path: { name: s.model, version: s.version, id } },
      }),
    );
    onChanged();
  });
  const verify = useAction(async (id: string) => {
    ok(
      await api.POST('/api/v1/models/{name}/versions/{version}/deployments/{id}/verification', {
        params: { path: { name: s.model, version: s.version, id } },
      }),
    );
    onChanged();
  });
  return (
    <Section title="Promotions and deployments">
      <form
        className="form inline"
        onSubmit={(e) => {
          e.preventDefault();
          void promote.act();
        }}
      >
        <Field label="Environment">
          <select value={environment} onChange={(e) => setEnv(e.target.value as typeof environment)}>
            {['development', 'qa', 'preproduction', 'production'].map((x) => (
              <option key={x} value={x}>
                {x}
              </option>
            ))}
          </select>
        </Field>
        <Field label="Reason">
          <input value={reason} onChange={(e) => setReason(e.target.value)} required />
        </Field>
        <GatedButton type="submit" disabled={promote.busy} reason={mayNot}>
          Request promotion
        </GatedButton>
      </form>
      <Problem error={promote.error ?? withdraw.error ?? verify.error} />
      {last && (
        <div className={`outcome ${last.status}`} role="status">
          Promotion to {last.environment}: <Badge value={last.status} />
          {last.status === 'blocked' && (
            <ul className="blockers">
              {last.blockers.map((b) => (
                <li key={`${b.gate}/${b.measure}`}>
                  <Badge value={b.status} /> {b.title}{' '}
                  <span className="sub">
                    ({b.gate}
                    {b.signoff ? ', sign-off' : ''}){b.detail.length ? `: ${plainText(b.detail.join('; '))}` : ''}
                  </span>
                </li>
              ))}
              {last.reasons.map((r) => (
                <li key={r}>{r}</li>
              ))}
            </ul>
          )}
        </div>
      )}
      <table className="grid">
        <thead>
          <tr>
            <th scope="col">Requested</th>
            <th scope="col">Environment</th>
            <th scope="col">Status</th>
            <th scope="col">
              <span className="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {s.promotions.map((p) => (
            <tr key={p.id}>
              <td>{when(p.requestedAt)}</td>
              <td>{p.environment}</td>
              <td>
                <Badge value={p.status} />
              </td>
              <td>
                {(p.status === 'blocked' || p.status === 'pending') && (
                  <GatedButton className="secondary" reason={mayNot} onClick={() => void withdraw.act(p.id)}>
                    Withdraw
                  </GatedButton>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <h3>Deployments</h3>
      {s.deployments.length === 0 ? (
        <p className="muted">Not deployed anywhere.</p>
      ) : (
        <table className="grid">
          <thead>
            <tr>
              <th scope="col">Environment</th>
              <th scope="col">Mode</th>
              <th scope="col">Since</th>
              <th scope="col">Until</th>
              <th scope="col">Verified</th>
            </tr>
          </thead>
          <tbody>
            {s.deployments.map((d) => (
              <tr key={d.id}>
                <td>{d.environment}</td>
                <td>{d.mode}</td>
                <td>{when(d.since)}</td>
                <td>{d.active ? <Badge value="active" tone="good" /> : when(d.until)}</td>
                <td>
                  {d.verifiedBy ? (
                    <>
                      <Person id={d.verifiedBy} />, {when(d.verifiedAt)}
                    </>
                  ) : d.active ? (
                    <GatedButton className="secondary" reason={mayNot} onClick={() => void verify.act(d.id)}>
                      Record verification
                    </GatedButton>
                  ) : (
                    '—'
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Section>
  );
}
