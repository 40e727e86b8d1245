import { useState } from 'react';
import { api, ok } from '../../api/client.ts';
import type { paths } from '../../api/schema.gen.ts';
import { DecisionDialog } from '../../components/decision-dialog.tsx';
import { GatedButton } from '../../components/gated.tsx';
import { Async, Badge, Field, Section, when, Outcome } from '../../ui/basics.tsx';
import { useAction, useLoad } from '../../ui/hooks.ts';
import { emptySubject, SubjectFields, subjectBody, useSubjectEligibility } from './subject-fields.tsx';
import { Waivers } from './waivers.tsx';

type Finding = paths['/api/v1/findings/{id}']['get']['responses'][200]['content']['application/json'];
const STATUSES = ['open', 'remediating', 'closed', 'all'] as const;
const tone = (severity: string) => (severity === 'critical' || severity === 'high' ? 'bad' : 'warn');

/** Findings raised by validators (raise, remediate, close by signature), and exceptions of measures. */
export function FindingsPage() {
  const [status, setStatus] = useState<(typeof STATUSES)[number]>('open');
  const [closing, setClosing] = useState<Finding | null>(null);
  const findings = useLoad(
    async () =>
      ok(
        await api.GET('/api/v1/findings', {
          params: { query: { limit: 200, ...(status === 'all' ? {} : { status }) } },
        }),
      ).items,
    [status],
  );
  const remediate = useAction(async (id: string) => {
    ok(await api.PATCH('/api/v1/findings/{id}', { params: { path: { id } }, body: { status: 'remediating' } }));
    findings.reload();
  });
  return (
    <>
      <h1>Findings</h1>
      <Section
        title="Findings"
        actions={
          <label>
            Status{' '}
            <select value={status} onChange={(e) => setStatus(e.target.value as typeof status)}>
              {STATUSES.map((s) => (
                <option key={s} value={s}>
                  {s}
                </option>
              ))}
            </select>
          </label>
        }
      >
        <Outcome of={remediate} />
        <Async state={findings}>
          {(items) =>
            items.length === 0 ? (
              <p className="muted">No findings.</p>
            ) : (
              <table className="grid">
                <thead>
                  <tr>
                    <th scope="col">Severity</th>
                    <th scope="col">Finding</th>
                    <th scope="col">On</th>
                    <th scope="col">Owner</th>
                    <th scope="col">Due</th>
                    <th scope="col">Status</th>
                    <th scope="col">
                      <span className="sr-only">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {items.map((f) => (
                    <tr key={f.id}>
                      <td>
                        <Badge value={f.severity} tone={tone(f.severity)} />
                      </td>
                      <td>
                        {f.title}
                        <div className="sub">{f.remediation}</div>
                        {f.blocks.length > 0 && <div className="sub">blocks {f.blocks.join(', ')}</div>}
                      </td>
                      <td>{f.subject.label}</td>
                      <td>{f.owner.username}</td>
                      <td>
                        {f.dueDate}
                        {f.overdue && <Badge value="overdue" tone="bad" />}
                      </td>
                      <td>
                        <Badge value={f.status} />
                        {f.closed && <div className="sub">closed {when(f.closed.at)}</div>}
                      </td>
                      <td>
                        {/* What the caller may do with this finding comes with it, by the commands' own rules. */}
                        {f.status === 'open' && (
                          <GatedButton
                            className="secondary"
                            reason={f.actions.remediate.reason}
                            onClick={() => void remediate.act(f.id)}
                          >
                            Start remediation
                          </GatedButton>
                        )}
                        {f.status !== 'closed' && (
                          <GatedButton reason={f.actions.close.reason} onClick={() => setClosing(f)}>
                            Close…
                          </GatedButton>
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
      <RaiseFinding onRaised={findings.reload} />
      <Waivers />
      {closing && (
        <DecisionDialog
          open
          title={`Close finding: ${closing.title}`}
          decisions={[{ value: 'close', label: 'Close' }]}
          what={
            <dl className="facts">
              <dt>Finding</dt>
              <dd>
                {closing.title} ({closing.severity}) on {closing.subject.label}
              </dd>
              <dt>Remediation</dt>
              <dd>{closing.remediation}</dd>
            </dl>
          }
          onClose={() => setClosing(null)}
          onSign={async ({ comment, credentials }) => {
            ok(
              await api.POST('/api/v1/findings/{id}/close', {
                params: { path: { id: closing.id } },
                body: { ...credentials, ...(comment ? { comment } : {}) },
              }),
            );
            setClosing(null);
            findings.reload();
          }}
        />
      )}
    </>
  );
}

function RaiseFinding({ onRaised }: { onRaised: () => void }) {
  const [subject, setSubject] = useState(emptySubject);
  const [f, setF] = useState({
    severity: 'high',
    title: '',
    description: '',
    owner: '',
    dueDate: '',
    remediation: '',
  });
  const set = (patch: Partial<typeof f>) => setF({ ...f, ...patch });
  const { refusal: mayNot, severities } = useSubjectEligibility(subject, 'raise');
  // The subject's pack names the severities; until the subject is named there are none to choose.
  const severity = severities?.includes(f.severity) ? f.severity : (severities?.[0] ?? '');
  const raise = useAction(async () => {
    ok(await api.POST('/api/v1/findings', { body: { ...subjectBody(subject), ...f, severity } }));
    setF({ ...f, title: '', description: '', remediation: '' });
    onRaised();
  });
  return (
    <Section title="Raise a finding">
      <form
        className="form"
        onSubmit={(e) => {
          e.preventDefault();
          void raise.act();
        }}
      >
        <SubjectFields value={subject} onChange={setSubject} />
        <div className="row">
          <Field
            label="Severity"
            hint={severities ? undefined : "name the subject first: its policy pack's severities"}
          >
            <select
              value={severity}
              onChange={(e) => set({ severity: e.target.value })}
              disabled={!severities}
              required
            >
              {(severities ?? []).map((s) => (
                <option key={s} value={s}>
                  {s}
                </option>
              ))}
            </select>
          </Field>
          <Field label="Owner" hint="who remediates (username)">
            <input value={f.owner} onChange={(e) => set({ owner: e.target.value })} required />
          </Field>
          <Field label="Due date">
            <input type="date" value={f.dueDate} onChange={(e) => set({ dueDate: e.target.value })} required />
          </Field>
        </div>
        <Field label="Title">
          <input value={f.title} onChange={(e) => set({ title: e.target.value })} maxLength={200} required />
        </Field>
        <Field label="Description">
          <textarea value={f.description} onChange={(e) => set({ description: e.target.value })} rows={3} required />
        </Field>
        <Field label="Remediation plan">
          <textarea value={f.remediation} onChange={(e) => set({ remediation: e.target.value })} rows={2} required />
        </Field>
        <Outcome of={raise} />
        <div className="actions">
          <GatedButton type="submit" disabled={raise.busy} reason={mayNot}>
            Raise finding
          </GatedButton>
        </div>
      </form>
    </Section>
  );
}
