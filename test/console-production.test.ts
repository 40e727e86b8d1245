import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { useTestApp } from './helpers/app.ts';
import { CONSOLE_DIR, ensureConsoleBuilt, noBrowser, openBrowser, reportFailure, screenshot, seriousViolations, signIn } from './helpers/browser.ts';
import { DB_KINDS, skipReason } from './helpers/db.ts';
import { governedPath, PASSWORD } from './helpers/governed-path.ts';

// A tier-4 credit-scoring model whose process is complete but for one independent risk sign-off at
// deployment: the browser requests the release, sees it blocked, signs as the validator, sees it
// complete, and then sees production drift make the approvals stale and the check refuse.
describe.each(DB_KINDS)('releasing a governed model from the console and watching it drift, on %s', (kind) => {
  describe.skipIf(skipReason(kind) !== null || noBrowser !== null)(skipReason(kind) ?? noBrowser ?? 'browser', () => {
    const t = useTestApp(kind, { teams: ['lending'], consoleDir: CONSOLE_DIR, monitoring: { pollMs: 100 } });
    const path = governedPath(() => t.app, { skip: (user, step) => user === 'rita' && step === 'deployment' });
    let base = '';
    let page: Page;
    let problems: string[];
    let close: () => Promise<void>;

    beforeAll(async () => {
      await ensureConsoleBuilt();
      await path.seed();
      await path.drive();
      base = await t.app.listen({ port: 0, host: '127.0.0.1' });
      ({ page, problems, close } = await openBrowser());
    }, 120_000);
    afterAll(async () => {
      await close?.();
    });
    afterEach(async (ctx) => {
      if (ctx.task.result?.state === 'fail') await reportFailure(page, `${kind}-${ctx.task.name}`, problems);
    });

    it('blocks the production release while the independent risk sign-off is missing, and says so', async () => {
      await signIn(page, base, 'dana');
      await page.goto(`${base}/models/scorecard/versions/1?tab=Governance`);
      await page.getByLabel('Environment').selectOption('production');
      await page.getByLabel('Reason', { exact: true }).fill('first release');
      await page.getByRole('button', { name: 'Request promotion' }).click();
      const outcome = page.getByRole('status').filter({ hasText: 'Promotion to production' });
      await outcome.waitFor();
      expect(await outcome.textContent()).toContain('blocked');
      expect(await outcome.textContent()).toContain('Sign-offs for every environment move');
      expect(await outcome.textContent()).toMatch(/risk-audit/);
      await screenshot(page, `${kind}-prod-01-release-blocked`);
    });

    it('lets the validator sign from the inbox with password re-entry, which completes the release', async () => {
      await page.getByRole('button', { name: 'Sign out' }).click();
      await signIn(page, base, 'rita');
      await page.getByRole('link', { name: /Inbox/ }).click();
      const task = page.getByRole('row').filter({ hasText: 'scorecard v1' }).first();
      await task.waitFor();
      await screenshot(page, `${kind}-prod-02-inbox`);
      expect(await seriousViolations(page)).toEqual([]);
      await task.getByRole('link', { name: 'scorecard v1' }).click();
      await page.getByRole('button', { name: 'Sign…' }).click();
      const dialog = page.getByRole('dialog', { name: 'Sign scorecard v1' });
      await dialog.getByLabel('Role').selectOption('risk-audit');
      await dialog.getByLabel('Meaning').selectOption('approve');
      await dialog.getByLabel('Comment').fill('release accepted');
      await dialog.getByLabel('Password').fill(PASSWORD('rita'));
      await dialog.getByRole('button', { name: 'Sign', exact: true }).click();
      await dialog.waitFor({ state: 'hidden' });
      // The blocked request was decided again when the signature arrived: it completed.
      await expect.poll(() => page.getByRole('row').filter({ hasText: 'production' }).filter({ hasText: 'completed' }).count()).toBeGreaterThan(0);
      await page.getByText('live in production').waitFor();
      await expect.poll(() => page.getByRole('region', { name: 'Deployment check' }).textContent()).toContain('allowed');
      expect(await path.check()).toEqual({ allowed: true, reasons: [] });
      await screenshot(page, `${kind}-prod-03-released`);
    });

    it('shows the use case’s own process with its scoping signatures, and opens an incident with its Art. 73 deadline', async () => {
      await page.goto(`${base}/use-cases/${path.useCaseId}?tab=Process`);
      await page.getByRole('heading', { name: /^Process:/ }).waitFor();
      expect(await page.getByRole('row', { name: /User olga/ }).first().textContent()).toContain('valid');
      await screenshot(page, `${kind}-prod-03b-use-case-process`);
      await page.getByRole('tab', { name: 'Overview' }).click();
      await page.getByLabel('Incident title').fill('Wrong refusals reported by customers');
      await page.getByLabel('Severity').selectOption('serious');
      await page.getByLabel('Art. 73 category').selectOption('standard');
      await page.getByRole('button', { name: 'Open incident' }).click();
      const incident = page.getByRole('row').filter({ hasText: 'Wrong refusals reported by customers' });
      await incident.waitFor();
      // A serious incident of a high-risk use case must be reported within 15 days.
      expect(await incident.textContent()).toMatch(/\d{4}/);
      await incident.getByRole('button', { name: 'Record report' }).click();
      await expect.poll(() => page.getByRole('row').filter({ hasText: 'Wrong refusals reported by customers' }).textContent()).toContain('reported');
      expect(await seriousViolations(page)).toEqual([]);
    });

    it('suspends the released version under human oversight with a signed decision, which the deployment check obeys, and lifts it', async () => {
      await page.goto(`${base}/models/scorecard/versions/1?tab=Governance`);
      const oversight = page.getByRole('region', { name: 'Human oversight' });
      await oversight.getByLabel('Reason to suspend').fill('customer complaints under investigation');
      await oversight.getByLabel('Your password (signed decision)').fill(PASSWORD('rita'));
      await oversight.getByRole('button', { name: 'Suspend this version' }).click();
      await expect.poll(() => oversight.textContent()).toContain('suspended since');
      expect((await path.check()).allowed).toBe(false);
      await expect.poll(() => page.getByRole('region', { name: 'Deployment check' }).textContent()).toContain('refused');
      await screenshot(page, `${kind}-prod-03c-suspended`);
      await oversight.getByLabel('Reason to lift').fill('complaints explained by a data entry error');
      await oversight.getByLabel('Your password (signed decision)').fill(PASSWORD('rita'));
      await oversight.getByRole('button', { name: 'Lift the suspension' }).click();
      await expect.poll(() => oversight.textContent()).toContain('not suspended');
      expect(await path.check()).toEqual({ allowed: true, reasons: [] });
    });

    it('shows production drift: the alert, the drift chart, approvals gone stale with what changed, and the check refusing', async () => {
      const alerts = await path.drift();
      expect(alerts).toEqual([expect.objectContaining({ rule: 'input-drift', severity: 'critical' })]);
      await page.reload();
      const rita = page.getByRole('row', { name: /User rita/ }).filter({ hasText: 'release accepted' });
      await expect.poll(() => rita.textContent()).toContain('stale');
      expect(await rita.getByRole('list', { name: 'changed since signing' }).textContent()).toContain('evidence added');
      await expect.poll(() => page.getByRole('region', { name: 'Deployment check' }).textContent()).toContain('refused');
      await screenshot(page, `${kind}-prod-04-approvals-stale`);
      await page.getByRole('tab', { name: 'Monitoring' }).click();
      await page.getByRole('img', { name: /drift score per feature/ }).waitFor();
      expect(await page.getByRole('cell', { name: 'drift', exact: true }).count()).toBeGreaterThan(0);
      await expect.poll(() => page.getByRole('region', { name: 'Monitor' }).textContent()).toContain('income (numerical)');
      expect(await page.getByRole('region', { name: 'Latest ingested batches' }).getByRole('row').count()).toBeGreaterThan(1);
      await screenshot(page, `${kind}-prod-05-monitoring`);
      expect(await seriousViolations(page)).toEqual([]);
      await page.getByRole('link', { name: 'Alerts' }).click();
      const alert = page.getByRole('row').filter({ hasText: 'critical' });
      await alert.waitFor();
      await alert.getByRole('button', { name: 'Open incident' }).click();
      await expect.poll(() => page.getByRole('region', { name: 'Incidents' }).textContent()).toContain('Alert input-drift');
      await alert.getByRole('button', { name: 'Acknowledge' }).click();
      await expect.poll(() => page.getByRole('row').filter({ hasText: 'critical' }).count()).toBe(0);
      await page.getByLabel('State').selectOption('acknowledged');
      await expect.poll(() => page.getByRole('row').filter({ hasText: 'critical' }).textContent()).toContain('acknowledged');
      await screenshot(page, `${kind}-prod-06-alerts`);
      expect(await seriousViolations(page)).toEqual([]);
      expect(problems).toEqual([]);
    });
  });
});
