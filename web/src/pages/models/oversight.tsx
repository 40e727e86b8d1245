import { useState } from 'react';
import { api, ok } from '../../api/client.ts';
import { Async, Badge, Field, Problem, Section, when } from '../../ui/basics.tsx';
import { useAction, useLoad } from '../../ui/hooks.ts';

/** Human oversight: suspend a version (the deployment check then refuses it everywhere) or lift it, each a signed decision. */
export function Oversight({ name, version, onChanged }: { name: string; version: number; onChanged: () => void }) {
  const list = useLoad(
    async () =>
      ok(await api.GET('/api/v1/models/{name}/versions/{version}/suspensions', { params: { path: { name, version } } }))
        .items,
    [name, version],
  );
  const [reason, setReason] = useState('');
  const [password, setPassword] = useState('');
  const decide = useAction(async (lift: boolean) => {
    const body = { reason, password };
    if (lift)
      ok(
        await api.POST('/api/v1/models/{name}/versions/{version}/suspension/lift', {
          params: { path: { name, version } },
          body,
        }),
      );
    else
      ok(
        await api.POST('/api/v1/models/{name}/versions/{version}/suspension', {
          params: { path: { name, version } },
          body,
        }),
      );
    setReason('');
    setPassword('');
    list.reload();
    onChanged();
  });
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
              <form
                className="form inline"
                onSubmit={(e) => {
                  e.preventDefault();
                  void decide.act(Boolean(active));
                }}
              >
                <Field label={active ? 'Reason to lift' : 'Reason to suspend'}>
                  <input value={reason} onChange={(e) => setReason(e.target.value)} required />
                </Field>
                <Field label="Your password (signed decision)">
                  <input
                    type="password"
                    autoComplete="current-password"
                    value={password}
                    onChange={(e) => setPassword(e.target.value)}
                    required
                  />
                </Field>
                <button type="submit" className={active ? '' : 'danger'} disabled={decide.busy}>
                  {active ? 'Lift the suspension' : 'Suspend this version'}
                </button>
              </form>
              <Problem error={decide.error} />
            </>
          );
        }}
      </Async>
    </Section>
  );
}
