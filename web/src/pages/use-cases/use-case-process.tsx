import { useCallback, useState } from 'react';
import { api, ok } from '../../api/client.ts';
import { GateSteps } from '../../components/gate-steps.tsx';
import { packById } from '../../api/pack.ts';
import { Async, Badge, Dialog, Field, Section, when, Outcome } from '../../ui/basics.tsx';
import { TimeSeries } from '../../ui/charts.tsx';
import { useAction, useLoad } from '../../ui/hooks.ts';
import { SignatureForm, type Meaning } from '../../components/signature-form.tsx';
import { GatedButton, NotOffered, SIGNING_ROLES } from '../../components/gated.tsx';
import { useSession } from '../../session.tsx';
import { Signatures } from '../../components/signatures-table.tsx';
import { ReviewedDocuments } from '../../components/reviewed-documents.tsx';
import { DecisionDialog } from '../../components/decision-dialog.tsx';
import { Person } from '../../components/person.tsx';

/** The use case's own steps (scoping, ideation): gates, documents, signatures and moving on. */
export function UseCaseProcess({
  id,
  team,
  packId,
}: {
  id: string;
  team: string;
  /** The policy pack of the current assessment (its RACI), which the use case page has read. */
  packId: string | undefined;
}) {
  const { why, whyRole } = useSession();
  // Moving the use case and recording its documents need use-case:write in its team; signing, a role there.
  const mayNotWrite = why('use-case:write', team);
  const mayNotSign = whyRole(SIGNING_ROLES, team, 'a role in the process (any role but viewer)');
  const status = useLoad(
    async () => ok(await api.GET('/api/v1/use-cases/{id}/lifecycle', { params: { path: { id } } })),
    [id],
  );
  const [signing, setSigning] = useState(false);
  // Asked before the password: role in the team, training, an assessment to sign, independence from the creator.
  const eligibility = useCallback(
    async (role: string, meaning: Meaning) =>
      ok(
        await api.GET('/api/v1/use-cases/{id}/signatures/eligibility', {
          params: { path: { id }, query: { role: role as 'risk-audit', meaning } },
        }),
      ),
    [id],
  );
  const [kind, setKind] = useState('');
  const [title, setTitle] = useState('');
  const [content, setContent] = useState('');
  const move = useAction(async (to: string) => {
    ok(await api.POST('/api/v1/use-cases/{id}/lifecycle/transitions', { params: { path: { id } }, body: { to } }));
    status.reload();
  });
  const record = useAction(async () => {
    ok(
      await api.POST('/api/v1/use-cases/{id}/documents', { params: { path: { id } }, body: { kind, title, content } }),
    );
    setKind('');
    setTitle('');
    setContent('');
    status.reload();
  });
  return (
    <Async state={status}>
      {(s) => {
        if (!s.governed)
          return (
            <Section title="Process">
              <p className="muted">Answer the risk questionnaire first: the process follows from the tier.</p>
            </Section>
          );
        const at = s.steps.findIndex((x) => x.state === 'current');
        const next = s.steps[at + 1];
        return (
          <>
            <Section
              title={`Process: ${s.process?.title ?? ''}`}
              actions={
                <GatedButton onClick={() => setSigning(true)} reason={mayNotSign}>
                  Sign…
                </GatedButton>
              }
            >
              <GateSteps steps={s.steps} />
              {next && at >= 0 && (
                <p>
                  <GatedButton
                    className="secondary"
                    disabled={move.busy}
                    reason={mayNotWrite}
                    onClick={() => void move.act(next.id)}
                  >
                    Move to {next.id}
                  </GatedButton>
                </p>
              )}
              <Outcome of={move} />
            </Section>
            {packId && s.process && <Raci packId={packId} steps={s.process.steps} />}
            <Signatures items={s.signatures} />
            <ReviewedDocuments
              documents={s.documents}
              subject={{ useCase: id }}
              team={team}
              title="Documents of the use case and their reviews"
              onChanged={status.reload}
            />
            <Section title="Record a document of the use case">
              {mayNotWrite ? (
                <NotOffered what="Recording a document" reason={mayNotWrite} />
              ) : (
                <form
                  className="form"
                  onSubmit={(e) => {
                    e.preventDefault();
                    void record.act();
                  }}
                >
                  <div className="row">
                    <Field label="Document kind" hint="e.g. harm-assessment, dpia">
                      <input value={kind} onChange={(e) => setKind(e.target.value)} required />
                    </Field>
                    <Field label="Document title">
                      <input value={title} onChange={(e) => setTitle(e.target.value)} required />
                    </Field>
                  </div>
                  <Field label="Document content (Markdown)">
                    <textarea value={content} onChange={(e) => setContent(e.target.value)} rows={4} required />
                  </Field>
                  <Outcome of={record} />
                  <button type="submit" disabled={record.busy}>
                    Record document
                  </button>
                </form>
              )}
            </Section>
            <Dialog open={signing} title={`Sign ${s.useCase.name}`} onClose={() => setSigning(false)}>
              <SignatureForm
                preferredRole="business-stakeholder"
                eligibility={eligibility}
                onCancel={() => setSigning(false)}
                onSign={async ({ role, meaning, comment, credentials }) => {
                  ok(
                    await api.POST('/api/v1/use-cases/{id}/signatures', {
                      params: { path: { id } },
                      body: { role: role as 'business-stakeholder', meaning, comment, ...credentials },
                    }),
                  );
                  setSigning(false);
                  status.reload();
                }}
                what={
                  <>
                    <dl className="facts">
                      <dt>Use case</dt>
                      <dd>
                        {s.useCase.name}, at step <strong>{s.step ?? '—'}</strong>
                      </dd>
                      <dt>Covers</dt>
                      <dd>
                        the current risk assessment and the policy it was made under; a new assessment makes the
                        signature stale
                      </dd>
                    </dl>
                    <h4>Requirements of its steps</h4>
                    <ul className="compact">
                      {s.requirements.map((r) => (
                        <li key={r.measure}>
                          {r.title} <Badge value={r.status} />
                        </li>
                      ))}
                    </ul>
                  </>
                }
              />
            </Dialog>
          </>
        );
      }}
    </Async>
  );
}

