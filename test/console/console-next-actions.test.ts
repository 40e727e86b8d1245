import { describe, expect, it } from 'vitest';
import { call } from '../helpers/app.ts';
import { CONSOLE_DIR, noBrowser, seriousViolations, signIn, useBrowser } from '../helpers/browser.ts';
import { DB_KINDS, skipReason } from '../helpers/db.ts';
import { PASSWORD, useGovernedLifecycle } from '../helpers/lifecycle.ts';

interface Missing {
  measure: string;
  title: string;
  actions: { kind: string; label: string; params: Record<string, unknown> }[];
}

// What a data scientist sees first: where she lands, what is next for her version with one-click
// actions (a document of the kind the pack names, an evaluation mapped from the file's own columns),
// and one status that the version page and the inventory share, a suspension included.
describe.each(DB_KINDS)('next actions and the status banner in the console, on %s', (kind) => {
  describe.skipIf(skipReason(kind) !== null || noBrowser !== null)(skipReason(kind) ?? noBrowser ?? 'browser', () => {
    const { t, as } = useGovernedLifecycle(kind, { consoleDir: CONSOLE_DIR });
    const b = useBrowser(
      kind,
      () => t.app,
      async () => undefined,
    );
    const v1 = '/api/v1/models/pd/versions/1';
    const next = async () => (await call(t.app, { method: 'GET', url: `${v1}/next-actions` })).body;
    const banner = () => b.page.getByRole('status', { name: 'Status' });

    it('lands on the home dashboard at /, with the inventory at its own address', async () => {
      await signIn(b.page, b.base, 'dana');
      await b.page.goto(b.base);
      await b.page.getByRole('heading', { name: 'Home', level: 1 }).waitFor();
      await b.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Inventory' }).click();
      await b.page.getByRole('heading', { name: 'Inventory', level: 1 }).waitFor();
      expect(new URL(b.page.url()).pathname).toBe('/inventory');
    });

    it('shows progress per step and adds a document with its kind pre-selected from the pack', async () => {
      const before = await next();
      await b.page.goto(`${b.base}/models/pd/versions/1?tab=Governance`);
      expect(await banner().textContent()).toContain('In development');
      const section = b.page.getByRole('region', { name: 'Next actions' });
      await section.getByText(`${before.progress.met} of ${before.progress.total}`).waitFor();
      const steps = section.getByRole('list', { name: 'Progress per step' }).getByRole('listitem');
      expect(await steps.count()).toBe(before.steps.length);
      const first = before.steps[0] as { title: string; met: number; total: number };
      expect(await steps.first().textContent()).toContain(`${first.title}: ${first.met} of ${first.total}`);
      expect(await seriousViolations(b.page)).toEqual([]);

      const item = (before.missing as Missing[]).slice(0, 8).find((m) => m.actions[0]?.kind === 'add-document')!;
      const action = item.actions[0]!;
      await section.getByRole('button', { name: `${action.label} — ${item.title}` }).click();
      const form = section.getByRole('form', { name: 'Add a document' });
      expect(await form.getByLabel('Document kind').inputValue()).toBe(action.params.documentKind);
      // The kinds offered are the pack's, not free text.
      expect(await form.getByLabel('Document kind').locator('option').allTextContents()).toEqual(before.documentKinds);
      await form.getByLabel('Document title').fill('Scoping note');
      await form.getByLabel('Document content (Markdown)').fill('# Why and for whom');
      await form.getByRole('button', { name: 'Record document' }).click();
      await form.waitFor({ state: 'detached' });
      const status = (await call(t.app, { method: 'GET', url: `${v1}/lifecycle` })).body;
      expect(status.documents).toEqual([
        expect.objectContaining({ kind: action.params.documentKind, title: 'Scoping note', state: 'submitted' }),
      ]);
    });

    it("uploads an evaluation with columns picked from the file's header", async () => {
      const section = b.page.getByRole('region', { name: 'Next actions' });
      const missing = (await next()).missing as Missing[];
      const item = missing.find((m) => m.actions.some((a) => a.kind === 'upload-evaluation'))!;
      const action = item.actions.find((a) => a.kind === 'upload-evaluation')!;
      const all = section.getByRole('button', { name: /^Show all \d+ missing$/ });
      if (await all.isVisible()) await all.click();
      await section.getByRole('button', { name: `${action.label} — ${item.title}` }).click();
      const form = section.getByRole('form', { name: 'Upload an evaluation' });
      const csv = `outcome,predicted,proba,sex\n${Array.from({ length: 80 }, (_, i) => `${i % 2},${i % 5 === 0 ? 1 - (i % 2) : i % 2},${((i % 10) / 10).toFixed(1)},${i % 4 < 2 ? 'F' : 'M'}`).join('\n')}\n`;
      await form
        .getByLabel('Data file')
        .setInputFiles({ name: 'holdout.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
      await form.getByText('4 columns read from the file').waitFor();
      const label = form.getByLabel('Label column');
      expect(await label.locator('option').allTextContents()).toEqual([
        '(choose a column)',
        'outcome',
        'predicted',
        'proba',
        'sex',
      ]);
      // Guessed from the names, and changeable.
      expect(await label.inputValue()).toBe('outcome');
      expect(await form.getByLabel('Prediction column').inputValue()).toBe('predicted');
      await form.getByLabel('Score column').selectOption('proba');
      await form.getByLabel('Group column').selectOption('sex');
      await form.getByRole('button', { name: 'Evaluate' }).click();
      await form.waitFor({ state: 'detached' });
      const evidence = (await call(t.app, { method: 'GET', url: `${v1}/evidence` })).body.items as {
        type?: string;
        kind?: string;
      }[];
      expect(evidence.length).toBeGreaterThan(0);
    });

    it('shows a suspension in the banner and in the inventory, and the person’s own work', async () => {
      const suspended = await call(t.app, {
        method: 'POST',
        url: `${v1}/suspension`,
        token: as('owner'),
        body: { reason: 'complaints about refusals', password: PASSWORD('owner') },
      });
      expect(suspended.status, suspended.text).toBe(201);
      await b.page.goto(`${b.base}/models/pd/versions/1`);
      await expect.poll(() => banner().textContent()).toContain('Suspended');
      expect(await banner().textContent()).toContain('complaints about refusals');
      await b.page.goto(`${b.base}/inventory`);
      const row = b.page.locator('table.grid tbody tr').filter({ hasText: 'pd v2' });
      await row.getByText('Suspended').waitFor();
      await b.page.goto(`${b.base}/use-cases/credit`);
      await expect.poll(() => banner().textContent()).toContain('Suspended');
      await b.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'My work' }).click();
      const mine = b.page.getByRole('region', { name: /My models and versions/ });
      await mine.getByRole('link', { name: 'pd v1' }).waitFor();
      expect(await mine.locator('tbody tr').filter({ hasText: 'pd v1' }).textContent()).toContain('Suspended');
      expect(await seriousViolations(b.page)).toEqual([]);
    });
  });
});
