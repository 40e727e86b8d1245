import { beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, call, expectProblem, seedUseCase, useTestApp } from '../helpers/app.ts';
import { runCli } from '../helpers/cli.ts';
import { DB_KINDS, skipReason } from '../helpers/db.ts';

describe.each(DB_KINDS)('a use case is named by id or name on %s', (kind) => {
  describe.skipIf(skipReason(kind) !== null)(skipReason(kind) ?? 'api', () => {
    const t = useTestApp(kind);
    let churn: string;
    let fraud: string;

    beforeAll(async () => {
      churn = await seedUseCase(t.app, 'churn');
      fraud = await seedUseCase(t.app, 'fraud-detection');
    });

    it('POST /models takes useCase as a name or an id (and useCaseId as either)', async () => {
      for (const [name, body] of [
        ['by-name', { useCase: 'churn' }],
        ['by-id', { useCase: churn }],
        ['legacy-field-name', { useCaseId: 'churn' }],
        ['legacy-field-id', { useCaseId: churn }],
      ] as const) {
        const res = await call(t.app, { method: 'POST', url: '/api/v1/models', body: { name, ...body } });
        expect(res.status, res.text).toBe(201);
        expect(res.body.useCaseId).toBe(churn);
      }
    });

    it('refuses an unknown name, none, or two different use cases', async () => {
      const unknown = await call(t.app, {
        method: 'POST',
        url: '/api/v1/models',
        body: { name: 'x', useCase: 'nope' },
      });
      expectProblem(unknown, 422, 'invalid_reference');
      expect(unknown.body.detail).toMatch(/use case 'nope' does not exist/);
      expectProblem(
        await call(t.app, { method: 'POST', url: '/api/v1/models', body: { name: 'x' } }),
        400,
        'validation_failed',
      );
      expectProblem(
        await call(t.app, {
          method: 'POST',
          url: '/api/v1/models',
          body: { name: 'x', useCase: 'churn', useCaseId: fraud },
        }),
        400,
        'validation_failed',
      );
      // Nothing half-written.
      expectProblem(await call(t.app, { method: 'GET', url: '/api/v1/models/x' }), 404, 'not_found');
    });

    it('list filters and PATCH take a name too; a use case reads by name', async () => {
      await call(t.app, {
        method: 'POST',
        url: '/api/v1/models',
        body: { name: 'fraud-m', useCase: 'fraud-detection' },
      });
      const names = async (q: string) =>
        (await call(t.app, { method: 'GET', url: `/api/v1/models?${q}` })).body.items.map(
          (m: { name: string }) => m.name,
        );
      expect(await names('useCase=fraud-detection')).toEqual(['fraud-m']);
      expect(await names('useCaseId=fraud-detection')).toEqual(['fraud-m']);
      expect(await names(`useCase=${fraud}`)).toEqual(['fraud-m']);
      expect(await names('useCase=no-such-use-case')).toEqual([]);
      const moved = await call(t.app, {
        method: 'PATCH',
        url: '/api/v1/models/fraud-m',
        body: { useCase: 'churn' },
        headers: { 'content-type': 'application/merge-patch+json' },
      });
      expect(moved.status, moved.text).toBe(200);
      expect(moved.body.useCaseId).toBe(churn);
      const read = await call(t.app, { method: 'GET', url: '/api/v1/use-cases/fraud-detection' });
      expect(read.status).toBe(200);
      expect(read.body.id).toBe(fraud);
    });
  });
});

describe('steward models create --use-case <name> (real process)', () => {
  const t = useTestApp('sqlite');
  let env: Record<string, string>;

  beforeAll(async () => {
    await seedUseCase(t.app, 'churn');
    env = { STEWARD_URL: await t.app.listen({ port: 0, host: '127.0.0.1' }), STEWARD_TOKEN: ADMIN_TOKEN };
  });

  it('registers the model under the named use case', async () => {
    const res = await runCli(['models', 'create', '--name', 'churn-model', '--use-case', 'churn', '--json'], env);
    expect(res.code, res.stderr).toBe(0);
    const listed = await runCli(['models', 'list', '--use-case', 'churn', '--json'], env);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toContain('churn-model');
  });
});
