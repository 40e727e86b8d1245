import { useState } from 'react';
import { api, ok } from '../api/client.ts';
import { Async, Badge, Field, Problem, Section, when } from '../ui/basics.tsx';
import { useAction, useLoad } from '../ui/hooks.ts';

/** The user's own API tokens: create (shown once), revoke. */
export function Tokens() {
  const tokens = useLoad(async () => ok(await api.GET('/api/v1/tokens')).items, []);
  const [name, setName] = useState('');
  const [shown, setShown] = useState<string | null>(null);
  const create = useAction(async () => {
    const res = ok(await api.POST('/api/v1/tokens', { body: { name, scopes: ['read', 'write'], expiresInDays: 90 } }));
    setShown(res.token);
    setName('');
    tokens.reload();
  });
  const revoke = useAction(async (id: string) => {
    ok(await api.DELETE('/api/v1/tokens/{id}', { params: { path: { id } } }));
    tokens.reload();
  });
  return (
    <Section title="My API tokens">
      <Async state={tokens}>
        {(items) => (
          <table className="grid">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Prefix</th>
                <th scope="col">Scopes</th>
                <th scope="col">Expires</th>
                <th scope="col">Last used</th>
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {items.map((t) => (
                <tr key={t.id}>
                  <td>{t.name}</td>
                  <td>
                    <code>{t.prefix}</code>
                  </td>
                  <td>{t.scopes.join(', ')}</td>
                  <td>{when(t.expiresAt)}</td>
                  <td>{when(t.lastUsedAt)}</td>
                  <td>
                    {t.revokedAt ? (
                      <Badge value="revoked" tone="neutral" />
                    ) : (
                      <button type="button" className="secondary" onClick={() => void revoke.act(t.id)}>
                        Revoke
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Async>
      <form
        className="form inline"
        onSubmit={(e) => {
          e.preventDefault();
          void create.act();
        }}
      >
        <Field label="Token name">
          <input value={name} onChange={(e) => setName(e.target.value)} required />
        </Field>
        <button type="submit" disabled={create.busy}>
          Create token (read, write; 90 days)
        </button>
      </form>
      <Problem error={create.error ?? revoke.error} />
      {shown && (
        <p className="notice" role="status">
          New token (shown once): <code>{shown}</code>
        </p>
      )}
    </Section>
  );
}
