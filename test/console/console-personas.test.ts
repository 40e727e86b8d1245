import { readFileSync } from 'node:fs';
import type { Locator } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { seedDemo } from '../../src/demo/seed.ts';
import { DEMO_PASSWORD } from '../../src/demo/scenario.ts';
import { call, useTestApp } from '../helpers/app.ts';
import { CONSOLE_DIR, noBrowser, seriousViolations, signIn, useBrowser, visibleIds } from '../helpers/browser.ts';
import { DB_KINDS, skipReason } from '../helpers/db.ts';
import { creditScoring } from '../helpers/policy.ts';
import { answerQuestionnaire, type Question } from '../helpers/questionnaire.ts';

// Issue #22's five people, each doing their job in the demo organisation from a first sign-in: the
// business owner classifies a new use case and sees what is next, the data scientist uploads an
// evaluation and requests a promotion, the validator signs from the inbox, the auditor finds who
// approved what and exports it, the operator goes from an alert to an incident to a suspension.
// Every page a journey shows is checked with axe and for internal ids shown as text; every action
// is checked on the server afterwards. The journeys run in order over one demo (the operator's
// suspension comes last so that it changes nothing the others read).

// Each journey visits a dozen pages and runs axe on each: minutes on a loaded shared machine.
const JOURNEY = 180_000;

