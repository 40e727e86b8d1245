import { useState } from 'react';
import { api, ok } from '../../api/client.ts';
import { useSession } from '../../session.tsx';
import { Field, Section, Outcome } from '../../ui/basics.tsx';
import { useAction } from '../../ui/hooks.ts';
import { Tokens } from '../../components/tokens.tsx';

/** The signed-in user's account: roles, password, API tokens. */
export function AccountPage() {
  const { me, signOut } = useSession();
  const [currentPassword, setCurrent] = useState('');
  const [newPassword, setNew] = useState('');
  const change = useAction(async () => {
    ok(await api.POST('/api/v1/auth/password', { body: { currentPassword, newPassword } }));
    // Changing the password ends every other session; this one signs in again too.
    await signOut();
  });
  return (
    <>
      <h1>{me.displayName}</h1>
      <Section title="Roles">
        <ul className="compact">
          {me.roles.map((r) => (
            <li key={`${r.scope}/${r.role}`}>
              {r.role} {r.scope === '*' ? 'organisation-wide' : `in ${r.scope}`}
            </li>
          ))}
        </ul>
      </Section>
      <Section title="Change my password">
        <form
          className="form inline"
          onSubmit={(e) => {
            e.preventDefault();
            void change.act();
          }}
        >
          <Field label="Current password">
            <input
              type="password"
              autoComplete="current-password"
              value={currentPassword}
              onChange={(e) => setCurrent(e.target.value)}
              required
            />
          </Field>
          <Field label="New password" hint="at least 12 characters">
            <input
              type="password"
              autoComplete="new-password"
              value={newPassword}
              onChange={(e) => setNew(e.target.value)}
              required
            />
          </Field>
          <button type="submit" disabled={change.busy}>
            Change password
          </button>
        </form>
        <Outcome of={change} />
      </Section>
      <Tokens />
    </>
  );
}
