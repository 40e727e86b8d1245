import { describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH } from '../../src/lib/depth.ts';
import { call, digest, expectProblem, seedModel, seedUseCase, useTestApp } from '../helpers/app.ts';
import { DB_KINDS, skipReason } from '../helpers/db.ts';

const nested = (levels: number, inner: unknown = 1): unknown => {
  let v = inner;
  for (let i = 0; i < levels; i++) v = [v];
  return v;
};
// Text, not a value: JSON.stringify itself recurses.
const deepText = (levels: number) => `${'['.repeat(levels)}1${']'.repeat(levels)}`;
const deepObject = (levels: number) => `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;

describe.each(DB_KINDS)('JSON nested deeper than the limit is refused on %s', (kind) => {
  describe.skipIf(skipReason(kind) !== null)(skipReason(kind) ?? 'api', () => {
    const t = useTestApp(kind, { bodyLimit: 4 * 1024 * 1024 });

    const deepBodies: [string, 'POST' | 'PATCH' | 'PUT', string, string, string | null][] = [
      ['a model', 'POST', '/api/v1/models', `{"name":"m","useCaseId":${deepText(5000)}}`, 'application/json'],
      [
        'tags (a merge patch)',
        'PATCH',
        '/api/v1/models/deep-m',
        `{"tags":${deepObject(5000)}}`,
        'application/merge-patch+json',
      ],
      ['a use case', 'POST', '/api/v1/use-cases', `{"name":"x","kpis":${deepText(100_000)}}`, 'application/json'],
      ['a policy pack', 'POST', '/api/v1/policies/validate', `{"pack":${deepObject(5000)}}`, 'application/json'],
      ['a whole body', 'POST', '/api/v1/teams', deepText(5000), 'application/json'],
    ];

    it.each(deepBodies)(
      '%s nested 5,000+ levels answers 400 naming the limit',
      async (_what, method, url, payload, type) => {
        if (url.includes('deep-m')) await seedModel(t.app, 'deep-m', await seedUseCase(t.app, 'deep-uc'));
        const res = await call(t.app, { method, url, body: payload, headers: type ? { 'content-type': type } : {} });
        expectProblem(res, 400, 'validation_failed');
        expect(res.body.detail).toContain(`more than ${MAX_JSON_DEPTH} levels`);
        expect(res.body.maxDepth).toBe(MAX_JSON_DEPTH);
        // The problem quotes neither the body nor a pointer as long as its nesting.
        expect(res.text.length).toBeLessThan(2000);
      },
    );

    it('refuses it on the unauthenticated login route too', async () => {
      const res = await call(t.app, {
        method: 'POST',
        url: '/api/v1/auth/login',
        token: null,
        body: `{"username":"admin","password":${deepText(5000)}}`,
      });
      expectProblem(res, 400, 'validation_failed');
      expect(res.body.detail).toContain(`${MAX_JSON_DEPTH} levels`);
    });

    it('accepts nesting up to the limit (it reaches schema validation)', async () => {
      const res = await call(t.app, {
        method: 'POST',
        url: '/api/v1/teams',
        body: { name: nested(MAX_JSON_DEPTH - 1) },
      });
      expectProblem(res, 400, 'validation_failed');
      expect(res.body.detail).not.toContain('levels');
    });

    it('refuses a policy pack as YAML nested 5,000 levels, flow or block', async () => {
      for (const yaml of [deepText(5000), `${'- '.repeat(3000)}x`]) {
        const res = await call(t.app, { method: 'POST', url: '/api/v1/policies', body: { yaml } });
        expectProblem(res, 400, 'validation_failed');
        expect(res.text).toContain(`more than ${MAX_JSON_DEPTH} levels`);
      }
    });

    it('does not quote back a huge member name with a NUL in it', async () => {
      const name = `${'k'.repeat(300_000)}\u0000`;
      const res = await call(t.app, {
        method: 'POST',
        url: '/api/v1/teams',
        body: { name: 'x', extra: { [name]: 1 } },
      });
      expectProblem(res, 400, 'validation_failed');
      expect(res.text.length).toBeLessThan(2000);
    });

    it('refuses a JSON Lines prediction record nested 5,000 levels deep', async () => {
      await seedModel(t.app, 'deep-logs', await seedUseCase(t.app, 'deep-logs-uc'));
      const v = await call(t.app, {
        method: 'POST',
        url: '/api/v1/models/deep-logs/versions',
        body: { artifactUri: 's3://m/1', artifactDigest: digest('deep-1') },
      });
      expect(v.status, v.text).toBe(201);
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/v1/models/deep-logs/versions/1/predictions',
        headers: { 'content-type': 'application/x-ndjson', authorization: `Bearer ${t.adminToken}` },
        payload: `{"id":"a","timestamp":"2026-01-01T00:00:00Z","prediction":${deepText(5000)}}\n`,
      });
      expect(res.statusCode, res.body).toBe(400);
      expect(JSON.parse(res.body)).toMatchObject({ code: 'validation_failed' });
      expect(res.body).toContain(`${MAX_JSON_DEPTH} levels`);
    });
  });
});
