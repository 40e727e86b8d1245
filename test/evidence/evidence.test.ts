import { createHash } from 'node:crypto';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { beforeAll, describe, expect, it } from 'vitest';
import { call, digest, expectProblem, seedModel, seedUser, useCaseBody, useTestApp } from '../helpers/app.ts';
import { DB_KINDS, skipReason } from '../helpers/db.ts';
import { creditScoring } from '../helpers/policy.ts';

/** 200 rows: group A selected far more often than B, so parity fails the four-fifths rule. */
function dataset(fair: boolean): string {
  const lines = ['y,yhat,p,sex,age'];
  for (let i = 0; i < 200; i++) {
    const sex = i % 2 === 0 ? 'A' : 'B';
    const y = i % 3 === 0 ? 1 : 0;
    const selected = fair ? i % 4 < 2 : sex === 'A' ? i % 4 !== 3 : i % 8 === 1;
    lines.push(`${y},${selected ? 1 : 0},${selected ? 0.8 : 0.2},${sex},${i % 5 === 0 ? 'old' : 'young'}`);
  }
  return `${lines.join('\n')}\n`;
}

/** The same rows as `dataset`, as a Parquet file with typed columns (INT64 labels, DOUBLE scores). */
function parquetDataset(fair: boolean, drop?: string): Buffer {
  const rows = dataset(fair)
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.split(','));
  const columns = [
    { name: 'y', data: rows.map((r) => BigInt(r[0]!)), type: 'INT64' as const },
    { name: 'yhat', data: rows.map((r) => Number(r[1])), type: 'INT32' as const },
    { name: 'p', data: rows.map((r) => Number(r[2])), type: 'DOUBLE' as const },
    { name: 'sex', data: rows.map((r) => r[3]!), type: 'STRING' as const },
    { name: 'age', data: rows.map((r) => r[4]!), type: 'STRING' as const },
  ].filter((c) => c.name !== drop);
  return Buffer.from(parquetWriteBuffer({ columnData: columns }));
}

