import { beforeAll, describe, expect, it } from 'vitest';
import { call, expectProblem, seedUser, useTestApp } from '../helpers/app.ts';
import { DB_KINDS, skipReason } from '../helpers/db.ts';
import { cycloneDx16, seedExportable } from '../helpers/exports.ts';

describe.each(DB_KINDS)('CycloneDX ML-BOM of a model version on %s', (kind) => {
  describe.skipIf(skipReason(kind) !== null)(skipReason(kind) ?? 'api', () => {
    const t = useTestApp(kind);
    const url = '/api/v1/models/pd-card/versions/1/exports/bom';
    beforeAll(() => seedExportable(t.app));

    it('validates against the official CycloneDX 1.6 schema and carries model, data, code and environment', async () => {
      const res = await call(t.app, { method: 'GET', url });
      expect(res.status, res.text).toBe(200);
      expect(res.headers['content-type']).toMatch(/^application\/vnd\.cyclonedx\+json/);
      const validate = cycloneDx16();
      const valid = validate(res.body);
      expect(validate.errors ?? [], JSON.stringify(validate.errors?.slice(0, 5))).toEqual([]);
      expect(valid).toBe(true);
      // The validator does check: a hash algorithm the specification does not know is refused.
      const wrong = structuredClone(res.body);
      wrong.metadata.component.hashes[0].alg = 'SHA-999';
      expect(validate(wrong)).toBe(false);
      const bom = res.body;
      expect(bom).toMatchObject({ bomFormat: 'CycloneDX', specVersion: '1.6' });
      const model = bom.metadata.component;
      expect(model).toMatchObject({
        type: 'machine-learning-model',
        name: 'pd-card',
        version: '1',
        hashes: [{ alg: 'SHA-256', content: expect.stringMatching(/^[0-9a-f]{64}$/) }],
        pedigree: { commits: [{ uid: 'a1b2c3d4e5f6a7b8' }] },
      });
      // The model card: parameters, metrics from the evaluation (overall and by group), considerations.
      expect(model.modelCard.modelParameters).toMatchObject({
        approach: { type: 'supervised' },
        task: 'binary-classification',
        datasets: [{ ref: 'dataset:pd-card-loans@1:training' }],
      });
      const metrics = model.modelCard.quantitativeAnalysis.performanceMetrics;
      expect(metrics).toContainEqual({ type: 'accuracy', value: '0.9' });
      expect(metrics).toContainEqual(expect.objectContaining({ type: 'selection_rate', slice: 'sex=F' }));
      expect(model.modelCard.considerations).toMatchObject({
        users: ['public', 'owner team credit-risk'],
        useCases: ['Objective of pd-card-uc'],
        fairnessAssessments: expect.arrayContaining([
          expect.objectContaining({ groupAtRisk: expect.stringMatching(/^sex=/) }),
        ]),
      });
      const data = bom.components.find((c: { type: string }) => c.type === 'data');
      expect(data).toMatchObject({
        name: 'pd-card-loans',
        hashes: [{ alg: 'SHA-256' }],
        data: [
          {
            type: 'dataset',
            classification: 'personal data',
            sensitiveData: ['customer_id: direct-identifier', 'sex: protected attribute'],
            contents: { url: 's3://data/loans/1.parquet' },
          },
        ],
      });
      expect(data.data[0].description).toMatch(/core-banking/);
      expect(bom.components.map((c: { type: string }) => c.type).sort()).toEqual(['container', 'data', 'file']);
      expect(bom.dependencies).toContainEqual({
        ref: 'model:pd-card@1',
        dependsOn: ['dataset:pd-card-loans@1:training', 'environment:image', 'environment:lockfile'],
      });
      // The same record gives the same BOM.
      expect((await call(t.app, { method: 'GET', url })).text).toBe(res.text);
    });

    it('is audited as an export', async () => {
      const events = await call(t.app, { method: 'GET', url: '/api/v1/audit/events?action=export.generate' });
      expect(events.status, events.text).toBe(200);
      expect(events.body.items.some((e: { after: { document: string } }) => e.after.document === 'bom')).toBe(true);
    });

    it('answers 404 for a version that does not exist and 401/403 for callers who may not read', async () => {
      expectProblem(
        await call(t.app, { method: 'GET', url: '/api/v1/models/pd-card/versions/9/exports/bom' }),
        404,
        'not_found',
      );
      expectProblem(
        await call(t.app, { method: 'GET', url: '/api/v1/models/nope/versions/1/exports/bom' }),
        404,
        'not_found',
      );
      expect((await call(t.app, { method: 'GET', url, token: null })).status).toBe(401);
      const noRoles = await seedUser(t.app, 'norole', []);
      expectProblem(await call(t.app, { method: 'GET', url, token: noRoles }), 403, 'forbidden');
    });
  });
});
