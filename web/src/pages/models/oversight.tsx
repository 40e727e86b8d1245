import { api, ok } from '../../api/client.ts';
import { Async, Badge, Section, when } from '../../ui/basics.tsx';
import { useLoad } from '../../ui/hooks.ts';

/**
 * Human oversight: whether the version is suspended (the deployment check then refuses it
 * everywhere) and the history of suspensions. Deciding sits at the top of the page
 * (SuspendControl); `refresh` changes when the page reloads after a decision.
 */
export function Oversight({ name, version, refresh }: { name: string; version: number; refresh: unknown }) {
  const list = useLoad(
    async () =>
      ok(await api.GET('/api/v1/models/{name}/versions/{version}/suspensions', { params: { path: { name, version } } }))
        .items,
    [name, version, refresh],
  );
  return (
    <Section title="Human oversight">
      <Async state={list}>
        {(items) => {
          const active = items.find((x) => x.active);
          return (
            <>
              <p>
                {active ? (
                  <>
                    <Badge value="suspended" tone="bad" /> since {when(active.suspended.at)}: {active.reason}
                  </>
                ) : (
                  <Badge value="not suspended" tone="good" />
                )}
              </p>
              {items.length > 0 && (
                <ul className="compact">
                  {items.map((x) => (
                    <li key={x.id}>
                      {when(x.suspended.at)}: suspended ({x.reason}){x.lifted ? `; lifted ${when(x.lifted.at)}` : ''}
                    </li>
                  ))}
                </ul>
              )}
              <p className="sub">Suspend or lift with the button at the top of this page.</p>
            </>
          );
        }}
      </Async>
    </Section>
  );
}
