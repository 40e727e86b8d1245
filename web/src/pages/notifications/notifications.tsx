import { useState } from 'react';
import { api, ok } from '../../api/client.ts';
import type { paths } from '../../api/schema.gen.ts';
import { Async, Badge, Problem, Section, when } from '../../ui/basics.tsx';
import { useAction, useLoad } from '../../ui/hooks.ts';
import { Link } from '../../router.tsx';

type Settings = paths['/api/v1/users/me/notification-settings']['get']['responses'][200]['content']['application/json'];
type Mode = Settings['email'];
const MODES: Mode[] = ['immediate', 'daily', 'weekly', 'off'];

/** The signed-in person's notifications (unread first to see), and how they are e-mailed. */
export function NotificationsPage() {
  const [unread, setUnread] = useState(false);
  const [tick, setTick] = useState(0);
  const list = useLoad(
    async () => ok(await api.GET('/api/v1/notifications', { params: { query: { limit: 200, unread } } })),
    [unread, tick],
  );
  const refresh = () => setTick((n) => n + 1);
  const read = useAction(async (id: string) => {
    ok(await api.POST('/api/v1/notifications/{id}/read', { params: { path: { id } } }));
    refresh();
  });
  const readAll = useAction(async () => {
    ok(await api.POST('/api/v1/notifications/read-all'));
    refresh();
  });
  return (
    <>
      <h1>Notifications</h1>
      <Section
        title="Your notifications"
        actions={
          <>
            <label>
              <input type="checkbox" checked={unread} onChange={(e) => setUnread(e.target.checked)} /> Unread only
            </label>{' '}
            <button type="button" onClick={() => void readAll.act()} disabled={readAll.busy}>
              Mark all read
            </button>
          </>
        }
      >
        <Problem error={read.error ?? readAll.error} />
        <Async state={list}>
          {({ items, unread: count }) => (
            <>
              <p className="muted">{count} unread.</p>
              {items.length === 0 ? (
                <p className="muted">No notifications.</p>
              ) : (
                <ul className="notifications" aria-label="Notifications">
                  {items.map((n) => (
                    <li key={n.id} className={n.read ? 'read' : 'unread'}>
                      <div>
                        {!n.read && <Badge value="new" tone="warn" />}{' '}
                        <strong>{n.link ? <Link to={n.link}>{n.title}</Link> : n.title}</strong>
                      </div>
                      <div className="sub">
                        {n.body} · {when(n.createdAt)} · e-mail {n.email.status}
                        {n.email.error ? ` (${n.email.error})` : ''}
                      </div>
                      {!n.read && (
                        <button type="button" className="ghost" onClick={() => void read.act(n.id)}>
                          Mark read
                        </button>
                      )}
                    </li>
                  ))}
                </ul>
              )}
            </>
          )}
        </Async>
      </Section>
      <EmailSettings />
    </>
  );
}

function EmailSettings() {
  const [tick, setTick] = useState(0);
  const settings = useLoad(async () => ok(await api.GET('/api/v1/users/me/notification-settings')), [tick]);
  const save = useAction(async (email: Mode) => {
    ok(await api.PUT('/api/v1/users/me/notification-settings', { body: { email } }));
    setTick((n) => n + 1);
  });
  return (
    <Section title="E-mail">
      <Problem error={save.error} />
      <Async state={settings}>
        {(s) => (
          <>
            {!s.emailConfigured && <p className="muted">This server sends no e-mail: notifications stay here.</p>}
            <label>
              E-mail me{' '}
              <select value={s.email} onChange={(e) => void save.act(e.target.value as Mode)} disabled={save.busy}>
                {MODES.map((m) => (
                  <option key={m} value={m}>
                    {m === 'immediate'
                      ? 'at once'
                      : m === 'daily'
                        ? 'a daily digest'
                        : m === 'weekly'
                          ? 'a weekly digest'
                          : 'never'}
                  </option>
                ))}
              </select>
            </label>
          </>
        )}
      </Async>
    </Section>
  );
}
