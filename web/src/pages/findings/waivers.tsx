import { useState } from 'react';
import { api, ok } from '../../api/client.ts';
import type { paths } from '../../api/schema.gen.ts';
import { DecisionDialog } from '../../components/decision-dialog.tsx';
import { GatedButton } from '../../components/gated.tsx';
import { Async, Badge, Field, Section, when, Outcome } from '../../ui/basics.tsx';
import { useAction, useLoad } from '../../ui/hooks.ts';
import { emptySubject, SubjectFields, subjectBody, useSubjectRefusal } from './subject-fields.tsx';

type MeasureException = paths['/api/v1/exceptions/{id}']['get']['responses'][200]['content']['application/json'];

const DECISIONS = [
  { value: 'approve', label: 'Approve' },
  { value: 'reject', label: 'Reject' },
] as const;
/** The decisions the caller may take on an exception, as the server's rule says. */
const decisionsOpen = (x: MeasureException) => DECISIONS.filter((d) => x.actions[d.value].allowed);

/** Exceptions (waivers) of one measure: requested with a reason and expiry, approved by someone else's signature. */
export function Waivers() {
  const [deciding, setDeciding] = useState<MeasureException | null>(null);
  const list = useLoad(
    async () => ok(await api.GET('/api/v1/exceptions', { params: { query: { limit: 200 } } })).items,
    [],
  );
  return (
    <>
      <Section title="Exceptions (waivers)">
        <Async state={list}>
          {(items) =>
            items.length === 0 ? (
              <p className="muted">No exceptions.</p>
            ) : (
              <table className="grid">
                <thead>
                  <tr>
                    <th scope="col">Measure</th>
                    <th scope="col">On</th>
                    <th scope="col">Reason</th>
                    <th scope="col">Expires</th>
                    <th scope="col">Status</th>
                    <th scope="col">
                      <span className="sr-only">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {items.map((x) => (
                    <tr key={x.id}>
                      <td>
                        <code>{x.measure}</code>
                      </td>
                      <td>{x.subject.label}</td>
                      <td>{x.reason}</td>
                      <td>{when(x.expiresAt)}</td>
                      <td>
                        <Badge value={x.status} tone={x.valid ? 'good' : undefined} />
                      </td>
                      <td>
                        {x.status === 'requested' && (
                          // Offered when either decision is open to the caller; the requester may reject (withdraw) their own.
                          <GatedButton
                            reason={decisionsOpen(x).length > 0 ? null : x.actions.approve.reason}
                            onClick={() => setDeciding(x)}
                          >
                            Decide…
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
      <RequestException onRequested={list.reload} />
      {deciding && (
        <DecisionDialog
          open
          title={`Exception of ${deciding.measure}`}
          decisions={decisionsOpen(deciding)}
          commentRequired={(d) => d === 'reject'}
          what={
            <dl className="facts">
              <dt>Waives</dt>
              <dd>
                <code>{deciding.measure}</code> on {deciding.subject.label}
              </dd>
              <dt>Until</dt>
              <dd>{when(deciding.expiresAt)}</dd>
              <dt>Reason</dt>
              <dd>{deciding.reason}</dd>
              {!deciding.actions.approve.allowed && (
                // Only rejecting is open: say so, and why approving is not, since no choice is shown.
                <>
                  <dt>Your decision</dt>
                  <dd>Reject</dd>
                  <dt>Why not approve</dt>
                  <dd className="why-not">{deciding.actions.approve.reason}</dd>
                </>
              )}
            </dl>
          }
          onClose={() => setDeciding(null)}
          onSign={async ({ decision, comment, credentials }) => {
            const body = { ...credentials, ...(comment ? { comment } : {}) };
            const params = { path: { id: deciding.id } };
            ok(
              decision === 'approve'
                ? await api.POST('/api/v1/exceptions/{id}/approve', { params, body })
                : await api.POST('/api/v1/exceptions/{id}/reject', { params, body }),
            );
            setDeciding(null);
            list.reload();
          }}
        />
      )}
    </>
  );
}

function RequestException({ onRequested }: { onRequested: () => void }) {
  const [subject, setSubject] = useState(emptySubject);
  const [measure, setMeasure] = useState('');
  const [reason, setReason] = useState('');
  const [expires, setExpires] = useState('');
  const mayNot = useSubjectRefusal(subject, 'request');
  const request = useAction(async () => {
    ok(
      await api.POST('/api/v1/exceptions', {
        body: { ...subjectBody(subject), measure, reason, expiresAt: new Date(`${expires}T23:59:59Z`).toISOString() },
      }),
    );
    setReason('');
    onRequested();
  });
  return (
    <Section title="Request an exception">
      <form
        className="form"
        onSubmit={(e) => {
          e.preventDefault();
          void request.act();
        }}
      >
        <SubjectFields value={subject} onChange={setSubject} />
        <div className="row">
          <Field label="Measure" hint="the measure id, as the requirements list it">
            <input value={measure} onChange={(e) => setMeasure(e.target.value)} required />
          </Field>
          <Field label="Expires on" hint="at most the policy pack's maximum days ahead">
            <input type="date" value={expires} onChange={(e) => setExpires(e.target.value)} required />
          </Field>
        </div>
        <Field label="Reason">
          <textarea value={reason} onChange={(e) => setReason(e.target.value)} rows={2} required />
        </Field>
        <Outcome of={request} />
        <div className="actions">
          <GatedButton type="submit" disabled={request.busy} reason={mayNot}>
            Request exception
          </GatedButton>
        </div>
      </form>
    </Section>
  );
}
