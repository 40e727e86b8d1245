import { beforeAll, describe, expect, it } from 'vitest';
import { call, digest, expectProblem, seedModel, seedUseCase, useTestApp } from '../helpers/app.ts';
import { DB_KINDS, skipReason } from '../helpers/db.ts';

/** `n` tags `k0..` with values of `size` characters. */
const tags = (n: number, size = 1, prefix = 'k') =>
  Object.fromEntries(Array.from({ length: n }, (_, i) => [`${prefix}${i}`, 'v'.repeat(size)]));

describe.each(DB_KINDS)('tag limits on %s', (kind) => {
  describe.skipIf(skipReason(kind) !== null)(skipReason(kind) ?? 'api', () => {
    const t = useTestApp(kind, { mlflow: { registrationChecks: false } });
    let useCaseId = '';
    beforeAll(async () => {
      useCaseId = await seedUseCase(t.app, 'tagged');
    });
    const refused = (res: Awaited<ReturnType<typeof call>>, limit: RegExp) => {
      expectProblem(res, 400, 'validation_failed');
      expect(res.body.detail).toMatch(limit);
      expect(res.body.errors).toEqual([{ pointer: '/body/tags', message: res.body.detail }]);
    };

    it('refuses a model with more than 100 tags or 64 KiB of them, and stores nothing', async () => {
      const many = await call(t.app, {
        method: 'POST',
        url: '/api/v1/models',
        body: { name: 'too-many', useCaseId, tags: tags(101) },
      });
      refused(many, /101 tags: an object carries at most 100 tags/);
      const large = await call(t.app, {
        method: 'POST',
        url: '/api/v1/models',
        body: { name: 'too-large', useCaseId, tags: tags(2, 40_000) },
      });
      refused(large, /at most 65536 bytes \(64 KiB\)/);
      for (const name of ['too-many', 'too-large'])
        expectProblem(await call(t.app, { method: 'GET', url: `/api/v1/models/${name}` }), 404, 'not_found');
    });

    it('refuses a model change that takes its tags over the limit, one tag at a time too', async () => {
      await seedModel(t.app, 'full', useCaseId, { tags: tags(100) });
      const res = await call(t.app, { method: 'PATCH', url: '/api/v1/models/full', body: { tags: { extra: 'x' } } });
      refused(res, /101 tags: an object carries at most 100 tags/);
      const stored = await call(t.app, { method: 'GET', url: '/api/v1/models/full' });
      expect(Object.keys(stored.body.tags)).toHaveLength(100);
      expect(stored.body.tags).not.toHaveProperty('extra');
      // Replacing a value or removing a tag stays possible at the limit.
      const swap = await call(t.app, {
        method: 'PATCH',
        url: '/api/v1/models/full',
        body: { tags: { k0: 'changed', k1: null, other: 'y' } },
      });
      expect(swap.status, swap.text).toBe(200);
      expect(Object.keys(swap.body.tags)).toHaveLength(100);
    });

    it('lets tags stored before the limit be removed, not added to', async () => {
      await seedModel(t.app, 'legacy', useCaseId, { tags: tags(100) });
      const { id } = (await call(t.app, { method: 'GET', url: '/api/v1/models/legacy' })).body;
      await t.database.db
        .insertInto('model_tags')
        .values(Array.from({ length: 5 }, (_, i) => ({ model_id: id, key: `old${i}`, value: 'o' })))
        .execute();
      refused(
        await call(t.app, { method: 'PATCH', url: '/api/v1/models/legacy', body: { tags: { more: 'x' } } }),
        /106 tags/,
      );
      const trimmed = await call(t.app, {
        method: 'PATCH',
        url: '/api/v1/models/legacy',
        body: { tags: { old0: null, old1: null } },
      });
      expect(trimmed.status, trimmed.text).toBe(200);
      expect(Object.keys(trimmed.body.tags)).toHaveLength(103);
    });

    it('refuses versions over the limit, at registration and by a change', async () => {
      await seedModel(t.app, 'versioned', useCaseId);
      const base = '/api/v1/models/versioned/versions';
      refused(
        await call(t.app, {
          method: 'POST',
          url: base,
          body: { artifactUri: 's3://m/1', artifactDigest: digest(1), tags: tags(101) },
        }),
        /at most 100 tags/,
      );
      const v = await call(t.app, {
        method: 'POST',
        url: base,
        body: { artifactUri: 's3://m/1', artifactDigest: digest(1), tags: tags(1, 60_000) },
      });
      expect(v.status, v.text).toBe(201);
      expect(v.body.version).toBe(1);
      refused(
        await call(t.app, { method: 'PATCH', url: `${base}/1`, body: { tags: tags(1, 10_000, 'more') } }),
        /at most 65536 bytes/,
      );
      expect(Object.keys((await call(t.app, { method: 'GET', url: `${base}/1` })).body.tags)).toEqual(['k0']);
    });

    it('holds through the MLflow protocol as well', async () => {
      await seedModel(t.app, 'via-mlflow', useCaseId, { tags: tags(100) });
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/2.0/mlflow/registered-models/set-tag',
        headers: { authorization: `Bearer ${t.adminToken}`, 'content-type': 'application/json' },
        payload: JSON.stringify({ name: 'via-mlflow', key: 'one-more', value: 'x' }),
      });
      expect(res.statusCode, res.body).toBe(400);
      expect(res.body).toMatch(/at most 100 tags/);
    });
  });
});
