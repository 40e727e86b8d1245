import { beforeAll, describe, expect, it } from 'vitest';
import { call, digest, expectProblem, seedModel, seedUseCase, seedUser, useTestApp } from '../helpers/app.ts';
import { DB_KINDS, skipReason } from '../helpers/db.ts';

const PRODUCER = 'https://github.com/OpenLineage/OpenLineage/tree/1.30.0/integration/spark';
const facet = (name: string, body: Record<string, unknown>) => ({
  _producer: PRODUCER,
  _schemaURL: `https://openlineage.io/spec/facets/1-0-0/${name}.json#/$defs/${name}`,
  ...body,
});

const dataset = (name: string) => ({
  name,
  ownerTeam: 'data-platform',
  legalRegion: 'EU',
  provenance: { method: 'exported nightly', source: 'core-banking', lawfulBasis: 'contract' },
  columns: [{ name: 'income', type: 'float' }],
});

const ARTEFACT = digest('pd-model-artefact');

/** A completed Spark run reading applications and writing features and the model artefact. */
function runEvent(overrides: Record<string, unknown> = {}) {
  return {
    eventType: 'COMPLETE',
    eventTime: '2026-11-30T10:15:00.000Z',
    producer: PRODUCER,
    schemaURL: 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent',
    run: { runId: '0192f0a4-6c53-7b1e-9c1d-2f4d1c7e8a10' },
    job: { namespace: 'spark://feature-jobs', name: 'build_pd_features' },
    inputs: [
      {
        namespace: 'postgres://loans-db:5432',
        name: 'applications',
        facets: { schema: facet('SchemaDatasetFacet', { fields: [{ name: 'income', type: 'double' }] }) },
      },
    ],
    outputs: [
      {
        namespace: 's3://lake',
        name: 'features/pd/2026-11-30',
        facets: {
          steward: facet('StewardDatasetFacet', { dataset: 'pd-features' }),
          schema: facet('SchemaDatasetFacet', {
            fields: [
              { name: 'income_band', type: 'string' },
              { name: 'row_id', type: 'long' },
            ],
          }),
          columnLineage: facet('ColumnLineageDatasetFacet', {
            fields: {
              income_band: {
                inputFields: [{ namespace: 'postgres://loans-db:5432', name: 'applications', field: 'income' }],
              },
            },
          }),
        },
        outputFacets: { outputStatistics: facet('OutputStatisticsOutputDatasetFacet', { rowCount: 1200 }) },
      },
      {
        namespace: 's3://models',
        name: 'pd/model.onnx',
        facets: { version: facet('DatasetVersionDatasetFacet', { datasetVersion: ARTEFACT }) },
      },
    ],
    ...overrides,
  };
}

