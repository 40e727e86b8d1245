import { useState } from 'react';
import { api, ok } from '../../api/client.ts';
import { Async, Badge, Field, Problem, Section, when, Outcome } from '../../ui/basics.tsx';
import { useAction, useLoad } from '../../ui/hooks.ts';
import { GatedButton } from '../../components/gated.tsx';
import { useSession } from '../../session.tsx';

export const ROLES = [
  'business-stakeholder',
  'business-analyst',
  'data-scientist',
  'risk-audit',
  'data-ops',
  'production',
  'admin',
  'viewer',
] as const;

export type Role = (typeof ROLES)[number];

/** One user's account actions: roles, disable or enable, a new one-time password. */
export function UserActions({
  username,
  status,
  roles,
  onChanged,
}: {
  username: string;
  status: string;
  roles: { scope: string; role: string }[];
  onChanged: () => void;
}) {
  const { why, can } = useSession();
  const [role, setRole] = useState<Role>('viewer');
  const [scope, setScope] = useState('*');
  // Roles are granted and revoked with roles:admin where they are held; accounts need users:admin.
  const mayNotGrant = why('roles:admin', scope.trim() || '*');
  const mayNotAdminister = why('users:admin');
  const [otp, setOtp] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const act = useAction(
    async (what: 'grant' | 'revoke' | 'disable' | 'enable' | 'reset', revoke?: { scope: string; role: string }) => {
      const path = { username };
      setNotice(null);
      if (what === 'grant') {
        const res = await api.POST('/api/v1/users/{username}/roles', { params: { path }, body: { scope, role } });
        ok(res);
        // 202: a role that signs as independent, granted to oneself, waits for a second administrator.
        if (res.response.status === 202)
          setNotice(`${role} in ${scope} for ${username} is requested: another administrator has to confirm it`);
      } else if (what === 'revoke' && revoke)
        ok(
          await api.DELETE('/api/v1/users/{username}/roles/{scope}/{role}', {
            params: { path: { username, scope: revoke.scope, role: revoke.role as Role } },
          }),
        );
      else if (what === 'disable') ok(await api.POST('/api/v1/users/{username}/disable', { params: { path } }));
      else if (what === 'enable') ok(await api.POST('/api/v1/users/{username}/enable', { params: { path } }));
      else if (what === 'reset')
        setOtp(
          ok(await api.POST('/api/v1/users/{username}/password-reset', { params: { path } })).oneTimePassword ?? null,
        );
      onChanged();
    },
  );
  return (
    <div className="user-actions">
      <ul className="compact">
        {roles.map((r) => (
          <li key={`${r.scope}/${r.role}`}>
            {r.role}@{r.scope}{' '}
            {can('roles:admin', r.scope) && (
              <button
                type="button"
                className="ghost"
                aria-label={`Revoke ${r.role} in ${r.scope} from ${username}`}
                onClick={() => void act.act('revoke', r)}
              >
                revoke
              </button>
            )}
          </li>
        ))}
      </ul>
      <div className="row">
        <select aria-label={`Role to grant ${username}`} value={role} onChange={(e) => setRole(e.target.value as Role)}>
          {ROLES.map((r) => (
            <option key={r}>{r}</option>
          ))}
        </select>
        <input
          aria-label={`Team of the role for ${username}`}
          className="narrow"
          value={scope}
          onChange={(e) => setScope(e.target.value)}
        />
        <GatedButton className="secondary" reason={mayNotGrant} onClick={() => void act.act('grant')}>
          Grant
        </GatedButton>
        {/* Only organisation-wide administrators manage accounts: others are not offered it. */}
        {!mayNotAdminister &&
          (status === 'active' ? (
            <button type="button" className="secondary" onClick={() => void act.act('disable')}>
              Disable
            </button>
          ) : (
            <button type="button" className="secondary" onClick={() => void act.act('enable')}>
              Enable
            </button>
          ))}
        {!mayNotAdminister && (
          <button type="button" className="secondary" onClick={() => void act.act('reset')}>
            New one-time password
          </button>
        )}
      </div>
      {notice && (
        <p className="notice" role="status">
          {notice}
        </p>
      )}
      {otp && (
        <p className="notice" role="status">
          One-time password for {username} (shown once): <code>{otp}</code>
        </p>
      )}
      <Outcome of={act} />
    </div>
  );
}

/**
 * Role grants awaiting a second administrator (only those the signed-in administrator may confirm):
 * granting oneself a role that signs as independent needs four eyes.
 */
