import { describe, expect, it } from 'vitest';
import { call, seedUser } from '../helpers/app.ts';
import { CONSOLE_DIR, noBrowser, screenshot, seriousViolations, signIn, useBrowser } from '../helpers/browser.ts';
import { DB_KINDS, skipReason } from '../helpers/db.ts';
import { PASSWORD, useGovernedLifecycle } from '../helpers/lifecycle.ts';
import { activateEnforcedPack, daysAgo } from '../trainings/helpers.ts';

// Olga, the business owner of a governed credit model, holds an AI-literacy training that lapsed
// after the pack began enforcing trainings: her signature is refused with a plain message until
// she records a current completion. An administrator imports completions and reads the report.
describe.each(DB_KINDS)('trainings in the console, on %s', (kind) => {
  describe.skipIf(skipReason(kind) !== null || noBrowser !== null)(skipReason(kind) ?? noBrowser ?? 'browser', () => {
    const { t } = useGovernedLifecycle(kind, { consoleDir: CONSOLE_DIR });
    const b = useBrowser(
      `trainings-${kind}`,
      () => t.app,
      async () => {
        await activateEnforcedPack(t.app);
        await seedUser(t.app, 'ada', [{ scope: '*', role: 'admin' }]);
        for (const [training, completedOn] of [
          ['eu-ai-act-literacy', daysAgo(400)],
          ['electronic-signatures', daysAgo(20)],
        ] as const) {
          const res = await call(t.app, {
            method: 'POST',
            url: '/api/v1/users/olga/trainings',
            body: { training, completedOn },
          });
          expect(res.status, res.text).toBe(201);
        }
      },
    );

    it('shows my trainings with their expiry', async () => {
      await signIn(b.page, b.base, 'olga');
      await b.page.getByRole('link', { name: 'Trainings' }).click();
      const row = b.page.getByRole('row').filter({ hasText: 'EU AI Act AI literacy' });
      await row.waitFor();
      expect(await row.textContent()).toContain('expired');
      expect(await row.textContent()).toContain(daysAgo(35));
      expect(await row.textContent()).toContain('business-stakeholder');
      await screenshot(b.page, `${kind}-trainings-01-mine`);
      expect(await seriousViolations(b.page)).toEqual([]);
    });

    it('stops a signature on the expired training with a plain message', async () => {
      await b.page.goto(`${b.base}/models/pd/versions/1?tab=Governance`);
      await b.page.getByRole('button', { name: 'Sign…' }).click();
      const dialog = b.page.getByRole('dialog', { name: 'Sign pd v1' });
      await dialog.getByLabel('Role').selectOption('business-stakeholder');
      await dialog.getByLabel('Meaning').selectOption('approve');
      // Refused before any password is asked, naming the training and what to do.
      const alert = dialog.getByRole('alert');
      await alert.waitFor();
      const text = (await alert.textContent()) ?? '';
      expect(text).toContain("'EU AI Act AI literacy'");
      expect(text).toContain(`expired on ${daysAgo(35)}`);
      expect(text).toContain('Record the training first');
      expect(await dialog.getByLabel('Password').count()).toBe(0);
      await screenshot(b.page, `${kind}-trainings-02-refused`);
      await dialog.getByRole('button', { name: 'Cancel' }).click();
    });

    it('signs once a current completion is recorded', async () => {
      await b.page.goto(`${b.base}/trainings`);
      const form = b.page.getByRole('form', { name: 'Record a completion' });
      await form.getByLabel('Training').selectOption('eu-ai-act-literacy');
      await form.getByLabel('Completed on').fill(daysAgo(1));
      await form.getByLabel('Certificate').fill('LIT-2026-17');
      await form.getByRole('button', { name: 'Record completion' }).click();
      await form.getByRole('status').filter({ hasText: 'Recorded eu-ai-act-literacy' }).waitFor();
      await expect
        .poll(() => b.page.getByRole('row').filter({ hasText: 'EU AI Act AI literacy' }).textContent())
        .toContain('current');
      await b.page.goto(`${b.base}/models/pd/versions/1?tab=Governance`);
      await b.page.getByRole('button', { name: 'Sign…' }).click();
      const dialog = b.page.getByRole('dialog', { name: 'Sign pd v1' });
      await dialog.getByLabel('Role').selectOption('business-stakeholder');
      await dialog.getByLabel('Meaning').selectOption('approve');
      await dialog.getByLabel('Password').fill(PASSWORD('owner'));
      await dialog.getByRole('button', { name: 'Sign', exact: true }).click();
      await dialog.waitFor({ state: 'hidden' });
      await screenshot(b.page, `${kind}-trainings-03-signed`);
    });

    it('acknowledges the policy once, then says so instead of asking for a password again', async () => {
      await b.page.goto(`${b.base}/trainings`);
      const form = b.page.getByRole('form', { name: 'Acknowledge the policy' });
      await form.getByLabel('Password').fill(PASSWORD('owner'));
      await form.getByRole('button', { name: 'Acknowledge' }).click();
      const done = b.page.getByRole('group', { name: 'Acknowledge the policy' });
      await done.getByText(/^You acknowledged policy pack /).waitFor();
      expect(await done.getByRole('status').textContent()).toMatch(/^Acknowledged at /);
      expect(await b.page.getByRole('form', { name: 'Acknowledge the policy' }).count()).toBe(0);
      expect(await b.page.getByLabel('Password').count()).toBe(0);
    });

    it('lets an administrator import completions, all or nothing, and read a team’s AI literacy', async () => {
      await b.page.getByRole('button', { name: 'Sign out' }).click();
      await signIn(b.page, b.base, 'ada');
      await b.page.getByRole('link', { name: 'Trainings' }).click();
      const csv = b.page.getByLabel('CSV');
      await csv.fill(`rita,eu-ai-act-literacy,${daysAgo(3)}\nnobody,eu-ai-act-literacy,${daysAgo(3)}`);
      await b.page.getByRole('button', { name: 'Import' }).click();
      // The form says all or nothing; the refusal names the line beside the field.
      const alert = b.page.getByRole('alert').filter({ hasText: "line 2: unknown user 'nobody'" });
      await alert.waitFor();
      expect(await b.page.getByText('nothing is imported if any line is wrong').count()).toBe(1);
      await csv.fill(`rita,eu-ai-act-literacy,${daysAgo(3)}\nravi,eu-ai-act-literacy,${daysAgo(3)}`);
      await b.page.getByRole('button', { name: 'Import' }).click();
      await b.page.getByText('Imported 2 completions.').waitFor();
      await b.page.getByRole('region', { name: 'AI literacy by team' }).getByLabel('Team').selectOption('lending');
      const status = b.page.getByRole('region', { name: 'AI literacy by team' }).getByRole('status');
      // Olga, Rita and Ravi are current; Dana and Dora have none.
      await expect.poll(() => status.textContent()).toContain('3 of 5 current, 0 expired, 2 missing');
      await screenshot(b.page, `${kind}-trainings-04-report`);
      expect(await seriousViolations(b.page)).toEqual([]);
    });
  });
});