/** One KPI's recorded values against its scoping target. */
export function KpiChart({ id, kpi, team }: { id: string; kpi: string; team: string }) {
  const mayNotRecord = useSession().why('kpi:write', team);
  const values = useLoad(
    async () =>
      ok(
        await api.GET('/api/v1/use-cases/{id}/kpis/{kpi}/values', {
          params: { path: { id, kpi }, query: { limit: 500 } },
        }),
      ),
    [id, kpi],
  );
  const [value, setValue] = useState('');
  const record = useAction(async () => {
    ok(
      await api.POST('/api/v1/use-cases/{id}/kpis/{kpi}/values', {
        params: { path: { id, kpi } },
        body: { values: [{ timestamp: new Date().toISOString(), value: Number(value) }] },
      }),
    );
    setValue('');
    values.reload();
  });
  const form = (
    <form
      className="form inline"
      onSubmit={(e) => {
        e.preventDefault();
        void record.act();
      }}
    >
      <Field label={`New ${kpi} value`}>
        <input type="number" step="any" value={value} onChange={(e) => setValue(e.target.value)} required />
      </Field>
      <button type="submit" className="secondary" disabled={record.busy}>
        Record value
      </button>
      <Outcome of={record} />
    </form>
  );
  return (
    <Async state={values}>
      {(v) => {
        const missed = v.items.filter((x) => !x.meetsTarget).length;
        return (
          <div>
            <TimeSeries
              title={`${v.kpi.name} against its target (${v.kpi.direction === 'at-least' ? '≥' : '≤'} ${v.kpi.target})`}
              series={[{ name: v.kpi.name, points: v.items.map((x) => ({ t: x.timestamp, v: x.value })) }]}
              threshold={v.kpi.target}
              {...(v.kpi.unit ? { unit: v.kpi.unit } : {})}
            />
            {v.items.length > 0 && (
              <p className="sub">
                {v.items.length} values;{' '}
                {missed === 0 ? 'all meet the target' : <Badge value={`${missed} miss the target`} tone="bad" />}
              </p>
            )}
            {mayNotRecord ? <NotOffered what={`Recording a ${kpi} value`} reason={mayNotRecord} /> : form}
          </div>
        );
      }}
    </Async>
  );
}

/** Alignment with the organisation's ethical position (required from tier 3). */
export function Alignment({ id, team }: { id: string; team: string }) {
  const mayNotAlign = useSession().why('assessment:write', team);
  const alignment = useLoad(
    async () => ok(await api.GET('/api/v1/use-cases/{id}/alignment', { params: { path: { id } } })),
    [id],
  );
  const [statement, setStatement] = useState('');
  const save = useAction(async () => {
    ok(await api.PUT('/api/v1/use-cases/{id}/alignment', { params: { path: { id } }, body: { statement } }));
    setStatement('');
    alignment.reload();
  });
  return (
    <Section title="Ethical position">
      <Async state={alignment}>
        {(a) => (
          <>
            <p>
              <Badge
                value={a.status}
                tone={
                  a.status === 'aligned' || a.status === 'not-required'
                    ? 'good'
                    : a.status === 'review'
                      ? 'warn'
                      : 'bad'
                }
              />{' '}
              {a.required
                ? `required at this tier; current position version ${a.currentVersion ?? '—'}`
                : 'not required below tier 3'}
            </p>
            {a.alignments.length > 0 && (
              <ul>
                {a.alignments.map((x) => (
                  <li key={x.recordedAt}>
                    v{x.positionVersion}, {when(x.recordedAt)}: {x.statement}
                  </li>
                ))}
              </ul>
            )}
            {a.required && a.currentVersion !== null && mayNotAlign && (
              <NotOffered what="Recording the alignment" reason={mayNotAlign} />
            )}
            {a.required && a.currentVersion !== null && !mayNotAlign && (
              <form
                className="form"
                onSubmit={(e) => {
                  e.preventDefault();
                  void save.act();
                }}
              >
                <Field label="How the use case aligns with the current position">
                  <textarea
                    value={statement}
                    onChange={(e) => setStatement(e.target.value)}
                    rows={3}
                    minLength={10}
                    required
                  />
                </Field>
                <Outcome of={save} />
                <button type="submit" disabled={save.busy}>
                  Record alignment
                </button>
              </form>
            )}
          </>
        )}
      </Async>
    </Section>
  );
}

