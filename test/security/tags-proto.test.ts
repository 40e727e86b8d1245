import { beforeAll, describe, expect, it } from 'vitest';
import { call, digest, useCaseBody } from '../helpers/app.ts';
import { DB_KINDS, skipReason } from '../helpers/db.ts';
import { expectError, ml, useMlflowRegistry } from '../helpers/mlflow.ts';

// Keys that name JavaScript object machinery: stored, they were silently dropped
// (registered-models/create) or kept with an audit event showing no change (set-tag).
const RESERVED = ['__proto__', 'constructor', 'prototype'];

describe.each(DB_KINDS)('tag keys naming object machinery on %s', (kind) => {
  describe.skipIf(skipReason(kind) !== null)(skipReason(kind) ?? 'api', () => {
    const { t, b } = useMlflowRegistry(kind);
    let useCaseId = '';
    const events = async () =>
      (await call(t.app, { method: 'GET', url: '/api/v1/audit/events?limit=500' })).body.items.length;
    const tagsOf = async (url: string) => (await call(t.app, { method: 'GET', url })).body.tags;

    beforeAll(async () => {
      useCaseId = (
        await call(t.app, {
          method: 'POST',
          url: '/api/v1/use-cases',
          body: useCaseBody('tagged', { ownerTeam: 'ml' }),
        })
      ).body.id;
      expect((await ml(t.app, 'POST', '/registered-models/create', { name: 'plain' }, b('ds'))).status).toBe(200);
      expect(
        (await ml(t.app, 'POST', '/model-versions/create', { name: 'plain', source: 's3://plain/1' }, b('ds'))).status,
      ).toBe(200);
    });

    it('refuses them on every MLflow endpoint that takes tags, writing nothing', async () => {
      const before = await events();
      for (const key of RESERVED) {
        const tags = [{ key, value: 'x' }];
        expectError(
          await ml(t.app, 'POST', '/registered-models/create', { name: `m-${key}`, tags }, b('ds')),
          400,
          'INVALID_PARAMETER_VALUE',
          new RegExp(`'${key}'`),
        );
        expectError(
          await ml(t.app, 'GET', '/registered-models/get', { name: `m-${key}` }, b('ds')),
          404,
          'RESOURCE_DOES_NOT_EXIST',
        );
        expectError(
          await ml(t.app, 'POST', '/model-versions/create', { name: 'plain', source: 's3://plain/x', tags }, b('ds')),
          400,
          'INVALID_PARAMETER_VALUE',
          new RegExp(`'${key}'`),
        );
        expectError(
          await ml(t.app, 'POST', '/registered-models/set-tag', { name: 'plain', key, value: 'x' }, b('ds')),
          400,
          'INVALID_PARAMETER_VALUE',
        );
        expectError(
          await ml(t.app, 'DELETE', '/registered-models/delete-tag', { name: 'plain', key }, b('ds')),
          400,
          'INVALID_PARAMETER_VALUE',
        );
        expectError(
          await ml(t.app, 'POST', '/model-versions/set-tag', { name: 'plain', version: '1', key, value: 'x' }, b('ds')),
          400,
          'INVALID_PARAMETER_VALUE',
        );
        expectError(
          await ml(t.app, 'DELETE', '/model-versions/delete-tag', { name: 'plain', version: '1', key }, b('ds')),
          400,
          'INVALID_PARAMETER_VALUE',
        );
      }
      expect(await events()).toBe(before);
      expect(await tagsOf('/api/v1/models/plain')).toEqual({});
      expect(await tagsOf('/api/v1/models/plain/versions/1')).toEqual({});
      const latest = (await ml(t.app, 'GET', '/registered-models/get', { name: 'plain' }, b('ds'))).body
        .registered_model;
      expect(latest.latest_versions.map((v: { version: string }) => v.version)).toEqual(['1']);
    });

    it('refuses them in /api/v1 model and version tags, on create and on patch', async () => {
      expect(
        (await call(t.app, { method: 'POST', url: '/api/v1/models', body: { name: 'api-model', useCaseId } })).status,
      ).toBe(201);
      expect(
        (
          await call(t.app, {
            method: 'POST',
            url: '/api/v1/models/api-model/versions',
            body: { artifactUri: 's3://api/1', artifactDigest: digest(1) },
          })
        ).status,
      ).toBe(201);
      const before = await events();
      // Written as JSON text: an object literal's __proto__ would set the prototype, not a key.
      const tagged = (key: string, extra = '') => `{${extra}"tags":{${JSON.stringify(key)}:"x"}}`;
      for (const key of RESERVED) {
        for (const [method, url, body] of [
          ['POST', '/api/v1/models', tagged(key, `"name":"api-${key}","useCaseId":"${useCaseId}",`)],
          ['PATCH', '/api/v1/models/api-model', tagged(key)],
          [
            'POST',
            '/api/v1/models/api-model/versions',
            tagged(key, `"artifactUri":"s3://api/2","artifactDigest":"${digest(2)}",`),
          ],
          ['PATCH', '/api/v1/models/api-model/versions/1', tagged(key)],
        ] as const) {
          const res = await call(t.app, { method, url, body });
          expect([res.status, method, url, key], res.text).toEqual([400, method, url, key]);
          expect(String(res.headers['content-type'])).toMatch(/^application\/problem\+json/);
          // __proto__ never reaches validation: the JSON parser refuses it (malformed_json).
          if (key !== '__proto__')
            expect(res.body.errors).toContainEqual({ pointer: `/body/tags/${key}`, message: 'is a reserved key' });
        }
        expect((await call(t.app, { method: 'GET', url: `/api/v1/models/api-${key}` })).status).toBe(404);
      }
      expect(await events()).toBe(before);
      expect(await tagsOf('/api/v1/models/api-model')).toEqual({});
      expect(await tagsOf('/api/v1/models/api-model/versions/1')).toEqual({});
      expect((await call(t.app, { method: 'GET', url: '/api/v1/models/api-model/versions/2' })).status).toBe(404);
    });
  });
});
