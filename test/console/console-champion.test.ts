import { describe, expect, it } from 'vitest';
import { call, seedUser, useCaseBody, useTestApp } from '../helpers/app.ts';
import { CONSOLE_DIR, noBrowser, screenshot, seriousViolations, signIn, useBrowser } from '../helpers/browser.ts';
import { DB_KINDS, skipReason } from '../helpers/db.ts';
import { DAY, jsonl, records, sha } from '../helpers/monitoring.ts';
import { adHocAnalysis } from '../helpers/policy.ts';

// A released version and a challenger in shadow that logged the same records: the monitoring page
// shows both versions' metrics on the jointly labelled records, the improvement and the p-values.
describe.each(DB_KINDS)('the champion/challenger comparison in the console, on %s', (kind) => {
  describe.skipIf(skipReason(kind) !== null || noBrowser !== null)(skipReason(kind) ?? noBrowser ?? 'browser', () => {
    const t = useTestApp(kind, { teams: ['lending'], consoleDir: CONSOLE_DIR, monitoring: { pollMs: 100 } });
    const today = Math.floor(Date.now() / DAY) * DAY;
    const b = useBrowser(
      kind,
      () => t.app,
      async () => {
        const dana = await seedUser(t.app, 'dana', [{ scope: 'lending', role: 'data-scientist' }]);
        const uc = await call(t.app, {
          method: 'POST',
          url: '/api/v1/use-cases',
          body: useCaseBody('churn', { ownerTeam: 'lending' }),
        });
        await call(t.app, {
          method: 'PUT',
          url: `/api/v1/use-cases/${uc.body.id}/assessment`,
          body: { answers: adHocAnalysis },
        });
        await call(t.app, {
          method: 'POST',
          url: '/api/v1/models',
          token: dana,
          body: { name: 'churn', useCaseId: uc.body.id },
        });
        for (const n of [1, 2])
          await call(t.app, {
            method: 'POST',
            url: '/api/v1/models/churn/versions',
            token: dana,
            body: { artifactUri: `s3://m/${n}`, artifactDigest: sha(n) },
          });
        const post = (url: string, rows: unknown[]) =>
          t.app.inject({
            method: 'POST',
            url,
            headers: { 'content-type': 'application/x-ndjson', authorization: `Bearer ${dana}` },
            payload: jsonl(rows),
          });
        const day = records('d', today - DAY, 200, 3);
        const truth = (i: number, p: number) => (i % 4 === 0 ? 1 - p : p);
        await post('/api/v1/models/churn/versions/1/predictions', [
          ...records('ref', today - 5 * DAY, 200, 1),
          ...day.map((r, i) => ({ ...r, label: truth(i, r.prediction) })),
        ]);
        await post(
          '/api/v1/models/churn/versions/2/predictions',
          day.map((r, i) => ({ ...r, prediction: i % 20 === 0 ? r.prediction : truth(i, r.prediction) })),
        );
        const put = await call(t.app, {
          method: 'PUT',
          url: '/api/v1/models/churn/versions/1/monitor',
          token: dana,
          body: {
            task: 'binary-classification',
            features: { age: 'numerical', region: 'categorical' },
            reference: { from: new Date(today - 5 * DAY).toISOString(), to: new Date(today - 4 * DAY).toISOString() },
            challenger: { model: 'churn', version: 2 },
          },
        });
        expect(put.status, put.text).toBe(200);
        for (let i = 0; i < 200; i++) {
          const w = (await call(t.app, { method: 'GET', url: '/api/v1/models/churn/versions/1/monitoring' })).body;
          if (w.items.some((x: { comparison: { status: string } | null }) => x.comparison?.status === 'compared'))
            break;
          await new Promise((r) => setTimeout(r, 100));
        }
      },
    );

    it('shows both versions, the improvement and McNemar on the monitoring page', async () => {
      await signIn(b.page, b.base, 'dana');
      await b.page.goto(`${b.base}/models/churn/versions/1?tab=Monitoring`);
      const region = b.page.getByRole('region', { name: 'Champion / challenger' });
      await region.waitFor();
      const table = region.getByRole('table', { name: 'champion and challenger' });
      // Champion right on 3 of 4 records; the challenger on all but every 20th, where both are wrong (b = 0, c = 40).
      const accuracy = table.getByRole('row').filter({ hasText: 'accuracy' });
      await expect.poll(() => accuracy.textContent()).toContain('McNemar exact (b = 0, c = 40)');
      expect(await accuracy.textContent()).toContain('0.7500');
      expect(await accuracy.textContent()).toContain('0.9500');
      expect(await table.getByRole('row').filter({ hasText: 'roc-auc' }).textContent()).toContain('paired bootstrap');
      expect(await region.textContent()).toContain('churn/2');
      await screenshot(b.page, `${kind}-champion-challenger`);
      expect(await seriousViolations(b.page)).toEqual([]);
    });
  });
});
