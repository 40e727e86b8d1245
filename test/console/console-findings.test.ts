import { describe, expect, it } from 'vitest';
import { CONSOLE_DIR, noBrowser, screenshot, signIn, useBrowser } from '../helpers/browser.ts';
import { useGovernedLifecycle } from '../helpers/lifecycle.ts';

// A validator's findings and a waiver in Chromium: raising a finding and closing it by signature;
// a data scientist requests an exception, a validator approves it, the version shows it waived.
describe.skipIf(noBrowser !== null)(noBrowser ?? 'findings and waivers in the console', () => {
  const { t } = useGovernedLifecycle('sqlite', { consoleDir: CONSOLE_DIR });
  const b = useBrowser(
    'findings',
    () => t.app,
    async () => undefined,
  );
  const as = async (user: string) => {
    await b.page.context().clearCookies();
    await signIn(b.page, b.base, user);
  };
  const dueDate = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);

  it('raises a blocking finding and closes it with the signing dialog', async () => {
    await as('rita');
    await b.page.getByRole('link', { name: 'Findings' }).click();
    await b.page.getByRole('heading', { name: 'Findings', level: 1 }).waitFor();
    const raise = b.page.getByRole('region', { name: 'Raise a finding' });
    // The severities are the subject's policy pack's: none to choose before the subject is named.
    expect(await raise.getByLabel(/^Severity/).isDisabled()).toBe(true);
    await raise.getByLabel(/^Model/).fill('pd');
    await raise.getByLabel(/^Version/).fill('1');
    await raise.getByLabel(/^Severity/).selectOption('high');
    expect(
      await raise
        .getByLabel(/^Severity/)
        .locator('option')
        .allTextContents(),
    ).toEqual(['low', 'medium', 'high', 'critical']);
    await raise.getByLabel(/^Owner/).fill('dana');
    await raise.getByLabel(/^Due date/).fill(dueDate);
    await raise.getByLabel(/^Title/).fill('Unstable PD for thin files');
    await raise.getByLabel(/^Description/).fill('Default rates drift by 40% for applicants with few trades.');
    await raise.getByLabel(/^Remediation plan/).fill('Recalibrate on the 2025 cohort.');
    await raise.getByRole('button', { name: 'Raise finding' }).click();
    const row = b.page.getByRole('row').filter({ hasText: 'Unstable PD for thin files' });
    await row.waitFor();
    await expect(row.textContent()).resolves.toContain('blocks production');
    await screenshot(b.page, 'findings-01-raised');
    await row.getByRole('button', { name: 'Close…', exact: true }).click();
    const dialog = b.page.getByRole('dialog');
    await dialog.getByText('Recalibrate on the 2025 cohort.').waitFor();
    await dialog.getByLabel(/^Comment/).fill('Recalibrated and re-validated.');
    await dialog.getByLabel(/^Password/).fill('rita-correct-horse-battery');
    await dialog.getByRole('button', { name: 'Sign' }).click();
    await row.waitFor({ state: 'detached' });
    await b.page
      .getByLabel(/^Status/)
      .first()
      .selectOption('all');
    const closed = b.page.getByRole('row').filter({ hasText: 'Unstable PD for thin files' });
    await closed.getByText('closed', { exact: true }).waitFor();
    await screenshot(b.page, 'findings-02-closed');
    expect(b.problems).toEqual([]);
  });

  it('requests a waiver, has another validator approve it, and shows the measure waived', async () => {
    await as('dana');
    await b.page.goto(`${b.base}/findings`);
    const request = b.page.getByRole('region', { name: 'Request an exception' });
    await request.getByLabel(/^Model/).fill('pd');
    await request.getByLabel(/^Version/).fill('1');
    await request.getByLabel(/^Measure/).fill('doc-model-card');
    await request.getByLabel(/^Expires on/).fill(dueDate);
    await request.getByLabel(/^Reason/).fill('The model card moves to the new template next month.');
    await request.getByRole('button', { name: 'Request exception' }).click();
    const row = b.page.getByRole('row').filter({ hasText: 'doc-model-card' });
    await row.getByText('requested').waitFor();

    await as('rita');
    await b.page.goto(`${b.base}/findings`);
    await b.page
      .getByRole('row')
      .filter({ hasText: 'doc-model-card' })
      .getByRole('button', { name: 'Decide…' })
      .click();
    const dialog = b.page.getByRole('dialog');
    await dialog.getByLabel(/^Decision/).selectOption('approve');
    await dialog.getByLabel(/^Password/).fill('rita-correct-horse-battery');
    await dialog.getByRole('button', { name: 'Sign' }).click();
    await b.page.getByRole('row').filter({ hasText: 'doc-model-card' }).getByText('approved').waitFor();
    await screenshot(b.page, 'findings-03-waiver-approved');

    await b.page.goto(`${b.base}/models/pd/versions/1?tab=Governance`);
    const requirement = b.page.getByRole('row').filter({ hasText: 'doc-model-card' }).first();
    await requirement.getByText('waived', { exact: true }).waitFor();
    // Who approved it, by name, and until when: never the exception's or the approver's id.
    await expect
      .poll(() => requirement.textContent())
      .toMatch(/waived until \d{4}-\d{2}-\d{2} \d{2}:\d{2} by an exception approved by \S/);
    await expect(requirement.textContent()).resolves.not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-/);
    await screenshot(b.page, 'findings-04-requirement-waived');
    expect(b.problems).toEqual([]);
  });
});
