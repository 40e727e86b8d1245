import { useState } from 'react';
import { api, ok } from '../../api/client.ts';
import type { paths } from '../../api/schema.gen.ts';
import { DecisionDialog } from '../../components/decision-dialog.tsx';
import { GatedButton } from '../../components/gated.tsx';
import { useSession } from '../../session.tsx';
import { Async, Badge, Problem, Section } from '../../ui/basics.tsx';
import { useAction, useLoad } from '../../ui/hooks.ts';

type Attestation = paths['/api/v1/attestations/{id}']['get']['responses'][200]['content']['application/json'];
const STATUSES = ['open', 'decided', 'all'] as const;

const OWNER = [
  { value: 'still-accurate', label: 'Still accurately described and in use' },
  { value: 'description-changed', label: 'Description changed: re-assess it' },
  { value: 'retire', label: 'No longer in use: retire it' },
];
const VALIDATOR = [
  { value: 'revalidated', label: 'Revalidated' },
  { value: 'not-revalidated', label: 'Not revalidated' },
];
const standingTone = (s: string) =>
  s === 'overdue' ? 'bad' : s === 'open' ? 'warn' : s === 'current' ? 'good' : undefined;

/** Periodic attestations by owners and revalidations by validators, decided by e-signature. */
export function AttestationsPage() {
  // Running the campaign is organisation-wide policy:admin, as the command decides.
  const mayNotRun = useSession().why('policy:admin');
  const [status, setStatus] = useState<(typeof STATUSES)[number]>('open');
  const [deciding, setDeciding] = useState<Attestation | null>(null);
  const list = useLoad(
    async () =>
      ok(
        await api.GET('/api/v1/attestations', {
          params: { query: { limit: 200, ...(status === 'all' ? {} : { status }) } },
        }),
      ).items,
    [status],
  );
  const standing = useLoad(
    async () => ok(await api.GET('/api/v1/attestations/status', { params: { query: { limit: 200 } } })).items,
    [],
  );
  const run = useAction(async () => {
    ok(await api.POST('/api/v1/attestations/campaigns'));
    list.reload();
    standing.reload();
  });
  return (
    <>
      <h1>Attestations</h1>
      <Section
        title="Attestations"
        actions={
          <>
            <label>
              Status{' '}
              <select value={status} onChange={(e) => setStatus(e.target.value as typeof status)}>
                {STATUSES.map((s) => (
                  <option key={s}>{s}</option>
                ))}
              </select>
            </label>
            <GatedButton onClick={() => void run.act()} disabled={run.busy} reason={mayNotRun}>
              Run campaign
            </GatedButton>
          </>
        }
      >
        <Problem error={run.error} />
        <Async state={list}>
          {(items) =>
            items.length === 0 ? (
              <p className="muted">No attestations.</p>
            ) : (
              <table className="grid">
                <thead>
                  <tr>
                    <th scope="col">Use case</th>
                    <th scope="col">Party</th>
                    <th scope="col">Tier</th>
                    <th scope="col">Due</th>
                    <th scope="col">Status</th>
                    <th scope="col">
                      <span className="sr-only">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {items.map((a) => (
                    <tr key={a.id}>
                      <td>{a.useCase.name}</td>
                      <td>{a.kind === 'owner' ? 'owner attestation' : 'validator revalidation'}</td>
                      <td>{a.tier}</td>
                      <td>
                        {a.dueOn}
                        {a.overdue && <Badge value="overdue" tone="bad" />}
                      </td>
                      <td>
                        <Badge value={a.decision ?? a.status} tone={a.decision ? 'good' : undefined} />
                      </td>
                      <td>
                        {/* Whether the caller may decide it comes with it: role, independence of the owners, state, training. */}
                        {a.status === 'open' && (
                          <GatedButton reason={a.actions.decide.reason} onClick={() => setDeciding(a)}>
                            {a.kind === 'owner' ? 'Attest…' : 'Revalidate…'}
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
      <Section title="Standing by use case">
        <Async state={standing}>
          {(items) =>
            items.length === 0 ? (
              <p className="muted">No assessed use cases.</p>
            ) : (
              <table className="grid">
                <thead>
                  <tr>
                    <th scope="col">Use case</th>
                    <th scope="col">Team</th>
                    <th scope="col">Tier</th>
                    <th scope="col">Standing</th>
                    <th scope="col">Last attested</th>
                    <th scope="col">Next due</th>
                  </tr>
                </thead>
                <tbody>
                  {items.map((s) => (
                    <tr key={s.useCase.id}>
                      <td>{s.useCase.name}</td>
                      <td>{s.team}</td>
                      <td>{s.tier}</td>
                      <td>
                        <Badge value={s.status} tone={standingTone(s.status)} />
                      </td>
                      <td>{s.lastAttestedOn ?? '—'}</td>
                      <td>{s.nextDueOn ?? '—'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )
          }
        </Async>
      </Section>
      {deciding && (
        <DecisionDialog
          open
          title={`${deciding.kind === 'owner' ? 'Attest' : 'Revalidate'} ${deciding.useCase.name}`}
          decisions={deciding.kind === 'owner' ? OWNER : VALIDATOR}
          commentRequired={(d) => d === 'not-revalidated' || d === 'description-changed'}
          what={
            <dl className="facts">
              <dt>Use case</dt>
              <dd>
                {deciding.useCase.name} (tier {deciding.tier}, team {deciding.team})
              </dd>
              <dt>{deciding.kind === 'owner' ? 'You attest' : 'You revalidate'}</dt>
              <dd>
                {deciding.kind === 'owner'
                  ? 'whether the use case is still accurately described and in use'
                  : 'the use case, independently of its owners'}
              </dd>
              <dt>Due</dt>
              <dd>{deciding.dueOn}</dd>
            </dl>
          }
          onClose={() => setDeciding(null)}
          onSign={async ({ decision, comment, credentials }) => {
            ok(
              await api.POST('/api/v1/attestations/{id}/decision', {
                params: { path: { id: deciding.id } },
                body: {
                  decision: decision as NonNullable<Attestation['decision']>,
                  ...credentials,
                  ...(comment ? { comment } : {}),
                },
              }),
            );
            setDeciding(null);
            list.reload();
            standing.reload();
          }}
        />
      )}
    </>
  );
}
