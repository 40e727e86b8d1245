import { useState } from 'react';
import { api, ok } from '../../api/client.ts';
import { Async, Badge, Field, Section, Tabs, when, Outcome } from '../../ui/basics.tsx';
import { useAction, useLoad } from '../../ui/hooks.ts';
import { GrantRequests, ROLES, UserActions, Webhooks, type Role } from './admin-extra.tsx';
import { Tokens } from '../../components/tokens.tsx';
import { NotOffered } from '../../components/gated.tsx';
import { useSession } from '../../session.tsx';

const TABS = ['Users', 'Teams', 'Tokens', 'Webhooks'];

/** Users and their roles, teams, and API tokens. */
export function AdminPage() {
  const [tab, setTab] = useState('Users');
  return (
    <>
      <h1>Administration</h1>
      <Tabs tabs={TABS} current={tab} onChange={setTab}>
        {tab === 'Users' && <Users />}
        {tab === 'Teams' && <Teams />}
        {tab === 'Tokens' && <Tokens />}
        {tab === 'Webhooks' && <WebhooksTab />}
      </Tabs>
    </>
  );
}

/** Webhooks are organisation-wide (webhooks:admin): a team's administrator is told so, not shown a 403. */
function WebhooksTab() {
  const mayNot = useSession().why('webhooks:admin');
  return mayNot ? (
    <Section title="Webhooks">
      <NotOffered what="Managing webhooks" reason={mayNot} />
    </Section>
  ) : (
    <Webhooks />
  );
}

function Users() {
  const { why } = useSession();
  // The directory is read organisation-wide (identity:read); accounts are created there too (users:admin).
  const mayNotRead = why('identity:read');
  const mayNotCreate = why('users:admin');
  const users = useLoad(
    async () => (mayNotRead ? [] : ok(await api.GET('/api/v1/users', { params: { query: { limit: 500 } } })).items),
    [mayNotRead],
  );
  const [username, setUsername] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [role, setRole] = useState<Role>('viewer');
  const [scope, setScope] = useState('*');
  const [created, setCreated] = useState<string | null>(null);
  // Bumped when a grant is requested, so the list of grants awaiting confirmation reloads.
  const [grants, setGrants] = useState(0);
  const create = useAction(async () => {
    const res = ok(await api.POST('/api/v1/users', { body: { username, displayName, roles: [{ scope, role }] } }));
    setCreated(
      res.oneTimePassword
        ? `${res.user.username}: one-time password ${res.oneTimePassword} (shown once)`
        : res.user.username,
    );
    setUsername('');
    setDisplayName('');
    users.reload();
  });
  return (
    <>
      <Section title="Users">
        {mayNotRead && <NotOffered what="Reading the user directory" reason={mayNotRead} />}
        <Async state={users}>
          {(items) => (
            <table className="grid">
              <thead>
                <tr>
                  <th scope="col">User</th>
                  <th scope="col">Roles</th>
                  <th scope="col">Status</th>
                  <th scope="col">Created</th>
                </tr>
              </thead>
              <tbody>
                {items.map((u) => (
                  <tr key={u.id}>
                    <td>
                      {u.displayName}
                      <div className="sub">{u.username}</div>
                    </td>
                    <td>
                      <UserActions
                        username={u.username}
                        status={u.status}
                        roles={u.roles}
                        onChanged={() => {
                          users.reload();
                          setGrants((n) => n + 1);
                        }}
                      />
                    </td>
                    <td>
                      <Badge value={u.status} tone={u.status === 'active' ? 'good' : 'bad'} />
                    </td>
                    <td>{when(u.createdAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Async>
      </Section>
      <GrantRequests
        key={grants}
        people={Object.fromEntries((users.data ?? []).map((u) => [u.id, u.displayName]))}
        onConfirmed={users.reload}
      />
      <Section title="Create a user">
        {mayNotCreate ? (
          <NotOffered what="Creating accounts" reason={mayNotCreate} />
        ) : (
          <form
            className="form inline"
            onSubmit={(e) => {
              e.preventDefault();
              void create.act();
            }}
          >
            <Field label="Username">
              <input value={username} onChange={(e) => setUsername(e.target.value)} required />
            </Field>
            <Field label="Display name">
              <input value={displayName} onChange={(e) => setDisplayName(e.target.value)} required />
            </Field>
            <Field label="Role">
              <select value={role} onChange={(e) => setRole(e.target.value as Role)}>
                {ROLES.map((r) => (
                  <option key={r}>{r}</option>
                ))}
              </select>
            </Field>
            <Field label="Team (* for all)">
              <input value={scope} onChange={(e) => setScope(e.target.value)} required />
            </Field>
            <button type="submit" disabled={create.busy}>
              Create
            </button>
          </form>
        )}
        <Outcome of={create} />
        {created && (
          <p className="notice" role="status">
            Created {created}
          </p>
        )}
      </Section>
    </>
  );
}

function Teams() {
  const mayNotCreate = useSession().why('teams:admin');
  const teams = useLoad(async () => ok(await api.GET('/api/v1/teams')).items, []);
  const [name, setName] = useState('');
  const create = useAction(async () => {
    ok(await api.POST('/api/v1/teams', { body: { name } }));
    setName('');
    teams.reload();
  });
  return (
    <Section title="Teams">
      <Async state={teams}>
        {(items) => (
          <ul>
            {items.map((t) => (
              <li key={t.name}>
                {t.displayName || t.name} <span className="sub">({t.name})</span>
              </li>
            ))}
          </ul>
        )}
      </Async>
      {mayNotCreate ? (
        <NotOffered what="Creating teams" reason={mayNotCreate} />
      ) : (
        <form
          className="form inline"
          onSubmit={(e) => {
            e.preventDefault();
            void create.act();
          }}
        >
          <Field label="Team name">
            <input value={name} onChange={(e) => setName(e.target.value)} required />
          </Field>
          <button type="submit" disabled={create.busy}>
            Create team
          </button>
        </form>
      )}
      <Outcome of={create} />
    </Section>
  );
}
