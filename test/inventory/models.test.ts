import { beforeAll, describe, expect, it } from 'vitest';
import { call, expectProblem, seedModel, seedUseCase, useTestApp } from '../helpers/app.ts';
import { DB_KINDS, skipReason } from '../helpers/db.ts';

describe.each(DB_KINDS)('models on %s', (kind) => {
  describe.skipIf(skipReason(kind) !== null)(skipReason(kind) ?? 'api', () => {
    const t = useTestApp(kind);
    let ucA: string;
    let ucB: string;
    beforeAll(async () => {
      ucA = await seedUseCase(t.app, 'uc-a');
      ucB = await seedUseCase(t.app, 'uc-b');
    });

    it('registers a model under a use case and reads it back by name', async () => {
      const res = await call(t.app, {
        method: 'POST',
        url: '/api/v1/models',
        body: {
          name: 'churn model',
          useCaseId: ucA,
          description: 'Predicts churn',
          tags: { team: 'growth', 'mlflow.source': 'x' },
        },
      });
      expect(res.status).toBe(201);
      expect(res.headers.location).toBe('/api/v1/models/churn%20model');
      expect(res.body).toMatchObject({
        name: 'churn model',
        useCaseId: ucA,
        tags: { team: 'growth', 'mlflow.source': 'x' },
        latestVersion: null,
        aliases: {},
      });
      const read = await call(t.app, { method: 'GET', url: '/api/v1/models/churn%20model' });
      expect(read.status).toBe(200);
      expect(read.body).toEqual(res.body);
    });

    it('refuses duplicate names, unknown use cases and bad names', async () => {
      await seedModel(t.app, 'dup-model', ucA);
      expectProblem(
        await call(t.app, { method: 'POST', url: '/api/v1/models', body: { name: 'dup-model', useCaseId: ucB } }),
        409,
        'conflict',
      );
      const ghost = await call(t.app, {
        method: 'POST',
        url: '/api/v1/models',
        body: { name: 'ghost-uc', useCaseId: '00000000-0000-4000-8000-000000000000' },
      });
      expectProblem(ghost, 422, 'invalid_reference');
      expectProblem(
        await call(t.app, { method: 'POST', url: '/api/v1/models', body: { name: 'a/b', useCaseId: ucA } }),
        400,
        'validation_failed',
      );
      expectProblem(
        await call(t.app, { method: 'POST', url: '/api/v1/models', body: { name: '', useCaseId: ucA } }),
        400,
        'validation_failed',
      );
      expectProblem(
        await call(t.app, {
          method: 'POST',
          url: '/api/v1/models',
          body: { name: 'tags-wrong', useCaseId: ucA, tags: { a: 1 } },
        }),
        400,
        'validation_failed',
      );
      expectProblem(await call(t.app, { method: 'GET', url: '/api/v1/models/ghost-uc' }), 404, 'not_found');
      expectProblem(await call(t.app, { method: 'GET', url: '/api/v1/models/tags-wrong' }), 404, 'not_found');
    });

    it('filters by use case, tag and text, and pages with a cursor', async () => {
      for (const [name, uc, tags, description] of [
        ['f-alpha', ucB, { domain: 'fraud' }, 'card fraud'],
        ['f-beta', ucB, { domain: 'fraud', champion: 'yes' }, 'wire FRAUD detection'],
        ['f-gamma', ucB, { domain: 'credit' }, 'limits'],
        ['f_delta%', ucB, {}, 'literal wildcard name'],
      ] as const) {
        await seedModel(t.app, name, uc, { tags, description });
      }
      const names = async (qs: string) =>
        (await call(t.app, { method: 'GET', url: `/api/v1/models?${qs}` })).body.items.map(
          (m: { name: string }) => m.name,
        );
      expect(await names(`useCaseId=${ucB}`)).toEqual(['f-alpha', 'f-beta', 'f-gamma', 'f_delta%']);
      expect(await names(`useCaseId=${ucB}&tag=domain%3Dfraud`)).toEqual(['f-alpha', 'f-beta']);
      expect(await names(`tag=champion`)).toEqual(['f-beta']);
      expect(await names(`useCaseId=${ucB}&q=fraud`)).toEqual(['f-alpha', 'f-beta']);
      expect(await names(`q=${encodeURIComponent('_delta%')}`)).toEqual(['f_delta%']);
      expect(await names(`q=${encodeURIComponent('%')}`)).toEqual(['f_delta%']);

      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page: Awaited<ReturnType<typeof call>> = await call(t.app, {
          method: 'GET',
          url: `/api/v1/models?useCaseId=${ucB}&limit=3${cursor ? `&cursor=${cursor}` : ''}`,
        });
        seen.push(...page.body.items.map((m: { name: string }) => m.name));
        cursor = page.body.nextCursor;
      } while (cursor);
      expect(seen).toEqual(['f-alpha', 'f-beta', 'f-gamma', 'f_delta%']);

      expectProblem(await call(t.app, { method: 'GET', url: '/api/v1/models?limit=0' }), 400, 'validation_failed');
      expectProblem(await call(t.app, { method: 'GET', url: '/api/v1/models?limit=abc' }), 400, 'validation_failed');
      expectProblem(await call(t.app, { method: 'GET', url: '/api/v1/models?colour=red' }), 400, 'validation_failed');
    });

    it('patches description, tags (merge) and name with optimistic concurrency', async () => {
      await seedModel(t.app, 'patch-me', ucA, { tags: { keep: '1', drop: '2' } });
      const read = await call(t.app, { method: 'GET', url: '/api/v1/models/patch-me' });
      const etag = read.headers.etag as string;
      const patched = await call(t.app, {
        method: 'PATCH',
        url: '/api/v1/models/patch-me',
        body: { description: 'now described', tags: { drop: null, add: 'new' }, useCaseId: ucB },
        headers: { 'if-match': etag },
      });
      expect(patched.status).toBe(200);
      expect(patched.body).toMatchObject({
        description: 'now described',
        tags: { keep: '1', add: 'new' },
        useCaseId: ucB,
      });
      expect((await call(t.app, { method: 'GET', url: '/api/v1/models/patch-me' })).body.tags).toEqual({
        keep: '1',
        add: 'new',
      });

      expectProblem(
        await call(t.app, {
          method: 'PATCH',
          url: '/api/v1/models/patch-me',
          body: { description: 'lost update' },
          headers: { 'if-match': etag },
        }),
        412,
        'precondition_failed',
      );

      const renamed = await call(t.app, { method: 'PATCH', url: '/api/v1/models/patch-me', body: { name: 'patched' } });
      expect(renamed.body.name).toBe('patched');
      expectProblem(await call(t.app, { method: 'GET', url: '/api/v1/models/patch-me' }), 404, 'not_found');

      expectProblem(
        await call(t.app, { method: 'PATCH', url: '/api/v1/models/patched', body: {} }),
        400,
        'validation_failed',
      );
      expectProblem(
        await call(t.app, { method: 'PATCH', url: '/api/v1/models/patched', body: { latestVersion: 9 } }),
        400,
        'validation_failed',
      );
      expectProblem(
        await call(t.app, {
          method: 'PATCH',
          url: '/api/v1/models/patched',
          body: { useCaseId: '00000000-0000-4000-8000-000000000000' },
        }),
        422,
        'invalid_reference',
      );
      await seedModel(t.app, 'taken', ucA);
      expectProblem(
        await call(t.app, {
          method: 'PATCH',
          url: '/api/v1/models/patched',
          body: { name: 'taken', description: 'x' },
        }),
        409,
        'conflict',
      );
      const after = await call(t.app, { method: 'GET', url: '/api/v1/models/patched' });
      expect(after.body).toMatchObject({ description: 'now described', useCaseId: ucB });
    });
  });
});