export function GrantRequests({ people, onConfirmed }: { people: Record<string, string>; onConfirmed: () => void }) {
  const requests = useLoad(async () => ok(await api.GET('/api/v1/role-grants')).items, []);
  const [done, setDone] = useState<string | null>(null);
  const confirm = useAction(async (id: string, what: string) => {
    setDone(null);
    ok(await api.POST('/api/v1/role-grants/{id}/confirmation', { params: { path: { id } } }));
    setDone(`Confirmed: ${what}`);
    requests.reload();
    onConfirmed();
  });
  const name = (id: string | null) => (id ? (people[id] ?? 'an administrator') : 'the system');
  return (
    <Section title="Role grants awaiting a second administrator">
      <Async state={requests}>
        {(items) =>
          items.length === 0 ? (
            <p className="sub">No role grant is waiting for you.</p>
          ) : (
            <table className="grid">
              <thead>
                <tr>
                  <th scope="col">Grantee</th>
                  <th scope="col">Role</th>
                  <th scope="col">Asked by</th>
                  <th scope="col">Asked</th>
                  <th scope="col">Action</th>
                </tr>
              </thead>
              <tbody>
                {items.map((r) => {
                  const what = `${r.role} in ${r.scope} for ${r.username}`;
                  return (
                    <tr key={r.id} aria-label={`Grant of ${what}`}>
                      <td>{r.username}</td>
                      <td>
                        {r.role}@{r.scope}
                      </td>
                      <td>{name(r.requestedBy)}</td>
                      <td>{when(r.requestedAt)}</td>
                      <td>
                        {/* Its grantee and who asked for it may not confirm it: the server says so with it. */}
                        <GatedButton
                          className="secondary"
                          reason={r.actions.confirm.reason}
                          onClick={() => void confirm.act(r.id, what)}
                        >
                          Confirm
                        </GatedButton>
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          )
        }
      </Async>
      <Outcome of={confirm} />
      {done && (
        <p className="notice" role="status">
          {done}
        </p>
      )}
    </Section>
  );
}

/** Webhook subscriptions, their delivery logs, and replaying a delivery. */
export function Webhooks() {
  const hooks = useLoad(async () => ok(await api.GET('/api/v1/webhooks')).items, []);
  const [url, setUrl] = useState('');
  const [events, setEvents] = useState('*');
  const [secret, setSecret] = useState<string | null>(null);
  const [open, setOpen] = useState<string | null>(null);
  const create = useAction(async () => {
    const res = ok(
      await api.POST('/api/v1/webhooks', {
        body: {
          url,
          events: events
            .split(',')
            .map((e) => e.trim())
            .filter(Boolean),
        },
      }),
    );
    setSecret(res.secret);
    setUrl('');
    hooks.reload();
  });
  const remove = useAction(async (id: string) => {
    ok(await api.DELETE('/api/v1/webhooks/{id}', { params: { path: { id } } }));
    hooks.reload();
  });
  return (
    <Section title="Webhooks">
      <Async state={hooks}>
        {(items) =>
          items.length === 0 ? (
            <p className="muted">No subscription.</p>
          ) : (
            <table className="grid">
              <thead>
                <tr>
                  <th scope="col">URL</th>
                  <th scope="col">Events</th>
                  <th scope="col">State</th>
                  <th scope="col">
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {items.map((h) => (
                  <tr key={h.id}>
                    <td>
                      <code>{h.url}</code>
                      {open === h.id && <Deliveries id={h.id} />}
                    </td>
                    <td>{h.events.join(', ')}</td>
                    <td>
                      <Badge value={h.active ? 'active' : 'stopped'} tone={h.active ? 'good' : 'neutral'} />
                    </td>
                    <td className="actions">
                      <button
                        type="button"
                        className="secondary"
                        aria-expanded={open === h.id}
                        onClick={() => setOpen(open === h.id ? null : h.id)}
                      >
                        Deliveries
                      </button>
                      {h.active && (
                        <button type="button" className="secondary" onClick={() => void remove.act(h.id)}>
                          Stop
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
      <form
        className="form inline"
        onSubmit={(e) => {
          e.preventDefault();
          void create.act();
        }}
      >
        <Field label="Receiver URL">
          <input value={url} onChange={(e) => setUrl(e.target.value)} required placeholder="https://" />
        </Field>
        <Field label="Events" hint="* or comma-separated actions or prefixes (promotion.*)">
          <input value={events} onChange={(e) => setEvents(e.target.value)} required />
        </Field>
        <button type="submit" disabled={create.busy}>
          Subscribe
        </button>
      </form>
      <Problem error={create.error ?? remove.error} />
      {secret && (
        <p className="notice" role="status">
          Signing secret (shown once): <code>{secret}</code>
        </p>
      )}
    </Section>
  );
}

function Deliveries({ id }: { id: string }) {
  const list = useLoad(
    async () =>
      ok(await api.GET('/api/v1/webhooks/{id}/deliveries', { params: { path: { id }, query: { limit: 50 } } })).items,
    [id],
  );
  const replay = useAction(async (delivery: string) => {
    ok(await api.POST('/api/v1/webhooks/{id}/deliveries/{delivery}/replay', { params: { path: { id, delivery } } }));
    list.reload();
  });
  return (
    <Async state={list}>
      {(items) =>
        items.length === 0 ? (
          <p className="muted">No delivery yet.</p>
        ) : (
          <ul className="compact">
            {items.map((d) => (
              <li key={d.id}>
                {d.action} #{d.eventSeq}:{' '}
                <Badge
                  value={d.status}
                  tone={d.status === 'succeeded' ? 'good' : d.status === 'failed' ? 'bad' : 'warn'}
                />{' '}
                {d.attempts} attempt(s){d.lastStatus ? `, HTTP ${d.lastStatus}` : ''}
                {d.lastError ? `, ${d.lastError}` : ''} · {when(d.createdAt)}{' '}
                {d.status === 'failed' && (
                  <button type="button" className="ghost" onClick={() => void replay.act(d.id)}>
                    replay
                  </button>
                )}
              </li>
            ))}
          </ul>
        )
      }
    </Async>
  );
}