/** Requesting another tier with a reason, and a second risk validator confirming or rejecting it. */
export function TierOverride({
  id,
  team,
  pending,
  onChanged,
}: {
  id: string;
  /** The use case's team: requesting needs assessment:write there, deciding assessment:confirm. */
  team: string;
  pending: { tier: number; reason: string; requestedBy: string | null } | null;
  onChanged: () => void;
}) {
  const [tier, setTier] = useState(4);
  const [reason, setReason] = useState('');
  const request = useAction(async () => {
    ok(
      await api.POST('/api/v1/use-cases/{id}/assessment/override', {
        params: { path: { id } },
        body: { tier, reason },
      }),
    );
    setReason('');
    onChanged();
  });
  const [deciding, setDeciding] = useState(false);
  const mayNotRequest = useSession().why('assessment:write', team);
  // Deciding is a risk-audit user's other than the requester: the server's own rule, asked before any password.
  const decide = useLoad(
    async () =>
      pending
        ? ok(await api.GET('/api/v1/use-cases/{id}/assessment/override/eligibility', { params: { path: { id } } }))
        : null,
    [id, pending?.tier, pending?.requestedBy],
  );
  const mayNotDecide = decide.data?.reason ?? null;
  return (
    <Section title="Tier override">
      {pending ? (
        <>
          <p>
            Tier {pending.tier} requested: “{pending.reason}”. A second risk validator, not the requester, confirms or
            rejects it.
          </p>
          <div className="actions">
            <GatedButton onClick={() => setDeciding(true)} reason={mayNotDecide} disabled={!decide.data}>
              Confirm or reject…
            </GatedButton>
          </div>
          {deciding && (
            <DecisionDialog
              open
              title="Decide the tier override"
              decisions={[
                { value: 'confirmed', label: 'Confirm' },
                { value: 'rejected', label: 'Reject' },
              ]}
              onClose={() => setDeciding(false)}
              onSign={async ({ decision, comment, credentials }) => {
                ok(
                  await api.POST('/api/v1/use-cases/{id}/assessment/override/decision', {
                    params: { path: { id } },
                    body: {
                      decision: decision as 'confirmed' | 'rejected',
                      ...credentials,
                      ...(comment ? { comment } : {}),
                    },
                  }),
                );
                setDeciding(false);
                onChanged();
              }}
              what={
                <dl className="facts">
                  <dt>Requested tier</dt>
                  <dd>{pending.tier}</dd>
                  <dt>Reason</dt>
                  <dd>{pending.reason}</dd>
                  <dt>Requested by</dt>
                  <dd>
                    <Person id={pending.requestedBy} />
                  </dd>
                  <dt>Signed as</dt>
                  <dd>risk-audit</dd>
                </dl>
              }
            />
          )}
        </>
      ) : mayNotRequest ? (
        <NotOffered what="Requesting another tier" reason={mayNotRequest} />
      ) : (
        <form
          className="form inline"
          onSubmit={(e) => {
            e.preventDefault();
            void request.act();
          }}
        >
          <Field label="Requested tier">
            <select value={tier} onChange={(e) => setTier(Number(e.target.value))}>
              {[1, 2, 3, 4].map((t) => (
                <option key={t} value={t}>
                  {t}
                </option>
              ))}
            </select>
          </Field>
          <Field label="Reason for the override">
            <input value={reason} onChange={(e) => setReason(e.target.value)} minLength={10} required />
          </Field>
          <button type="submit" className="secondary" disabled={request.busy}>
            Request override
          </button>
          <Outcome of={request} />
        </form>
      )}
    </Section>
  );
}

/** Who is Responsible, Accountable, Consulted and Informed for each task of this process (from the pack the use case was assessed under). */
function Raci({ packId, steps }: { packId: string; steps: string[] }) {
  const pack = useLoad(() => packById(packId), [packId]);
  return (
    <Section title="RACI">
      <Async state={pack}>
        {(p) => {
          const rows = p.raci.filter((r) => steps.includes(r.step));
          const roles = [...new Set(rows.flatMap((r) => Object.keys(r.roles)))];
          return (
            <table className="grid">
              <thead>
                <tr>
                  <th scope="col">Task</th>
                  <th scope="col">Step</th>
                  {roles.map((r) => (
                    <th key={r} scope="col">
                      {r}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {rows.map((r) => (
                  <tr key={r.task}>
                    <th scope="row">{r.title}</th>
                    <td>{r.step}</td>
                    {roles.map((x) => (
                      <td key={x}>{r.roles[x] ?? ''}</td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          );
        }}
      </Async>
    </Section>
  );
}