describe.each(DB_KINDS)('evaluations as evidence on %s', (kind) => {
  describe.skipIf(skipReason(kind) !== null)(skipReason(kind) ?? 'api', () => {
    const t = useTestApp(kind, { teams: ['lending', 'other'], evaluationLimit: 64 * 1024 });
    const url =
      '/api/v1/models/scorer/versions/1/evaluations?task=binary-classification&label=y&prediction=yhat&score=p&sensitive=sex,age&privileged=sex:A';
    const upload = (body: string | Buffer, opts: { url?: string; type?: string; token?: string } = {}) =>
      t.app.inject({
        method: 'POST',
        url: opts.url ?? url,
        headers: { 'content-type': opts.type ?? 'text/csv', authorization: `Bearer ${opts.token ?? t.adminToken}` },
        payload: body,
      });
    let outsider: string;

    beforeAll(async () => {
      const uc = (
        await call(t.app, {
          method: 'POST',
          url: '/api/v1/use-cases',
          body: useCaseBody('lending-uc', { ownerTeam: 'lending' }),
        })
      ).body.id;
      await seedModel(t.app, 'scorer', uc);
      await call(t.app, {
        method: 'POST',
        url: '/api/v1/models/scorer/versions',
        body: { artifactUri: 's3://s/1', artifactDigest: digest('s1') },
      });
      await call(t.app, { method: 'PUT', url: `/api/v1/use-cases/${uc}/assessment`, body: { answers: creditScoring } });
      outsider = await seedUser(t.app, 'outsider', [{ scope: 'other', role: 'data-scientist' }]);
    });

    it('evaluates uploaded data and stores hashed evidence bound to the artefact and the data', async () => {
      const res = await upload(dataset(false));
      expect(res.statusCode).toBe(201);
      const e = JSON.parse(res.body);
      expect(e).toMatchObject({
        kind: 'evaluation',
        artifactDigest: digest('s1'),
        dataDigest: expect.stringMatching(/^sha256:/),
        contentHash: expect.stringMatching(/^sha256:[0-9a-f]{64}$/),
        engine: expect.stringMatching(/^steward-evaluation\//),
      });
      expect(e.result.rows).toBe(200);
      expect(Object.keys(e.result.fairness).sort()).toEqual(['age', 'sex', 'sex x age']);
      expect(e.result.fairness.sex.aif360.four_fifths_rule_pass).toBe(false);
      expect(e.metrics['demographic-parity-ratio']).toBeLessThan(0.8);
      expect(e.metrics).toHaveProperty('roc-auc');
      // Subpopulation analysis: slices ranked by accuracy, worst first, each with at least 30 rows.
      expect(e.result.slices).toMatchObject({ metric: 'accuracy', minRows: 30 });
      const values = e.result.slices.worst.map((x: { value: number }) => x.value);
      expect(values).toEqual([...values].sort((a: number, b: number) => a - b));
      expect(e.result.slices.worst.every((x: { rows: number }) => x.rows >= 30)).toBe(true);
      const list = await call(t.app, { method: 'GET', url: '/api/v1/models/scorer/versions/1/evaluations' });
      expect(list.body.items.map((x: { id: string }) => x.id)).toEqual([e.id]);
      expect(
        (await call(t.app, { method: 'GET', url: `/api/v1/models/scorer/versions/1/evaluations/${e.id}` })).body
          .contentHash,
      ).toBe(e.contentHash);
      const audit = (await call(t.app, { method: 'GET', url: '/api/v1/audit/events?action=evidence.create' })).body
        .items;
      expect(audit).toHaveLength(1);
    });

    it('moves requirement statuses: a failing parity check fails, and a pass on other data does not hide it', async () => {
      const before = (await call(t.app, { method: 'GET', url: '/api/v1/models/scorer/versions/1/requirements' })).body
        .requirements;
      const failed = before.find((r: { measure: string }) => r.measure === 'bias-subgroup-parity');
      expect(failed.status).toBe('failed');
      expect(failed.failures[0]).toMatchObject({ comparator: '>=', threshold: 0.8 });
      expect(failed.failures[0].observed).toBeLessThan(0.8);
      expect((await upload(dataset(true))).statusCode).toBe(201);
      const after = (await call(t.app, { method: 'GET', url: '/api/v1/models/scorer/versions/1/requirements' })).body
        .requirements;
      // The latest result on each dataset decides: the failing one stands beside the new pass.
      const parity = after.find((r: { measure: string }) => r.measure === 'bias-subgroup-parity');
      expect(parity.status).toBe('failed');
      expect(parity.considered.map((c: { holds: boolean; decides: boolean }) => [c.holds, c.decides])).toEqual([
        [false, true],
        [true, true],
      ]);
      expect(after.find((r: { measure: string }) => r.measure === 'doc-model-card').status).toBe('missing');
      // No missing cells in the data: the automated anomaly check is met too.
      expect(after.find((r: { measure: string }) => r.measure === 'data-anomaly-checks').status).toBe('satisfied');
      const e = (
        await call(t.app, { method: 'GET', url: '/api/v1/models/scorer/versions/1/evaluations' })
      ).body.items.at(-1);
      expect(e.result.dataQuality).toMatchObject({ rows: 200, missingRate: 0 });
    });

    it('reads Parquet with the same results as CSV, digesting the file as uploaded', async () => {
      const file = parquetDataset(false);
      const res = await upload(file, { type: 'application/vnd.apache.parquet' });
      expect(res.statusCode, res.body).toBe(201);
      const e = JSON.parse(res.body);
      expect(e.dataDigest).toBe(`sha256:${createHash('sha256').update(file).digest('hex')}`);
      const csv = JSON.parse((await upload(dataset(false))).body);
      expect(e.result.rows).toBe(200);
      expect(e.metrics).toEqual(csv.metrics);
      expect(e.result.fairness).toEqual(csv.result.fairness);
      const bad = async (body: Buffer, message: RegExp) => {
        const r = await upload(body, { type: 'application/vnd.apache.parquet' });
        expect(r.statusCode).toBe(400);
        expect(JSON.parse(r.body).detail).toMatch(message);
      };
      await bad(Buffer.from('y,yhat\n1,0\n'), /Parquet file is unreadable/);
      await bad(file.subarray(0, file.length - 9), /Parquet file is unreadable/);
      await bad(parquetDataset(false, 'age'), /no column 'age'/);
    });

    it('reads JSON Lines, regression, weights and a mapping for missing sensitive values', async () => {
      const jsonl = Array.from({ length: 50 }, (_, i) =>
        JSON.stringify({ y: i, yhat: i + (i % 3) - 1, w: 1 + (i % 2), g: i % 7 === 0 ? null : i % 2 ? 'x' : 'y' }),
      ).join('\n');
      const res = await upload(jsonl, {
        url: '/api/v1/models/scorer/versions/1/evaluations?task=regression&label=y&prediction=yhat&weight=w&sensitive=g&missingSensitiveAs=unknown',
        type: 'application/x-ndjson',
      });
      expect(res.statusCode).toBe(201);
      const e = JSON.parse(res.body);
      expect(Object.keys(e.metrics).sort()).toEqual(['duplicate-rows', 'mae', 'missing-rate', 'mse', 'r2', 'rmse']);
      expect(e.result.fairness.g.groups.map((g: { group: string }) => g.group)).toEqual(['unknown', 'x', 'y']);
    });

    it('evaluates multiclass predictions and reports NYC LL144 impact ratios for binary ones', async () => {
      const csv = [
        'y,yhat,g',
        ...Array.from(
          { length: 30 },
          (_, i) => `${['a', 'b', 'c'][i % 3]},${['a', 'b', 'c'][(i * 7) % 3]},${i % 2 ? 'x' : 'y'}`,
        ),
      ].join('\n');
      const res = await upload(csv, {
        url: '/api/v1/models/scorer/versions/1/evaluations?task=multiclass-classification&label=y&prediction=yhat&sensitive=g',
      });
      expect(res.statusCode).toBe(201);
      const e = JSON.parse(res.body);
      expect(e.result.performance.labels).toEqual(['a', 'b', 'c']);
      expect(e.metrics).toHaveProperty('macro-f1');
      const binary = JSON.parse((await upload(dataset(false))).body);
      expect(binary.result.fairness.sex.nycLl144.selection.rows.map((r: { category: string }) => r.category)).toEqual([
        'A',
        'B',
      ]);
      expect(binary.result.fairness.sex.nycLl144.scoring.kind).toBe('scoring');
    });

    it('computes multiclass log loss and ROC AUC from class probability columns', async () => {
      const lines = ['y,yhat,pa,pb,pc'];
      for (let i = 0; i < 60; i++) {
        const raw = [
          ((i * 7) % 10) + 1 + (i % 3 === 0 ? 5 : 0),
          ((i * 3) % 10) + 1 + (i % 3 === 1 ? 5 : 0),
          ((i * 11) % 10) + 1 + (i % 3 === 2 ? 5 : 0),
        ];
        const sum = raw[0]! + raw[1]! + raw[2]!;
        lines.push(`${'abc'[i % 3]},${'abc'[raw.indexOf(Math.max(...raw))]},${raw.map((r) => r / sum).join(',')}`);
      }
      const res = await upload(`${lines.join('\n')}\n`, {
        url: '/api/v1/models/scorer/versions/1/evaluations?task=multiclass-classification&label=y&prediction=yhat&classScores=a:pa,b:pb,c:pc',
      });
      expect(res.statusCode, res.body).toBe(201);
      const e = JSON.parse(res.body);
      // scikit-learn 1.2: log_loss and roc_auc_score(multi_class='ovr'|'ovo') on the same rows.
      expect(e.metrics['log-loss']).toBeCloseTo(0.7129755319594266, 10);
      expect(e.metrics['roc-auc']).toBeCloseTo(0.94, 10);
      expect(e.result.performance.rocAuc.ovoMacro).toBeCloseTo(0.94, 10);
      const bad = await upload(`${lines.join('\n')}\n`, {
        url: '/api/v1/models/scorer/versions/1/evaluations?task=multiclass-classification&label=y&prediction=yhat&classScores=a:pa,a:pb',
      });
      expect(JSON.parse(bad.body).detail).toMatch(/each key once/);
    });

    it("exposes scikit-learn's zero_division: a group without positives has TPR 0, 1 or NaN as asked", async () => {
      const csv = `y,yhat,p,sex,age\n${Array.from({ length: 40 }, (_, i) => `${i % 2 === 0 && i % 4 !== 0 ? 1 : 0},${i % 3 === 0 ? 1 : 0},0.5,${i % 2 === 0 ? 'A' : 'B'},x`).join('\n')}\n`;
      const tprOfB = async (zd?: string) => {
        const res = await upload(csv, {
          url: `/api/v1/models/scorer/versions/1/evaluations?task=binary-classification&label=y&prediction=yhat&sensitive=sex${zd ? `&zeroDivision=${zd}` : ''}`,
        });
        expect(res.statusCode, res.body).toBe(201);
        return JSON.parse(res.body).result.fairness.sex.metricFrame.tpr.byGroup.find(
          (g: { group: string }) => g.group === 'B',
        ).value;
      };
      expect(await tprOfB()).toBe(0);
      expect(await tprOfB('1')).toBe(1);
      expect(await tprOfB('nan')).toBe('NaN');
      expect(
        (
          await upload(csv, {
            url: '/api/v1/models/scorer/versions/1/evaluations?task=binary-classification&label=y&prediction=yhat&zeroDivision=2',
          })
        ).statusCode,
      ).toBe(400);
    });

    it('counts values outside expected column ranges', async () => {
      const res = await upload(dataset(false), { url: `${url}&ranges=p:0:0.5,y:0:1` });
      expect(res.statusCode, res.body).toBe(201);
      const cols = JSON.parse(res.body).result.dataQuality.columns;
      const selected = dataset(false)
        .trim()
        .split('\n')
        .slice(1)
        .filter((l) => l.split(',')[2] === '0.8');
      const firstRow =
        dataset(false)
          .trim()
          .split('\n')
          .slice(1)
          .findIndex((l) => l.split(',')[2] === '0.8') + 1;
      expect(cols.find((c: { column: string }) => c.column === 'p').range).toMatchObject({
        min: 0,
        max: 0.5,
        outside: selected.length,
        sampleRows: expect.arrayContaining([firstRow]),
      });
      expect(cols.find((c: { column: string }) => c.column === 'y').range).toMatchObject({
        outside: 0,
        sampleRows: [],
      });
      expect(cols.find((c: { column: string }) => c.column === 'sex').range).toBeUndefined();
      for (const [ranges, detail] of [
        ['p:1:0', /min <= max/],
        ['p:0:x', /column:min:max/],
        ['p:0:1,p:0:2', /once per column/],
        ['nope:0:1', /'nope', which the data does not have/],
      ] as const) {
        const bad = await upload(dataset(false), { url: `${url}&ranges=${ranges}` });
        expect(bad.statusCode).toBe(400);
        expect(JSON.parse(bad.body).detail).toMatch(detail);
      }
    });

    it('refuses bad data naming the row and column, and writes nothing', async () => {
      const count = async () =>
        (await call(t.app, { method: 'GET', url: '/api/v1/models/scorer/versions/1/evaluations' })).body.items.length;
      const before = await count();
      const cases: [string, string | undefined, number, RegExp][] = [
        [
          'y,yhat,p,sex,age\n1,0,0.3,A,old\n0,1,1.7,B,young\n',
          undefined,
          400,
          /row 2, column 'p': '1\.7' is not a probability/,
        ],
        ['y,yhat,p,sex,age\n1,0,0.3,,old\n', undefined, 400, /row 1, column 'sex': sensitive value is missing/],
        ['y,yhat,p,sex\n1,0,0.3,A\n', undefined, 400, /no column 'age'/],
        ['y,yhat,p,sex,age\n', undefined, 400, /no rows/],
        ['y,yhat,p,sex,age\n1,0,0.3,A\n', undefined, 400, /CSV is malformed/],
        [
          '{"y":1,"yhat":0,"p":0.2,"sex":"A","age":"old"}\nnot json\n',
          'application/x-ndjson',
          400,
          /line 2 is not JSON/,
        ],
        ['a,b\n1,2\n', 'text/plain', 415, /this route takes .*text\/csv/],
        // A third label beside the positive one and one other is refused, not read as negative.
        [
          'y,yhat,p,sex,age\n1,0,0.3,A,old\n0,1,0.7,B,young\n1.0,0,0.2,A,old\n',
          undefined,
          400,
          /row 3, column 'y': '1\.0' is a third class: binary classification takes the positive label '1' and one other \('0' seen first\)/,
        ],
        [
          '{"y":true,"yhat":1,"p":0.2,"sex":"A","age":"old"}\n{"y":false,"yhat":0,"p":0.2,"sex":"A","age":"old"}\n',
          'application/x-ndjson',
          400,
          /row 2, column 'y': 'false' is a third class/,
        ],
      ];
      for (const [body, type, status, message] of cases) {
        const res = await upload(body, { type });
        expect(res.statusCode, body).toBe(status);
        expect(JSON.parse(res.body).detail, body).toMatch(message);
      }
      expect(
        (
          await upload('x', {
            url: '/api/v1/models/scorer/versions/1/evaluations?task=multiclass&label=y&prediction=yhat',
          })
        ).statusCode,
      ).toBe(400);
      expect(
        (
          await upload('x', {
            url: '/api/v1/models/scorer/versions/1/evaluations?task=regression&label=y&prediction=yhat&score=p',
          })
        ).statusCode,
      ).toBe(400);
      expect((await upload('x', { url: `${url.replace('sex:A', 'colour:red')}` })).statusCode).toBe(400);
      for (const [query, message] of [
        [
          'task=binary-classification&label=y&prediction=yhat&sensitive=sex,sex',
          /sensitive column 'sex' is named more than once/,
        ],
        [
          'task=binary-classification&label=y&prediction=yhat&sliceMetric=mae',
          /'mae' is not a binary-classification metric/,
        ],
        [
          'task=multiclass-classification&label=y&prediction=yhat&sensitive=sex&privileged=sex:A',
          /privileged groups .* apply to binary classification only/,
        ],
      ] as const) {
        const res = await upload(dataset(true), { url: `/api/v1/models/scorer/versions/1/evaluations?${query}` });
        expect(res.statusCode, res.body).toBe(400);
        expect(JSON.parse(res.body).detail).toMatch(message);
      }
      expect((await upload(dataset(true), { url: url.replace('/versions/1/', '/versions/9/') })).statusCode).toBe(404);
      expect((await upload(dataset(true), { token: outsider })).statusCode).toBe(403);
      // Past STEWARD_EVALUATION_LIMIT (64 KiB here), in each format.
      const rows = dataset(false).split('\n').slice(1).join('\n');
      const big = `y,yhat,p,sex,age\n${rows.repeat(40)}`;
      const jsonl = dataset(false)
        .trim()
        .split('\n')
        .slice(1)
        .map((l) => {
          const [y, yhat, p, sex, age] = l.split(',');
          return JSON.stringify({ y, yhat, p: Number(p), sex, age });
        })
        .join('\n');
      for (const res of [
        await upload(big),
        await upload(`${jsonl}\n`.repeat(12), { type: 'application/x-ndjson' }),
        await upload(Buffer.concat([parquetDataset(false), Buffer.alloc(70 * 1024)]), {
          type: 'application/vnd.apache.parquet',
        }),
      ]) {
        expect(res.statusCode, res.body).toBe(413);
        expect(JSON.parse(res.body).code).toBe('payload_too_large');
      }
      expectProblem(
        await call(t.app, {
          method: 'GET',
          url: '/api/v1/models/scorer/versions/1/evaluations/00000000-0000-4000-8000-000000000000',
        }),
        404,
        'not_found',
      );
      // Documents: content or a URI, a policy-style kind, an existing version, the owning team; nothing written otherwise.
      const evidenceCount = async () =>
        (await call(t.app, { method: 'GET', url: '/api/v1/models/scorer/versions/1/evidence' })).body.items.length;
      const all = await evidenceCount();
      const docs = '/api/v1/models/scorer/versions/1/documents';
      expectProblem(
        await call(t.app, { method: 'POST', url: docs, body: { kind: 'model-card', title: 'no content' } }),
        400,
        'validation_failed',
      );
      expectProblem(
        await call(t.app, { method: 'POST', url: docs, body: { kind: 'Model Card', title: 't', content: 'x' } }),
        400,
        'validation_failed',
      );
      expectProblem(await call(t.app, { method: 'POST', url: docs, body: '{"kind":' }), 400, 'malformed_json');
      expectProblem(
        await call(t.app, {
          method: 'POST',
          url: docs.replace('/versions/1/', '/versions/9/'),
          body: { kind: 'model-card', title: 't', content: 'x' },
        }),
        404,
        'not_found',
      );
      expectProblem(
        await call(t.app, {
          method: 'POST',
          url: docs,
          token: outsider,
          body: { kind: 'model-card', title: 't', content: 'x' },
        }),
        403,
        'forbidden',
      );
      expect(await evidenceCount()).toBe(all);
      const made = await call(t.app, {
        method: 'POST',
        url: docs,
        body: { kind: 'model-card', title: 'Model card', content: '# card' },
      });
      expect(made.status).toBe(201);
      expect(
        (await call(t.app, { method: 'GET', url: '/api/v1/audit/events?action=evidence.create' })).body.items.at(-1)
          .after,
      ).toMatchObject({ id: made.body.id, kind: 'document' });
      expect(await count()).toBe(before);
    });
  });
});
