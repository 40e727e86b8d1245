import { useState } from 'react';
import { api, ok } from '../../api/client.ts';
import type { PolicyPack } from '../../api/pack.ts';
import { useSession } from '../../session.tsx';
import { Async, Badge, Section, Tabs, TierBadge, when, Outcome } from '../../ui/basics.tsx';
import { useAction, useLoad } from '../../ui/hooks.ts';
import { EthicalPositionView } from '../../components/ethical-position.tsx';
import { GatedButton } from '../../components/gated.tsx';
import { DecisionDialog } from '../../components/decision-dialog.tsx';
import { Person } from '../../components/person.tsx';
import { RegulatoryChanges } from './regulatory-changes.tsx';

const TABS = ['Matrix', 'RACI', 'Regulations', 'Ethical position', 'Versions'];

/** The active policy pack, its matrix, RACI and regulation packs; upload with validation and simulation. */
export function PolicyPage() {
  const active = useLoad(async () => ok(await api.GET('/api/v1/policies/active')), []);
  const versions = useLoad(async () => ok(await api.GET('/api/v1/policies')).items, []);
  const [tab, setTab] = useState('Matrix');
  const { can } = useSession();
  const [activating, setActivating] = useState<string | null>(null);
  return (
    <>
      <h1>Policy</h1>
      <Async state={active}>
        {(a) => {
          const pack = a.pack as PolicyPack;
          const measures = new Map(pack.measures.map((m) => [m.id, m]));
          return (
            <>
              <p className="meta">
                Active pack{' '}
                <strong>
                  {a.name} {a.version}
                </strong>
                , activated {when(a.activatedAt)} by <Person id={a.activatedBy} />
                {a.activation && (
                  <>
                    {' '}
                    (signed <code title={a.activation.manifestDigest}>{a.activation.manifestDigest.slice(0, 20)}…</code>
                    )
                  </>
                )}{' '}
                · <code title={a.digest}>{a.digest.slice(0, 20)}…</code>
              </p>
              <Tabs tabs={TABS} current={tab} onChange={setTab}>
                {tab === 'Matrix' && (
                  <Section title="Tier × consideration: required measures">
                    <table className="grid matrix">
                      <thead>
                        <tr>
                          <th scope="col">Consideration</th>
                          {[1, 2, 3, 4].map((t) => (
                            <th key={t} scope="col">
                              <TierBadge tier={t} /> {pack.tiers.find((x) => x.tier === t)?.name}
                            </th>
                          ))}
                        </tr>
                      </thead>
                      <tbody>
                        {pack.considerations.map((c) => (
                          <tr key={c.id}>
                            <th scope="row">{c.title}</th>
                            {(['1', '2', '3', '4'] as const).map((t) => (
                              <td key={t}>
                                <ul className="compact">
                                  {(pack.matrix[c.id]?.[t] ?? []).map((m) => (
                                    <li key={m}>{measures.get(m)?.title ?? m}</li>
                                  ))}
                                </ul>
                              </td>
                            ))}
                          </tr>
                        ))}
                      </tbody>
                    </table>
                  </Section>
                )}
                {tab === 'RACI' && (
                  <Section title="RACI">
                    {(() => {
                      const roles = [...new Set(pack.raci.flatMap((r) => Object.keys(r.roles)))];
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
                            {pack.raci.map((r) => (
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
                    })()}
                  </Section>
                )}
                {tab === 'Regulations' && <RegulatoryChanges canRun={can('policy:admin')} />}
                {tab === 'Regulations' &&
                  pack.regulations.map((reg) => (
                    <Section key={reg.id} title={reg.title}>
                      <p className="sub">
                        applies to use cases tagged <code>{reg.tag}</code>
                      </p>
                      <table className="grid">
                        <thead>
                          <tr>
                            <th scope="col">Requirement</th>
                            <th scope="col">Source</th>
                            <th scope="col">Status</th>
                            <th scope="col">Measures</th>
                          </tr>
                        </thead>
                        <tbody>
                          {reg.requirements.map((q) => (
                            <tr key={q.id}>
                              <td>
                                {q.title}
                                <div className="sub">{q.id}</div>
                              </td>
                              <td className="sub">{q.source}</td>
                              <td>
                                <Badge value={q.status ?? 'in-force'} tone="neutral" />{' '}
                                <span className="sub">
                                  from {q.effective.from}
                                  {q.effective.until ? ` until ${q.effective.until}` : ''}
                                </span>
                              </td>
                              <td>
                                <ul className="compact">
                                  {q.measures.map((m) => (
                                    <li key={m}>{measures.get(m)?.title ?? m}</li>
                                  ))}
                                </ul>
                              </td>
                            </tr>
                          ))}
                        </tbody>
                      </table>
                    </Section>
                  ))}
                {tab === 'Ethical position' && <EthicalPositionView canPublish={can('users:admin')} />}
                {tab === 'Versions' && (
                  <Section title="Pack versions">
                    <p className="sub">
                      Four eyes on governance: a pack is activated, by an e-signature, by a policy administrator other
                      than the one who uploaded it.
                    </p>
                    <Async state={versions}>
                      {(items) => (
                        <table className="grid">
                          <thead>
                            <tr>
                              <th scope="col">Pack</th>
                              <th scope="col">Status</th>
                              <th scope="col">Uploaded</th>
                              <th scope="col">Activated</th>
                            </tr>
                          </thead>
                          <tbody>
                            {items.map((p) => (
                              <tr key={p.id}>
                                <td>
                                  {p.name} {p.version}
                                </td>
                                <td>
                                  <Badge value={p.status} tone={p.status === 'active' ? 'good' : 'neutral'} />
                                </td>
                                <td>
                                  {when(p.createdAt)} · <Person id={p.createdBy} />
                                </td>
                                <td>
                                  {p.status === 'draft' && can('policy:admin') ? (
                                    // Its uploader may not activate it (four eyes): said here, not after a password.
                                    <GatedButton
                                      className="secondary"
                                      reason={p.actions.activate.reason}
                                      onClick={() => setActivating(p.id)}
                                    >
                                      Activate…
                                    </GatedButton>
                                  ) : (
                                    when(p.activatedAt)
                                  )}
                                </td>
                              </tr>
                            ))}
                          </tbody>
                        </table>
                      )}
                    </Async>
                  </Section>
                )}
              </Tabs>
            </>
          );
        }}
      </Async>
      {activating && (
        <ActivateDialog
          id={activating}
          onClose={() => setActivating(null)}
          onDone={() => {
            setActivating(null);
            active.reload();
            versions.reload();
          }}
        />
      )}
      {can('policy:admin') && (
        <UploadPack
          onDone={() => {
            active.reload();
            versions.reload();
          }}
        />
      )}
    </>
  );
}

function UploadPack({ onDone }: { onDone: () => void }) {
  const [yaml, setYaml] = useState('');
  const [validation, setValidation] = useState<{
    valid: boolean;
    problems: { path: string; message: string }[];
  } | null>(null);
  const [changes, setChanges] = useState<Awaited<ReturnType<typeof simulate>> | null>(null);
  const simulate = async () => ok(await api.POST('/api/v1/policies/simulate', { body: { yaml } })).changes;
  const check = useAction(async () => {
    setChanges(null);
    const v = ok(await api.POST('/api/v1/policies/validate', { body: { yaml } }));
    setValidation(v);
    if (v.valid) setChanges(await simulate());
  });
  const [uploaded, setUploaded] = useState<string | null>(null);
  const upload = useAction(async () => {
    const stored = ok(await api.POST('/api/v1/policies', { body: { yaml } }));
    setUploaded(`${stored.name} ${stored.version}`);
    setYaml('');
    setValidation(null);
    setChanges(null);
    onDone();
  });
  return (
    <Section title="Upload a new pack version">
      <form
        className="form"
        onSubmit={(e) => {
          e.preventDefault();
          void check.act();
        }}
      >
        <label className="field">
          <span>Pack (YAML or JSON)</span>
          <textarea
            className="code"
            rows={10}
            value={yaml}
            onChange={(e) => {
              setYaml(e.target.value);
              setValidation(null);
              setChanges(null);
            }}
            required
          />
        </label>
        <button type="submit" disabled={check.busy}>
          Validate and simulate
        </button>
      </form>
      <Outcome of={check} />
      {validation && !validation.valid && (
        <div className="problem" role="alert">
          <strong>The pack is not valid</strong>
          <ul>
            {validation.problems.map((p, i) => (
              <li key={i}>
                <code>{p.path || '/'}</code> {p.message}
              </li>
            ))}
          </ul>
        </div>
      )}
      {uploaded && (
        <p role="status">
          Uploaded {uploaded} as a draft: another policy administrator reviews it and activates it from the Versions
          tab.
        </p>
      )}
      {changes && (
        <div role="status">
          <h3>
            Simulation:{' '}
            {changes.length === 0 ? 'no use case would change' : `${changes.length} use case(s) would change`}
          </h3>
          {changes.length > 0 && (
            <table className="grid">
              <thead>
                <tr>
                  <th scope="col">Use case</th>
                  <th scope="col">Tier now → then</th>
                  <th scope="col">Measures added</th>
                  <th scope="col">Measures removed</th>
                  <th scope="col">Answers to revisit</th>
                </tr>
              </thead>
              <tbody>
                {changes.map((c) => (
                  <tr key={c.useCaseId}>
                    <td>{c.useCase}</td>
                    <td>
                      {c.current?.tier ?? '—'} → {c.candidate?.tier ?? '—'}
                    </td>
                    <td>{c.measuresAdded.join(', ') || '—'}</td>
                    <td>{c.measuresRemoved.join(', ') || '—'}</td>
                    <td>{c.answerProblems.map((p) => `${p.question}: ${p.message}`).join('; ') || '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <button type="button" onClick={() => void upload.act()} disabled={upload.busy}>
            Upload as draft
          </button>
          <Outcome of={upload} />
        </div>
      )}
    </Section>
  );
}

/**
 * Activating a pack: an e-signature whose manifest the server binds to the pack digest and the
 * simulation summary shown here (recomputed when it signs).
 */
function ActivateDialog({ id, onClose, onDone }: { id: string; onClose: () => void; onDone: () => void }) {
  const pack = useLoad(async () => ok(await api.GET('/api/v1/policies/{id}', { params: { path: { id } } })), [id]);
  const sim = useLoad(
    async () =>
      pack.data ? ok(await api.POST('/api/v1/policies/simulate', { body: { pack: pack.data.pack } })).changes : null,
    [pack.data],
  );
  const changes = sim.data ?? [];
  const tierChanges = changes.filter(
    (c) => c.current?.tier !== c.candidate?.tier || c.current?.assessedTier !== c.candidate?.assessedTier,
  ).length;
  const added = changes.reduce((n, c) => n + c.measuresAdded.length, 0);
  const removed = changes.reduce((n, c) => n + c.measuresRemoved.length, 0);
  return (
    <DecisionDialog
      open
      title="Activate policy pack"
      decisions={[{ value: 'activate', label: 'Activate' }]}
      onClose={onClose}
      onSign={async ({ comment, credentials }) => {
        ok(
          await api.POST('/api/v1/policies/{id}/activate', {
            params: { path: { id } },
            body: { ...credentials, ...(comment ? { comment } : {}) },
          }),
        );
        onDone();
      }}
      what={
        pack.data ? (
          <dl className="facts">
            <dt>Pack</dt>
            <dd>
              {pack.data.name} {pack.data.version}, uploaded by <Person id={pack.data.createdBy} />
            </dd>
            <dt>Digest</dt>
            <dd>
              <code>{pack.data.digest}</code>
            </dd>
            <dt>Simulation</dt>
            <dd>
              {sim.data === null || sim.loading
                ? 'simulating…'
                : `${changes.length} use case(s) change, ${tierChanges} of them in tier; requirements +${added} −${removed}`}
            </dd>
          </dl>
        ) : (
          <p className="muted">Loading the pack…</p>
        )
      }
    />
  );
}
