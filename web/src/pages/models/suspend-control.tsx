import { useState } from 'react';
import { api, ok } from '../../api/client.ts';
import { useSession } from '../../session.tsx';
import { Badge, Dialog, Field, when, Outcome } from '../../ui/basics.tsx';
import { useAction, useLoad, type Loaded } from '../../ui/hooks.ts';

/** The version's suspensions, newest first; the version page reads them once for its header and its oversight section. */
export async function loadSuspensions(name: string, version: number) {
  return ok(
    await api.GET('/api/v1/models/{name}/versions/{version}/suspensions', { params: { path: { name, version } } }),
  ).items;
}
export type Suspensions = Awaited<ReturnType<typeof loadSuspensions>>;

/** Why the signed-in person cannot suspend or lift in `team` (the roles it needs there), or null when they may. */
export function useSuspendRefusal(team: string): string | null {
  return useSession().why('oversight:suspend', team);
}

/**
 * Suspension at the top of the version page: the state, and suspend or lift as a signed decision
 * in a dialog, offered only to people whose roles may suspend (others see why not).
 */
export function SuspendControl({
  name,
  version,
  team,
  list,
  onChanged,
}: {
  name: string;
  version: number;
  /** The team owning the version: suspending needs oversight:suspend there. */
  team: string;
  /** The version's suspensions (`loadSuspensions`), reloaded by `onChanged`. */
  list: Loaded<Suspensions>;
  onChanged: () => void;
}) {
  // The roles are known from /me at once; the training the signature needs only the server knows.
  const byRole = useSuspendRefusal(team);
  const hint = useLoad(
    async () =>
      byRole
        ? null
        : ok(
            await api.GET('/api/v1/models/{name}/versions/{version}/suspension/eligibility', {
              params: { path: { name, version } },
            }),
          ),
    [name, version, byRole],
  );
  const refusal = byRole ?? (hint.data && !hint.data.allowed ? hint.data.reason : null);
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState('');
  const [password, setPassword] = useState('');
  const active = list.data?.find((x) => x.active);
  const decide = useAction(async () => {
    const path = { name, version };
    if (active)
      ok(
        await api.POST('/api/v1/models/{name}/versions/{version}/suspension/lift', {
          params: { path },
          body: { reason, password },
        }),
      );
    else
      ok(
        await api.POST('/api/v1/models/{name}/versions/{version}/suspension', {
          params: { path },
          body: { reason, password },
        }),
      );
    setReason('');
    setPassword('');
    setOpen(false);
    onChanged();
  });
  if (!list.data) return null;
  return (
    <div className="suspend-control">
      {active && (
        <p role="status">
          <Badge value="suspended" tone="bad" /> since {when(active.suspended.at)}: {active.reason}
        </p>
      )}
      {refusal ? (
        <p className="sub">
          <button type="button" className="secondary" disabled aria-describedby="suspend-refusal">
            {active ? 'Lift the suspension' : 'Suspend this version'}
          </button>{' '}
          <span id="suspend-refusal">{refusal}</span>
        </p>
      ) : (
        <button type="button" className={active ? 'secondary' : 'danger'} onClick={() => setOpen(true)}>
          {active ? 'Lift the suspension…' : 'Suspend this version…'}
        </button>
      )}
      <Dialog
        open={open}
        title={active ? `Lift the suspension of ${name} v${version}` : `Suspend ${name} v${version}`}
        onClose={() => setOpen(false)}
      >
        <form
          className="form"
          onSubmit={(e) => {
            e.preventDefault();
            void decide.act();
          }}
        >
          <p className="muted">
            {active
              ? 'Lifting lets deployment checks pass again where the version is otherwise allowed.'
              : 'A suspended version is refused by every deployment check until the suspension is lifted.'}
          </p>
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
          <Outcome of={decide} />
          <button type="submit" className={active ? '' : 'danger'} disabled={decide.busy}>
            {active ? 'Lift the suspension' : 'Suspend this version'}
          </button>
        </form>
      </Dialog>
    </div>
  );
}
