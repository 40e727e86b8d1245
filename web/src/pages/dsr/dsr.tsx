import { useState, type ReactNode } from 'react';
import { api, ok } from '../../api/client.ts';
import type { paths } from '../../api/schema.gen.ts';
import { Async, Badge, Field, Section, when, Outcome } from '../../ui/basics.tsx';
import { useAction, useLoad } from '../../ui/hooks.ts';
import { enc, Link, navigate } from '../../router.tsx';
import { NotOffered } from '../../components/gated.tsx';
import { useSession } from '../../session.tsx';

type Dsr = paths['/api/v1/data-subject-requests/{id}']['get']['responses'][200]['content']['application/json'];
type DsrType = Dsr['type'];
const TYPES: DsrType[] = [
  'access',
  'erasure',
  'rectification',
  'restriction',
  'objection-automated-decision',
  'portability',
];
const FILTERS = ['open', 'overdue', 'received', 'in-progress', 'completed', 'refused', 'all'] as const;
const BASE = '/data-subject-requests';
const isOpen = (r: Dsr) => r.status === 'received' || r.status === 'in-progress';

function Due({ r }: { r: Dsr }) {
  return (
    <>
      {r.dueOn}
      {r.overdue && <Badge value="overdue" tone="bad" />}
      {r.extension && <div className="sub">extended</div>}
    </>
  );
}

/** The data-protection officer's register: requests with their due dates, and recording a new one. */
/** The register names people: reading and recording in it take policy:admin organisation-wide, as the server decides. */
function Restricted({ children }: { children: ReactNode }) {
  const mayNot = useSession().why('policy:admin');
  if (!mayNot) return children;
  return (
    <>
      <h1>Data-subject requests</h1>
      <NotOffered what="The register of data-subject requests" reason={mayNot} />
    </>
  );
}

export const DsrPage = () => (
  <Restricted>
    <DsrList />
  </Restricted>
);

export const DsrRequestPage = ({ id }: { id: string }) => (
  <Restricted>
    <DsrRequest id={id} />
  </Restricted>
);

