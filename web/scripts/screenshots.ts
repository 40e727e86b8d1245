// Screenshots of the main console pages for the README, taken from a running demo instance:
//   npm start -- --demo            (in one terminal; empty data directory)
//   npx tsx web/scripts/screenshots.ts http://127.0.0.1:8080
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Page } from 'playwright-core';
import { DEMO_PASSWORD } from '../../src/demo/scenario.ts';

const base = process.argv[2] ?? 'http://127.0.0.1:8080';
const out = fileURLToPath(new URL('../../docs/screenshots', import.meta.url));
mkdirSync(out, { recursive: true });
const profile = mkdtempSync(join(tmpdir(), 'steward-shots-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.STEWARD_TEST_CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
  viewport: { width: 1440, height: 900 },
});
const page = context.pages()[0] ?? (await context.newPage());
page.setDefaultTimeout(15_000);

async function shot(name: string, ready: (p: Page) => Promise<unknown>, fullPage = false): Promise<void> {
  await ready(page);
  await page.waitForTimeout(300);
  await page.screenshot({ path: join(out, `${name}.png`), fullPage });
  process.stdout.write(`${name}.png\n`);
}
async function signIn(user: string): Promise<void> {
  await page.goto(base);
  await page.getByLabel('Username').fill(user);
  await page.getByLabel('Password').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Inventory' }).waitFor();
}

try {
  await signIn('rita');
  await shot('inventory', (p) => p.locator('table.grid tbody tr').nth(5).waitFor());
  await page.getByRole('link', { name: 'Credit scoring' }).click();
  await shot('use-case-risk', async (p) => {
    await p.getByRole('tab', { name: 'Risk assessment' }).click();
    await p.getByRole('heading', { name: 'Why: the rule trace' }).waitFor();
  });
  await page.goto(`${base}/models/credit-scorecard/versions/1?tab=Governance`);
  await shot('version-governance', (p) => p.getByRole('heading', { name: 'Signatures' }).waitFor());
  await page.goto(`${base}/models/credit-scorecard/versions/1?tab=Evidence`);
  await shot('version-evidence', (p) => p.getByRole('img', { name: /ROC curve/ }).waitFor());
  await page.goto(`${base}/models/credit-scorecard/versions/1?tab=Monitoring`);
  await shot('version-monitoring', (p) => p.getByRole('img', { name: /drift score per feature/ }).waitFor());
  await page.goto(`${base}/models/triage-cnn/versions/1?tab=Governance`);
  await page.getByRole('button', { name: 'Sign…' }).click();
  await shot('sign-dialog', (p) => p.getByRole('dialog').waitFor());
  await page.keyboard.press('Escape');
  await page.getByRole('link', { name: /Inbox/ }).click();
  await shot('inbox', (p) => p.getByRole('heading', { name: 'Open tasks' }).waitFor());
  await page.getByRole('link', { name: 'Policy' }).click();
  await shot('policy-matrix', (p) => p.getByRole('heading', { name: /Tier × consideration/ }).waitFor());
  await page.getByRole('link', { name: 'Audit' }).click();
  await page.getByRole('button', { name: 'Verify the trail' }).click();
  await shot('audit-verified', (p) => p.getByRole('status').filter({ hasText: 'Intact' }).waitFor());
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}
