import { beforeAll, describe, expect, it } from 'vitest';
import { call, seedUser, useCaseBody } from '../helpers/app.ts';
import { CONSOLE_DIR, noBrowser, screenshot, seriousViolations, signIn, useBrowser } from '../helpers/browser.ts';
import { DB_KINDS, skipReason } from '../helpers/db.ts';
import { useGovernedLifecycle } from '../helpers/lifecycle.ts';
import { creditScoring } from '../helpers/policy.ts';
import { answerQuestionnaire, questionGroup, type Question } from '../helpers/questionnaire.ts';

// Errors and refusals in plain words: the questionnaire's refused answers at their questions, a
// confirmation that clears them, separation of duties explained before any password, and a
// viewer not offered what they cannot do.
describe.each(DB_KINDS)('plain errors and permission-aware screens in Chromium, on %s', (kind) => {
  describe.skipIf(skipReason(kind) !== null || noBrowser !== null)(skipReason(kind) ?? noBrowser ?? 'browser', () => {
    const { t, as } = useGovernedLifecycle(kind, { consoleDir: CONSOLE_DIR });
    let useCase = '';
    beforeAll(async () => {
      await seedUser(t.app, 'vic', [{ scope: 'lending', role: 'viewer' }]);
      const created = await call(t.app, {
        method: 'POST',
        url: '/api/v1/use-cases',
        token: as('owner'),
        body: useCaseBody('mortgage pricing', {
          ownerTeam: 'lending',
          consumers: 'public',
          processesPersonalData: true,
          sector: 'finance',
          regions: ['EU', 'US-CA'],
        }),
      });
      expect(created.status, created.text).toBe(201);
      useCase = created.body.id;
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
    const question = (id: string) => questionGroup(b.page, id);

    it('starts the questionnaire from the use case, grouped, with progress and required marks', async () => {
      await as_('olga');
      await b.page.goto(`${b.base}/use-cases/${useCase}?tab=Risk%20assessment`);
      await b.page.getByRole('heading', { name: 'Risk questionnaire' }).waitFor();
      // What the create form asked is not asked again: it is filled in, and said to be.
      expect(
        await question('consumers')
          .getByLabel(/The public/)
          .isChecked(),
      ).toBe(true);
      expect(await question('personalData').getByLabel('yes', { exact: true }).isChecked()).toBe(true);
      expect(await question('sector').getByLabel('Finance and banking').isChecked()).toBe(true);
      expect(await question('regions').getByLabel('European Union / EEA').isChecked()).toBe(true);
      expect(await question('regions').getByLabel('California').isChecked()).toBe(true);
      expect(await question('regions').getByLabel('United Kingdom').isChecked()).toBe(false);
      expect(await question('consumers').textContent()).toContain('Filled in from the use case');
      const progress = b.page.locator('.progress [role="status"]');
      expect(await progress.textContent()).toBe('4 of 19 answered');
      for (const g of ['The use and who it affects', 'Regulation', 'Change and lifetime', 'Explanation and ethics'])
        await b.page.getByRole('heading', { name: g, level: 3 }).waitFor();
      expect(await question('availability').textContent()).toContain('(required)');
      expect(await question('voluntaryFrameworks').textContent()).toContain('(optional)');
      await question('availability').getByLabel('24/7, real time').check();
      expect(await progress.textContent()).toBe('5 of 19 answered');
      await a11y('questionnaire');
    });

    it('shows refused answers beside their questions, in their words, never as pointers', async () => {
      await b.page.getByRole('button', { name: 'Classify' }).click();
      const problem = b.page.getByRole('alert');
      await expect.poll(() => problem.textContent()).toContain('Some fields need attention');
      const text = (await problem.textContent())!;
      expect(text).not.toContain('/body/');
      expect(text).not.toContain('validation_failed');
      expect(text).not.toMatch(/\b400\b/);
      expect(text).toContain('How often are new versions released?: is required');
      // The question itself is marked, with its message next to it.
      const cadence = question('releaseCadence');
      expect(await cadence.getAttribute('aria-invalid')).toBe('true');
      expect(await cadence.locator('.field-problem').textContent()).toBe('is required');
      expect(await question('consumers').getAttribute('aria-invalid')).toBeNull();
      expect(await b.page.locator('main').textContent()).not.toContain('/body/answers');
      await screenshot(b.page, `${kind}-plain-01-questionnaire-refused`);
      await a11y('questionnaire refused');
    });

    it('clears the problem on success, confirms it, and says "Tier 4 of 4" with why', async () => {
      const pack = (await call(t.app, { method: 'GET', url: '/api/v1/policies/active' })).body.pack as {
        questionnaire: Question[];
      };
      await answerQuestionnaire(b.page, pack.questionnaire, creditScoring, [
        'consumers',
        'personalData',
        'sector',
        'regions',
      ]);
      await b.page.getByRole('button', { name: 'Classify' }).click();
      await b.page.getByText('Classified: the tier and its reasons are shown above.').waitFor();
      expect(await b.page.locator('.problem').count()).toBe(0);
      const summary = b.page.locator('.tier-summary');
      await expect.poll(() => summary.textContent()).toContain('Tier 4 of 4');
      expect(await summary.textContent()).toMatch(/Tier 4 of 4 \([^)]+\): .+\./);
      // The whole trace is there, folded, and the shipped pack carries no editor's note.
      const trace = b.page.locator('details').filter({ hasText: 'The full rule trace' });
      expect(await trace.getAttribute('open')).toBeNull();
      expect(await trace.textContent()).not.toContain('delete this rule');
      expect(await trace.locator('ol.trace li').count()).toBeGreaterThan(3);
      await screenshot(b.page, `${kind}-plain-02-classified`);
      await a11y('classified');
    });

    it('explains a separation-of-duties refusal and who can sign before any password is asked', async () => {
      await as_('dora');
      await b.page.goto(`${b.base}/models/pd/versions/2?tab=Governance`);
      await b.page.getByRole('button', { name: 'Sign…' }).click();
      const dialog = b.page.getByRole('dialog', { name: 'Sign pd v2' });
      await expect.poll(() => dialog.getByLabel('Role').inputValue()).toBe('risk-audit');
      const refusal = dialog.locator('.refusal');
      await expect.poll(() => refusal.textContent()).toContain('You cannot sign this as risk-audit');
      const words = (await refusal.textContent())!;
      expect(words).toContain('you registered pd v2');
      expect(words).toContain('must come from someone independent');
      expect(words).toContain('Who can sign instead: User ravi (ravi), User rita (rita).');
      expect(await dialog.getByLabel('Password').count()).toBe(0);
      expect(await dialog.getByRole('button', { name: 'Sign', exact: true }).isDisabled()).toBe(true);
      await screenshot(b.page, `${kind}-plain-03-sod-before-password`);
      await a11y('sign dialog refused');
      // As her other role, where no independence is asked, the password is asked for.
      await dialog.getByLabel('Role').selectOption('data-scientist');
      await dialog.getByLabel('Password').waitFor();
      expect(await dialog.locator('.refusal').count()).toBe(0);
      expect(await dialog.getByRole('button', { name: 'Sign', exact: true }).isDisabled()).toBe(false);
    });

    it('does not offer a viewer what a viewer cannot do, and says why', async () => {
      await as_('vic');
      await b.page.getByRole('heading', { name: 'Inventory', level: 1 }).waitFor();
      expect(await b.page.getByRole('link', { name: 'New use case' }).count()).toBe(0);
      const nav = b.page.getByRole('navigation', { name: 'Main' });
      await nav.getByRole('link', { name: 'Policy' }).waitFor();
      expect(await nav.getByRole('link', { name: 'Audit' }).count()).toBe(0);
      await b.page.goto(`${b.base}/models/pd/versions/1?tab=Governance`);
      const sign = b.page.getByRole('button', { name: 'Sign…' });
      await sign.waitFor();
      expect(await sign.isDisabled()).toBe(true);
      // The reason sits beside the button and names the role and the team it is needed in.
      const why = async (name: string) =>
        b.page.locator(`#${await b.page.getByRole('button', { name }).getAttribute('aria-describedby')}`).textContent();
      expect(await why('Sign…')).toBe(
        "Needs a role in the process (any role but viewer) in team 'lending' (or organisation-wide); you hold viewer there.",
      );
      expect(await b.page.getByRole('button', { name: 'Request promotion' }).isDisabled()).toBe(true);
      expect(await why('Request promotion')).toBe(
        "Needs the role data-scientist or data-ops or production or admin in team 'lending' (or organisation-wide); you hold viewer there.",
      );
      await screenshot(b.page, `${kind}-plain-04-viewer`);
      await a11y('version as viewer');
      expect(b.problems).toEqual([]);
    });
  });
});
