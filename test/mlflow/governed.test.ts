import { beforeAll, describe, expect, it } from 'vitest';
import { call } from '../helpers/app.ts';
import { DB_KINDS, skipReason } from '../helpers/db.ts';
import { expectError, ml, sha, useMlflowRegistry } from '../helpers/mlflow.ts';

describe.each(DB_KINDS)('MLflow on governed models on %s', (kind) => {
  describe.skipIf(skipReason(kind) !== null)(skipReason(kind) ?? 'api', () => {
    const registry = useMlflowRegistry(kind);
    const { t, b } = registry;
    let governedUseCase = '';
    beforeAll(async () => {
      governedUseCase = registry.governedUseCase;
    });

    it('puts stage and alias moves of governed models through the lifecycle gates, writing nothing when refused', async () => {
      expect(
        (
          await ml(
            t.app,
            'POST',
            '/registered-models/create',
            { name: 'scorecard', tags: [{ key: 'steward.use_case', value: governedUseCase }] },
            b('ds'),
          )
        ).status,
      ).toBe(200);
      expect(
        (
          await ml(
            t.app,
            'POST',
            '/model-versions/create',
            {
              name: 'scorecard',
              source: 's3://models/scorecard/1',
              tags: [{ key: 'steward.artifact_digest', value: sha(7) }],
            },
            b('ds'),
          )
        ).status,
      ).toBe(200);
      const events = async () =>
        (await call(t.app, { method: 'GET', url: '/api/v1/audit/events?limit=500' })).body.items.length;
      const before = await events();
      const refused = await ml(
        t.app,
        'POST',
        '/model-versions/transition-stage',
        { name: 'scorecard', version: '1', stage: 'Production', archive_existing_versions: false },
        b('ds'),
      );
      expectError(refused, 403, 'PERMISSION_DENIED', /not allowed by its governance: .*signoff-production-release/);
      expectError(
        await ml(
          t.app,
          'POST',
          '/registered-models/alias',
          { name: 'scorecard', alias: 'champion', version: '1' },
          b('ds'),
        ),
        403,
        'PERMISSION_DENIED',
      );
      expect(await events()).toBe(before);
      expect(
        (await ml(t.app, 'GET', '/model-versions/get', { name: 'scorecard', version: '1' }, b('ds'))).body.model_version
          .current_stage,
      ).toBe('None');
      expect(
        (await call(t.app, { method: 'GET', url: '/api/v1/models/scorecard/versions/1/promotions' })).body.items ?? [],
      ).toEqual([]);
      // Governed records are archived, not deleted.
      expectError(
        await ml(t.app, 'DELETE', '/model-versions/delete', { name: 'scorecard', version: '1' }, b('ds')),
        403,
        'PERMISSION_DENIED',
        /governed/,
      );
      expectError(
        await ml(t.app, 'DELETE', '/registered-models/delete', { name: 'scorecard' }, b('ds')),
        403,
        'PERMISSION_DENIED',
        /governed/,
      );
      expect(
        (
          await ml(
            t.app,
            'POST',
            '/model-versions/transition-stage',
            { name: 'scorecard', version: '1', stage: 'Archived', archive_existing_versions: false },
            b('ds'),
          )
        ).body.model_version.current_stage,
      ).toBe('Archived');
    });

    it('follows mlflow.register_model: the model is created untagged, the first version names its use case', async () => {
      // register_model calls create_registered_model(name) without tags, then create_model_version(..., tags).
      expect((await ml(t.app, 'POST', '/registered-models/create', { name: 'pd-client' }, b('ds'))).status).toBe(200);
      expect(
        (
          await ml(
            t.app,
            'POST',
            '/model-versions/create',
            {
              name: 'pd-client',
              source: 's3://pd/1',
              tags: [
                { key: 'steward.use_case', value: 'credit' },
                { key: 'steward.artifact_digest', value: sha(11) },
              ],
            },
            b('ds'),
          )
        ).status,
      ).toBe(200);
      expect((await call(t.app, { method: 'GET', url: '/api/v1/models/pd-client' })).body.useCaseId).toBe(
        governedUseCase,
      );
      // Now governed: the gates apply.
      expectError(
        await ml(
          t.app,
          'POST',
          '/model-versions/transition-stage',
          { name: 'pd-client', version: '1', stage: 'Production', archive_existing_versions: false },
          b('ds'),
        ),
        403,
        'PERMISSION_DENIED',
      );
      // A later version cannot move a model that has versions.
      expectError(
        await ml(
          t.app,
          'POST',
          '/model-versions/create',
          { name: 'pd-client', source: 's3://pd/2', tags: [{ key: 'steward.use_case', value: 'ml-platform' }] },
          b('ds'),
        ),
        400,
        'INVALID_PARAMETER_VALUE',
        /another use case/,
      );
      // Governance refusals are not counted as authorisation failures: polling the gates never locks anyone out.
      for (let i = 0; i < 65; i++)
        await ml(
          t.app,
          'POST',
          '/model-versions/transition-stage',
          { name: 'pd-client', version: '1', stage: 'Production', archive_existing_versions: false },
          b('ds'),
        );
      expect((await ml(t.app, 'GET', '/registered-models/get', { name: 'pd-client' }, b('ds'))).status).toBe(200);
    });
  });
});
