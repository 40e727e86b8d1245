import { describe, expect, it } from 'vitest';
import { call } from '../helpers/app.ts';
import { DB_KINDS, skipReason } from '../helpers/db.ts';
import { API, expectError, ml, sha, useMlflowRegistry } from '../helpers/mlflow.ts';

describe.each(DB_KINDS)('MLflow Model Registry protocol on %s', (kind) => {
  describe.skipIf(skipReason(kind) !== null)(skipReason(kind) ?? 'api', () => {
    const registry = useMlflowRegistry(kind);
    const { t, b } = registry;

    it('creates registered models in the governed store, with MLflow wire form and errors', async () => {
      const created = await ml(
        t.app,
        'POST',
        '/registered-models/create',
        { name: 'churn', description: 'Churn propensity', tags: [{ key: 'team', value: 'growth' }] },
        b('ds'),
      );
      expect(created.status).toBe(200);
      expect(created.type).toMatch(/^application\/json/);
      const rm = created.body.registered_model;
      expect(rm).toMatchObject({
        name: 'churn',
        description: 'Churn propensity',
        user_id: 'dana',
        tags: [{ key: 'team', value: 'growth' }],
      });
      expect(typeof rm.creation_timestamp).toBe('number');
      expect(rm.last_updated_timestamp).toBeGreaterThanOrEqual(rm.creation_timestamp);
      // Unset fields are omitted, not null or empty.
      expect('latest_versions' in rm || 'aliases' in rm).toBe(false);
      expectError(
        await ml(t.app, 'POST', '/registered-models/create', { name: 'churn' }, b('ds')),
        400,
        'RESOURCE_ALREADY_EXISTS',
        'Registered Model (name=churn) already exists.',
      );
      expectError(
        await ml(t.app, 'POST', '/registered-models/create', {}, b('ds')),
        400,
        'INVALID_PARAMETER_VALUE',
        /Missing value for required parameter 'name'/,
      );
      expectError(
        await ml(t.app, 'POST', '/registered-models/create', { name: 'a/b' }, b('ds')),
        400,
        'INVALID_PARAMETER_VALUE',
      );
      expectError(
        await ml(t.app, 'POST', '/registered-models/create', { name: 'x', tags: 'oops' }, b('ds')),
        400,
        'INVALID_PARAMETER_VALUE',
      );
      expectError(
        await ml(
          t.app,
          'POST',
          '/registered-models/create',
          { name: 'y', tags: [{ key: 'steward.use_case', value: 'nowhere' }] },
          b('ds'),
        ),
        400,
        'INVALID_PARAMETER_VALUE',
        /does not exist/,
      );
      const text = await t.app.inject({
        method: 'POST',
        url: `${API}/registered-models/create`,
        headers: { authorization: b('ds'), 'content-type': 'text/plain' },
        payload: 'name=z',
      });
      expect([text.statusCode, JSON.parse(text.body).error_code]).toEqual([400, 'INVALID_PARAMETER_VALUE']);
      const broken = await t.app.inject({
        method: 'POST',
        url: `${API}/registered-models/create`,
        headers: { authorization: b('ds'), 'content-type': 'application/json' },
        payload: '{"name":',
      });
      expect([broken.statusCode, JSON.parse(broken.body).error_code]).toEqual([400, 'INVALID_PARAMETER_VALUE']);
      // One store: the MLflow model is a Steward model under the default use case, and audited.
      const steward = (await call(t.app, { method: 'GET', url: '/api/v1/models/churn' })).body;
      expect(steward).toMatchObject({ name: 'churn', tags: { team: 'growth' } });
      const audit = (await call(t.app, { method: 'GET', url: '/api/v1/audit/events?action=model.create' })).body.items;
      expect(audit.some((e: { after: { name: string } }) => e.after.name === 'churn')).toBe(true);
      expectError(
        await ml(t.app, 'GET', '/registered-models/get', { name: 'nope' }, b('ds')),
        404,
        'RESOURCE_DOES_NOT_EXIST',
        'Registered Model with name=nope not found',
      );
    });

    it('registers versions with string numbers, stages, tags, aliases and download URIs', async () => {
      const v1 = await ml(
        t.app,
        'POST',
        '/model-versions/create',
        {
          name: 'churn',
          source: 's3://models/churn/1',
          run_id: 'run-1',
          tags: [{ key: 'steward.artifact_digest', value: sha(1) }],
        },
        b('ds'),
      );
      expect(v1.status, JSON.stringify(v1.body)).toBe(200);
      expect(v1.body.model_version).toMatchObject({
        name: 'churn',
        version: '1',
        current_stage: 'None',
        status: 'READY',
        source: 's3://models/churn/1',
        run_id: 'run-1',
        user_id: 'dana',
      });
      for (let i = 2; i <= 4; i++)
        expect(
          (
            await ml(
              t.app,
              'POST',
              '/model-versions/create',
              { name: 'churn', source: `s3://models/churn/${i}`, run_id: `run-${i}` },
              b('ds'),
            )
          ).body.model_version.version,
        ).toBe(String(i));
      expectError(
        await ml(t.app, 'POST', '/model-versions/create', { name: 'churn' }, b('ds')),
        400,
        'INVALID_PARAMETER_VALUE',
        /'source'/,
      );
      expectError(
        await ml(t.app, 'POST', '/model-versions/create', { name: 'ghost', source: 's3://x' }, b('ds')),
        404,
        'RESOURCE_DOES_NOT_EXIST',
        'Registered Model with name=ghost not found',
      );
      expectError(
        await ml(
          t.app,
          'POST',
          '/model-versions/create',
          { name: 'churn', source: 's3://x', tags: [{ key: 'steward.artifact_digest', value: 'md5:1' }] },
          b('ds'),
        ),
        400,
        'INVALID_PARAMETER_VALUE',
      );
      expect(
        (await ml(t.app, 'GET', '/model-versions/get', { name: 'churn', version: '2' }, b('ds'))).body.model_version
          .source,
      ).toBe('s3://models/churn/2');
      expectError(
        await ml(t.app, 'GET', '/model-versions/get', { name: 'churn', version: '99' }, b('ds')),
        404,
        'RESOURCE_DOES_NOT_EXIST',
        'Model Version (name=churn, version=99) not found',
      );
      expectError(
        await ml(t.app, 'GET', '/model-versions/get', { name: 'churn', version: 'two' }, b('ds')),
        400,
        'INVALID_PARAMETER_VALUE',
      );
      expect(
        (await ml(t.app, 'GET', '/model-versions/get-download-uri', { name: 'churn', version: '3' }, b('ds'))).body,
      ).toEqual({ artifact_uri: 's3://models/churn/3' });
      expect(
        (
          await ml(
            t.app,
            'PATCH',
            '/model-versions/update',
            { name: 'churn', version: '2', description: 'retrained' },
            b('ds'),
          )
        ).body.model_version.description,
      ).toBe('retrained');
      expect(
        (
          await ml(
            t.app,
            'POST',
            '/model-versions/set-tag',
            { name: 'churn', version: '2', key: 'validated', value: 'yes' },
            b('ds'),
          )
        ).body,
      ).toEqual({});
      expect(
        (await ml(t.app, 'GET', '/model-versions/get', { name: 'churn', version: '2' }, b('ds'))).body.model_version
          .tags,
      ).toEqual([{ key: 'validated', value: 'yes' }]);
      expect(
        (
          await ml(
            t.app,
            'DELETE',
            '/model-versions/delete-tag',
            { name: 'churn', version: '2', key: 'validated' },
            b('ds'),
          )
        ).body,
      ).toEqual({});
      // Aliases are Steward's aliases.
      expect(
        (await ml(t.app, 'POST', '/registered-models/alias', { name: 'churn', alias: 'best', version: '3' }, b('ds')))
          .body,
      ).toEqual({});
      expect(
        (await ml(t.app, 'GET', '/registered-models/alias', { name: 'churn', alias: 'best' }, b('ds'))).body
          .model_version,
      ).toMatchObject({ version: '3', aliases: ['best'] });
      expect(
        (await ml(t.app, 'GET', '/registered-models/alias', { name: 'churn', alias: 'latest' }, b('ds'))).body
          .model_version.version,
      ).toBe('4');
      expect((await call(t.app, { method: 'GET', url: '/api/v1/models/churn/aliases/best' })).body.version).toBe(3);
      expectError(
        await ml(t.app, 'POST', '/registered-models/alias', { name: 'churn', alias: 'latest', version: '1' }, b('ds')),
        400,
        'INVALID_PARAMETER_VALUE',
        /reserved/,
      );
      expectError(
        await ml(t.app, 'POST', '/registered-models/alias', { name: 'churn', alias: 'v2', version: '1' }, b('ds')),
        400,
        'INVALID_PARAMETER_VALUE',
        /reserved/,
      );
      expectError(
        await ml(t.app, 'POST', '/registered-models/alias', { name: 'churn', alias: 'a b', version: '1' }, b('ds')),
        400,
        'INVALID_PARAMETER_VALUE',
      );
      expectError(
        await ml(t.app, 'GET', '/registered-models/alias', { name: 'churn', alias: 'nope' }, b('ds')),
        400,
        'INVALID_PARAMETER_VALUE',
        'Registered model alias nope not found.',
      );
      expectError(
        await ml(t.app, 'POST', '/registered-models/alias', { name: 'churn', alias: 'next', version: '9' }, b('ds')),
        404,
        'RESOURCE_DOES_NOT_EXIST',
        'Model Version (name=churn, version=9) not found',
      );
      expect(
        (await ml(t.app, 'DELETE', '/registered-models/alias', { name: 'churn', alias: 'never-set' }, b('ds'))).body,
      ).toEqual({});
      const model = (await ml(t.app, 'GET', '/registered-models/get', { name: 'churn' }, b('ds'))).body
        .registered_model;
      expect(model.aliases).toEqual([{ alias: 'best', version: '3' }]);
      expect(
        model.latest_versions.map((v: { version: string; current_stage: string }) => [v.current_stage, v.version]),
      ).toEqual([['None', '4']]);
    });

    it('moves stages, archiving the others in an active stage, and answers get-latest-versions per stage', async () => {
      const move = (version: string, stage: string, archive: unknown) =>
        ml(
          t.app,
          'POST',
          '/model-versions/transition-stage',
          { name: 'churn', version, stage, archive_existing_versions: archive },
          b('ds'),
        );
      expect((await move('1', 'staging', false)).body.model_version.current_stage).toBe('Staging');
      expect((await move('2', 'Staging', true)).body.model_version.current_stage).toBe('Staging');
      expect(
        (await ml(t.app, 'GET', '/model-versions/get', { name: 'churn', version: '1' }, b('ds'))).body.model_version
          .current_stage,
      ).toBe('Archived');
      expect((await move('3', 'Production', false)).body.model_version.current_stage).toBe('Production');
      expectError(await move('3', 'Live', false), 400, 'INVALID_PARAMETER_VALUE', /Invalid Model Version stage: Live/);
      expectError(await move('3', 'Archived', true), 400, 'INVALID_PARAMETER_VALUE');
      expectError(
        await ml(
          t.app,
          'POST',
          '/model-versions/transition-stage',
          { name: 'churn', version: '3', stage: 'None' },
          b('ds'),
        ),
        400,
        'INVALID_PARAMETER_VALUE',
        /archive_existing_versions/,
      );
      const latest = (
        await ml(t.app, 'POST', '/registered-models/get-latest-versions', { name: 'churn' }, b('ds'))
      ).body.model_versions.map((v: { version: string; current_stage: string }) => [v.current_stage, v.version]);
      expect(latest).toEqual([
        ['Archived', '1'],
        ['Staging', '2'],
        ['Production', '3'],
        ['None', '4'],
      ]);
      expect(
        (
          await ml(
            t.app,
            'GET',
            '/registered-models/get-latest-versions',
            { name: 'churn', stages: ['Production', 'staging'] },
            b('ds'),
          )
        ).body.model_versions.map((v: { version: string }) => v.version),
      ).toEqual(['2', '3']);
      expectError(
        await ml(t.app, 'GET', '/registered-models/get-latest-versions', { name: 'churn', stages: ['Prod'] }, b('ds')),
        400,
        'INVALID_PARAMETER_VALUE',
      );
      expect((await call(t.app, { method: 'GET', url: '/api/v1/models/churn/versions/3' })).body.stage).toBe(
        'production',
      );
    });
  });
});
