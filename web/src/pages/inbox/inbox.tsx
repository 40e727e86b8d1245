import { api, ok } from '../../api/client.ts';
import { Link, enc } from '../../router.tsx';
import { Async, Badge, Problem, Section } from '../../ui/basics.tsx';
import { useAction, useLoad } from '../../ui/hooks.ts';

/** The measure a task stands for, if any (sign-off tasks). */
const measureOf = (details: unknown): string | undefined =>
  details && typeof details === 'object' && 'measure' in details && typeof details.measure === 'string'
    ? details.measure
    : undefined;

/** The user's tasks: sign-offs, reviews and alert follow-ups for the roles they hold. */
export function InboxPage() {
  const tasks = useLoad(
    async () => ok(await api.GET('/api/v1/tasks', { params: { query: { status: 'open', limit: 500 } } })).items,
    [],
  );
  const complete = useAction(async (id: string) => {
    ok(await api.POST('/api/v1/tasks/{id}/completion', { params: { path: { id } } }));
    tasks.reload();
  });
  return (
    <>
      <h1>Approvals inbox</h1>
      <Section title="Open tasks">
        <Problem error={complete.error} />
        <Async state={tasks}>
          {(items) =>
            items.length === 0 ? (
              <p className="muted">Nothing waits for you.</p>
            ) : (
              <table className="grid">
                <thead>
                  <tr>
                    <th scope="col">Task</th>
                    <th scope="col">Subject</th>
                    <th scope="col">Role (RACI)</th>
                    <th scope="col">Due</th>
                    <th scope="col">
                      <span className="sr-only">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {items.map((t) => (
                    <tr key={t.id}>
                      <td>
                        {t.title}
                        <div className="sub">
                          {t.kind} · step {t.step}
                        </div>
                      </td>
                      <td>
                        {t.model ? (
                          <Link to={`/models/${enc(t.model)}/versions/${t.version}?tab=Governance`}>
                            {t.model} v{t.version}
                          </Link>
                        ) : t.useCase ? (
                          <Link to={`/use-cases/${t.subject.id}`}>{t.useCase}</Link>
                        ) : (
                          t.subject.id
                        )}
                      </td>
                      <td>
                        {t.role} ({t.raci}) in {t.team}
                      </td>
                      <td>{t.overdue ? <Badge value="overdue" title={t.due} /> : t.due.slice(0, 10)}</td>
                      <td>
                        {t.kind === 'review' ? (
                          // A review closes by accepting or rejecting the document, with an e-signature.
                          <Link
                            to={
                              t.model
                                ? `/models/${enc(t.model)}/versions/${t.version}?tab=Governance`
                                : `/use-cases/${t.subject.id}`
                            }
                          >
                            Review the document
                          </Link>
                        ) : measureOf(t.details) ? (
                          // A sign-off task closes when its measure is met: it is signed, not marked done.
                          <span className="sub" title={`closes when measure ${measureOf(t.details)} is met`}>
                            closes when signed
                          </span>
                        ) : (
                          <button
                            type="button"
                            className="secondary"
                            disabled={complete.busy}
                            onClick={() => void complete.act(t.id)}
                          >
                            Mark done
                          </button>
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
    </>
  );
}
