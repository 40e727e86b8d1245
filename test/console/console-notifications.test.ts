import { describe, expect, it } from 'vitest';
import { CONSOLE_DIR, noBrowser, screenshot, signIn, useBrowser } from '../helpers/browser.ts';
import { useGovernedLifecycle } from '../helpers/lifecycle.ts';

// The business owner in Chromium: the bell counts the notifications of the tasks opened for her
// role; the page lists them, marks one read, then all, and the bell follows; e-mail settings change.
describe.skipIf(noBrowser !== null)(noBrowser ?? 'notifications in the console', () => {
  const { t } = useGovernedLifecycle('sqlite', { consoleDir: CONSOLE_DIR });
  const b = useBrowser(
    'notifications',
    () => t.app,
    async () => undefined,
  );

  it('shows the unread count, lists notifications, marks them read', async () => {
    await signIn(b.page, b.base, 'olga');
    const bell = b.page.getByRole('link', { name: /^Notifications, \d+ unread$/ });
    await bell.waitFor();
    const before = Number(/(\d+) unread/.exec((await bell.getAttribute('aria-label')) ?? '')![1]);
    expect(before).toBeGreaterThan(1);
    await bell.click();
    await b.page.getByRole('heading', { name: 'Notifications', level: 1 }).waitFor();
    const list = b.page.getByRole('list', { name: 'Notifications' });
    await list
      .getByText(/^pd v1: /)
      .first()
      .waitFor();
    expect(await list.getByRole('listitem').count()).toBe(before);
    await screenshot(b.page, 'notifications-01-list');

    await list.getByRole('button', { name: 'Mark read' }).first().click();
    await b.page.getByText(`${before - 1} unread.`).waitFor();
    await b.page.getByRole('button', { name: 'Mark all read' }).click();
    await b.page.getByText('0 unread.').waitFor();
    await b.page.getByLabel('Unread only').check();
    await b.page.getByText('No notifications.').waitFor();
    await b.page.getByRole('link', { name: 'Inventory' }).click();
    await b.page.getByRole('link', { name: 'Notifications', exact: true }).waitFor();

    await b.page.getByRole('link', { name: 'Notifications', exact: true }).click();
    const email = b.page.getByRole('region', { name: 'E-mail' });
    await email.getByText('This server sends no e-mail').waitFor();
    await email.getByLabel(/^E-mail me/).selectOption('weekly');
    await b.page.waitForFunction(
      async () =>
        ((await (await fetch('/api/v1/users/me/notification-settings')).json()) as { email: string }).email ===
        'weekly',
    );
  });
});
