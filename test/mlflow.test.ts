import { spawn } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { call, seedUser, useCaseBody, useTestApp } from './helpers/app.ts';
import { DB_KINDS, skipReason } from './helpers/db.ts';
import { creditScoring } from './helpers/policy.ts';
import type { App } from '../src/http/app-types.ts';

const API = '/api/2.0/mlflow';
const sha = (n: number) => `sha256:${String(n).padStart(64, '0')}`;

/** A request the way MLflow's Python client sends it: JSON bodies (also on DELETE), query strings on GET. */
async function ml(
  app: App,
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
  path: string,
  body: Record<string, unknown> = {},
  auth: string | null = null,
  prefix = API,
) {
  const pairs: [string, string][] = Object.entries(body).flatMap(([k, v]) =>
    Array.isArray(v) ? v.map((x): [string, string] => [k, String(x)]) : [[k, String(v)] as [string, string]],
  );
  const query = method === 'GET' ? `?${new URLSearchParams(pairs).toString()}` : '';
  const res = await app.inject({
    method,
    url: `${prefix}${path}${query}`,
    headers: {
      ...(auth ? { authorization: auth } : {}),
      ...(method === 'GET' ? {} : { 'content-type': 'application/json' }),
    },
    ...(method === 'GET' ? {} : { payload: JSON.stringify(body) }),
  });
  return {
    status: res.statusCode,
    body: res.body ? (JSON.parse(res.body) as Record<string, any>) : {},
    type: String(res.headers['content-type']),
  };
}

const expectError = (
  r: { status: number; body: Record<string, any> },
  status: number,
  code: string,
  message?: RegExp | string,
) => {
  expect(r.status, JSON.stringify(r.body)).toBe(status);
  expect(r.body.error_code).toBe(code);
  expect(typeof r.body.message).toBe('string');
  if (message) expect(r.body.message).toMatch(message);
};