describe.each(DB_KINDS)('OpenLineage ingest on %s', (kind) => {
  describe.skipIf(skipReason(kind) !== null)(skipReason(kind) ?? 'api', () => {
    const t = useTestApp(kind);
    let outsider: string;
    const ingest = (body: unknown, token?: string) =>
      call(t.app, { method: 'POST', url: '/api/v1/lineage', body, ...(token ? { token } : {}) });

    beforeAll(async () => {
      for (const name of ['applications', 'pd-features'])
        expect((await call(t.app, { method: 'POST', url: '/api/v1/datasets', body: dataset(name) })).status).toBe(201);
      await seedModel(t.app, 'pd', await seedUseCase(t.app, 'credit'));
      const v = await call(t.app, {
        method: 'POST',
        url: '/api/v1/models/pd/versions',
        body: { artifactUri: 's3://models/pd/model.onnx', artifactDigest: ARTEFACT },
      });
      expect(v.status, v.text).toBe(201);
      outsider = await seedUser(t.app, 'otto', [{ scope: 'growth', role: 'data-scientist' }]);
    });

    it('refuses a run writing another team’s dataset, writing nothing', async () => {
      expectProblem(await ingest(runEvent(), outsider), 403, 'forbidden');
      expect(
        (await call(t.app, { method: 'GET', url: '/api/v1/datasets/applications' })).body.latestVersion,
      ).toBeNull();
    });

    it('records a completed run’s datasets as versions with column lineage, and links the model it produced', async () => {
      const res = await ingest(runEvent());
      expect(res.status, res.text).toBe(201);
      expect(res.body).toMatchObject({
        runId: '0192f0a4-6c53-7b1e-9c1d-2f4d1c7e8a10',
        duplicate: false,
        modelVersion: { model: 'pd', version: 1 },
      });
      expect(res.body.datasetVersions).toEqual([
        {
          role: 'input',
          dataset: 'applications',
          version: 1,
          digest: expect.stringMatching(/^sha256:/),
          created: true,
        },
        {
          role: 'output',
          dataset: 'pd-features',
          version: 1,
          digest: expect.stringMatching(/^sha256:/),
          created: true,
        },
      ]);
      // The model artefact is not a dataset of the inventory: named as such, not invented.
      expect(res.body.unmapped).toEqual([
        { namespace: 's3://models', name: 'pd/model.onnx', reason: expect.stringContaining('not in the inventory') },
      ]);
      const features = (await call(t.app, { method: 'GET', url: '/api/v1/datasets/pd-features/versions/1' })).body;
      expect(features).toMatchObject({
        rowCount: 1200,
        schema: [
          { name: 'income_band', type: 'string' },
          { name: 'row_id', type: 'long' },
        ],
        derivedFrom: [{ dataset: 'applications', version: 1, columns: [{ column: 'income_band', from: ['income'] }] }],
      });
      expect(features.description).toContain('build_pd_features');
      const runs = (await call(t.app, { method: 'GET', url: '/api/v1/models/pd/versions/1/lineage' })).body.items;
      expect(runs).toHaveLength(1);
      expect(runs[0].job).toEqual({ namespace: 'spark://feature-jobs', name: 'build_pd_features' });
      const audit = (await call(t.app, { method: 'GET', url: '/api/v1/audit/events?action=lineage.ingest' })).body
        .items;
      expect(audit.map((e: { subject: { id: string } }) => e.subject.id)).toEqual([
        '0192f0a4-6c53-7b1e-9c1d-2f4d1c7e8a10',
      ]);
    });

    it('answers a re-sent event as before and records nothing new', async () => {
      const again = await ingest(runEvent());
      expect(again.status).toBe(200);
      expect(again.body.duplicate).toBe(true);
      expect(again.body.datasetVersions.map((v: { version: number }) => v.version)).toEqual([1, 1]);
      expect((await call(t.app, { method: 'GET', url: '/api/v1/datasets/pd-features' })).body.latestVersion).toBe(1);
    });

    it('reuses the latest input version and keeps a started run as history only', async () => {
      const started = await ingest(
        runEvent({
          eventType: 'START',
          eventTime: '2026-12-01T09:00:00Z',
          run: { runId: '0192f0a4-0000-7000-8000-000000000001' },
        }),
      );
      expect(started.status).toBe(201);
      expect(started.body).toMatchObject({ datasetVersions: [], unmapped: [], modelVersion: null });
      const next = await ingest(
        runEvent({ eventTime: '2026-12-01T10:00:00Z', run: { runId: '0192f0a4-0000-7000-8000-000000000001' } }),
      );
      expect(next.body.datasetVersions).toEqual([
        expect.objectContaining({ role: 'input', dataset: 'applications', version: 1, created: false }),
        expect.objectContaining({ role: 'output', dataset: 'pd-features', version: 2, created: true }),
      ]);
    });

    it('refuses events that do not follow the specification, with pointers into the event', async () => {
      const { eventTime: _, ...noTime } = runEvent();
      const cases: [unknown, string, RegExp][] = [
        [noTime, '/body', /must have eventTime/],
        [
          runEvent({ eventType: 'DONE' }),
          '/body/eventType',
          /must be one of START, RUNNING, COMPLETE, ABORT, FAIL, OTHER/,
        ],
        [runEvent({ run: { runId: 'not-a-uuid' } }), '/body/run/runId', /uuid/],
        [
          runEvent({
            outputs: [
              {
                namespace: 's3://lake',
                name: 'x',
                facets: { columnLineage: facet('ColumnLineageDatasetFacet', { fields: { a: {} } }) },
              },
            ],
          }),
          '/body/outputs/0/facets/columnLineage/fields/a',
          /must have inputFields/,
        ],
        [
          runEvent({
            run: { runId: '0192f0a4-0000-7000-8000-000000000002', facets: { steward: facet('S', { model: 'pd' }) } },
          }),
          '/body/run/facets/steward',
          /must name the model version/,
        ],
      ];
      for (const [body, pointer, message] of cases) {
        const res = await ingest(body);
        expectProblem(res, 400, 'validation_failed');
        const field = res.body.errors.find((e: { pointer: string }) => e.pointer === pointer);
        expect(field, `${pointer} in ${res.text}`).toBeDefined();
        expect(field.message).toMatch(message);
      }
      const unknownModel = await ingest(
        runEvent({
          run: {
            runId: '0192f0a4-0000-7000-8000-000000000003',
            facets: { steward: facet('S', { model: 'pd', version: 9 }) },
          },
        }),
      );
      expectProblem(unknownModel, 422, 'invalid_reference');
      // Nothing of the refused event was kept: pd-features still has the versions of the two runs.
      expect((await call(t.app, { method: 'GET', url: '/api/v1/datasets/pd-features' })).body.latestVersion).toBe(2);
    });
  });
});
