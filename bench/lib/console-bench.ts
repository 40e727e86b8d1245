// Page loads of the console over the demo organisation, in Chromium: each page of the demo cold (a
// new browser context: empty cache, no compiled scripts) and warm (loaded again in that context),
// timed from the navigation's start until the page is ready for its reader (see `pageReady`).
// The baseline is the console's shell alone, loaded the same ways: index.html and its assets,
// no API data, until the document's load event.
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { CHROMIUM, ensureConsoleBuilt } from '../../test/helpers/browser.ts';
import { demoPages, pageReady, trackRequests, type OverviewRow } from '../../test/helpers/demo-pages.ts';
import { DEMO_PASSWORD } from '../../src/demo/scenario.ts';
import { startChild } from './child.ts';
import type { Row } from './registry-rows.ts';

export interface Timings {
  cold: number[];
  warm: number[];
}
export interface ConsoleBench {
  pages: number;
  load: Timings;
  shell: Timings;
  /** The slowest page, cold, and its time. */
  slowest: { path: string; ms: number };
  /** How long the demo took to seed (s), outside the measurement. */
  seedSeconds: number;
  /** The machine's 1-minute load average as the timing began and ended (the VM is shared). */
  loadavg: [number, number];
  /** Median cold load per kind of page: menu pages, use case tabs, model pages, version tabs. */
  byKind: Record<string, number>;
}

const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'];

/** Cold then warm: the first load in a fresh context, then the same page again in it. */
async function timePage(
  browser: Browser,
  storageState: Awaited<ReturnType<BrowserContext['storageState']>>,
  url: string,
): Promise<[number, number]> {
  const context = await browser.newContext({ storageState, viewport: { width: 1366, height: 900 } });
  const page = await context.newPage();
  await trackRequests(page);
  await page.goto(url, { waitUntil: 'commit' });
  const cold = await pageReady(page);
  await page.goto(url, { waitUntil: 'commit' });
  const warm = await pageReady(page);
  await context.close();
  return [cold, warm];
}

export const median = (xs: number[]) => quantile(xs, 0.5);
export function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  const i = (s.length - 1) * q;
  const lo = Math.floor(i);
  return s[lo]! + (s[Math.ceil(i)]! - s[lo]!) * (i - lo);
}

/** Seeds the demo in a server of its own, then times every page of it cold and warm as a risk auditor. */
export async function consoleBench(token: string, rounds = 1): Promise<ConsoleBench> {
  if (!existsSync(CHROMIUM)) throw new Error(`the console bench needs Chromium at ${CHROMIUM}`);
  await ensureConsoleBuilt();
  const seeding = Date.now();
  const server = await startChild('demo.ts', { STEWARD_BENCH_TOKEN: token }, { startMs: 600_000 });
  const seedSeconds = (Date.now() - seeding) / 1000;
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
  try {
    const overview = (await (
      await fetch(`${server.url}/api/v1/overview?limit=200`, { headers: { authorization: `Bearer ${token}` } })
    ).json()) as { items: OverviewRow[] };
    const pages = demoPages(overview.items);
    // One sign-in, as the first-time journey's auditor; each cold context starts with its cookie.
    const signing = await browser.newContext();
    const page = await signing.newPage();
    await page.goto(`${server.url}/inventory`);
    await page.getByLabel('Username').fill('rita');
    await page.getByLabel('Password').fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Inventory' }).waitFor();
    const storageState = await signing.storageState();
    await signing.close();

    const load: Timings = { cold: [], warm: [] };
    const shell: Timings = { cold: [], warm: [] };
    let slowest = { path: '', ms: 0 };
    const kinds: Record<string, number[]> = {};
    const started = loadavg()[0]!;
    for (let round = 0; round < rounds; round++)
      for (const path of pages) {
        // The shell baseline interleaved with the pages, so both see the same machine.
        const shellContext = await browser.newContext();
        const shellPage = await shellContext.newPage();
        await shellPage.route('**/api/**', (r) => r.fulfill({ status: 204, body: '' }));
        await shellPage.goto(`${server.url}/`, { waitUntil: 'load' });
        shell.cold.push(await loadEventEnd(shellPage));
        await shellPage.goto(`${server.url}/`, { waitUntil: 'load' });
        shell.warm.push(await loadEventEnd(shellPage));
        await shellContext.close();
        const [cold, warm] = await timePage(browser, storageState, `${server.url}${path}`);
        load.cold.push(cold);
        load.warm.push(warm);
        if (cold > slowest.ms) slowest = { path, ms: cold };
        (kinds[kindOf(path)] ??= []).push(cold);
      }
    const byKind = Object.fromEntries(Object.entries(kinds).map(([k, xs]) => [k, median(xs)]));
    return { pages: pages.length, load, shell, slowest, seedSeconds, loadavg: [started, loadavg()[0]!], byKind };
  } finally {
    await browser.close();
    await server.stop();
  }
}

const kindOf = (path: string) =>
  path.startsWith('/use-cases/')
    ? 'use case tabs'
    : path.includes('/versions/')
      ? 'version tabs'
      : path.startsWith('/models/')
        ? 'model pages'
        : 'menu pages';

async function loadEventEnd(page: Page): Promise<number> {
  return page.evaluate(() => {
    const nav = (
      globalThis as unknown as { performance: { getEntriesByType: (t: string) => { loadEventEnd: number }[] } }
    ).performance.getEntriesByType('navigation')[0]!;
    return nav.loadEventEnd;
  });
}

const ms = (n: number) => n.toLocaleString('en-US', { maximumFractionDigits: 0 });

/** The table rows: cold and warm page loads beside the shell's, median / p95 / max. */
export function consoleRows(c: ConsoleBench): Row[] {
  const row = (which: 'cold' | 'warm', what: string): Row => {
    const l = c.load[which];
    const s = c.shell[which];
    return {
      name: `console page load over the demo, ${what}: ${c.pages} pages (the first-time journey's list), navigation start to ready (main heading rendered, nothing busy, no API request in flight) (median / p95 / max ms)`,
      value: `${ms(median(l))} / ${ms(quantile(l, 0.95))} / ${ms(Math.max(...l))}`,
      baseline: `${ms(median(s))} / ${ms(quantile(s, 0.95))} / ${ms(Math.max(...s))} ms the console shell alone (index.html and assets, API answered empty), to its load event, loaded the same way`,
      ratio: median(l) / median(s),
      goal: 'median < 500 ms',
    };
  };
  return [
    row('cold', 'cold (a new browser context per page)'),
    row('warm', 'warm (the same page again in that context)'),
  ];
}
