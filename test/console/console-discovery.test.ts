import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { call, seedUser, useCaseBody, useTestApp } from '../helpers/app.ts';
import { CONSOLE_DIR, noBrowser, screenshot, seriousViolations, signIn, useBrowser } from '../helpers/browser.ts';
import { DB_KINDS, skipReason } from '../helpers/db.ts';

// A governance officer scans an artefact directory from the console, adopts one model file into a
// use case and dismisses the other with a reason.
describe.each(DB_KINDS)('the discovery inbox in the console, on %s', (kind) => {
  describe.skipIf(skipReason(kind) !== null || noBrowser !== null)(skipReason(kind) ?? noBrowser ?? 'browser', () => {
    const root = mkdtempSync(join(tmpdir(), 'steward-discovery-console-'));
    writeFileSync(join(root, 'churn.onnx'), 'an onnx model');
    writeFileSync(join(root, 'tutorial.pkl'), 'a pickled toy');
    const t = useTestApp(kind, { teams: ['lending'], consoleDir: CONSOLE_DIR, discovery: { artifactRoots: [root] } });
    const b = useBrowser(
      kind,
      () => t.app,
      async () => {
        await seedUser(t.app, 'olga', [{ scope: '*', role: 'admin' }]);
        const uc = await call(t.app, {
          method: 'POST',
          url: '/api/v1/use-cases',
          body: useCaseBody('retention', { ownerTeam: 'lending' }),
        });
        expect(uc.status, uc.text).toBe(201);
      },
    );

    it('scans, adopts into a use case and dismisses with a reason', async () => {
      const { page } = b;
      await signIn(page, b.base, 'olga');
      await page.getByRole('link', { name: 'Discovery' }).click();
      await page.getByRole('heading', { name: 'Discovery' }).waitFor();
      await page.getByText('No findings.').waitFor();
      await page.getByRole('button', { name: 'Scan now' }).click();
      await page.getByRole('button', { name: 'Adopt churn.onnx' }).waitFor();
      expect(await page.getByLabel('Counts').textContent()).toBe('2 open · 0 adopted · 0 dismissed');
      expect(await seriousViolations(page)).toEqual([]);

      await page.getByRole('button', { name: 'Adopt churn.onnx' }).click();
      const adopt = page.getByRole('dialog', { name: 'Adopt churn.onnx' });
      await adopt.getByLabel('Use case').selectOption({ label: 'retention' });
      await adopt.getByLabel('Model name').fill('churn');
      await screenshot(page, `discovery-adopt-${kind}`);
      await adopt.getByRole('button', { name: 'Adopt' }).click();
      await page.getByRole('button', { name: 'Adopt churn.onnx' }).waitFor({ state: 'detached' });

      await page.getByRole('button', { name: 'Dismiss tutorial.pkl' }).click();
      const dismiss = page.getByRole('dialog', { name: 'Dismiss tutorial.pkl' });
      await dismiss.getByLabel('Reason').fill('a toy from a tutorial, never served');
      await dismiss.getByRole('button', { name: 'Dismiss' }).click();
      await page.getByText('No findings.').waitFor();
      expect(await page.getByLabel('Counts').textContent()).toBe('0 open · 1 adopted · 1 dismissed');

      // The dismissed finding shows its reason; the adopted one is a model of the use case.
      await page.getByLabel('Status').selectOption('dismissed');
      await page.getByText('a toy from a tutorial, never served').first().waitFor();
      const model = await call(t.app, { method: 'GET', url: '/api/v1/models/churn' });
      expect(model.body.tags['steward.discovery.source']).toBe('artifact-root');
      expect(b.problems).toEqual([]);
    });
  });
});
