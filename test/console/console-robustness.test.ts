import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { call, seedModel, seedUser, useCaseBody, useTestApp } from '../helpers/app.ts';
import { CONSOLE_DIR, noBrowser, screenshot, seriousViolations, signIn, useBrowser } from '../helpers/browser.ts';
import { DB_KINDS, skipReason } from '../helpers/db.ts';
import { multipart } from '../helpers/multipart.ts';
import { linearOnnxModel } from '../helpers/onnx-model.ts';

const MODEL = Buffer.from(linearOnnxModel({ weights: [1.2, -0.8], bias: 0.1, kind: 'logistic' }));
const csv = `income,debt,y,sex\n${Array.from({ length: 300 }, (_, i) => {
  const income = ((i * 37) % 100) / 25 - 2;
  const debt = ((i * 53) % 100) / 25 - 2;
  return `${income},${debt},${1.2 * income - 0.8 * debt + 0.1 > 0 !== (i % 9 === 0) ? 1 : 0},${i % 3 ? 'F' : 'M'}`;
}).join('\n')}\n`;

// A robustness run recorded through the API, then read on the version's evidence page.
describe.each(DB_KINDS)('the degradation curve of a robustness run in the console, on %s', (kind) => {
  describe.skipIf(skipReason(kind) !== null || noBrowser !== null)(skipReason(kind) ?? noBrowser ?? 'browser', () => {
    const t = useTestApp(kind, { teams: ['lending'], consoleDir: CONSOLE_DIR });
    const b = useBrowser(
      kind,
      () => t.app,
      async () => {
        await seedUser(t.app, 'dana', [{ scope: 'lending', role: 'data-scientist' }]);
        const uc = (
          await call(t.app, {
            method: 'POST',
            url: '/api/v1/use-cases',
            body: useCaseBody('robust-uc', { ownerTeam: 'lending' }),
          })
        ).body.id;
        await seedModel(t.app, 'robust', uc);
        const v = await call(t.app, {
          method: 'POST',
          url: '/api/v1/models/robust/versions',
          body: {
            artifactUri: 's3://m/robust/1',
            artifactDigest: `sha256:${createHash('sha256').update(MODEL).digest('hex')}`,
          },
        });
        expect(v.status, v.text).toBe(201);
        const body = multipart([
          { name: 'model', filename: 'model.onnx', content: MODEL },
          { name: 'data', filename: 'holdout.csv', type: 'text/csv', content: csv },
        ]);
        const run = await t.app.inject({
          method: 'POST',
          url: '/api/v1/models/robust/versions/1/robustness?task=binary-classification&label=y&sensitive=sex&features=income,debt&noise=0.1,0.5,1&missingRates=0.1',
          headers: { authorization: `Bearer ${t.adminToken}`, 'content-type': body.type },
          payload: body.payload,
        });
        expect(run.statusCode, run.body).toBe(201);
      },
    );

    it('shows each metric against the noise level, overall and per group, and the degradation table', async () => {
      await signIn(b.page, b.base, 'dana');
      await b.page.goto(`${b.base}/models/robust/versions/1?tab=Evidence`);
      // The latest computed evidence is open: the run's curve, one line per group, and its table.
      const curve = b.page.getByRole('img', { name: 'auc under Gaussian noise, overall and per group' });
      await curve.waitFor();
      expect(await curve.locator('g.series').count()).toBe(3);
      const table = b.page.getByRole('table', { name: /Degradation/ });
      expect(await table.getByRole('row').count()).toBe(5);
      expect(await table.getByRole('rowheader', { name: '1sd', exact: true }).count()).toBe(1);
      expect(await b.page.getByText(/Missing values: .*does not accept missing values/).count()).toBe(1);
      expect(await seriousViolations(b.page)).toEqual([]);
      await screenshot(b.page, `${kind}-robustness-curve`);
    });
  });
});