describe.each(DB_KINDS)('five first-time users do their jobs over the demo, on %s', (kind) => {
  describe.skipIf(skipReason(kind) !== null || noBrowser !== null)(skipReason(kind) ?? noBrowser ?? 'browser', () => {
    const t = useTestApp(kind, { teams: [], consoleDir: CONSOLE_DIR });
    beforeAll(async () => {
      await seedDemo(t.app, { token: t.adminToken });
    }, 300_000);
    const b = useBrowser(
      `personas-${kind}`,
      () => t.app,
      async () => undefined,
    );
    const get = async (url: string) => {
      const res = await call(t.app, { method: 'GET', url });
      expect(res.status, `${url}: ${res.text}`).toBe(200);
      return res.body;
    };
    /** What every page of a journey must be: axe-clean and without internal ids as text. */
    const checkPage = async (name: string) => {
      await b.page.locator('main h1').first().waitFor();
      await expect.poll(() => b.page.locator('[aria-busy="true"]').count(), { timeout: 10_000 }).toBe(0);
      expect(await visibleIds(b.page), `ids shown on ${name}`).toEqual([]);
      expect(await seriousViolations(b.page), `axe on ${name}`).toEqual([]);
    };
    /** Signs `user` in, signing out whoever was signed in (each journey stands on its own). */
    const as = async (user: string) => {
      await b.page.goto(b.base);
      const out = b.page.getByRole('button', { name: 'Sign out' });
      await Promise.race([out.waitFor(), b.page.getByLabel('Username').waitFor()]);
      if (await out.isVisible()) {
        await out.click();
        await b.page.getByLabel('Username').waitFor();
      }
      // The sign-in page has no main heading of the console's own; it is checked as it stands.
      expect(await visibleIds(b.page), 'ids shown on sign-in').toEqual([]);
      expect(await seriousViolations(b.page), 'axe on sign-in').toEqual([]);
      await signIn(b.page, b.base, user, DEMO_PASSWORD);
      await checkPage(`inventory as ${user}`);
    };
    const nav = (name: string) => b.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name });
    const banner = () => b.page.getByRole('status', { name: 'Status' });

    it(
      'business owner: registers a use case, classifies it through the questionnaire and sees what is next',
      async () => {
        await as('olivia');
        await b.page.getByRole('link', { name: 'New use case' }).click();
        await b.page.getByRole('heading', { name: 'New use case', level: 1 }).waitFor();
        await checkPage('new use case');
        await b.page.getByLabel('Name').fill('Mortgage affordability');
        await b.page.getByLabel('Objective').fill('Check that a mortgage applicant can afford the repayments.');
        await b.page.getByLabel('Owner team').selectOption('lending');
        await b.page.getByLabel('Who consumes the results').selectOption('public');
        await b.page.getByLabel('Regions').fill('EU');
        await b.page.getByLabel('Sector').fill('finance');
        await b.page.getByLabel('Processes personal data').check();
        await b.page.getByRole('button', { name: 'Create use case' }).click();
        await b.page.getByRole('heading', { name: 'Risk questionnaire' }).waitFor();
        const id = new URL(b.page.url()).pathname.split('/').pop()!;
        await checkPage('questionnaire');
        // What the create form asked is filled in; she answers the rest.
        const pack = (await get('/api/v1/policies/active')).pack as { questionnaire: Question[] };
        await answerQuestionnaire(b.page, pack.questionnaire, creditScoring, [
          'consumers',
          'personalData',
          'sector',
          'regions',
        ]);
        await b.page.getByRole('button', { name: 'Classify' }).click();
        await b.page.getByText('Classified: the tier and its reasons are shown above.').waitFor();
        const assessment = await get(`/api/v1/use-cases/${id}/assessment`);
        const tier = assessment.current.tier as number;
        expect(tier).toBe(4);
        await expect.poll(() => b.page.locator('.tier-summary').textContent()).toContain(`Tier ${tier} of 4`);
        await checkPage('classified');

        // What is next, and who does it: the same items the server lists, people by name.
        await b.page.getByRole('tab', { name: 'Overview' }).click();
        const next = await get(`/api/v1/use-cases/${id}/next-actions`);
        expect(next.missing.length).toBeGreaterThan(0);
        const section = b.page.getByRole('region', { name: 'Next actions' });
        await section.getByText(`${next.progress.met} of ${next.progress.total}`).waitFor();
        const items = section.getByRole('list', { name: 'Missing' }).getByRole('listitem');
        const first = next.missing[0] as { title: string; people: { displayName: string; role: string }[] };
        const item = items.filter({ hasText: first.title }).first();
        const owners = first.people.map((p) => `${p.displayName} (${p.role})`).join(', ');
        expect(owners).not.toBe('');
        expect(await item.textContent()).toContain(`Who: ${owners}`);
        expect(await banner().textContent()).toContain(next.status.label);
        await checkPage('use case next actions');
        expect(b.problems).toEqual([]);
      },
      JOURNEY,
    );

    it(
      'data scientist: finds her version in "My work", uploads an evaluation picking columns from the header, requests promotion',
      async () => {
        await as('dana');
        await nav('My work').click();
        await b.page.getByRole('heading', { name: 'My work', level: 1 }).waitFor();
        await checkPage('my work');
        const mine = b.page.getByRole('region', { name: /My models and versions/ });
        await mine.getByRole('link', { name: 'mmm-explorer v1' }).click();
        await b.page.getByRole('heading', { name: /mmm-explorer/, level: 1 }).waitFor();
        await b.page.getByRole('tab', { name: 'Governance' }).click();
        const v = '/api/v1/models/mmm-explorer/versions/1';
        const before = await get(`${v}/next-actions`);
        const section = b.page.getByRole('region', { name: 'Next actions' });
        await section.getByText(`${before.progress.met} of ${before.progress.total}`).waitFor();
        await checkPage('version governance');
        const evaluationsBefore = (await get(`${v}/evaluations`)).items.length as number;

        const item = (before.missing as { title: string; actions: { kind: string; label: string }[] }[]).find((m) =>
          m.actions.some((a) => a.kind === 'upload-evaluation'),
        )!;
        const action = item.actions.find((a) => a.kind === 'upload-evaluation')!;
        const all = section.getByRole('button', { name: /^Show all \d+ missing$/ });
        if (await all.isVisible()) await all.click();
        await section.getByRole('button', { name: `${action.label} — ${item.title}` }).click();
        const form = section.getByRole('form', { name: 'Upload an evaluation' });
        const rows = Array.from(
          { length: 120 },
          (_, i) =>
            `${i % 2},${i % 7 === 0 ? 1 - (i % 2) : i % 2},${((i % 10) / 10).toFixed(1)},${i % 3 ? 'north' : 'south'}`,
        );
        await form.getByLabel('Data file').setInputFiles({
          name: 'holdout.csv',
          mimeType: 'text/csv',
          buffer: Buffer.from(`converted,predicted_converted,propensity,region\n${rows.join('\n')}\n`),
        });
        await form.getByText('4 columns read from the file').waitFor();
        // The choices are the file's own columns; she picks them.
        expect(await form.getByLabel('Label column').locator('option').allTextContents()).toEqual([
          '(choose a column)',
          'converted',
          'predicted_converted',
          'propensity',
          'region',
        ]);
        await form.getByLabel('Label column').selectOption('converted');
        await form.getByLabel('Prediction column').selectOption('predicted_converted');
        await form.getByLabel('Score column').selectOption('propensity');
        await form.getByLabel('Group column').selectOption('region');
        expect(await seriousViolations(b.page), 'axe on the upload form').toEqual([]);
        await form.getByRole('button', { name: 'Evaluate' }).click();
        await form.waitFor({ state: 'detached' });
        const evaluations = (await get(`${v}/evaluations`)).items as { sensitive?: string | null }[];
        expect(evaluations.length).toBe(evaluationsBefore + 1);
        // The requirement now reads from the new evidence: it is no longer "missing".
        const after = await get(`${v}/next-actions`);
        expect(
          (after.missing as { title: string; status: string }[]).find((m) => m.title === item.title)?.status,
        ).not.toBe('missing');
        await checkPage('version after the evaluation');

        // The promotion the process allows next, from the same place.
        const promote = (after.next as { kind: string; label: string; params: { environment: string } }[]).find(
          (a) => a.kind === 'request-promotion',
        )!;
        const promotion = section.getByRole('form', { name: promote.label });
        await promotion.getByLabel('Reason for the promotion').fill('evaluated on the holdout set');
        await promotion.getByRole('button', { name: promote.label }).click();
        await expect
          .poll(async () => ((await get(`${v}/promotions`)).items as { environment: string; reason: string }[]).length)
          .toBe(1);
        const [requested] = (await get(`${v}/promotions`)).items as {
          environment: string;
          reason: string;
          status: string;
        }[];
        expect(requested).toMatchObject({
          environment: promote.params.environment,
          reason: 'evaluated on the holdout set',
        });
        await b.page
          .getByRole('region', { name: 'Promotions and deployments' })
          .getByRole('row')
          .filter({ hasText: promote.params.environment })
          .filter({ hasText: requested!.status })
          .first()
          .waitFor();
        await checkPage('version after the promotion');
        expect(b.problems).toEqual([]);
      },
      JOURNEY,
    );

    it(
      'validator: signs from the inbox, her eligibility checked before her password',
      async () => {
        await as('ravi');
        await nav('Inbox').click();
        await b.page.getByRole('heading', { name: 'Inbox', level: 1 }).waitFor();
        await checkPage('inbox');
        const group = b.page.getByRole('region', { name: 'triage-cnn v1' });
        const task = group.getByRole('row').filter({ hasText: 'Independent model acceptance' });
        await task.waitFor();
        expect(await task.count()).toBe(1);
        const eligibility = b.page.waitForResponse((r) => r.url().includes('/signatures/eligibility'));
        await task.getByRole('button', { name: 'Sign…' }).click();
        const dialog = b.page.getByRole('dialog', { name: 'Sign triage-cnn v1' });
        // The server says whether she may sign before any password is asked for.
        const checked = (await (await eligibility).json()) as { allowed: boolean; role: string };
        expect(checked).toMatchObject({ allowed: true, role: 'risk-audit' });
        expect(await dialog.getByLabel('Role').inputValue()).toBe('risk-audit');
        await dialog.getByLabel('Password').waitFor();
        expect(await seriousViolations(b.page), 'axe on the sign dialog').toEqual([]);
        await dialog.getByLabel('Meaning').selectOption('approve');
        await dialog.getByLabel('Comment').fill('Validation report reviewed; accepted.');
        await dialog.getByLabel('Password').fill(DEMO_PASSWORD);
        await dialog.getByRole('button', { name: 'Sign', exact: true }).click();
        await b.page.getByRole('status').filter({ hasText: 'Signed triage-cnn v1' }).waitFor();
        await dialog.waitFor({ state: 'hidden' });
        await expect.poll(() => task.count()).toBe(0);
        const signatures = (await get('/api/v1/models/triage-cnn/versions/1/lifecycle')).signatures as {
          role: string;
          meaning: string;
          comment: string;
          signer: { username: string };
        }[];
        expect(signatures).toContainEqual(
          expect.objectContaining({
            role: 'risk-audit',
            meaning: 'approve',
            comment: 'Validation report reviewed; accepted.',
          }),
        );
        await checkPage('inbox after signing');

        // A validator whose signature training lapsed is told so, and who can sign, with no password field.
        await as('nina');
        await b.page.goto(`${b.base}/models/triage-cnn/versions/1?tab=Governance`);
        await b.page.getByRole('button', { name: 'Sign…' }).first().click();
        const refused = b.page.getByRole('dialog', { name: 'Sign triage-cnn v1' });
        await dialogRole(refused, 'risk-audit');
        const refusal = refused.locator('.refusal');
        await expect.poll(() => refusal.textContent()).toContain('You cannot sign this as risk-audit');
        expect(await refusal.textContent()).toContain('Who can sign instead');
        expect(await refused.getByLabel('Password').count()).toBe(0);
        expect(await seriousViolations(b.page), 'axe on the refused sign dialog').toEqual([]);
        expect(b.problems).toEqual([]);
      },
      JOURNEY,
    );

    it(
      'auditor: finds who approved a version and what changed, and downloads the audit view as CSV and JSON',
      async () => {
        await as('rita');
        await nav('Audit').click();
        await b.page.getByRole('heading', { name: 'Audit trail' }).waitFor();
        await checkPage('audit');
        const today = new Date();
        const day = `${today.getFullYear()}-${String(today.getMonth() + 1).padStart(2, '0')}-${String(today.getDate()).padStart(2, '0')}`;
        await b.page.getByLabel('Who').fill('Ravi');
        await b.page.getByLabel('What').fill('approve');
        await b.page.getByLabel('Subject').fill('triage-cnn v1');
        await b.page.getByLabel('From').fill(day);
        await b.page.getByLabel('To').fill(day);
        await b.page.getByRole('button', { name: 'Search', exact: true }).click();
        const rows = b.page.locator('table.grid tbody tr');
        // The server's own answer to the same question.
        const expected = (
          await get(
            `/api/v1/audit/events?actorName=Ravi&actionFamily=approve&subjectName=${encodeURIComponent('triage-cnn v1')}&order=desc&limit=50`,
          )
        ).items as { seq: number; action: string; actor: { name: string } }[];
        expect(expected.map((e) => e.action)).toContain('signature.create');
        // Until the search's answer arrives the table still lists the unfiltered trail, which has
        // signatures too: wait for the rows themselves.
        const seqs = expected.map((e) => e.seq);
        await expect
          .poll(async () => (await b.page.locator('table.grid tbody tr td:first-child').allTextContents()).map(Number))
          .toEqual(seqs);
        for (const row of await rows.all()) expect(await row.textContent()).toContain('Ravi Iyer');
        await rows.first().getByRole('link', { name: 'triage-cnn v1' }).waitFor();
        await checkPage('audit search');

        // The CSV and JSON downloads of this very view.
        const download = async (name: string) => {
          const started = b.page.waitForEvent('download');
          await b.page.getByRole('link', { name, exact: true }).click();
          const file = await started;
          return readFileSync((await file.path())!, 'utf8');
        };
        const csv = (await download('CSV')).trim().split('\r\n');
        expect(csv.slice(1).map((l) => Number(l.split(',')[0]))).toEqual(seqs);
        expect(csv.slice(1).every((l) => l.includes('Ravi Iyer'))).toBe(true);
        const json = JSON.parse(await download('JSON')) as { seq: number; actor: { name: string } }[];
        expect(json.map((e) => e.seq)).toEqual(seqs);
        const exports = (await get('/api/v1/audit/events?actionFamily=export&order=desc&limit=2')).items as {
          action: string;
          actor: { name: string };
        }[];
        expect(exports).toEqual([
          expect.objectContaining({
            action: 'export.generate',
            actor: expect.objectContaining({ name: 'Rita Novak' }),
          }),
          expect.objectContaining({
            action: 'export.generate',
            actor: expect.objectContaining({ name: 'Rita Novak' }),
          }),
        ]);

        // What changed since an approval: the released version's stale sign-offs name it, in words.
        const signed = (await get('/api/v1/models/credit-scorecard/versions/1/lifecycle')).signatures as {
          signer: { name: string };
          comment: string;
          status: string;
          changes: { what: string; change: string }[];
        }[];
        const stale = signed.find((g) => g.signer.name === 'Rita Novak' && g.status === 'stale')!;
        expect(stale.changes.length).toBeGreaterThan(0);
        await b.page.goto(`${b.base}/models/credit-scorecard/versions/1?tab=Governance`);
        const changed = b.page
          .getByRole('row')
          .filter({ hasText: 'Rita Novak' })
          .filter({ hasText: stale.comment })
          .first()
          .getByRole('list', { name: 'changed since signing' });
        await expect.poll(() => changed.getByRole('listitem').count()).toBe(stale.changes.length);
        // Each change in words, naming and linking the evidence it concerns.
        for (const li of await changed.getByRole('listitem').all()) {
          expect(await li.textContent()).toMatch(/^evidence added: /);
          expect(await li.textContent()).not.toContain('no longer listed');
          expect(await li.getByRole('link').count()).toBe(1);
        }
        await checkPage('released version governance');
        expect(b.problems).toEqual([]);
      },
      JOURNEY,
    );

    it(
      'operator: alert, pre-filled incident, suspension from the top of the version page, banner and inventory agree',
      async () => {
        await as('pete');
        const credit = b.page.locator('table.grid tbody tr').filter({ hasText: 'Credit scoring' });
        expect(await credit.textContent()).not.toContain('Suspended');
        await nav('Alerts').click();
        await b.page.getByRole('heading', { name: 'Monitoring alerts' }).first().waitFor();
        await checkPage('alerts');
        const alert = b.page.getByRole('row').filter({ hasText: 'credit-scorecard v1' }).filter({ hasText: 'drift' });
        await alert.first().waitFor();
        await alert.first().getByRole('button', { name: 'Open incident…' }).click();
        const form = b.page.getByRole('dialog', { name: 'Open an incident for credit-scorecard v1' });
        const title = await form.getByLabel('Incident title').inputValue();
        expect(title).toContain('credit-scorecard v1');
        expect(await form.getByLabel('Description').inputValue()).toContain('credit-scorecard v1');
        expect(await form.getByRole('button', { name: 'Open incident' }).isDisabled()).toBe(true);
        expect(await seriousViolations(b.page), 'axe on the incident form').toEqual([]);
        await form.getByLabel('Severity').selectOption('serious');
        await form.getByRole('button', { name: 'Open incident' }).dblclick();
        await form.waitFor({ state: 'hidden' });
        await expect.poll(() => alert.first().textContent()).toContain(title);
        const incidents = (await get('/api/v1/incidents?limit=100')).items as { title: string; severity: string }[];
        expect(incidents.filter((i) => i.title === title)).toEqual([expect.objectContaining({ severity: 'serious' })]);
        await checkPage('alerts with the incident');

        await alert.first().getByRole('link', { name: 'credit-scorecard v1' }).click();
        await b.page.getByRole('heading', { name: /credit-scorecard/, level: 1 }).waitFor();
        await checkPage('version from the alert');
        await b.page.getByRole('button', { name: 'Suspend this version…' }).click();
        const suspend = b.page.getByRole('dialog', { name: 'Suspend credit-scorecard v1' });
        await suspend.getByLabel('Reason to suspend').fill(`${title}: stopped while it is investigated`);
        await suspend.getByLabel('Your password (signed decision)').fill(DEMO_PASSWORD);
        await suspend.getByRole('button', { name: 'Suspend this version' }).click();
        await suspend.waitFor({ state: 'hidden' });
        await expect.poll(() => banner().textContent()).toContain('Suspended');
        const suspensions = (await get('/api/v1/models/credit-scorecard/versions/1/suspensions')).items as {
          active: boolean;
          reason: string;
        }[];
        expect(suspensions.filter((s) => s.active)).toEqual([
          expect.objectContaining({ reason: `${title}: stopped while it is investigated` }),
        ]);
        const status = (await get('/api/v1/models/credit-scorecard/versions/1/next-actions')).status as {
          label: string;
        };
        expect(status.label).toContain('Suspended');
        await checkPage('suspended version');

        await nav('Inventory').click();
        await b.page.getByRole('heading', { name: 'Inventory', level: 1 }).waitFor();
        // The use case's row carries the status of what runs in production: version 1, suspended.
        const row = b.page.locator('table.grid tbody tr').filter({ hasText: 'Credit scoring' });
        await row.getByText('Suspended').waitFor();
        expect(await row.getByRole('link', { name: 'v1', exact: true }).count()).toBe(1);
        await checkPage('inventory after the suspension');
        expect(b.problems).toEqual([]);
      },
      JOURNEY,
    );
  });
});

/** Waits for the sign dialog to settle on `role` (it starts with the role its task or measure asks). */
async function dialogRole(dialog: Locator, role: string): Promise<void> {
  const select = dialog.getByLabel('Role');
  await select.waitFor();
  if ((await select.inputValue()) !== role) await select.selectOption(role);
}
