import { useState } from 'react';
import { api, ok } from '../../api/client.ts';
import type { paths } from '../../api/schema.gen.ts';
import { DecisionDialog } from '../../components/decision-dialog.tsx';
import { Async, Badge, Field, Section, when, Outcome } from '../../ui/basics.tsx';
import { useAction, useLoad } from '../../ui/hooks.ts';
import { emptySubject, SubjectFields, subjectBody } from './subject-fields.tsx';

type MeasureException = paths['/api/v1/exceptions/{id}']['get']['responses'][200]['content']['application/json'];

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
                      <td>{x.status === 'requested' && <button onClick={() => setDeciding(x)}>Decide…</button>}</td>
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
          decisions={[
            { value: 'approve', label: 'Approve' },
            { value: 'reject', label: 'Reject' },
          ]}
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
          <button type="submit" disabled={request.busy}>
            Request exception
          </button>
        </div>
      </form>
    </Section>
  );
}
