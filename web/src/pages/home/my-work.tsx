import { api, ok } from '../../api/client.ts';
import { Link, enc } from '../../router.tsx';
import { Async, Badge, Section, when } from '../../ui/basics.tsx';
import { useLoad } from '../../ui/hooks.ts';

const TONE: Record<string, string> = {
  suspended: 'bad',
  refused: 'bad',
  stale: 'warn',
  live: 'good',
  'in-development': 'info',
};

/** One person's work: the use cases they own or work on, the versions they made, the tasks they can complete. */
export function MyWorkPage() {
  const work = useLoad(async () => ok(await api.GET('/api/v1/me/work')), []);
  return (
    <>
      <div className="page-head">
        <h1>My work</h1>
      </div>
      <Async state={work}>
        {(w) => (
          <>
            <Section title={`My models and versions (${w.versions.length})`}>
              {w.versions.length === 0 ? (
                <p className="muted">You have registered no model versions.</p>
              ) : (
                <table className="grid">
                  <thead>
                    <tr>
                      <th scope="col">Version</th>
                      <th scope="col">Use case</th>
                      <th scope="col">Status</th>
                      <th scope="col">Step</th>
                      <th scope="col">Requirements met</th>
                    </tr>
                  </thead>
                  <tbody>
                    {w.versions.map((v) => (
                      <tr key={`${v.model}/${v.version}`}>
                        <td>
                          <Link to={`/models/${enc(v.model)}/versions/${v.version}`}>
                            {v.model} v{v.version}
                          </Link>
                        </td>
                        <td>
                          <Link to={`/use-cases/${enc(v.useCase.id)}`}>{v.useCase.name}</Link>
                        </td>
                        <td>
                          <Badge value={v.status.label} tone={TONE[v.status.state]} />
                        </td>
                        <td>{v.step ?? '—'}</td>
                        <td>
                          {v.met} of {v.total}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
            </Section>
            <Section title={`My use cases (${w.useCases.length})`}>
              {w.useCases.length === 0 ? (
                <p className="muted">No use case of your teams yet.</p>
              ) : (
                <ul className="compact">
                  {w.useCases.map((u) => (
                    <li key={u.id}>
                      <Link to={`/use-cases/${enc(u.id)}`}>{u.name}</Link> ({u.team}){' '}
                      <Badge value={u.status.label} tone={TONE[u.status.state]} />
                    </li>
                  ))}
                </ul>
              )}
            </Section>
            <Section title={`Tasks I can complete (${w.tasks.length})`}>
              {w.tasks.length === 0 ? (
                <p className="muted">Nothing waits for you.</p>
              ) : (
                <ul className="compact">
                  {w.tasks.map((t) => (
                    <li key={t.id}>
                      {t.title} — {t.role}, due {when(t.due)} {t.overdue && <Badge value="overdue" tone="bad" />}{' '}
                      {t.model ? (
                        <Link to={`/models/${enc(t.model)}/versions/${t.version}?tab=Governance`}>
                          {t.model} v{t.version}
                        </Link>
                      ) : t.useCaseId ? (
                        <Link to={`/use-cases/${enc(t.useCaseId)}`}>{t.useCase ?? 'use case'}</Link>
                      ) : null}
                    </li>
                  ))}
                </ul>
              )}
            </Section>
          </>
        )}
      </Async>
    </>
  );
}
