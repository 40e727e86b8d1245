import { useState } from 'react';
import { api, ok } from '../../api/client.ts';
import { useSession } from '../../session.tsx';
import { Async, Badge, Field, Section, when, Outcome } from '../../ui/basics.tsx';
import { useAction, useLoad } from '../../ui/hooks.ts';

const TONE = { current: 'good', expired: 'bad', missing: 'warn' } as const;
const today = () => new Date().toISOString().slice(0, 10);

/** Trainings: mine with their expiry, recording a completion, acknowledging the policy, admin import, the AI-literacy report. */
export function TrainingsPage() {
  const { me, can } = useSession();
  // Bumped by an import so the report shows it.
  const [imports, setImports] = useState(0);
  const mine = useLoad(
    async () =>
      ok(await api.GET('/api/v1/users/{username}/trainings', { params: { path: { username: me.username } } })),
    [me.username],
  );
  return (
    <>
      <h1>Trainings</h1>
      <Section title="My trainings">
        <Async state={mine}>
          {(r) => (
            <>
              <p className="muted">
                {r.enforceFrom
                  ? `From ${r.enforceFrom} a role that requires a training can sign only while that training is current.`
                  : 'Trainings are recorded and reported; the policy does not yet make them a condition of signing.'}
              </p>
              <table className="grid">
                <thead>
                  <tr>
                    <th scope="col">Training</th>
                    <th scope="col">Status</th>
                    <th scope="col">Completed</th>
                    <th scope="col">Expires</th>
                    <th scope="col">Required to sign as</th>
                  </tr>
                </thead>
                <tbody>
                  {r.items.map((i) => (
                    <tr key={i.training}>
                      <td>{i.title}</td>
                      <td>
                        <Badge value={i.status} tone={TONE[i.status]} />
                      </td>
                      <td>{i.completedOn ?? '—'}</td>
                      <td>{i.expiresOn ?? '—'}</td>
                      <td>{i.requiredBy.join(', ') || '—'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              <RecordCompletion
                username={me.username}
                trainings={r.items.map((i) => ({ id: i.training, title: i.title }))}
                onRecorded={mine.reload}
              />
              <Acknowledge acknowledgements={r.acknowledgements} onDone={mine.reload} />
            </>
          )}
        </Async>
      </Section>
      {/* Importing completions needs users:admin organisation-wide (a team's admin may not). */}
      {can('users:admin') && (
        <ImportCompletions
          onImported={() => {
            mine.reload();
            setImports((n) => n + 1);
          }}
        />
      )}
      <LiteracyReport
        teams={[...new Set(me.roles.map((r) => r.scope).filter((s) => s !== '*'))]}
        anyTeam={can('identity:read')}
        refresh={imports}
      />
    </>
  );
}

function RecordCompletion({
  username,
  trainings,
  onRecorded,
}: {
  username: string;
  trainings: { id: string; title: string }[];
  onRecorded: () => void;
}) {
  const [training, setTraining] = useState(trainings[0]?.id ?? '');
  const [completedOn, setCompletedOn] = useState(today());
  const [certificate, setCertificate] = useState('');
  const record = useAction(async () => {
    const r = ok(
      await api.POST('/api/v1/users/{username}/trainings', {
        params: { path: { username } },
        body: { training, completedOn, ...(certificate ? { certificate } : {}) },
      }),
    );
    onRecorded();
    return `Recorded ${r.training} completed on ${r.completedOn}.`;
  });
  return (
    <form
      className="form"
      aria-label="Record a completion"
      onSubmit={(e) => {
        e.preventDefault();
        void record.act();
      }}
    >
      <h3>Record a completion</h3>
      <div className="row">
        <Field label="Training">
          <select value={training} onChange={(e) => setTraining(e.target.value)}>
            {trainings.map((t) => (
              <option key={t.id} value={t.id}>
                {t.title}
              </option>
            ))}
          </select>
        </Field>
        <Field label="Completed on">
          <input
            type="date"
            value={completedOn}
            max={today()}
            onChange={(e) => setCompletedOn(e.target.value)}
            required
          />
        </Field>
        <Field label="Certificate" hint="optional: a number or link">
          <input value={certificate} maxLength={500} onChange={(e) => setCertificate(e.target.value)} />
        </Field>
      </div>
      <Outcome of={record} />
      <div className="actions">
        <button type="submit" disabled={record.busy}>
          Record completion
        </button>
      </div>
    </form>
  );
}

function Acknowledge({
  acknowledgements,
  onDone,
}: {
  acknowledgements: { packId: string; signedAt: string }[];
  onDone: () => void;
}) {
  const catalogue = useLoad(async () => ok(await api.GET('/api/v1/trainings')), []);
  const [password, setPassword] = useState('');
  const sign = useAction(async () => {
    const r = ok(await api.POST('/api/v1/policy/acknowledgements', { body: { password } }));
    setPassword('');
    onDone();
    return `Acknowledged at ${when(r.signedAt)}.`;
  });
  const pack = catalogue.data?.pack;
  if (!pack) return null;
  const acknowledged = acknowledgements.length;
  // One acknowledgement per person and pack version: once given, there is nothing to sign.
  const done = acknowledgements.find((a) => a.packId === pack.id);
  if (done)
    return (
      <div aria-label="Acknowledge the policy" role="group">
        <h3>Acknowledge the policy</h3>
        <p>
          You acknowledged policy pack <strong>{`${pack.name} ${pack.version}`}</strong> {when(done.signedAt)}.
        </p>
        <Outcome of={sign} />
      </div>
    );
  return (
    <form
      className="form"
      aria-label="Acknowledge the policy"
      onSubmit={(e) => {
        e.preventDefault();
        void sign.act();
      }}
    >
      <h3>Acknowledge the policy</h3>
      <p>
        Sign that you have read policy pack <strong>{`${pack.name} ${pack.version}`}</strong> (meaning{' '}
        <em>acknowledge</em>). You have {acknowledged} acknowledgement{acknowledged === 1 ? '' : 's'} on record.
      </p>
      <Field label="Password" hint="re-enter your password to sign">
        <input
          type="password"
          autoComplete="current-password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          required
        />
      </Field>
      <Outcome of={sign} />
      <div className="actions">
        <button type="submit" disabled={sign.busy}>
          Acknowledge
        </button>
      </div>
    </form>
  );
}

function ImportCompletions({ onImported }: { onImported: () => void }) {
  const [csv, setCsv] = useState('');
  const run = useAction(async () => {
    const r = ok(await api.POST('/api/v1/trainings/import', { body: { csv } }));
    setCsv('');
    onImported();
    return `Imported ${r.imported} completion${r.imported === 1 ? '' : 's'}.`;
  });
  return (
    <Section title="Import completions">
      <form
        className="form"
        onSubmit={(e) => {
          e.preventDefault();
          void run.act();
        }}
      >
        <Field
          label="CSV"
          hint="username,training,completedOn — one line each; nothing is imported if any line is wrong"
        >
          <textarea value={csv} onChange={(e) => setCsv(e.target.value)} rows={6} required />
        </Field>
        <Field label="or a file">
          <input type="file" accept=".csv,text/csv" onChange={(e) => void e.target.files?.[0]?.text().then(setCsv)} />
        </Field>
        <Outcome of={run} />
        <div className="actions">
          <button type="submit" disabled={run.busy}>
            Import
          </button>
        </div>
      </form>
    </Section>
  );
}

/**
 * A team's AI literacy: members read their own teams' reports; other teams' need identity:read
 * organisation-wide (`anyTeam`), so only those teams are offered.
 */
function LiteracyReport({ teams, anyTeam, refresh }: { teams: string[]; anyTeam: boolean; refresh: number }) {
  const all = useLoad(
    async () => (anyTeam ? ok(await api.GET('/api/v1/teams')).items.map((t) => t.name) : teams),
    [anyTeam],
  );
  const choices = all.data ?? teams;
  const [team, setTeam] = useState(teams[0] ?? '');
  const chosen = team || choices[0] || '';
  const report = useLoad(
    async () =>
      chosen ? ok(await api.GET('/api/v1/trainings/report', { params: { query: { team: chosen } } })) : null,
    [chosen, refresh],
  );
  return (
    <Section
      title="AI literacy by team"
      actions={
        <label>
          Team{' '}
          <select value={chosen} onChange={(e) => setTeam(e.target.value)}>
            {choices.map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
        </label>
      }
    >
      <p className="muted">EU AI Act Art. 4: the people who deal with AI systems have sufficient AI literacy.</p>
      <Async state={report}>
        {(r) =>
          !r ? (
            <p className="muted">No team.</p>
          ) : (
            <>
              <p role="status">
                {r.summary.current} of {r.summary.members} current, {r.summary.expired} expired, {r.summary.missing}{' '}
                missing
              </p>
              <table className="grid">
                <thead>
                  <tr>
                    <th scope="col">Member</th>
                    <th scope="col">Roles</th>
                    <th scope="col">AI literacy</th>
                    <th scope="col">Expires</th>
                  </tr>
                </thead>
                <tbody>
                  {r.members.map((m) => (
                    <tr key={m.userId}>
                      <td>
                        {m.displayName} <span className="muted">({m.username})</span>
                      </td>
                      <td>{m.roles.join(', ')}</td>
                      <td>
                        <Badge value={m.status} tone={TONE[m.status]} />
                      </td>
                      <td>{m.expiresOn ?? '—'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </>
          )
        }
      </Async>
    </Section>
  );
}