describe.each(DB_KINDS)('MLflow Model Registry protocol on %s', (kind) => {
  describe.skipIf(skipReason(kind) !== null)(skipReason(kind) ?? 'api', () => {
    const t = useTestApp(kind, { teams: ['ml', 'lending'], mlflow: { defaultUseCase: 'ml-platform' } });
    const bearer: Record<string, string> = {};
    const b = (who: string) => `Bearer ${bearer[who]}`;
    let governedUseCase = '';

    beforeAll(async () => {
      bearer.ds = await seedUser(t.app, 'dana', [
        { scope: 'ml', role: 'data-scientist' },
        { scope: 'lending', role: 'data-scientist' },
      ]);
      bearer.viewer = await seedUser(t.app, 'vera', [{ scope: 'ml', role: 'viewer' }]);
      expect(
        (
          await call(t.app, {
            method: 'POST',
            url: '/api/v1/use-cases',
            body: useCaseBody('ml-platform', { ownerTeam: 'ml' }),
          })
        ).status,
      ).toBe(201);
      governedUseCase = (
        await call(t.app, {
          method: 'POST',
          url: '/api/v1/use-cases',
          body: useCaseBody('credit', { ownerTeam: 'lending' }),
        })
      ).body.id;
      expect(
        (
          await call(t.app, {
            method: 'PUT',
            url: `/api/v1/use-cases/${governedUseCase}/assessment`,
            body: { answers: creditScoring },
          })
        ).status,
      ).toBe(200);
    });

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

    it('authenticates as MLflow clients do and authorises as /api/v1 does, on every prefix', async () => {
      expectError(await ml(t.app, 'GET', '/registered-models/search', {}), 401, 'UNAUTHENTICATED');
      const basic = (user: string, secret: string) => `Basic ${Buffer.from(`${user}:${secret}`).toString('base64')}`;
      expect(
        (
          await ml(
            t.app,
            'GET',
            '/registered-models/get',
            { name: 'churn' },
            basic('dana', 'dana-correct-horse-battery'),
          )
        ).status,
      ).toBe(200);
      expect(
        (await ml(t.app, 'GET', '/registered-models/get', { name: 'churn' }, basic('dana', bearer.ds!))).status,
      ).toBe(200);
      expectError(
        await ml(t.app, 'GET', '/registered-models/get', { name: 'churn' }, basic('dana', 'wrong')),
        401,
        'UNAUTHENTICATED',
      );
      // On the embedded database (one process sees every identity change) verified Basic credentials
      // are remembered for a minute: a client's parallel requests are not taken for guessing. With
      // PostgreSQL replicas each request is verified anew (clients there should send tokens).
      if (kind === 'sqlite') {
        const parallel = await Promise.all(
          Array.from({ length: 12 }, () =>
            ml(t.app, 'GET', '/registered-models/get', { name: 'churn' }, basic('dana', 'dana-correct-horse-battery')),
          ),
        );
        expect(parallel.map((r) => r.status)).toEqual(new Array(12).fill(200));
      }
      expect((await ml(t.app, 'GET', '/registered-models/get', { name: 'churn' }, b('viewer'))).status).toBe(200);
      expectError(
        await ml(t.app, 'POST', '/registered-models/create', { name: 'viewer-model' }, b('viewer')),
        403,
        'PERMISSION_DENIED',
      );
      for (const prefix of ['/ajax-api/2.0/mlflow', '/api/2.0/preview/mlflow'])
        expect(
          (await ml(t.app, 'GET', '/registered-models/get', { name: 'churn' }, b('ds'), prefix)).body.registered_model
            .name,
        ).toBe('churn');
      expectError(await ml(t.app, 'GET', '/registered-models/list-everything', {}, b('ds')), 404, 'ENDPOINT_NOT_FOUND');
      expectError(await ml(t.app, 'GET', '/runs/get', { run_id: 'abc' }, b('ds')), 404, 'RESOURCE_DOES_NOT_EXIST');
      // Percent-escapes in the path do not slip past authentication (the router decodes them).
      for (const url of ['/api/2.0/ml%66low/registered-models/get?name=churn', '/api/v%31/models'])
        expect((await t.app.inject({ method: 'GET', url })).statusCode).toBe(401);
      expect(
        (
          await t.app.inject({
            method: 'POST',
            url: '/api/2.0/ml%66low/registered-models/create',
            headers: { 'content-type': 'application/json' },
            payload: '{"name":"sneaky"}',
          })
        ).statusCode,
      ).toBe(401);
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

    it('serves a real HTTP client process registering a model the way mlflow.register_model does', async () => {
      const url = await t.app.listen({ port: 0, host: '127.0.0.1' });
      // A separate Node process speaking HTTP/JSON: create (tolerating RESOURCE_ALREADY_EXISTS), create a version, poll until READY, set an alias, resolve it.
      const script = `
        const base = process.env.URL + '/api/2.0/mlflow';
        const headers = { authorization: 'Bearer ' + process.env.TOKEN, 'content-type': 'application/json' };
        const call = async (method, path, body) => { const r = await fetch(base + path + (method === 'GET' ? '?' + new URLSearchParams(body) : ''), { method, headers, body: method === 'GET' ? undefined : JSON.stringify(body) }); return [r.status, await r.json()]; };
        const [s1, created] = await call('POST', '/registered-models/create', { name: 'http-model' });
        const [s2, again] = await call('POST', '/registered-models/create', { name: 'http-model' });
        if (s1 !== 200 || s2 !== 400 || again.error_code !== 'RESOURCE_ALREADY_EXISTS') throw new Error('create: ' + JSON.stringify([s1, created, s2, again]));
        let [, mv] = await call('POST', '/model-versions/create', { name: 'http-model', source: 's3://http/model', run_id: 'r1' });
        for (let i = 0; i < 50 && mv.model_version.status === 'PENDING_REGISTRATION'; i++) [, mv] = await call('GET', '/model-versions/get', { name: 'http-model', version: mv.model_version.version });
        await call('POST', '/registered-models/alias', { name: 'http-model', alias: 'prod', version: mv.model_version.version });
        const [, byAlias] = await call('GET', '/registered-models/alias', { name: 'http-model', alias: 'prod' });
        console.log(JSON.stringify({ status: mv.model_version.status, version: byAlias.model_version.version }));
      `;
      const out = await new Promise<string>((resolve, reject) => {
        const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
          env: { ...process.env, URL: url, TOKEN: bearer.ds },
        });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d) => (stdout += d));
        child.stderr.on('data', (d) => (stderr += d));
        child.on('close', (code) => (code === 0 ? resolve(stdout) : reject(new Error(stderr))));
      });
      expect(JSON.parse(out)).toEqual({ status: 'READY', version: '1' });
    });
  });
});

