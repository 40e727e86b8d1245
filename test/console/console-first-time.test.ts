import { beforeAll, describe, expect, it } from 'vitest';
import { seedDemo } from '../../src/demo/seed.ts';
import { DEMO_PASSWORD } from '../../src/demo/scenario.ts';
import { call, useTestApp } from '../helpers/app.ts';
import { CONSOLE_DIR, noBrowser, seriousViolations, signIn, useBrowser, visibleIds } from '../helpers/browser.ts';
import { DB_KINDS, skipReason } from '../helpers/db.ts';
import { demoPages } from '../helpers/demo-pages.ts';

// A first-time user's console over the demo organisation: the home dashboard, the audit search an
// auditor uses to find who approved what, accessible tabs, and names where ids used to be.
describe.each(DB_KINDS)('the console for a first-time user, over the demo, on %s', (kind) => {
  describe.skipIf(skipReason(kind) !== null || noBrowser !== null)(skipReason(kind) ?? noBrowser ?? 'browser', () => {
    const t = useTestApp(kind, { teams: [], consoleDir: CONSOLE_DIR });
    beforeAll(async () => {
      await seedDemo(t.app, { token: t.adminToken });
    }, 300_000);
    const b = useBrowser(
      kind,
      () => t.app,
      async () => undefined,
    );
    const a11y = async (name: string) => expect(await seriousViolations(b.page), `axe on ${name}`).toEqual([]);
    const rows = () => b.page.locator('table.grid tbody tr');
    /** Signs `user` in, signing out whoever was signed in (each journey stands on its own). */
    const as = async (user: string) => {
      await b.page.goto(b.base);
      const out = b.page.getByRole('button', { name: 'Sign out' });
      await Promise.race([out.waitFor(), b.page.getByLabel('Username').waitFor()]);
      if (await out.isVisible()) {
        await out.click();
        await b.page.getByLabel('Username').waitFor();
      }
      await signIn(b.page, b.base, user, DEMO_PASSWORD);
    };

    it('shows the auditor a home dashboard with counts, production versions and the board by step', async () => {
      await as('rita');
      await b.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Home' }).click();
      await b.page.getByRole('heading', { name: 'Home', level: 1 }).waitFor();
      const tiles = b.page.getByRole('list', { name: 'At a glance' });
      await tiles.getByRole('link', { name: /Stale approvals to re-review/ }).waitFor();
      // A risk auditor sees her tasks and stale approvals first.
      const first = await tiles.getByRole('link').first().textContent();
      expect(first).toContain('My open tasks');
      const summary = (await call(t.app, { method: 'GET', url: '/api/v1/overview/summary' })).body;
      expect(await tiles.getByRole('link', { name: /Open alerts/ }).textContent()).toContain(
        String(summary.openAlerts),
      );
      await b.page.getByRole('link', { name: 'credit-scorecard v1' }).first().waitFor();
      for (const column of summary.board as { step: string | null; total: number }[])
        expect(await b.page.locator('.board-column').count()).toBeGreaterThanOrEqual(column.total > 0 ? 1 : 0);
      expect(await b.page.locator('.board-column').count()).toBe(summary.board.length);
      await a11y('home');
    });

    it('finds who approved a version by typing "approve", to the second, newest first, and exports it', async () => {
      await b.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Audit' }).click();
      await b.page.getByRole('heading', { name: 'Audit trail' }).waitFor();
      await b.page.getByLabel('What').fill('approve');
      await b.page.getByLabel('Subject').fill('credit-scorecard v1');
      await b.page.getByRole('button', { name: 'Search', exact: true }).click();
      await expect.poll(() => b.page.locator('table.grid tbody').textContent()).toContain('signature.create');
      const text = (await rows().allTextContents()).join('\n');
      expect(text).not.toMatch(/model\.create|version\.create/);
      const seqs = (await b.page.locator('table.grid tbody tr td:first-child').allTextContents()).map(Number);
      expect(seqs).toEqual([...seqs].sort((x, y) => y - x));
      const times = await b.page.locator('table.grid tbody time').allTextContents();
      for (const s of times) expect(s).toMatch(/\d{1,2}:\d{2}:\d{2}/);
      await b.page.locator('table.grid tbody').getByRole('link', { name: 'credit-scorecard v1' }).first().waitFor();

      const href = await b.page.getByRole('link', { name: 'CSV' }).getAttribute('href');
      expect(href).toContain('actionFamily=approve');
      const csv = await b.page.evaluate(async (u) => (await fetch(u!)).text(), href);
      const lines = csv.trim().split('\r\n');
      expect(lines.slice(1).map((l) => Number(l.split(',')[0]))).toEqual(seqs);
      const jsonHref = await b.page.getByRole('link', { name: 'JSON' }).getAttribute('href');
      const json = (await b.page.evaluate(async (u) => (await fetch(u!)).json(), jsonHref)) as { seq: number }[];
      expect(json.map((e) => e.seq)).toEqual(seqs);
      await a11y('audit search');

      // A person's name leads to what they did.
      await b.page.getByRole('button', { name: 'Clear' }).click();
      await b.page.getByLabel('Who').fill('Rita');
      await b.page.getByRole('button', { name: 'Search', exact: true }).click();
      await expect
        .poll(
          async () =>
            new Set(
              (await b.page.locator('table.grid tbody tr td:nth-child(3)').allTextContents()).map(
                (s) => s.split(/signed in|with an API token/)[0],
              ),
            ),
        )
        .toEqual(new Set(['Rita Novak']));

      // Paging: the unfiltered trail is longer than a page; the next page goes further back.
      await b.page.getByRole('button', { name: 'Clear' }).click();
      await expect.poll(() => rows().count()).toBe(50);
      const last = Number(await b.page.locator('table.grid tbody tr td:first-child').last().textContent());
      await b.page.getByRole('button', { name: 'Older' }).click();
      await b.page.getByText('Page 2').waitFor();
      // The page label can show before the older rows replace the newer ones: wait for the rows.
      await expect
        .poll(async () => Number(await b.page.locator('table.grid tbody tr td:first-child').first().textContent()))
        .toBe(last - 1);
      const exports = (
        await call(t.app, { method: 'GET', url: '/api/v1/audit/events?actionFamily=export&order=desc&limit=5' })
      ).body.items;
      expect(exports[0]).toMatchObject({ action: 'export.generate', actor: { name: 'Rita Novak' } });
    });

    it('moves between tabs with the arrow keys, and pages through a version’s audit tab', async () => {
      await as('rita');
      await b.page.goto(`${b.base}/models/credit-scorecard/versions/1?tab=Overview`);
      const tabs = b.page.getByRole('tablist');
      const overview = tabs.getByRole('tab', { name: 'Overview' });
      await overview.waitFor();
      expect(await overview.getAttribute('aria-selected')).toBe('true');
      const panel = b.page.getByRole('tabpanel');
      expect(await overview.getAttribute('aria-controls')).toBe(await panel.getAttribute('id'));
      expect(await panel.getAttribute('aria-labelledby')).toBe(await overview.getAttribute('id'));
      await overview.focus();
      await b.page.keyboard.press('ArrowRight');
      await expect.poll(() => tabs.getByRole('tab', { name: 'Governance' }).getAttribute('aria-selected')).toBe('true');
      await expect
        .poll(() => b.page.evaluate(() => (globalThis as any).document.activeElement?.textContent))
        .toBe('Governance');
      await b.page.keyboard.press('End');
      await expect.poll(() => tabs.getByRole('tab', { name: 'Audit' }).getAttribute('aria-selected')).toBe('true');
      await b.page.getByRole('tabpanel').getByText('Page 1').waitFor();
      await b.page.getByRole('tabpanel').locator('table.grid tbody tr').first().waitFor();
      await a11y('version audit tab');
    });

    it('shows no internal id as text, passes axe, and asks the API nothing twice, on every page of the demo', async () => {
      const pages = demoPages((await call(t.app, { method: 'GET', url: '/api/v1/overview?limit=200' })).body.items);
      await as('rita');
      const found: string[] = [];
      const inaccessible: string[] = [];
      // Each page loaded afresh asks each API question once: no two parts of a page fetch the same thing.
      const asked: string[] = [];
      const twice: string[] = [];
      const listen = (r: { url: () => string; method: () => string }) => {
        const u = new URL(r.url());
        if (u.pathname.startsWith('/api/')) asked.push(`${r.method()} ${u.pathname}${u.search}`);
      };
      b.page.on('request', listen);
      for (const path of pages) {
        asked.length = 0;
        await b.page.goto(`${b.base}${path}`);
        await b.page.locator('main h1').first().waitFor();
        await expect.poll(() => b.page.locator('[aria-busy="true"]').count(), { timeout: 10_000 }).toBe(0);
        const ids = await visibleIds(b.page);
        if (ids.length) found.push(`${path}: ${ids.join(', ')}`);
        for (const v of await seriousViolations(b.page)) inaccessible.push(`${path}: ${v}`);
        const repeated = new Set(asked.filter((q, i) => asked.indexOf(q) !== i));
        if (repeated.size) twice.push(`${path}: ${[...repeated].join(', ')}`);
      }
      b.page.off('request', listen);
      expect(found).toEqual([]);
      expect(inaccessible).toEqual([]);
      expect(twice).toEqual([]);
    }, 400_000);
  });
});
