import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, useCaseBody, useTestApp } from '../helpers/app.ts';
import { creditScoring } from '../helpers/policy.ts';
import { CONSOLE_DIR, noBrowser, screenshot, useBrowser } from '../helpers/browser.ts';
import { startProvider, type TestProvider } from '../helpers/oidc.ts';
import type { SsoSettings } from '../../src/features/identity/sso.service.ts';

/** A port free right now, for a server whose address the provider must know before it listens. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

// Signing in through the organisation's identity provider: the console's SSO button, the
// provider's own login form, back to the inventory; signing out ends the provider's session too.
describe.skipIf(noBrowser !== null)(noBrowser ?? 'single sign-on in the console', () => {
  let idp: TestProvider;
  let port = 0;
  const settings: SsoSettings = {
    issuer: '',
    clientId: 'steward',
    clientSecret: undefined,
    claims: {
      usernameClaim: 'preferred_username',
      rules: [
        { claim: 'groups', value: 'risk-ds', grant: { scope: 'credit-risk', role: 'data-scientist' } },
        { claim: 'groups', value: 'risk-owners', grant: { scope: 'credit-risk', role: 'business-stakeholder' } },
      ],
    },
  };
  beforeAll(async () => {
    port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    idp = await startProvider(
      [`${base}/api/v1/auth/oidc/callback`],
      { 'dora-sub': { preferred_username: 'dora', name: 'Dora Explorer', groups: ['risk-ds', 'risk-owners'] } },
      [`${base}/`],
    );
    Object.assign(settings, { issuer: idp.issuer, clientSecret: idp.clientSecret });
  });
  afterAll(async () => idp?.close());
  const t = useTestApp('sqlite', { consoleDir: CONSOLE_DIR, oidc: settings, localPasswords: 'admins' });
  const b = useBrowser(
    'sso',
    () => ({ listen: () => t.app.listen({ port, host: '127.0.0.1' }) }),
    async () => {
      uc = (await call(t.app, { method: 'POST', url: '/api/v1/use-cases', body: useCaseBody('sso-console') })).body.id;
      const assessed = await call(t.app, {
        method: 'PUT',
        url: `/api/v1/use-cases/${uc}/assessment`,
        body: { answers: creditScoring },
      });
      expect(assessed.status, assessed.text).toBe(200);
    },
  );
  let uc = '';

  it('signs in with SSO through the provider’s login form', async () => {
    const { page } = b;
    await page.goto(b.base);
    await page.getByRole('link', { name: 'Sign in with SSO' }).click();
    await page.locator('input[name=login]').fill('dora-sub');
    await page.locator('input[name=password]').fill('her-provider-password');
    await screenshot(page, 'sso-01-provider-login');
    await page.locator('button[type=submit]').click();
    // Single sign-on returns to `/`: the home dashboard.
    await page.getByRole('heading', { name: 'Home', level: 1 }).waitFor();
    await screenshot(page, 'sso-02-signed-in');
    const me = await call(t.app, { method: 'GET', url: '/api/v1/users/dora' });
    expect(me.body).toMatchObject({ displayName: 'Dora Explorer' });
    expect(me.body.roles).toHaveLength(2);
    // The session single sign-on opened is a console session like any other, CSRF token included.
    const patched = await page.evaluate(async () => {
      const storage = (globalThis as unknown as { localStorage: { getItem(k: string): string | null } }).localStorage;
      const res = await fetch('/api/v1/users/dora', {
        method: 'PATCH',
        headers: { 'content-type': 'application/json', 'x-csrf-token': storage.getItem('steward.csrf') ?? '' },
        body: JSON.stringify({ email: 'dora@example.com' }),
      });
      return res.status;
    });
    expect(patched).toBe(200);
  });

  it('signs a use case after a fresh login at the provider, in a window of its own', async () => {
    const { page } = b;
    await page.goto(`${b.base}/use-cases/${uc}?tab=Process`);
    await page.getByRole('button', { name: 'Sign…' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Meaning').selectOption('acknowledge');
    const popupOpens = page.waitForEvent('popup');
    await dialog.getByRole('button', { name: 'Re-authenticate with SSO' }).click();
    const popup = await popupOpens;
    // prompt=login: the provider asks again although its session is live.
    await popup.locator('input[name=login]').fill('dora-sub');
    await popup.locator('input[name=password]').fill('her-provider-password');
    await popup.locator('button[type=submit]').click();
    await dialog.getByRole('status').filter({ hasText: 'Re-authenticated at the identity provider' }).waitFor();
    await screenshot(page, 'sso-03-reauthenticated');
    await dialog.getByRole('button', { name: 'Sign', exact: true }).click();
    await dialog.waitFor({ state: 'detached' });
    const events = await call(t.app, { method: 'GET', url: '/api/v1/audit/events?action=signature.create' });
    expect(events.body.items.at(-1).after.manifest.reauthenticatedWith).toMatchObject({
      type: 'idp',
      issuer: idp.issuer,
    });
  });

  it('signs out of Steward and of the provider', async () => {
    const { page } = b;
    await page.goto(b.base);
    await page.getByRole('heading', { name: 'Home', level: 1 }).waitFor();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: /yes, sign me out/i }).click();
    await page.getByRole('link', { name: 'Sign in with SSO' }).waitFor();
    expect(new URL(page.url()).origin).toBe(b.base);
    const logouts = await call(t.app, { method: 'GET', url: '/api/v1/audit/events?action=session.logout' });
    expect(logouts.body.items.length).toBe(1);
    expect(b.problems).toEqual([]);
  });
});
