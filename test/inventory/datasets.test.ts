import { beforeAll, describe, expect, it } from 'vitest';
import { call, digest, expectProblem, seedModel, seedUseCase, useTestApp } from '../helpers/app.ts';
import { DB_KINDS, skipReason } from '../helpers/db.ts';

const datasetBody = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  ownerTeam: 'data-platform',
  legalRegion: 'EU',
  provenance: {
    method: 'exported nightly from the loan system',
    source: 'core-banking',
    lawfulBasis: 'contract',
    collectedFrom: '2024-01-01',
  },
  columns: [
    { name: 'customer_id', type: 'string', piiKind: 'direct-identifier' },
    { name: 'age', type: 'int', piiKind: 'quasi-identifier', protected: true },
    { name: 'income', type: 'float' },
  ],
  ...extra,
});

describe.each(DB_KINDS)('datasets and lineage on %s', (kind) => {
  describe.skipIf(skipReason(kind) !== null)(skipReason(kind) ?? 'api', () => {
    const t = useTestApp(kind);
    let rawId: string;

    beforeAll(async () => {
      const res = await call(t.app, { method: 'POST', url: '/api/v1/datasets', body: datasetBody('loans-raw') });
      rawId = res.body.id;
    });

    it('registers a dataset with provenance and column-level PII and protected flags', async () => {
      const read = await call(t.app, { method: 'GET', url: `/api/v1/datasets/${rawId}` });
      expect(read.status).toBe(200);
      expect(read.body).toMatchObject({
        name: 'loans-raw',
        legalRegion: 'EU',
        containsPersonalData: true,
        latestVersion: null,
        provenance: { lawfulBasis: 'contract' },
        columns: [
          { name: 'customer_id', piiKind: 'direct-identifier', protected: false },
          { name: 'age', piiKind: 'quasi-identifier', protected: true },
          { name: 'income', piiKind: 'none', protected: false, description: '' },
        ],
      });
      expect((await call(t.app, { method: 'GET', url: '/api/v1/datasets/loans-raw' })).body.id).toBe(rawId);

      await call(t.app, {
        method: 'POST',
        url: '/api/v1/datasets',
        body: datasetBody('weather', { columns: [{ name: 'temp' }] }),
      });
      const pii = await call(t.app, { method: 'GET', url: '/api/v1/datasets?personalData=true' });
      expect(pii.body.items.map((d: { name: string }) => d.name)).toEqual(['loans-raw']);
      const nonPii = await call(t.app, { method: 'GET', url: '/api/v1/datasets?personalData=false' });
      expect(nonPii.body.items.map((d: { name: string }) => d.name)).toEqual(['weather']);
    });

    it('rejects bad datasets and writes nothing', async () => {
      expectProblem(
        await call(t.app, { method: 'POST', url: '/api/v1/datasets', body: datasetBody('loans-raw') }),
        409,
        'conflict',
      );
      const dupCols = await call(t.app, {
        method: 'POST',
        url: '/api/v1/datasets',
        body: datasetBody('dup-cols', { columns: [{ name: 'a' }, { name: 'a' }] }),
      });
      expectProblem(dupCols, 409, 'conflict');
      expectProblem(await call(t.app, { method: 'GET', url: '/api/v1/datasets/dup-cols' }), 404, 'not_found');
      expectProblem(
        await call(t.app, {
          method: 'POST',
          url: '/api/v1/datasets',
          body: datasetBody('bad-pii', { columns: [{ name: 'a', piiKind: 'secret' }] }),
        }),
        400,
        'validation_failed',
      );
      expectProblem(
        await call(t.app, {
          method: 'POST',
          url: '/api/v1/datasets',
          body: datasetBody('no-prov', { provenance: { method: 'x' } }),
        }),
        400,
        'validation_failed',
      );
      expectProblem(
        await call(t.app, {
          method: 'POST',
          url: '/api/v1/datasets',
          body: datasetBody('bad-basis', { provenance: { method: 'x', source: 'y', lawfulBasis: 'because' } }),
        }),
        400,
        'validation_failed',
      );
      expectProblem(
        await call(t.app, { method: 'GET', url: '/api/v1/datasets/00000000-0000-4000-8000-000000000000' }),
        404,
        'not_found',
      );
    });

    it('numbers dataset versions, records lineage and answers which model versions used them', async () => {
      const raw1 = await call(t.app, {
        method: 'POST',
        url: `/api/v1/datasets/${rawId}/versions`,
        body: {
          digest: digest('raw1'),
          rowCount: 1000,
          schema: [{ name: 'customer_id', type: 'string' }],
          uri: 's3://data/raw/1',
        },
      });
      expect(raw1.status).toBe(201);
      expect(raw1.body).toMatchObject({ dataset: 'loans-raw', version: 1, rowCount: 1000, derivedFrom: [] });
      const raw2 = await call(t.app, {
        method: 'POST',
        url: '/api/v1/datasets/loans-raw/versions',
        body: { digest: digest('raw2'), rowCount: 1200 },
      });
      expect(raw2.body.version).toBe(2);

      await call(t.app, {
        method: 'POST',
        url: '/api/v1/datasets',
        body: datasetBody('loans-features', { columns: [{ name: 'age_band' }] }),
      });
      const feat = await call(t.app, {
        method: 'POST',
        url: '/api/v1/datasets/loans-features/versions',
        body: {
          digest: digest('feat1'),
          rowCount: 990,
          derivedFrom: [{ dataset: 'loans-raw', version: 1, columns: [{ column: 'age_band', from: ['age'] }] }],
        },
      });
      expect(feat.status).toBe(201);
      expect(feat.body.derivedFrom).toEqual([
        { datasetId: rawId, dataset: 'loans-raw', version: 1, columns: [{ column: 'age_band', from: ['age'] }] },
      ]);
      expect((await call(t.app, { method: 'GET', url: '/api/v1/datasets/loans-features/versions/1' })).body).toEqual(
        feat.body,
      );

      const uc = await seedUseCase(t.app, 'lending');
      await seedModel(t.app, 'pd-model', uc);
      const v = await call(t.app, {
        method: 'POST',
        url: '/api/v1/models/pd-model/versions',
        body: {
          artifactUri: 's3://m/1',
          artifactDigest: digest('m1'),
          datasets: [
            { dataset: 'loans-features', version: 1, role: 'training' },
            { dataset: rawId, version: 2, role: 'evaluation' },
          ],
        },
      });
      expect(v.status).toBe(201);
      expect(v.body.datasets).toEqual([
        {
          datasetId: feat.body.datasetId,
          dataset: 'loans-features',
          version: 1,
          role: 'training',
          digest: digest('feat1'),
        },
        { datasetId: rawId, dataset: 'loans-raw', version: 2, role: 'evaluation', digest: digest('raw2') },
      ]);

      const direct = await call(t.app, {
        method: 'GET',
        url: '/api/v1/datasets/loans-raw/versions/1/usage?transitive=false',
      });
      expect(direct.body.items).toEqual([]);
      const transitive = await call(t.app, { method: 'GET', url: '/api/v1/datasets/loans-raw/versions/1/usage' });
      expect(transitive.body.items).toEqual([
        {
          model: 'pd-model',
          version: 1,
          role: 'training',
          viaDataset: { datasetId: feat.body.datasetId, dataset: 'loans-features', version: 1 },
          depth: 1,
        },
      ]);
      const raw2Usage = await call(t.app, { method: 'GET', url: '/api/v1/datasets/loans-raw/versions/2/usage' });
      expect(raw2Usage.body.items).toMatchObject([{ model: 'pd-model', version: 1, role: 'evaluation', depth: 0 }]);

      const versions = await call(t.app, { method: 'GET', url: '/api/v1/datasets/loans-raw/versions?limit=1' });
      expect(versions.body.items.map((x: { version: number }) => x.version)).toEqual([1]);
      const rest = await call(t.app, {
        method: 'GET',
        url: `/api/v1/datasets/loans-raw/versions?limit=1&cursor=${versions.body.nextCursor}`,
      });
      expect(rest.body).toMatchObject({ items: [{ version: 2 }], nextCursor: null });
    });

    it('rejects bad dataset versions without consuming a number', async () => {
      const url = '/api/v1/datasets/weather/versions';
      expectProblem(
        await call(t.app, { method: 'POST', url, body: { digest: 'sha256:xyz', rowCount: 1 } }),
        400,
        'validation_failed',
      );
      expectProblem(
        await call(t.app, { method: 'POST', url, body: { digest: digest('w'), rowCount: -1 } }),
        400,
        'validation_failed',
      );
      expectProblem(
        await call(t.app, { method: 'POST', url, body: { digest: digest('w'), rowCount: 1.5 } }),
        400,
        'validation_failed',
      );
      const ghost = await call(t.app, {
        method: 'POST',
        url,
        body: { digest: digest('w'), rowCount: 1, derivedFrom: [{ dataset: 'loans-raw', version: 99 }] },
      });
      expectProblem(ghost, 422, 'invalid_reference');
      const twice = await call(t.app, {
        method: 'POST',
        url,
        body: {
          digest: digest('w'),
          rowCount: 1,
          derivedFrom: [
            { dataset: 'loans-raw', version: 1 },
            { dataset: rawId, version: 1 },
          ],
        },
      });
      expectProblem(twice, 409, 'conflict');
      expectProblem(
        await call(t.app, {
          method: 'POST',
          url: '/api/v1/datasets/ghost/versions',
          body: { digest: digest('w'), rowCount: 1 },
        }),
        404,
        'not_found',
      );
      const ok = await call(t.app, { method: 'POST', url, body: { digest: digest('w'), rowCount: 1 } });
      expect(ok.body.version).toBe(1);
      expectProblem(await call(t.app, { method: 'GET', url: '/api/v1/datasets/weather/versions/7' }), 404, 'not_found');
      expectProblem(
        await call(t.app, { method: 'GET', url: '/api/v1/datasets/weather/versions/7/usage' }),
        404,
        'not_found',
      );
      expectProblem(
        await call(t.app, { method: 'GET', url: '/api/v1/datasets/ghost/versions/1/usage' }),
        404,
        'not_found',
      );
    });
  });
});
