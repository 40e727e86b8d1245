import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Route } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { CONSOLE_DIR, noBrowser, seriousViolations, signIn, useBrowser } from '../helpers/browser.ts';
import { skipReason } from '../helpers/db.ts';
import { useGovernedLifecycle } from '../helpers/lifecycle.ts';

const kind = 'sqlite' as const;

/** The console's scripts as built: name to size in bytes. */
function builtScripts(): Map<string, number> {
  const dir = join(CONSOLE_DIR, 'assets');
  return new Map(
    readdirSync(dir)
      .filter((f) => f.endsWith('.js'))
      .map((f) => [f, statSync(join(dir, f)).size]),
  );
}

/** Holds the requests of `pattern` until `release` is called (or aborts them with `fail`). */
function gate() {
  const held: Route[] = [];
  let open = false;
  return {
    handler: (route: Route) => (open ? route.continue() : void held.push(route)),
    held,
    release: async () => {
      open = true;
      await Promise.all(held.splice(0).map((r) => r.continue()));
    },
  };
}

// How the console's code reaches the browser: the shell and the page shown, each page a chunk of
// its own; the page on screen stays (marked busy) while the next page's code loads; a chunk that
// cannot be fetched is said so in place. The storage underneath does not matter here (SQLite only).
describe.skipIf(skipReason(kind) !== null || noBrowser !== null)('the console loads page by page', () => {
  const { t } = useGovernedLifecycle(kind, { consoleDir: CONSOLE_DIR });
  const b = useBrowser(
    'loading',
    () => t.app,
    async () => undefined,
  );
  beforeAll(() => signIn(b.page, b.base, 'olga'));
  const nav = (name: string) => b.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name });
  const main = () => b.page.locator('main');

  it('fetches the shell and the page shown on a cold load, not the other pages', async () => {
    const cdp = await b.page.context().newCDPSession(b.page);
    await cdp.send('Network.clearBrowserCache');
    const scripts: string[] = [];
    const listen = (r: { url: () => string }) => {
      const path = new URL(r.url()).pathname;
      if (path.startsWith('/assets/') && path.endsWith('.js')) scripts.push(path.slice('/assets/'.length));
    };
    b.page.on('request', listen);
    await b.page.goto(`${b.base}/inbox`);
    await b.page.getByRole('heading', { name: 'Approvals inbox', level: 1 }).waitFor();
    await expect.poll(() => b.page.locator('[aria-busy="true"]').count()).toBe(0);
    b.page.off('request', listen);
    const built = builtScripts();
    expect(
      scripts.every((s) => built.has(s)),
      scripts.join(', '),
    ).toBe(true);
    expect(scripts.some((s) => s.startsWith('inbox-'))).toBe(true);
    for (const other of ['version-', 'use-case-', 'policy-', 'markdown-', 'admin-'])
      expect(scripts.filter((s) => s.startsWith(other))).toEqual([]);
    const loaded = scripts.reduce((n, s) => n + built.get(s)!, 0);
    const all = [...built.values()].reduce((n, x) => n + x, 0);
    // The shell is mostly React; every page's own code stays where it is until it is shown.
    expect(loaded).toBeLessThan(all / 2);
    await cdp.detach();
  });

  it('keeps the page on screen, marked busy, until the next page’s code is in', async () => {
    await b.page.goto(`${b.base}/inventory`);
    await b.page.getByRole('heading', { name: 'Inventory', level: 1 }).waitFor();
    const held = gate();
    await b.page.route('**/assets/policy-*.js', held.handler);
    try {
      await nav('Policy').click();
      await expect.poll(() => held.held.length).toBeGreaterThan(0);
      // Neither a blank page nor a loading notice flashes: the inventory stays, its main area busy.
      expect(await main().getAttribute('aria-busy')).toBe('true');
      expect(await b.page.getByRole('heading', { name: 'Inventory', level: 1 }).isVisible()).toBe(true);
      expect(await b.page.getByText('Loading the page…').count()).toBe(0);
      expect(await seriousViolations(b.page)).toEqual([]);
      await held.release();
      await b.page.getByRole('heading', { name: 'Policy', level: 1 }).waitFor();
      await expect.poll(() => main().getAttribute('aria-busy')).toBeNull();
      expect(new URL(b.page.url()).pathname).toBe('/policy');
    } finally {
      await b.page.unroute('**/assets/policy-*.js');
    }
  });

  it('says in place when a page’s code cannot be fetched, and offers to reload the console', async () => {
    await b.page.goto(`${b.base}/inventory`);
    await b.page.getByRole('heading', { name: 'Inventory', level: 1 }).waitFor();
    let attempts = 0;
    await b.page.route('**/assets/trainings-*.js', (r) => (attempts++, r.abort('connectionrefused')));
    const before = b.problems.length;
    const alert = b.page.getByRole('alert').filter({ hasText: 'This page could not be shown' });
    try {
      await nav('Trainings').click();
      await alert.waitFor();
      // The failure is reported like any uncaught error, and not retried in a loop.
      await expect.poll(() => b.problems.slice(before).some((p) => p.startsWith('page error'))).toBe(true);
      b.problems.splice(before);
      await b.page.waitForTimeout(300);
      expect(attempts).toBe(1);
      expect(await seriousViolations(b.page)).toEqual([]);
      // The menu stays usable.
      await nav('Inventory').click();
      await b.page.getByRole('heading', { name: 'Inventory', level: 1 }).waitFor();
      await nav('Trainings').click();
      await alert.waitFor();
    } finally {
      await b.page.unroute('**/assets/trainings-*.js');
    }
    b.problems.splice(before);
    await alert.getByRole('button', { name: 'Reload' }).click();
    await b.page.getByRole('heading', { name: 'Trainings', level: 1 }).waitFor();
    expect(await alert.count()).toBe(0);
    expect(b.problems).toEqual([]);
  });
});
