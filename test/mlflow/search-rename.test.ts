import { beforeAll, describe, expect, it } from 'vitest';
import { call } from '../helpers/app.ts';
import { DB_KINDS, skipReason } from '../helpers/db.ts';
import { API, expectError, ml, seedChurnJourney, sha, useMlflowRegistry } from '../helpers/mlflow.ts';

describe.each(DB_KINDS)('MLflow search, rename and delete on %s', (kind) => {
  describe.skipIf(skipReason(kind) !== null)(skipReason(kind) ?? 'api', () => {
    const registry = useMlflowRegistry(kind);
    const { t, b } = registry;
    beforeAll(async () => {
      await seedChurnJourney(t.app, b('ds'));
    });

    it('searches with the documented filter grammar, ordering and page tokens', async () => {
      for (const [name, team] of [
        ['churn-eu', 'growth'],
        ['fraud', 'risk'],
        ['Churn-US', 'growth'],
      ])
        expect(
          (
            await ml(
              t.app,
              'POST',
              '/registered-models/create',
              { name, tags: [{ key: 'team', value: team }] },
              b('ds'),
            )
          ).status,
        ).toBe(200);
      const names = async (q: Record<string, unknown>) =>
        ((await ml(t.app, 'GET', '/registered-models/search', q, b('ds'))).body.registered_models ?? []).map(
          (m: { name: string }) => m.name,
        );
      expect(await names({ filter: "name LIKE 'churn%'" })).toEqual(['churn', 'churn-eu']);
      expect(await names({ filter: "name ILIKE 'churn%'" })).toEqual(['Churn-US', 'churn', 'churn-eu']);
      expect(await names({ filter: "tags.team = 'growth' AND name != 'churn'" })).toEqual(['Churn-US', 'churn-eu']);
      expect(await names({ filter: 'attribute.name = "fraud"' })).toEqual(['fraud']);
      expect(await names({ filter: "tags.`team` = 'risk'" })).toEqual(['fraud']);
      expect(await names({ order_by: ['name DESC'], max_results: 2 })).toEqual(['fraud', 'churn-eu']);
      const first = (await ml(t.app, 'GET', '/registered-models/search', { max_results: 3 }, b('ds'))).body;
      expect(first.registered_models).toHaveLength(3);
      const second = (
        await ml(
          t.app,
          'GET',
          '/registered-models/search',
          { max_results: 3, page_token: first.next_page_token },
          b('ds'),
        )
      ).body;
      expect(second.registered_models.map((m: { name: string }) => m.name)).toEqual(['fraud']);
      expect('next_page_token' in second).toBe(false);
      for (const filter of [
        "name = 'a' OR name = 'b'",
        "(name = 'a')",
        'name = churn',
        "owner = 'x'",
        "name > 'a'",
        "name = 'a' AND",
      ])
        expectError(
          await ml(t.app, 'GET', '/registered-models/search', { filter }, b('ds')),
          400,
          'INVALID_PARAMETER_VALUE',
          /Invalid filter/,
        );
      expectError(
        await ml(t.app, 'GET', '/registered-models/search', { max_results: 1001 }, b('ds')),
        400,
        'INVALID_PARAMETER_VALUE',
        /max_results/,
      );
      expectError(
        await ml(t.app, 'GET', '/registered-models/search', { page_token: 'garbage' }, b('ds')),
        400,
        'INVALID_PARAMETER_VALUE',
        /page token/,
      );
      expectError(
        await ml(t.app, 'GET', '/registered-models/search', { order_by: ['owner'] }, b('ds')),
        400,
        'INVALID_PARAMETER_VALUE',
      );
      const versions = async (q: Record<string, unknown>) =>
        ((await ml(t.app, 'GET', '/model-versions/search', q, b('ds'))).body.model_versions ?? []).map(
          (v: { name: string; version: string }) => `${v.name}/${v.version}`,
        );
      expect(
        await versions({ filter: "name = 'churn' AND version_number >= 3", order_by: ['version_number ASC'] }),
      ).toEqual(['churn/3', 'churn/4']);
      expect(await versions({ filter: "run_id IN ('run-1', 'run-4')", order_by: ['version_number'] })).toEqual([
        'churn/1',
        'churn/4',
      ]);
      expect(await versions({ filter: "source_path LIKE 's3://models/churn/2'" })).toEqual(['churn/2']);
      // As in MLflow, the key is everything after the first dot.
      expect(await versions({ filter: "tags.steward.artifact_digest != ''" })).toEqual(['churn/1']);
      expect(await versions({ filter: `tags.\`steward.artifact_digest\` = '${sha(1)}'` })).toEqual(['churn/1']);
      expectError(
        await ml(t.app, 'GET', '/model-versions/search', { filter: "version_number = '3'" }, b('ds')),
        400,
        'INVALID_PARAMETER_VALUE',
        /unquoted integer/,
      );
      expectError(
        await ml(t.app, 'GET', '/model-versions/search', { filter: "name IN ('a')" }, b('ds')),
        400,
        'INVALID_PARAMETER_VALUE',
        /comparator/,
      );
    });

    it('renames and deletes as MLflow does, keeping numbers and governed records', async () => {
      expect(
        (await ml(t.app, 'POST', '/registered-models/rename', { name: 'fraud', new_name: 'fraud-v2' }, b('ds'))).body
          .registered_model.name,
      ).toBe('fraud-v2');
      expectError(
        await ml(t.app, 'GET', '/registered-models/get', { name: 'fraud' }, b('ds')),
        404,
        'RESOURCE_DOES_NOT_EXIST',
      );
      expectError(
        await ml(t.app, 'POST', '/registered-models/rename', { name: 'churn', new_name: 'fraud-v2' }, b('ds')),
        400,
        'RESOURCE_ALREADY_EXISTS',
      );
      expect(
        (await ml(t.app, 'PATCH', '/registered-models/update', { name: 'fraud-v2', description: 'renamed' }, b('ds')))
          .body.registered_model.description,
      ).toBe('renamed');
      expect(
        (await ml(t.app, 'POST', '/registered-models/set-tag', { name: 'fraud-v2', key: 'k', value: 'v' }, b('ds')))
          .body,
      ).toEqual({});
      expect(
        (await ml(t.app, 'DELETE', '/registered-models/delete-tag', { name: 'fraud-v2', key: 'k' }, b('ds'))).body,
      ).toEqual({});
      // Deleting a version removes its aliases; its number is never reused.
      expect(
        (await ml(t.app, 'DELETE', '/model-versions/delete', { name: 'churn', version: '3' }, b('ds'))).body,
      ).toEqual({});
      expectError(
        await ml(t.app, 'GET', '/model-versions/get', { name: 'churn', version: '3' }, b('ds')),
        404,
        'RESOURCE_DOES_NOT_EXIST',
        'Model Version (name=churn, version=3) not found',
      );
      expectError(
        await ml(t.app, 'GET', '/registered-models/alias', { name: 'churn', alias: 'best' }, b('ds')),
        400,
        'INVALID_PARAMETER_VALUE',
      );
      expect(
        (await ml(t.app, 'POST', '/model-versions/create', { name: 'churn', source: 's3://models/churn/5' }, b('ds')))
          .body.model_version.version,
      ).toBe('5');
      // DELETE with query parameters instead of a body works too.
      const byQuery = await t.app.inject({
        method: 'DELETE',
        url: `${API}/registered-models/delete?name=churn-eu`,
        headers: { authorization: b('ds') },
      });
      expect([byQuery.statusCode, byQuery.body]).toEqual([200, '{}']);
      expectError(
        await ml(t.app, 'GET', '/registered-models/get', { name: 'churn-eu' }, b('ds')),
        404,
        'RESOURCE_DOES_NOT_EXIST',
      );
      expect((await call(t.app, { method: 'GET', url: '/api/v1/models?q=churn-eu' })).body.items).toEqual([]);
      // The name is free again.
      expect((await ml(t.app, 'POST', '/registered-models/create', { name: 'churn-eu' }, b('ds'))).status).toBe(200);
    });
  });
});
