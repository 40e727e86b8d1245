import { describe, expect, it } from 'vitest';
import { call, expectProblem, useCaseBody, useTestApp } from '../helpers/app.ts';
import { DB_KINDS, skipReason } from '../helpers/db.ts';

describe.each(DB_KINDS)('use cases on %s', (kind) => {
  describe.skipIf(skipReason(kind) !== null)(skipReason(kind) ?? 'api', () => {
    const t = useTestApp(kind);

    it('creates, reads and lists a use case with its KPIs and classification inputs', async () => {
      const created = await call(t.app, {
        method: 'POST',
        url: '/api/v1/use-cases',
        body: useCaseBody('credit-scoring'),
      });
      expect(created.status).toBe(201);
      expect(created.headers.location).toBe(`/api/v1/use-cases/${created.body.id}`);
      expect(created.headers.etag).toMatch(/^".+"$/);
      expect(created.body).toMatchObject({
        name: 'credit-scoring',
        consumers: 'public',
        regions: ['EU', 'DE'],
        processesPersonalData: true,
        kpis: [{ name: 'approval-rate', target: 0.8, direction: 'at-least', unit: 'ratio' }],
      });
      expect(created.body.revision).toBeUndefined();

      const read = await call(t.app, { method: 'GET', url: `/api/v1/use-cases/${created.body.id}` });
      expect(read.status).toBe(200);
      expect(read.body).toEqual(created.body);
      expect(read.headers.etag).toBe(created.headers.etag);

      const list = await call(t.app, { method: 'GET', url: '/api/v1/use-cases' });
      expect(list.body.items.map((u: { name: string }) => u.name)).toContain('credit-scoring');
    });

    it('pages through use cases with a cursor', async () => {
      for (let i = 0; i < 5; i++)
        await call(t.app, {
          method: 'POST',
          url: '/api/v1/use-cases',
          body: useCaseBody(`paged-${i}`, { ownerTeam: 'paging' }),
        });
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page: Awaited<ReturnType<typeof call>> = await call(t.app, {
          method: 'GET',
          url: `/api/v1/use-cases?ownerTeam=paging&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
        });
        expect(page.status).toBe(200);
        expect(page.body.items.length).toBeLessThanOrEqual(2);
        seen.push(...page.body.items.map((u: { name: string }) => u.name));
        cursor = page.body.nextCursor;
      } while (cursor);
      expect(seen).toEqual(['paged-0', 'paged-1', 'paged-2', 'paged-3', 'paged-4']);
    });

    it('updates with If-Match and refuses a stale ETag with 412', async () => {
      const created = await call(t.app, { method: 'POST', url: '/api/v1/use-cases', body: useCaseBody('etag-case') });
      const url = `/api/v1/use-cases/${created.body.id}`;
      const first = await call(t.app, {
        method: 'PATCH',
        url,
        body: { sector: 'insurance' },
        headers: { 'if-match': created.headers.etag as string },
      });
      expect(first.status).toBe(200);
      expect(first.body.sector).toBe('insurance');
      expect(first.headers.etag).not.toBe(created.headers.etag);

      const stale = await call(t.app, {
        method: 'PATCH',
        url,
        body: { sector: 'retail' },
        headers: { 'if-match': created.headers.etag as string },
      });
      expectProblem(stale, 412, 'precondition_failed');
      const foreign = await call(t.app, {
        method: 'PATCH',
        url,
        body: { sector: 'retail' },
        headers: { 'if-match': '"something-else"' },
      });
      expectProblem(foreign, 412, 'precondition_failed');
      expect((await call(t.app, { method: 'GET', url })).body.sector).toBe('insurance');

      const unconditional = await call(t.app, { method: 'PATCH', url, body: { consumers: 'internal-few' } });
      expect(unconditional.status).toBe(200);
      expect(unconditional.body).toMatchObject({ sector: 'insurance', consumers: 'internal-few' });
    });

    it('rejects bad input with problems and writes nothing', async () => {
      const missing = await call(t.app, { method: 'POST', url: '/api/v1/use-cases', body: { name: 'x' } });
      expectProblem(missing, 400, 'validation_failed');
      expect(missing.body.errors.map((e: { pointer: string }) => e.pointer)).toEqual(
        expect.arrayContaining(['/body/objective', '/body/ownerTeam']),
      );

      const badEnum = await call(t.app, {
        method: 'POST',
        url: '/api/v1/use-cases',
        body: useCaseBody('bad-enum', { consumers: 'everyone' }),
      });
      expectProblem(badEnum, 400, 'validation_failed');
      const wrongType = await call(t.app, {
        method: 'POST',
        url: '/api/v1/use-cases',
        body: useCaseBody('wrong-type', { processesPersonalData: 'yes' }),
      });
      expectProblem(wrongType, 400, 'validation_failed');
      const unknown = await call(t.app, {
        method: 'POST',
        url: '/api/v1/use-cases',
        body: useCaseBody('unknown-field', { riskTier: 4 }),
      });
      expectProblem(unknown, 400, 'validation_failed');
      expect(unknown.body.errors).toContainEqual({ pointer: '/body/riskTier', message: 'is not a known field' });

      await call(t.app, { method: 'POST', url: '/api/v1/use-cases', body: useCaseBody('dup-case') });
      const dup = await call(t.app, { method: 'POST', url: '/api/v1/use-cases', body: useCaseBody('dup-case') });
      expectProblem(dup, 409, 'conflict');

      const names = (await call(t.app, { method: 'GET', url: '/api/v1/use-cases?limit=500' })).body.items.map(
        (u: { name: string }) => u.name,
      );
      expect(names).not.toContain('bad-enum');
      expect(names).not.toContain('wrong-type');
      expect(names).not.toContain('unknown-field');
      expect(names.filter((n: string) => n === 'dup-case')).toHaveLength(1);
    });

    it('answers 404 for unknown ids and 400 for malformed ones', async () => {
      expectProblem(
        await call(t.app, { method: 'GET', url: '/api/v1/use-cases/00000000-0000-4000-8000-000000000000' }),
        404,
        'not_found',
      );
      // A use case reads by id or name: an unknown name is not found, a control character malformed.
      expectProblem(await call(t.app, { method: 'GET', url: '/api/v1/use-cases/not-a-uuid' }), 404, 'not_found');
      expectProblem(await call(t.app, { method: 'GET', url: '/api/v1/use-cases/a%01b' }), 400, 'validation_failed');
      expectProblem(
        await call(t.app, {
          method: 'PATCH',
          url: '/api/v1/use-cases/00000000-0000-4000-8000-000000000000',
          body: { sector: 'x' },
        }),
        404,
        'not_found',
      );
      expectProblem(
        await call(t.app, { method: 'GET', url: '/api/v1/use-cases?cursor=garbage' }),
        400,
        'validation_failed',
      );
    });

    it('refuses a rename onto an existing name with 409 and keeps both records', async () => {
      const a = await call(t.app, { method: 'POST', url: '/api/v1/use-cases', body: useCaseBody('rename-a') });
      await call(t.app, { method: 'POST', url: '/api/v1/use-cases', body: useCaseBody('rename-b') });
      expectProblem(
        await call(t.app, { method: 'PATCH', url: `/api/v1/use-cases/${a.body.id}`, body: { name: 'rename-b' } }),
        409,
        'conflict',
      );
      expect((await call(t.app, { method: 'GET', url: `/api/v1/use-cases/${a.body.id}` })).body.name).toBe('rename-a');
    });
  });
});