describe.each(DB_KINDS)('MLflow registration checks on %s', (kind) => {
  describe.skipIf(skipReason(kind) !== null)(skipReason(kind) ?? 'api', () => {
    const t = useTestApp(kind, {
      teams: ['lending'],
      mlflow: { registrationChecks: true },
      monitoring: { pollMs: 100 },
    });
    let useCase = '';
    beforeAll(async () => {
      useCase = (
        await call(t.app, {
          method: 'POST',
          url: '/api/v1/use-cases',
          body: useCaseBody('credit', { ownerTeam: 'lending' }),
        })
      ).body.id;
    });

    it('holds new versions PENDING_REGISTRATION and finishes READY, or FAILED_REGISTRATION with the reasons', async () => {
      const admin = `Bearer ${t.adminToken}`;
      expect(
        (
          await ml(
            t.app,
            'POST',
            '/registered-models/create',
            { name: 'pd', tags: [{ key: 'steward.use_case', value: 'credit' }] },
            admin,
          )
        ).status,
      ).toBe(200);
      const poll = async (version: string) => {
        for (let i = 0; i < 200; i++) {
          const mv = (await ml(t.app, 'GET', '/model-versions/get', { name: 'pd', version }, admin)).body.model_version;
          if (mv.status !== 'PENDING_REGISTRATION') return mv;
          await new Promise((r) => setTimeout(r, 25));
        }
        throw new Error('still pending');
      };
      const without = await ml(t.app, 'POST', '/model-versions/create', { name: 'pd', source: 's3://pd/1' }, admin);
      expect(without.body.model_version.status).toBe('PENDING_REGISTRATION');
      expect(await poll('1')).toMatchObject({
        status: 'FAILED_REGISTRATION',
        status_message: expect.stringContaining('artifact-digest'),
      });
      expect(
        (
          await ml(
            t.app,
            'POST',
            '/model-versions/create',
            { name: 'pd', source: 's3://pd/2', tags: [{ key: 'steward.artifact_digest', value: sha(2) }] },
            admin,
          )
        ).body.model_version.status,
      ).toBe('PENDING_REGISTRATION');
      const ready = await poll('2');
      expect(ready.status).toBe('READY');
      expect('status_message' in ready).toBe(false);
      // A version that failed registration takes no alias and no active stage.
      expectError(
        await ml(t.app, 'POST', '/registered-models/alias', { name: 'pd', alias: 'best', version: '1' }, admin),
        403,
        'PERMISSION_DENIED',
        /FAILED_REGISTRATION/,
      );
      expectError(
        await ml(
          t.app,
          'POST',
          '/model-versions/transition-stage',
          { name: 'pd', version: '1', stage: 'Staging', archive_existing_versions: false },
          admin,
        ),
        403,
        'PERMISSION_DENIED',
      );
      expect(
        (await ml(t.app, 'POST', '/registered-models/alias', { name: 'pd', alias: 'best', version: '2' }, admin))
          .status,
      ).toBe(200);
      void useCase;
    });
  });
});
