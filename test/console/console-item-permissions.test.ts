import { beforeAll, describe, expect, it } from 'vitest';
import { call, manualClock, seedUser } from '../helpers/app.ts';
import { CONSOLE_DIR, noBrowser, screenshot, seriousViolations, signIn, useBrowser } from '../helpers/browser.ts';
import { DB_KINDS, skipReason } from '../helpers/db.ts';
import { useGovernedLifecycle } from '../helpers/lifecycle.ts';

const DAY = 86_400_000;
const START = Date.parse('2030-03-01T09:00:00Z');

// Findings, waivers and attestations are authorised per item: by roles the use case's policy pack
// names, by who owns or requested the item, by independence from its owners. The server says with
// each item what the user may do; the console disables what they may not, with the reason, before
// any form is sent or password typed, and lets those who may act.
describe.each(DB_KINDS)('per-item permissions on findings, waivers and attestations in Chromium, on %s', (kind) => {
  describe.skipIf(skipReason(kind) !== null || noBrowser !== null)(skipReason(kind) ?? noBrowser ?? 'browser', () => {
    const clock = manualClock(START);
    const { t, as } = useGovernedLifecycle(kind, { consoleDir: CONSOLE_DIR, clock });
    beforeAll(async () => {
      // Rita raises a finding that Dana owns; Dora (who builds and validates) asks to waive a measure.
      const raised = await call(t.app, {
        method: 'POST',
        url: '/api/v1/findings',
        token: as('risk1'),
        body: {
          model: 'pd',
          version: 1,
          severity: 'high',
          title: 'Unstable PD for thin files',
          description: 'Default rates drift by 40% for applicants with few trades.',
          owner: 'dana',
          dueDate: '2030-06-30',
          remediation: 'Recalibrate on the 2025 cohort.',
        },
      });
      expect(raised.status, raised.text).toBe(201);
      const requested = await call(t.app, {
        method: 'POST',
        url: '/api/v1/exceptions',
        token: as('devrisk'),
        body: {
          model: 'pd',
          version: 1,
          measure: 'doc-model-card',
          reason: 'The model card moves to the new template next month.',
          expiresAt: new Date(START + 85 * DAY).toISOString(),
        },
      });
      expect(requested.status, requested.text).toBe(201);
      // Bella owns the use case and validates in its team: never independent of its owners.
      await seedUser(t.app, 'bella', [
        { scope: 'lending', role: 'business-stakeholder' },
        { scope: 'lending', role: 'risk-audit' },
      ]);
      // Tier 4 attests every 90 days; its campaign opens 30 days before the due day.
      clock.advance(60 * DAY);
      const run = await call(t.app, { method: 'POST', url: '/api/v1/attestations/campaigns' });
      expect(run.status, run.text).toBe(200);
    }, 120_000);
    const b = useBrowser(
      `items-${kind}`,
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
      await expect.poll(() => button.isDisabled()).toBe(true);
      const id = await button.getAttribute('aria-describedby');
      expect(id).toBeTruthy();
      return b.page.locator(`[id="${id}"]`).textContent();
    };
    const row = (text: string) => b.page.getByRole('row').filter({ hasText: text });
    const sign = async (user: string, decision?: string) => {
      const dialog = b.page.getByRole('dialog');
      if (decision) await dialog.getByLabel(/^Decision/).selectOption(decision);
      await dialog.getByLabel(/^Password/).fill(`${user}-correct-horse-battery`);
      await dialog.getByRole('button', { name: 'Sign' }).click();
      await dialog.waitFor({ state: 'detached' });
    };

    it('shows a stakeholder why she may not close, remediate, raise, decide or request, before she acts', async () => {
      await as_('olga');
      await b.page.goto(`${b.base}/findings`);
      const finding = row('Unstable PD for thin files');
      expect(await why(finding.getByRole('button', { name: 'Close…' }))).toBe(
        "Needs the role risk-audit in team 'lending' (or organisation-wide); you hold business-stakeholder there.",
      );
      expect(await why(finding.getByRole('button', { name: 'Start remediation' }))).toBe(
        "Needs the role risk-audit in team 'lending' (or organisation-wide), or to be the finding's owner; you hold business-stakeholder there.",
      );
      // The raise form asks the server once the subject is named: the pack's validators raise.
      const raise = b.page.getByRole('region', { name: 'Raise a finding' });
      await raise.getByLabel(/^Model/).fill('pd');
      await raise.getByLabel(/^Version/).fill('1');
      expect(await why(raise.getByRole('button', { name: 'Raise finding' }))).toBe(
        "Needs the role risk-audit in team 'lending' (or organisation-wide); you hold business-stakeholder there.",
      );
      expect(await why(row('doc-model-card').getByRole('button', { name: 'Decide…' }))).toContain(
        "Needs the role risk-audit in team 'lending'",
      );
      const request = b.page.getByRole('region', { name: 'Request an exception' });
      await request.getByLabel(/^Model/).fill('pd');
      await request.getByLabel(/^Version/).fill('1');
      expect(await why(request.getByRole('button', { name: 'Request exception' }))).toBe(
        "Needs the role data-scientist or admin in team 'lending' (or organisation-wide); you hold business-stakeholder there.",
      );
      await screenshot(b.page, `${kind}-items-01-findings-stakeholder`);
      await a11y('findings, stakeholder');

      await b.page.goto(`${b.base}/attestations`);
      expect(await why(row('validator revalidation').getByRole('button', { name: 'Revalidate…' }))).toBe(
        "Needs the role risk-audit in team 'lending' (or organisation-wide); you hold business-stakeholder there.",
      );
      expect(await why(b.page.getByRole('button', { name: 'Run campaign' }))).toBe(
        'Needs the role risk-audit or admin organisation-wide; you hold no role organisation-wide.',
      );
      await screenshot(b.page, `${kind}-items-02-attestations-stakeholder`);
      await a11y('attestations, stakeholder');
      // Her own part, the owner attestation, is hers to sign.
      const attest = row('owner attestation').getByRole('button', { name: 'Attest…' });
      expect(await attest.isDisabled()).toBe(false);
      await attest.click();
      await sign('olga', 'still-accurate');
      await row('owner attestation').waitFor({ state: 'detached' });
      expect(b.problems).toEqual([]);
    });

    it('tells an owner who also validates that the revalidation is not hers, before any password', async () => {
      await as_('bella');
      await b.page.goto(`${b.base}/attestations`);
      expect(await why(row('validator revalidation').getByRole('button', { name: 'Revalidate…' }))).toBe(
        "You are an owner of use case 'credit' (you hold business-stakeholder in team 'lending'): its revalidation must come from a validator independent of its owners.",
      );
      await a11y('attestations, owner and validator');
    });

    it('offers the requester of a waiver only its withdrawal, saying why approving is not hers', async () => {
      await as_('dora');
      await b.page.goto(`${b.base}/findings`);
      const decide = row('doc-model-card').getByRole('button', { name: 'Decide…' });
      await decide.waitFor();
      expect(await decide.isDisabled()).toBe(false);
      await decide.click();
      const dialog = b.page.getByRole('dialog');
      await dialog
        .getByText("You requested this exception: another risk-audit of team 'lending' has to approve it.")
        .waitFor();
      await dialog.getByText('Reject', { exact: true }).waitFor();
      // One decision left, so no choice is offered: the signature would reject it.
      expect(await dialog.getByLabel(/^Decision/).count()).toBe(0);
      await screenshot(b.page, `${kind}-items-03-waiver-own-request`);
      await a11y('waiver decision, requester');
      await dialog.getByRole('button', { name: 'Cancel' }).click();
      await dialog.waitFor({ state: 'detached' });
    });

    it("does not offer another team's validator the model's changes, nor an examination pack", async () => {
      // Otto is risk-audit in team 'other': none of lending's model writes, nor the organisation's audit trail.
      await as_('otto');
      await b.page.goto(`${b.base}/models/pd`);
      const note = (what: string) => b.page.getByRole('note').filter({ hasText: what });
      await expect
        .poll(() => note('Pointing or removing an alias').textContent())
        .toContain("in team 'lending' (or organisation-wide); you hold no role there.");
      await note('Renaming the model').waitFor();
      await note('Registering a version').waitFor();
      expect(await b.page.getByRole('button', { name: 'Point alias' }).count()).toBe(0);
      expect(await b.page.getByRole('button', { name: 'Register version' }).count()).toBe(0);
      await a11y('model, other team');
      await b.page.goto(`${b.base}/examinations`);
      await expect
        .poll(() => note('Taking an examination pack').textContent())
        .toContain('Needs the role risk-audit or admin organisation-wide; you hold no role organisation-wide.');
      expect(await b.page.getByRole('button', { name: 'Build and download' }).count()).toBe(0);
      await a11y('examinations, team validator');
    });

    it('lets a validator of the team close the finding, approve the waiver and revalidate', async () => {
      await as_('rita');
      await b.page.goto(`${b.base}/findings`);
      const close = row('Unstable PD for thin files').getByRole('button', { name: 'Close…' });
      await close.waitFor();
      expect(await close.isDisabled()).toBe(false);
      await close.click();
      await sign('rita');
      await row('Unstable PD for thin files').waitFor({ state: 'detached' });
      const raise = b.page.getByRole('region', { name: 'Raise a finding' });
      await raise.getByLabel(/^Model/).fill('pd');
      await raise.getByLabel(/^Version/).fill('1');
      // Asked and cleared: the button stays enabled, with no reason beside it.
      await b.page.waitForTimeout(600);
      expect(await raise.getByRole('button', { name: 'Raise finding' }).isDisabled()).toBe(false);
      expect(await raise.locator('.why-not').count()).toBe(0);
      await row('doc-model-card').getByRole('button', { name: 'Decide…' }).click();
      await sign('rita', 'approve');
      await row('doc-model-card').getByText('approved').waitFor();
      await b.page.goto(`${b.base}/attestations`);
      await row('validator revalidation').getByRole('button', { name: 'Revalidate…' }).click();
      await sign('rita', 'revalidated');
      await b.page.getByText('No attestations.').waitFor();
      await screenshot(b.page, `${kind}-items-04-validator-acted`);
      await a11y('attestations, validator');
      expect(b.problems).toEqual([]);
    });
  });
});
