import { api, ok } from '../../api/client.ts';
import { Link, enc } from '../../router.tsx';
import { Async, Badge, Section, Outcome } from '../../ui/basics.tsx';
import { useAction, useLoad } from '../../ui/hooks.ts';

/**
 * The regulation requirements that take effect or lapse within a year either side of today, with
 * the use cases each reaches; the watch opens re-evaluation tasks on the day.
 */
export function RegulatoryChanges({ canRun }: { canRun: boolean }) {
  const changes = useLoad(
    async () => ok(await api.GET('/api/v1/governance/regulatory-changes', { params: { query: { days: 365 } } })),
    [],
  );
  const run = useAction(async () => {
    ok(await api.POST('/api/v1/governance/regulatory-changes/runs'));
    changes.reload();
  });
  return (
    <Section
      title="Regulatory changes"
      actions={
        canRun ? (
          <button type="button" className="ghost" onClick={() => void run.act()} disabled={run.busy}>
            Run the watch now
          </button>
        ) : undefined
      }
    >
      <Outcome of={run} />
      <Async state={changes}>
        {(c) => (
          <>
            <p className="sub">
              Requirements taking effect or lapsing within a year of today ({c.today}). On the day, each use case a
              change reaches gets a re-evaluation task for its business owner, and its versions’ promotions are decided
              again
              {c.through ? `; the watch has acted on every change up to ${c.through}` : ''}.
            </p>
            {c.items.length === 0 ? (
              <p className="muted">No requirement takes effect or lapses within a year.</p>
            ) : (
              <table className="grid">
                <thead>
                  <tr>
                    <th scope="col">Date</th>
                    <th scope="col">Change</th>
                    <th scope="col">Requirement</th>
                    <th scope="col">Use cases reached</th>
                  </tr>
                </thead>
                <tbody>
                  {c.items.map((x) => (
                    <tr key={`${x.regulation}:${x.requirement}:${x.change}`}>
                      <td>{x.day}</td>
                      <td>
                        <Badge
                          value={x.change === 'takes-effect' ? 'takes effect' : 'lapses'}
                          tone={x.upcoming ? 'warn' : 'neutral'}
                        />{' '}
                        {x.upcoming ? (
                          <span className="sub">upcoming</span>
                        ) : x.acted ? (
                          <span className="sub">acted on</span>
                        ) : null}
                      </td>
                      <td>
                        {x.title}
                        <div className="sub">
                          {x.regulationTitle} · {x.source}
                        </div>
                      </td>
                      <td>
                        {x.useCases === 0 ? (
                          <span className="muted">none</span>
                        ) : (
                          <>
                            {x.useCases}:{' '}
                            {x.reaches.map((u, i) => (
                              <span key={u.id}>
                                {i > 0 ? ', ' : ''}
                                <Link to={`/use-cases/${enc(u.id)}`}>{u.name}</Link>
                              </span>
                            ))}
                            {x.useCases > x.reaches.length ? ', …' : ''}
                          </>
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </>
        )}
      </Async>
    </Section>
  );
}
