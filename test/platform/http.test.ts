import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.ts';
import type { DatabaseHandle } from '../../src/db/database.ts';
import type { App } from '../../src/http/app-types.ts';
import { generateKeyPairSync } from 'node:crypto';
import { signerFor } from '../../src/features/audit/signing-key.ts';
import { call, expectProblem, TEST_SESSION, useCaseBody, useTestApp } from '../helpers/app.ts';
import { createTestDatabase, DB_KINDS, skipReason, type TestDatabase } from '../helpers/db.ts';

describe.each(DB_KINDS)('HTTP surface on %s', (kind) => {
  describe.skipIf(skipReason(kind) !== null)(skipReason(kind) ?? 'api', () => {
    const t = useTestApp(kind, { bodyLimit: 4096 });

    it('is healthy once migrated', async () => {
      const res = await call(t.app, { method: 'GET', url: '/healthz' });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ status: 'ok' });
    });

    it('serves an OpenAPI 3.1 document generated from the route schemas', async () => {
      const res = await call(t.app, { method: 'GET', url: '/openapi.json' });
      expect(res.status).toBe(200);
      expect(res.body.openapi).toBe('3.1.0');
      const paths = Object.keys(res.body.paths);
      for (const p of [
        '/api/v1/use-cases',
        '/api/v1/models',
        '/api/v1/models/{name}/versions/{version}',
        '/api/v1/models/{name}/aliases/{alias}',
        '/api/v1/datasets/{id}/versions/{version}/usage',
        '/healthz',
      ]) {
        expect(paths).toContain(p);
      }
      const create = res.body.paths['/api/v1/models/{name}/versions'].post;
      expect(create.requestBody.content['application/json'].schema.properties.artifactDigest.pattern).toBe(
        '^sha256:[0-9a-f]{64}$',
      );
      expect(create.responses['4XX'].content['application/problem+json']).toBeDefined();
      expect(res.body.components.schemas.Problem).toBeDefined();
      expect(Object.keys(res.body.components.securitySchemes)).toEqual(['bearer', 'basic', 'session']);
      expect(res.body.paths['/api/v1/auth/login'].post.security).toEqual([]);
      expect(res.body.paths['/api/v1/models'].get.security).toBeUndefined();
    });

    it('serves the API reference locally at /docs', async () => {
      const page = await t.app.inject({ method: 'GET', url: '/docs/' });
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain('swagger');
      expect(page.body).not.toMatch(/https?:\/\/(cdn|unpkg|cdnjs)/);
      const asset = await t.app.inject({ method: 'GET', url: '/docs/static/swagger-ui-bundle.js' });
      expect(asset.statusCode).toBe(200);
    });

    it('answers malformed JSON, wrong media types and oversize bodies with problems', async () => {
      expectProblem(
        await call(t.app, { method: 'POST', url: '/api/v1/use-cases', body: '{"name": "x",' }),
        400,
        'malformed_json',
      );
      expectProblem(
        await call(t.app, {
          method: 'POST',
          url: '/api/v1/use-cases',
          body: '',
          headers: { 'content-type': 'application/json' },
        }),
        400,
        'malformed_json',
      );
      const text = await t.app.inject({
        method: 'POST',
        url: '/api/v1/use-cases',
        headers: { 'content-type': 'text/plain', authorization: `Bearer ${t.adminToken}` },
        payload: 'hello',
      });
      expect(text.statusCode).toBe(415);
      expect(JSON.parse(text.body).code).toBe('unsupported_media_type');
      const huge = await call(t.app, {
        method: 'POST',
        url: '/api/v1/use-cases',
        body: useCaseBody('huge', { objective: 'x'.repeat(5000) }),
      });
      expectProblem(huge, 413, 'payload_too_large');
      expectProblem(
        await call(t.app, { method: 'POST', url: '/api/v1/use-cases', body: '[1,2]' }),
        400,
        'validation_failed',
      );
      const list = await call(t.app, { method: 'GET', url: '/api/v1/use-cases' });
      expect(list.body.items).toEqual([]);
    });

    it('answers unknown routes and methods with a not_found problem', async () => {
      const res = await call(t.app, { method: 'GET', url: '/api/v1/nothing-here' });
      expectProblem(res, 404, 'not_found');
      expect(res.body).toMatchObject({
        type: 'urn:steward:problem:not_found',
        title: 'Not found',
        status: 404,
        instance: '/api/v1/nothing-here',
      });
      expectProblem(await call(t.app, { method: 'DELETE', url: '/api/v1/models' }), 404, 'not_found');
    });

    it('echoes a sane request id and mints one otherwise', async () => {
      const given = await call(t.app, { method: 'GET', url: '/healthz', headers: { 'x-request-id': 'ci-run-42' } });
      expect(given.headers['x-request-id']).toBe('ci-run-42');
      const minted = await call(t.app, {
        method: 'GET',
        url: '/healthz',
        headers: { 'x-request-id': 'bad id with spaces' },
      });
      expect(minted.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    });
  });

  describe.skipIf(skipReason(kind) !== null)('before migration', () => {
    let testDb: TestDatabase;
    let database: DatabaseHandle;
    let app: App;
    beforeAll(async () => {
      testDb = await createTestDatabase(kind);
      database = testDb.open();
      app = await buildApp({
        config: { bodyLimit: 1024 * 1024, logLevel: 'silent', session: TEST_SESSION },
        database,
        signer: signerFor(generateKeyPairSync('ed25519').privateKey),
        logger: false,
      });
    });
    afterAll(async () => {
      await app.close();
      await database.close();
      await testDb.drop();
    });

    it('reports 503 from /healthz while the database is not migrated', async () => {
      const res = await call(app, { method: 'GET', url: '/healthz' });
      expect(res.status).toBe(503);
      expect(res.body).toEqual({ status: 'unavailable', detail: 'database not migrated' });
    });
  });
});
