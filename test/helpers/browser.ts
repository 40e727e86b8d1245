import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll } from 'vitest';

export const CHROMIUM = process.env.STEWARD_TEST_CHROMIUM ?? '/usr/bin/chromium';
export const noBrowser: string | null = existsSync(CHROMIUM)
  ? null
  : `console tests skipped: no Chromium at ${CHROMIUM} (apt-get install -y chromium)`;
export const CONSOLE_DIR = fileURLToPath(new URL('../../web/dist', import.meta.url));
export const SHOTS = fileURLToPath(new URL('../../test-output/screenshots', import.meta.url));

/** Builds the console once per checkout when `npm test` has not (a test run started on its own). */
export async function ensureConsoleBuilt(): Promise<void> {
  if (existsSync(join(CONSOLE_DIR, 'index.html'))) return;
  const { build } = await import('vite');
  await build({ configFile: fileURLToPath(new URL('../../web/vite.config.ts', import.meta.url)), logLevel: 'warn' });
}

/** Debian's Chromium, headless, with a fresh profile; CSP violations and page errors are collected. */
export async function openBrowser(): Promise<{
  context: BrowserContext;
  page: Page;
  problems: string[];
  close: () => Promise<void>;
}> {
  const profile = mkdtempSync(join(tmpdir(), 'steward-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: 1366, height: 900 },
  });
  const page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(8000);
  const problems: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to/i.test(m.text())) problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('dialog', (d) => {
    problems.push(`unexpected dialog: ${d.message()}`);
    void d.dismiss();
  });
  return {
    context,
    page,
    problems,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** Runs axe-core on the page (evaluated through the debugger protocol, so the page's CSP stays on). */
export async function seriousViolations(page: Page): Promise<string[]> {
  await page.evaluate(axeSource);
  const result = await page.evaluate(async () => {
    const axe = (
      globalThis as unknown as {
        axe: {
          run: (
            ctx: unknown,
            opts: unknown,
          ) => Promise<{ violations: { id: string; impact: string; help: string; nodes: { target: string[] }[] }[] }>;
        };
      }
    ).axe;
    const r = await axe.run((globalThis as unknown as { document: unknown }).document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      targets: v.nodes.slice(0, 3).map((n) => n.target.join(' ')),
    }));
  });
  return result
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.targets.join(', ')}`);
}

/**
 * Signs `user` in through the sign-in form (password `<user>-correct-horse-battery` unless given)
 * on the inventory's page (`/` is the home dashboard) and waits for the inventory.
 */
export async function signIn(page: Page, base: string, user: string, password?: string): Promise<void> {
  await page.goto(`${base}/inventory`);
  await page.getByLabel('Username').fill(user);
  await page.getByLabel('Password').fill(password ?? `${user}-correct-horse-battery`);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Inventory' }).waitFor();
}

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;

/** Internal ids shown to people: UUIDs in the page's visible text (not in titles or hrefs). */
export async function visibleIds(page: Page): Promise<string[]> {
  const text = await page.evaluate(
    () => (globalThis as unknown as { document: { body: { innerText: string } } }).document.body.innerText,
  );
  // Each with the words around it, to say where on the page it was.
  return [
    ...new Set(
      [...text.matchAll(UUID)].map((m) => text.slice(Math.max(0, m.index - 40), m.index + 36).replace(/\s+/g, ' ')),
    ),
  ];
}

/** After a failed test: a screenshot and the problems the page showed, for CI logs. */
export async function reportFailure(page: Page | undefined, name: string, problems: string[]): Promise<void> {
  if (!page) return;
  await screenshot(page, `failed-${name.slice(0, 50).replace(/\W+/g, '-')}`).catch(() => undefined);
  const shown = await page
    .getByRole('alert')
    .allTextContents()
    .catch(() => []);
  console.error(`at ${page.url()}: ${shown.join(' | ') || 'no problem shown'}; ${problems.join(' | ')}`);
}

export interface BrowserSession {
  /** The app's URL (it listens on a free port). */
  base: string;
  page: Page;
  /** CSP violations, page errors and unexpected dialogs seen so far. */
  problems: string[];
}

/**
 * Registers the hooks of a browser journey: `seed` the app, listen, open Chromium; close it after;
 * after a failing test, a screenshot and the problems on the page. Read the fields inside tests.
 */
export function useBrowser(
  name: string,
  app: () => { listen: (o: { port: number; host: string }) => Promise<string> },
  seed: () => Promise<void>,
): BrowserSession {
  const session = { base: '', problems: [] } as unknown as BrowserSession;
  let close: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    await ensureConsoleBuilt();
    await seed();
    session.base = await app().listen({ port: 0, host: '127.0.0.1' });
    const opened = await openBrowser();
    session.page = opened.page;
    session.problems = opened.problems;
    close = opened.close;
  }, 120_000);
  afterAll(async () => {
    await close?.();
  });
  afterEach(async (ctx) => {
    if (ctx.task.result?.state === 'fail')
      await reportFailure(session.page, `${name}-${ctx.task.name}`, session.problems);
  });
  return session;
}
