import { beforeAll, describe, expect, it } from 'vitest';
import { call, seedUser, useCaseBody } from '../helpers/app.ts';
import { CONSOLE_DIR, noBrowser, screenshot, seriousViolations, signIn, useBrowser } from '../helpers/browser.ts';
import { DB_KINDS, skipReason } from '../helpers/db.ts';
import { useGovernedLifecycle } from '../helpers/lifecycle.ts';
import { creditScoring } from '../helpers/policy.ts';

// Permissions are per team: a role held in one team does not reach another team's subjects, and the
// console says so beside each action instead of letting the user act and get a 403. Signing and
// reviewing ask the server before any password whether the signature would be refused.
describe.each(DB_KINDS)('per-team permissions and refusals before the password in Chromium, on %s', (kind) => {
  describe.skipIf(skipReason(kind) !== null || noBrowser !== null)(skipReason(kind) ?? noBrowser ?? 'browser', () => {
    const { t, as, doc } = useGovernedLifecycle(kind, { consoleDir: CONSOLE_DIR });
    let credit = '';
    let own = '';
    let redTeam = '';
    beforeAll(async () => {
      credit = (await call(t.app, { method: 'GET', url: '/api/v1/models/pd' })).body.useCaseId;
      // Bea analyses and validates in lending; she created (and assessed) this use case herself.
      const bea = await seedUser(t.app, 'bea', [
        { scope: 'lending', role: 'business-analyst' },
        { scope: 'lending', role: 'risk-audit' },
      ]);
      own = (
        await call(t.app, {
          method: 'POST',
          url: '/api/v1/use-cases',
          token: bea,
          body: useCaseBody('bea scoring', { ownerTeam: 'lending' }),
        })
      ).body.id;
      const assessed = await call(t.app, {
        method: 'PUT',
        url: `/api/v1/use-cases/${own}/assessment`,
        token: bea,
        body: { answers: creditScoring },
      });
      expect(assessed.status, assessed.text).toBe(200);
      // Dora built version 2 and wrote its red-team report; she is a validator of the team too.
      const posted = await doc('red-team-report', '/api/v1/models/pd/versions/2', as('devrisk'));
      expect(posted.status, posted.text).toBe(201);
      redTeam = posted.body.id;
    }, 120_000);
    const b = useBrowser(
      kind,
      () => t.app,
      async () => undefined,
    );
    const a11y = async (name: string) => expect(await seriousViolations(b.page), `axe on ${name}`).toEqual([]);
    const as_ = async (user: string) => {
      await b.page.goto(b.base);
      const out = b.page.getByRole('button', { name: 'Sign out' });
      await Promise.race([out.waitFor(), b.page.getByLabel('Username').waitFor()]);
      if (await out.isVisible()) {
        await out.click();
        await b.page.getByLabel('Username').waitFor();
      }
      await signIn(b.page, b.base, user);
    };
    /** The reason shown beside a disabled button (its aria-describedby). */
    const why = async (button: ReturnType<typeof b.page.getByRole>) => {
      await button.waitFor();
      expect(await button.isDisabled()).toBe(true);
      const id = await button.getAttribute('aria-describedby');
      expect(id).toBeTruthy();
      return b.page.locator(`[id="${id}"]`).textContent();
    };

    it("disables a validator of another team's actions on lending's version, naming the role and team", async () => {
      // Otto is risk-audit in team 'other': before, every risk-audit action was offered to him here.
      await as_('otto');
      await b.page.goto(`${b.base}/models/pd/versions/1?tab=Governance`);
      const signWhy = await why(b.page.getByRole('button', { name: 'Sign…' }));
      expect(signWhy).toBe(
        "Needs a role in the process (any role but viewer) in team 'lending' (or organisation-wide); you hold no role there.",
      );
      // risk-audit grants oversight:suspend, but only in the team where it is held.
      expect(await why(b.page.getByRole('button', { name: 'Suspend this version' }))).toBe(
        "Needs the role business-stakeholder or risk-audit or production or admin in team 'lending' (or organisation-wide); you hold no role there.",
      );
      expect(await why(b.page.getByRole('button', { name: 'Request promotion' }))).toContain("in team 'lending'");
      expect(await b.page.getByLabel('Reason to suspend').count()).toBe(0);
      // A next action asking for a risk-audit sign-off is not his to take here either.
      const nextSign = b.page.getByRole('button', { name: /^Sign .* — / }).first();
      if ((await nextSign.count()) > 0) expect(await why(nextSign)).toContain("in team 'lending'");
      await screenshot(b.page, `${kind}-team-01-version-other-team`);
      await a11y('version, other team');
      await b.page.goto(`${b.base}/models/pd/versions/1?tab=Evidence`);
      const note = b.page.getByRole('note').filter({ hasText: 'Uploading an evaluation or recording a document' });
      await expect
        .poll(() => note.textContent())
        .toContain(
          "Needs the role data-scientist or admin in team 'lending' (or organisation-wide); you hold no role there.",
        );
      expect(await b.page.getByRole('button', { name: 'Record document' }).count()).toBe(0);
    });

    it("does not offer the questionnaire, tier override or incidents of lending's use case to another team", async () => {
      await b.page.goto(`${b.base}/use-cases/${credit}?tab=Risk%20assessment`);
      const questionnaire = b.page.getByRole('note').filter({ hasText: 'Answering the questionnaire' });
      await expect.poll(() => questionnaire.textContent()).toContain("in team 'lending' (or organisation-wide)");
      expect(await b.page.getByRole('button', { name: 'Classify' }).count()).toBe(0);
      // Confirming an override is risk-audit's, but in lending: the request form is not offered either.
      await b.page.getByRole('note').filter({ hasText: 'Requesting another tier' }).waitFor();
      await b.page.goto(`${b.base}/use-cases/${credit}?tab=Overview`);
      const incidents = b.page.getByRole('note').filter({ hasText: 'Opening an incident' });
      await expect
        .poll(() => incidents.textContent())
        .toContain("Needs the role data-scientist or risk-audit or data-ops or production or admin in team 'lending'");
      expect(await b.page.getByRole('button', { name: 'Open incident' }).count()).toBe(0);
      await a11y('use case, other team');
    });

    it('lets a validator of the owning team act on the same pages', async () => {
      await as_('rita');
      await b.page.goto(`${b.base}/models/pd/versions/1?tab=Governance`);
      const suspend = b.page.getByRole('button', { name: 'Suspend this version…' });
      await suspend.waitFor();
      expect(await suspend.isDisabled()).toBe(false);
      expect(await b.page.getByRole('button', { name: 'Sign…' }).isDisabled()).toBe(false);
    });

    it("explains a refused acceptance of one's own document before any password, and who can review instead", async () => {
      await as_('dora');
      await b.page.goto(`${b.base}/models/pd/versions/2?tab=Governance`);
      await b.page.getByRole('button', { name: 'Review red-team-report' }).click();
      const dialog = b.page.getByRole('dialog', { name: 'Review red-team-report' });
      await expect.poll(() => dialog.getByLabel('Role').inputValue()).toBe('risk-audit');
      const refusal = dialog.locator('.refusal');
      await expect.poll(() => refusal.textContent()).toContain('You cannot review this as risk-audit');
      const words = (await refusal.textContent())!;
      expect(words).toContain("you wrote 'red-team-report' or built what it documents");
      expect(words).toContain('Who can review instead: User bea (bea), User ravi (ravi), User rita (rita).');
      expect(await dialog.getByLabel('Password').count()).toBe(0);
      expect(await dialog.getByRole('button', { name: 'Sign', exact: true }).isDisabled()).toBe(true);
      await screenshot(b.page, `${kind}-team-02-review-refused`);
      await a11y('review refused');
      // A rejection needs no independence: the password is asked for.
      await dialog.getByLabel('Decision').selectOption('rejected');
      await dialog.getByLabel('Password').waitFor();
      expect(await dialog.locator('.refusal').count()).toBe(0);
      expect(redTeam).toBeTruthy();
    });

    it("explains a refused sign-off of one's own use case before any password", async () => {
      await as_('bea');
      await b.page.goto(`${b.base}/use-cases/${own}?tab=Process`);
      await b.page.getByRole('button', { name: 'Sign…' }).click();
      const dialog = b.page.getByRole('dialog', { name: 'Sign bea scoring' });
      await dialog.getByLabel('Role').selectOption('risk-audit');
      const refusal = dialog.locator('.refusal');
      await expect.poll(() => refusal.textContent()).toContain('You cannot sign this as risk-audit');
      const words = (await refusal.textContent())!;
      expect(words).toContain("you created use case 'bea scoring'");
      expect(words).toContain('Who can sign instead: User dora (dora), User ravi (ravi), User rita (rita).');
      expect(await dialog.getByLabel('Password').count()).toBe(0);
      expect(await dialog.getByRole('button', { name: 'Sign', exact: true }).isDisabled()).toBe(true);
      await screenshot(b.page, `${kind}-team-03-use-case-sign-refused`);
      await a11y('use-case sign refused');
      expect(b.problems).toEqual([]);
    });
  });
});
