import { describe, expect, it } from 'vitest';
import { call, manualClock } from '../helpers/app.ts';
import { CONSOLE_DIR, noBrowser, screenshot, signIn, useBrowser } from '../helpers/browser.ts';
import { useGovernedLifecycle } from '../helpers/lifecycle.ts';

// An attestation campaign in Chromium: a validator runs it, the owner attests with the signing
// dialog, another validator revalidates, and the standing shows the use case current.
describe.skipIf(noBrowser !== null)(noBrowser ?? 'attestations in the console', () => {
  const clock = manualClock(Date.parse('2030-03-01T09:00:00Z'));
  const { t } = useGovernedLifecycle('sqlite', { consoleDir: CONSOLE_DIR, clock });
  const b = useBrowser(
    'attestations',
    () => t.app,
    async () => {
      // Tier 4 attests every 90 days; its campaign opens 30 days before the due day.
      clock.advance(60 * 86_400_000);
      const risk = await call(t.app, {
        method: 'POST',
        url: '/api/v1/users',
        body: {
          username: 'gina',
          displayName: 'Gina Governance',
          password: 'gina-correct-horse-battery',
          roles: [{ scope: '*', role: 'risk-audit' }],
        },
      });
      expect(risk.status, risk.text).toBe(201);
    },
  );
  const as = async (user: string) => {
    await b.page.context().clearCookies();
    await signIn(b.page, b.base, user);
  };
  const sign = async (user: string, decision: string) => {
    const dialog = b.page.getByRole('dialog');
    await dialog.getByLabel(/^Decision/).selectOption(decision);
    await dialog.getByLabel(/^Password/).fill(`${user}-correct-horse-battery`);
    await dialog.getByRole('button', { name: 'Sign' }).click();
    await dialog.waitFor({ state: 'detached' });
  };

  it('runs a campaign, attests as the owner and revalidates as a validator by e-signature', async () => {
    await as('gina');
    await b.page.getByRole('link', { name: 'Attestations' }).click();
    await b.page.getByRole('heading', { name: 'Attestations', level: 1 }).waitFor();
    await b.page.getByRole('button', { name: 'Run campaign' }).click();
    const owner = b.page.getByRole('row').filter({ hasText: 'owner attestation' });
    await owner.waitFor();
    await expect(owner.textContent()).resolves.toContain('2030-05-30');
    const standing = b.page.getByRole('region', { name: 'Standing by use case' });
    await standing.getByRole('row').filter({ hasText: 'credit' }).getByText('open', { exact: true }).waitFor();
    await screenshot(b.page, 'attestations-01-campaign');

    await as('olga');
    await b.page.goto(`${b.base}/attestations`);
    await b.page
      .getByRole('row')
      .filter({ hasText: 'owner attestation' })
      .getByRole('button', { name: 'Attest…' })
      .click();
    await b.page
      .getByRole('dialog')
      .getByText('whether the use case is still accurately described and in use')
      .waitFor();
    await sign('olga', 'still-accurate');
    await b.page.getByRole('row').filter({ hasText: 'owner attestation' }).waitFor({ state: 'detached' });

    await as('rita');
    await b.page.goto(`${b.base}/attestations`);
    await b.page
      .getByRole('row')
      .filter({ hasText: 'validator revalidation' })
      .getByRole('button', { name: 'Revalidate…' })
      .click();
    await sign('rita', 'revalidated');
    await b.page.getByText('No attestations.').waitFor();
    await b.page.getByLabel(/^Status/).selectOption('decided');
    await b.page.getByRole('row').filter({ hasText: 'owner attestation' }).getByText('still-accurate').waitFor();
    await b.page.getByRole('row').filter({ hasText: 'validator revalidation' }).getByText('revalidated').waitFor();
    const current = b.page
      .getByRole('region', { name: 'Standing by use case' })
      .getByRole('row')
      .filter({ hasText: 'credit' });
    await current.getByText('current', { exact: true }).waitFor();
    await expect(current.textContent()).resolves.toContain('2030-04-30');
    await screenshot(b.page, 'attestations-02-attested');
    expect(b.problems).toEqual([]);
  });
});
