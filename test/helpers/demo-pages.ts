import type { Page } from 'playwright-core';

/** The console's pages that need no subject: every menu entry and the person's own views. */
export const DEMO_STATIC_PAGES = [
  '/home',
  '/',
  '/inventory',
  '/me/work',
  '/inbox',
  '/alerts',
  '/datasets',
  '/policy',
  '/audit',
  '/examinations',
  '/findings',
  '/attestations',
  '/notifications',
  '/governance',
  '/trainings',
  '/discovery',
  '/data-subject-requests',
];

/** A row of `GET /api/v1/overview`, as far as the page list reads it. */
export interface OverviewRow {
  useCase: { id: string };
  model: { name: string; latestVersion: number | null } | null;
}

/**
 * Every page of the demo a first-time user can reach: the static pages, each use case's tabs, each
 * model's page and its latest version's tabs. The journey that checks ids and axe visits these, and
 * `npm run bench -- console` times them.
 */
export function demoPages(overview: OverviewRow[]): string[] {
  const pages = [...DEMO_STATIC_PAGES];
  for (const id of new Set(overview.map((r) => r.useCase.id)))
    for (const tab of ['Overview', 'Process', 'Risk assessment', 'Models'])
      pages.push(`/use-cases/${id}?tab=${encodeURIComponent(tab)}`);
  for (const r of overview)
    if (r.model?.latestVersion) {
      pages.push(`/models/${r.model.name}`);
      for (const tab of ['Overview', 'Governance', 'Evidence', 'Audit'])
        pages.push(`/models/${r.model.name}/versions/${r.model.latestVersion}?tab=${tab}`);
    }
  return pages;
}

/**
 * Counts the page's API requests in flight (fetch is wrapped before any page script runs; added
 * through the debugger protocol, so the page's CSP stays on). `pageReady` reads the count.
 */
export async function trackRequests(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const w = globalThis as unknown as { fetch: typeof fetch; __inflight: number };
    const original = w.fetch.bind(w);
    w.__inflight = 0;
    w.fetch = async (...args: Parameters<typeof fetch>) => {
      w.__inflight++;
      try {
        return await original(...args);
      } finally {
        w.__inflight--;
      }
    };
  });
}

/**
 * Waits until the page is ready for its reader and returns when that was, in ms since the
 * navigation started (the document's `performance.now()`): its main heading is rendered, nothing
 * is marked busy, and no API request is in flight (needs `trackRequests`), two frames running.
 */
export async function pageReady(page: Page, timeout = 15_000): Promise<number> {
  const handle = await page.waitForFunction(
    () => {
      const g = globalThis as unknown as {
        document: { querySelector: (s: string) => unknown };
        __inflight?: number;
        __quiet?: number;
        performance: { now: () => number };
      };
      const quiet =
        g.document.querySelector('main h1') !== null &&
        g.document.querySelector('[aria-busy="true"]') === null &&
        (g.__inflight ?? 0) === 0;
      // Two frames in a row: a response that renders another loading state is not "ready".
      if (!quiet) {
        g.__quiet = undefined;
        return false;
      }
      if (g.__quiet === undefined) {
        g.__quiet = g.performance.now();
        return false;
      }
      return g.__quiet;
    },
    undefined,
    { polling: 'raf', timeout },
  );
  return (await handle.jsonValue()) as number;
}