function DsrList() {
  const [filter, setFilter] = useState<(typeof FILTERS)[number]>('open');
  const list = useLoad(async () => {
    const query =
      filter === 'overdue' ? { overdue: true } : filter === 'all' || filter === 'open' ? {} : { status: filter };
    const page = ok(await api.GET('/api/v1/data-subject-requests', { params: { query: { limit: 500, ...query } } }));
    return { ...page, items: filter === 'open' ? page.items.filter(isOpen) : page.items };
  }, [filter]);
  return (
    <>
      <h1>Data-subject requests</h1>
      <Section
        title="Requests"
        actions={
          <label>
            Show{' '}
            <select value={filter} onChange={(e) => setFilter(e.target.value as typeof filter)}>
              {FILTERS.map((s) => (
                <option key={s} value={s}>
                  {s}
                </option>
              ))}
            </select>
          </label>
        }
      >
        <Async state={list}>
          {({ items, counts }) => (
            <>
              <p className="muted">
                {counts.open} open, {counts.overdue} overdue.
              </p>
              {items.length === 0 ? (
                <p className="muted">No requests.</p>
              ) : (
                <table className="grid">
                  <thead>
                    <tr>
                      <th scope="col">Subject</th>
                      <th scope="col">Type</th>
                      <th scope="col">Category</th>
                      <th scope="col">Received</th>
                      <th scope="col">Due</th>
                      <th scope="col">Status</th>
                      <th scope="col">Models</th>
                    </tr>
                  </thead>
                  <tbody>
                    {items.map((r) => (
                      <tr key={r.id} className={r.overdue ? 'overdue' : undefined}>
                        <td>
                          <Link to={`${BASE}/${r.id}`}>{r.subjectRef}</Link>
                        </td>
                        <td>{r.type}</td>
                        <td>{r.category}</td>
                        <td>{r.receivedOn}</td>
                        <td>
                          <Due r={r} />
                        </td>
                        <td>
                          <Badge value={r.status} />
                        </td>
                        <td>{r.trace.modelVersions.length}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
            </>
          )}
        </Async>
      </Section>
      <RecordRequest />
    </>
  );
}

function RecordRequest() {
  const [f, setF] = useState({
    subjectRef: '',
    type: 'erasure' as DsrType,
    category: '',
    receivedOn: new Date().toISOString().slice(0, 10),
    notes: '',
  });
  const set = (patch: Partial<typeof f>) => setF({ ...f, ...patch });
  const record = useAction(async () => {
    const { notes, ...rest } = f;
    const r = ok(await api.POST('/api/v1/data-subject-requests', { body: { ...rest, ...(notes ? { notes } : {}) } }));
    navigate(`${BASE}/${r.id}`);
  });
  return (
    <Section title="Record a request">
      <form
        className="form"
        onSubmit={(e) => {
          e.preventDefault();
          void record.act();
        }}
      >
        <div className="row">
          <Field label="Subject reference" hint="a ticket or customer number, not a name">
            <input
              value={f.subjectRef}
              onChange={(e) => set({ subjectRef: e.target.value })}
              maxLength={200}
              required
            />
          </Field>
          <Field label="Type">
            <select value={f.type} onChange={(e) => set({ type: e.target.value as DsrType })}>
              {TYPES.map((t) => (
                <option key={t} value={t}>
                  {t}
                </option>
              ))}
            </select>
          </Field>
          <Field label="Received on">
            <input type="date" value={f.receivedOn} onChange={(e) => set({ receivedOn: e.target.value })} required />
          </Field>
        </div>
        <Field
          label="Personal-data category"
          hint="a PII kind (direct-identifier, quasi-identifier, special-category, pseudonymised), personal-data for all, or a column name such as email"
        >
          <input value={f.category} onChange={(e) => set({ category: e.target.value })} maxLength={200} required />
        </Field>
        <Field label="Notes">
          <textarea value={f.notes} onChange={(e) => set({ notes: e.target.value })} rows={2} maxLength={4000} />
        </Field>
        <Outcome of={record} />
        <div className="actions">
          <button type="submit" disabled={record.busy}>
            Record request
          </button>
        </div>
      </form>
    </Section>
  );
}

/** One request: its deadline, what it was traced to (models linked), extension and closure. */
function DsrRequest({ id }: { id: string }) {
  const state = useLoad(
    async () => ok(await api.GET('/api/v1/data-subject-requests/{id}', { params: { path: { id } } })),
    [id],
  );
  return (
    <Async state={state}>
      {(r) => (
        <>
          <p>
            <Link to={BASE}>Data-subject requests</Link>
          </p>
          <h1>
            {r.type} request {r.subjectRef}
          </h1>
          <dl className="facts">
            <dt>Status</dt>
            <dd>
              <Badge value={r.status} />
              {r.closed && (
                <span className="sub">
                  {' '}
                  {when(r.closed.at)}: {r.closed.reason}
                </span>
              )}
            </dd>
            <dt>Category</dt>
            <dd>{r.category}</dd>
            <dt>Received</dt>
            <dd>{r.receivedOn}</dd>
            <dt>Due</dt>
            <dd>
              <Due r={r} />
              {r.extension && <div className="sub">extension: {r.extension.reason}</div>}
            </dd>
            {r.notes && (
              <>
                <dt>Notes</dt>
                <dd>{r.notes}</dd>
              </>
            )}
          </dl>
          <Trace r={r} />
          {isOpen(r) && <Actions r={r} onDone={state.reload} />}
        </>
      )}
    </Async>
  );
}

function Trace({ r }: { r: Dsr }) {
  const { datasetVersions, modelVersions, tasks } = r.trace;
  return (
    <>
      <Section title="Model versions trained or evaluated on the data">
        {modelVersions.length === 0 ? (
          <p className="muted">No model version uses the data.</p>
        ) : (
          <table className="grid">
            <thead>
              <tr>
                <th scope="col">Model version</th>
                <th scope="col">Use case</th>
                <th scope="col">Team</th>
                <th scope="col">Data</th>
              </tr>
            </thead>
            <tbody>
              {modelVersions.map((m) => (
                <tr key={m.id}>
                  <td>
                    <Link to={`/models/${enc(m.model)}/versions/${m.version}`}>
                      {m.model}/{m.version}
                    </Link>
                  </td>
                  <td>
                    <Link to={`/use-cases/${m.useCaseId}`}>{m.useCase}</Link>
                  </td>
                  <td>{m.team}</td>
                  <td>{m.datasets.map((d) => `${d.dataset}@${d.version} (${d.role})`).join(', ')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Section>
      <Section title="Dataset versions holding the data">
        {datasetVersions.length === 0 ? (
          <p className="muted">No dataset declares this category of personal data.</p>
        ) : (
          <ul>
            {datasetVersions.map((d) => (
              <li key={d.id}>
                {d.dataset}@{d.version} ({d.ownerTeam}, {d.legalRegion})
                {d.derivedFrom ? ` derived from ${d.derivedFrom}` : ''}: {d.columns.map((c) => c.name).join(', ')}
              </li>
            ))}
          </ul>
        )}
      </Section>
      <Section title="Tasks opened">
        {tasks.length === 0 ? (
          <p className="muted">No tasks.</p>
        ) : (
          <ul>
            {tasks.map((t) => (
              <li key={t.id}>
                <Badge value={t.kind} /> {t.title} ({t.role}, team {t.team})
              </li>
            ))}
          </ul>
        )}
      </Section>
    </>
  );
}

function Actions({ r, onDone }: { r: Dsr; onDone: () => void }) {
  const [months, setMonths] = useState(2);
  const [extendReason, setExtendReason] = useState('');
  const [outcome, setOutcome] = useState<'completed' | 'refused'>('completed');
  const [closeReason, setCloseReason] = useState('');
  const path = { params: { path: { id: r.id } } };
  const extend = useAction(async () => {
    ok(
      await api.POST('/api/v1/data-subject-requests/{id}/extend', { ...path, body: { months, reason: extendReason } }),
    );
    onDone();
  });
  const close = useAction(async () => {
    ok(await api.POST('/api/v1/data-subject-requests/{id}/close', { ...path, body: { outcome, reason: closeReason } }));
    onDone();
  });
  return (
    <>
      {!r.extension && (
        <Section title="Extend the deadline">
          <form
            className="form"
            onSubmit={(e) => {
              e.preventDefault();
              void extend.act();
            }}
          >
            <Field label="Further months" hint="once, at most two (GDPR Art. 12(3))">
              <input type="number" min={1} max={2} value={months} onChange={(e) => setMonths(Number(e.target.value))} />
            </Field>
            <Field label="Reason for the extension">
              <textarea value={extendReason} onChange={(e) => setExtendReason(e.target.value)} rows={2} required />
            </Field>
            <Outcome of={extend} />
            <div className="actions">
              <button type="submit" className="secondary" disabled={extend.busy}>
                Extend
              </button>
            </div>
          </form>
        </Section>
      )}
      <Section title="Close the request">
        <form
          className="form"
          onSubmit={(e) => {
            e.preventDefault();
            void close.act();
          }}
        >
          <Field label="Outcome">
            <select value={outcome} onChange={(e) => setOutcome(e.target.value as typeof outcome)}>
              <option value="completed">completed</option>
              <option value="refused">refused</option>
            </select>
          </Field>
          <Field label="What was done, or why it is refused">
            <textarea value={closeReason} onChange={(e) => setCloseReason(e.target.value)} rows={2} required />
          </Field>
          <Outcome of={close} />
          <div className="actions">
            <button type="submit" disabled={close.busy}>
              Close request
            </button>
          </div>
        </form>
      </Section>
    </>
  );
}
