import { describe, expect, it } from 'vitest';
import { useTestApp } from '../helpers/app.ts';
import { CONSOLE_DIR, noBrowser, screenshot, seriousViolations, signIn, useBrowser } from '../helpers/browser.ts';
import { DB_KINDS, skipReason } from '../helpers/db.ts';
import { governedPath, PASSWORD } from '../helpers/governed-path.ts';

// A tier-4 credit-scoring model whose process is complete but for one independent risk sign-off at
// deployment: the browser requests the release, sees it blocked, signs as the validator, sees it
// complete, and then sees production drift make the approvals stale and the check refuse.
describe.each(DB_KINDS)('releasing a governed model from the console and watching it drift, on %s', (kind) => {
  describe.skipIf(skipReason(kind) !== null || noBrowser !== null)(skipReason(kind) ?? noBrowser ?? 'browser', () => {
    const t = useTestApp(kind, { teams: ['lending'], consoleDir: CONSOLE_DIR, monitoring: { pollMs: 100 } });
    const path = governedPath(() => t.app, { skip: (user, step) => user === 'rita' && step === 'deployment' });
    const b = useBrowser(
      kind,
      () => t.app,
      async () => {
        await path.seed();
        await path.drive();
      },
    );

    it('blocks the production release while the independent risk sign-off is missing, and says so', async () => {
      await signIn(b.page, b.base, 'dana');
      await b.page.goto(`${b.base}/models/scorecard/versions/1?tab=Governance`);
      await b.page.locator('select').and(b.page.getByLabel('Environment')).selectOption('production');
      await b.page.getByLabel('Reason', { exact: true }).fill('first release');
      await b.page.getByRole('button', { name: 'Request promotion' }).click();
      const outcome = b.page.getByRole('status').filter({ hasText: 'Promotion to production' });
      await outcome.waitFor();
      expect(await outcome.textContent()).toContain('blocked');
      expect(await outcome.textContent()).toContain('Sign-offs for every environment move');
      expect(await outcome.textContent()).toMatch(/risk-audit/);
      await screenshot(b.page, `${kind}-prod-01-release-blocked`);
    });

    it('lets the validator sign from the inbox with password re-entry, which completes the release', async () => {
      await b.page.getByRole('button', { name: 'Sign out' }).click();
      // The sign-in form shows once the session is gone; signing in earlier would race the sign-out.
      await b.page.getByLabel('Username').waitFor();
      await signIn(b.page, b.base, 'rita');
      await b.page.getByRole('link', { name: /Inbox/ }).click();
      // Grouped by subject, each task once, signed in place.
      const group = b.page.getByRole('region', { name: 'scorecard v1' });
      const task = group.getByRole('row').filter({ hasText: 'Sign-offs for every environment move' });
      await task.waitFor();
      expect(await task.count()).toBe(1);
      await screenshot(b.page, `${kind}-prod-02-inbox`);
      expect(await seriousViolations(b.page)).toEqual([]);
      await b.page.getByLabel('Kind').selectOption('signoff');
      expect(await b.page.getByRole('cell', { name: /document review/ }).count()).toBe(0);
      await task.getByRole('button', { name: 'Sign…' }).click();
      const dialog = b.page.getByRole('dialog', { name: 'Sign scorecard v1' });
      await dialog.getByLabel('Role').selectOption('risk-audit');
      await dialog.getByLabel('Meaning').selectOption('approve');
      await dialog.getByLabel('Comment').fill('release accepted');
      await dialog.getByLabel('Password').fill(PASSWORD('rita'));
      await dialog.getByRole('button', { name: 'Sign', exact: true }).click();
      await b.page.getByRole('status').filter({ hasText: 'Signed scorecard v1' }).waitFor();
      await expect.poll(() => task.count()).toBe(0);
      await b.page.goto(`${b.base}/models/scorecard/versions/1?tab=Governance`);
      // The blocked request was decided again when the signature arrived: it completed.
      await expect
        .poll(() => b.page.getByRole('row').filter({ hasText: 'production' }).filter({ hasText: 'completed' }).count())
        .toBeGreaterThan(0);
      await b.page.getByText('live in production').waitFor();
      await expect
        .poll(() => b.page.getByRole('region', { name: 'Deployment check' }).textContent())
        .toContain('allowed');
      expect(await path.check()).toEqual({ allowed: true, reasons: [] });
      await screenshot(b.page, `${kind}-prod-03-released`);
    });

    it('shows the use case’s own process with its scoping signatures, and opens an incident with its Art. 73 deadline', async () => {
      await b.page.goto(`${b.base}/use-cases/${path.useCaseId}?tab=Process`);
      await b.page.getByRole('heading', { name: /^Process:/ }).waitFor();
      expect(
        await b.page
          .getByRole('row', { name: /User olga/ })
          .first()
          .textContent(),
      ).toContain('valid');
      await screenshot(b.page, `${kind}-prod-03b-use-case-process`);
      await b.page.getByRole('tab', { name: 'Overview' }).click();
      await b.page.getByLabel('Incident title').fill('Wrong refusals reported by customers');
      await b.page.getByLabel('Severity').selectOption('serious');
      await b.page.getByLabel('Art. 73 category').selectOption('standard');
      await b.page.getByRole('button', { name: 'Open incident' }).click();
      const incident = b.page.getByRole('row').filter({ hasText: 'Wrong refusals reported by customers' });
      await incident.waitFor();
      // A serious incident of a high-risk use case must be reported within 15 days.
      expect(await incident.textContent()).toMatch(/\d{4}/);
      await incident.getByRole('button', { name: 'Record report' }).click();
      await expect
        .poll(() => b.page.getByRole('row').filter({ hasText: 'Wrong refusals reported by customers' }).textContent())
        .toContain('reported');
      expect(await seriousViolations(b.page)).toEqual([]);
    });

    it('suspends the released version from the top of its page with a signed decision, which the deployment check obeys, and lifts it', async () => {
      await b.page.goto(`${b.base}/models/scorecard/versions/1?tab=Governance`);
      await b.page.getByRole('button', { name: 'Suspend this version…' }).click();
      const suspend = b.page.getByRole('dialog', { name: 'Suspend scorecard v1' });
      await suspend.getByLabel('Reason to suspend').fill('customer complaints under investigation');
      await suspend.getByLabel('Your password (signed decision)').fill(PASSWORD('rita'));
      await suspend.getByRole('button', { name: 'Suspend this version' }).click();
      await suspend.waitFor({ state: 'hidden' });
      await b.page.getByRole('status').filter({ hasText: 'suspended since' }).waitFor();
      const oversight = b.page.getByRole('region', { name: 'Human oversight' });
      await expect.poll(() => oversight.textContent()).toContain('suspended since');
      expect((await path.check()).allowed).toBe(false);
      await expect
        .poll(() => b.page.getByRole('region', { name: 'Deployment check' }).textContent())
        .toContain('refused');
      await screenshot(b.page, `${kind}-prod-03c-suspended`);
      expect(await seriousViolations(b.page)).toEqual([]);
      await b.page.getByRole('button', { name: 'Lift the suspension…' }).click();
      const lift = b.page.getByRole('dialog', { name: 'Lift the suspension of scorecard v1' });
      await lift.getByLabel('Reason to lift').fill('complaints explained by a data entry error');
      await lift.getByLabel('Your password (signed decision)').fill(PASSWORD('rita'));
      await lift.getByRole('button', { name: 'Lift the suspension' }).click();
      await expect.poll(() => oversight.textContent()).toContain('not suspended');
      expect(await path.check()).toEqual({ allowed: true, reasons: [] });
    });

    it('does not offer suspension to a data scientist, and says who can', async () => {
      await b.page.getByRole('button', { name: 'Sign out' }).click();
      await b.page.getByLabel('Username').waitFor();
      await signIn(b.page, b.base, 'dana');
      await b.page.goto(`${b.base}/models/scorecard/versions/1?tab=Governance`);
      const button = b.page.getByRole('button', { name: 'Suspend this version' });
      await button.waitFor();
      expect(await button.isDisabled()).toBe(true);
      expect(await b.page.locator('#suspend-refusal').textContent()).toContain('you hold data-scientist');
      expect(await b.page.getByLabel('Reason to suspend').count()).toBe(0);
      await b.page.getByRole('button', { name: 'Sign out' }).click();
      await b.page.getByLabel('Username').waitFor();
      await signIn(b.page, b.base, 'rita');
      await b.page.goto(`${b.base}/models/scorecard/versions/1?tab=Governance`);
    });

    it('shows production drift: the alert, the drift chart, approvals gone stale with what changed, and the check refusing', async () => {
      const alerts = await path.drift();
      expect(alerts).toEqual([expect.objectContaining({ rule: 'input-drift', severity: 'critical' })]);
      await b.page.reload();
      const rita = b.page.getByRole('row', { name: /User rita/ }).filter({ hasText: 'release accepted' });
      await expect.poll(() => rita.textContent()).toContain('stale');
      expect(await rita.getByRole('list', { name: 'changed since signing' }).textContent()).toContain('evidence added');
      await expect
        .poll(() => b.page.getByRole('region', { name: 'Deployment check' }).textContent())
        .toContain('refused');
      await screenshot(b.page, `${kind}-prod-04-approvals-stale`);
      await b.page.getByRole('tab', { name: 'Monitoring' }).click();
      const chart = b.page.getByRole('img', { name: /drift per feature relative to its threshold/ });
      await chart.waitFor();
      // One scale where higher is worse and 1 is the threshold: the drifted window plots above the line.
      expect(await chart.locator('text', { hasText: 'drift (higher is worse)' }).count()).toBe(1);
      expect(await chart.locator('text', { hasText: /^threshold 1$/ }).count()).toBe(1);
      const lineY = Number(await chart.locator('line.threshold').getAttribute('y1'));
      const ys = await chart.locator('circle').evaluateAll((cs) => cs.map((c) => Number(c.getAttribute('cy'))));
      expect(ys.some((y) => y < lineY)).toBe(true);
      // Readable axes: more than two value ticks, labels at least 12 px as drawn.
      expect(await chart.locator('text.axis').count()).toBeGreaterThan(5);
      expect((await chart.locator('text.axis').first().boundingBox())!.height).toBeGreaterThanOrEqual(12);
      expect(await b.page.getByRole('cell', { name: 'drift', exact: true }).count()).toBeGreaterThan(0);
      await expect
        .poll(() => b.page.getByRole('region', { name: 'Monitor' }).textContent())
        .toContain('income (numerical)');
      expect(
        await b.page.getByRole('region', { name: 'Latest ingested batches' }).getByRole('row').count(),
      ).toBeGreaterThan(1);
      await screenshot(b.page, `${kind}-prod-05-monitoring`);
      expect(await seriousViolations(b.page)).toEqual([]);
      await b.page.getByRole('link', { name: 'Alerts' }).click();
      const alert = b.page.getByRole('row').filter({ hasText: 'critical' });
      await alert.waitFor();
      // Named subject, plain words, integers as integers.
      const row = await alert.textContent();
      expect(row).toContain('scorecard v1');
      expect(row).toContain('input data drift detected');
      expect(row).not.toContain('drift.dataset');
      expect(row).not.toMatch(/\d\.0000/);
      await alert.getByRole('button', { name: 'Open incident…' }).click();
      const form = b.page.getByRole('dialog', { name: 'Open an incident for scorecard v1' });
      expect(await form.getByLabel('Incident title').inputValue()).toBe('Input data drift detected on scorecard v1');
      expect(await form.getByLabel('Description').inputValue()).toContain('scorecard v1');
      // The severity is the person's judgement: nothing is opened until they choose.
      expect(await form.getByRole('button', { name: 'Open incident' }).isDisabled()).toBe(true);
      expect(await seriousViolations(b.page)).toEqual([]);
      await form.getByLabel('Severity').selectOption('major');
      await form.getByRole('button', { name: 'Open incident' }).dblclick();
      await form.waitFor({ state: 'hidden' });
      await expect.poll(() => alert.textContent()).toContain('Input data drift detected on scorecard v1');
      expect(await alert.getByRole('button', { name: 'Open incident…' }).count()).toBe(0);
      await expect
        .poll(() =>
          b.page
            .getByRole('region', { name: 'Incidents' })
            .getByRole('row')
            .filter({ hasText: 'Input data drift detected' })
            .count(),
        )
        .toBe(1);
      await screenshot(b.page, `${kind}-prod-06a-alert-incident`);
      // From the alert to the version, where suspension sits at the top.
      await alert.getByRole('link', { name: 'scorecard v1' }).click();
      await b.page.getByRole('button', { name: 'Suspend this version…' }).waitFor();
      await b.page.getByRole('link', { name: 'Alerts' }).click();
      await alert.waitFor();
      await alert.getByRole('button', { name: 'Acknowledge' }).click();
      await expect.poll(() => b.page.getByRole('row').filter({ hasText: 'critical' }).count()).toBe(0);
      await b.page.getByLabel('State').selectOption('acknowledged');
      await expect
        .poll(() => b.page.getByRole('row').filter({ hasText: 'critical' }).textContent())
        .toContain('acknowledged');
      await screenshot(b.page, `${kind}-prod-06-alerts`);
      expect(await seriousViolations(b.page)).toEqual([]);
      expect(b.problems).toEqual([]);
    });
  });
});
