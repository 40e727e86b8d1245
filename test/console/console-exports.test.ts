import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { seedUser, useTestApp } from '../helpers/app.ts';
import { CONSOLE_DIR, noBrowser, screenshot, signIn, useBrowser } from '../helpers/browser.ts';
import { seedExportable } from '../helpers/exports.ts';

// The auditor's downloads in Chromium: a version's model card as PDF from its page, and an
// examination pack from the examinations page.
describe.skipIf(noBrowser !== null)(noBrowser ?? 'downloading generated documents from the console', () => {
  const t = useTestApp('sqlite', { consoleDir: CONSOLE_DIR });
  const b = useBrowser(
    'exports',
    () => t.app,
    async () => {
      await seedExportable(t.app);
      await seedUser(t.app, 'audrey', [{ scope: '*', role: 'risk-audit' }]);
    },
  );

  it('downloads the model card as PDF from the version page', async () => {
    await signIn(b.page, b.base, 'audrey');
    await b.page.goto(`${b.base}/models/pd-card/versions/1?tab=Overview`);
    const section = b.page.getByRole('region', { name: 'Documents for auditors' });
    await section.waitFor();
    const row = section.getByRole('row').filter({ hasText: 'Model card' });
    const [download] = await Promise.all([
      b.page.waitForEvent('download'),
      row.getByRole('link', { name: 'PDF' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe('pd-card-v1-model-card.pdf');
    const file = await download.path();
    expect(readFileSync(file).subarray(0, 5).toString()).toBe('%PDF-');
    await screenshot(b.page, 'exports-01-version-documents');
    expect(b.problems).toEqual([]);
  });

  it('builds and downloads an examination pack', async () => {
    await b.page.goto(`${b.base}/examinations`);
    await b.page.getByRole('heading', { name: 'Examinations' }).waitFor();
    const [download] = await Promise.all([
      b.page.waitForEvent('download'),
      b.page.getByRole('button', { name: 'Build and download' }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^examination-organisation-\d{4}-\d\d-\d\d\.zip$/);
    expect(
      readFileSync(await download.path())
        .subarray(0, 2)
        .toString(),
    ).toBe('PK');
    await b.page.getByRole('status').filter({ hasText: 'Downloaded' }).waitFor();
    await b.page.getByRole('cell', { name: 'organisation' }).first().waitFor();
    await screenshot(b.page, 'exports-02-examinations');
    expect(b.problems).toEqual([]);
  });
});
