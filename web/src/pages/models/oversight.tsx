import { Async, Badge, Section, when } from '../../ui/basics.tsx';
import type { Loaded } from '../../ui/hooks.ts';
import type { Suspensions } from './suspend-control.tsx';

/**
 * Human oversight: whether the version is suspended (the deployment check then refuses it
 * everywhere) and the history of suspensions. Deciding sits at the top of the page
 * (SuspendControl), which shares `list` with this section.
 */
export function Oversight({ list }: { list: Loaded<Suspensions> }) {
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
