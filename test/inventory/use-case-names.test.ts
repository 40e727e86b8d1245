import { beforeAll, describe, expect, it } from 'vitest';
import { call, expectProblem, seedUser, useCaseBody, useTestApp } from '../helpers/app.ts';
import { DB_KINDS, skipReason } from '../helpers/db.ts';
import { creditScoring } from '../helpers/policy.ts';

// Every `/use-cases/{id}/...` route takes the use case's name as well as its id.
describe.each(DB_KINDS)('use cases named by name in every route on %s', (kind) => {
  describe.skipIf(skipReason(kind) !== null)(skipReason(kind) ?? 'api', () => {
    const t = useTestApp(kind, { teams: ['lending'] });
    let id = '';
    let owner = '';
    beforeAll(async () => {
      owner = await seedUser(t.app, 'olga', [{ scope: 'lending', role: 'business-stakeholder' }]);
      id = (
        await call(t.app, {
          method: 'POST',
          url: '/api/v1/use-cases',
          body: useCaseBody('credit-scoring', { ownerTeam: 'lending' }),
        })
      ).body.id;
    });

    it('assesses, reads requirements, lifecycle, signatures and documents by name, the same as by id', async () => {
      const assessed = await call(t.app, {
        method: 'PUT',
        url: '/api/v1/use-cases/credit-scoring/assessment',
        body: { answers: creditScoring },
      });
      expect(assessed.status).toBe(200);
      expect(assessed.body.useCaseId).toBe(id);
      for (const path of ['requirements', 'lifecycle', 'assessment', 'signatures']) {
        const byName = await call(t.app, { method: 'GET', url: `/api/v1/use-cases/credit-scoring/${path}` });
        const byId = await call(t.app, { method: 'GET', url: `/api/v1/use-cases/${id}/${path}` });
        expect(byName.status, path).toBe(200);
        expect(byName.body, path).toEqual(byId.body);
      }
      const doc = await call(t.app, {
        method: 'POST',
        url: '/api/v1/use-cases/credit-scoring/documents',
        token: owner,
        body: { kind: 'business-case', title: 'Business case', content: '# Why' },
      });
      expect(doc.status).toBe(201);
    });

    it('filters alerts and incidents by use-case name', async () => {
      for (const list of ['alerts', 'incidents']) {
        const byName = await call(t.app, { method: 'GET', url: `/api/v1/${list}?useCase=credit-scoring` });
        const byId = await call(t.app, { method: 'GET', url: `/api/v1/${list}?useCase=${id}` });
        expect(byName.status, list).toBe(200);
        expect(byName.body, list).toEqual(byId.body);
        expectProblem(
          await call(t.app, { method: 'GET', url: `/api/v1/${list}?useCase=nope` }),
          400,
          'validation_failed',
        );
      }
    });

    it('tells a caller who may not read the inventory nothing about which names exist', async () => {
      const nobody = await seedUser(t.app, 'nobody', []);
      for (const name of ['credit-scoring', 'no-such-use-case']) {
        const res = await call(t.app, {
          method: 'POST',
          url: `/api/v1/use-cases/${name}/documents`,
          token: nobody,
          body: { kind: 'business-case', title: 'x', content: 'x' },
        });
        expectProblem(res, 400, 'validation_failed');
      }
    });

    it('refuses a name that is no use case, and a malformed reference, as invalid (400)', async () => {
      for (const url of [
        '/api/v1/use-cases/no-such-use-case/requirements',
        `/api/v1/use-cases/${'%20'.repeat(3)}/lifecycle`,
        '/api/v1/use-cases/a%01b/lifecycle',
      ])
        expectProblem(await call(t.app, { method: 'GET', url }), 400, 'validation_failed');
      expectProblem(
        await call(t.app, {
          method: 'PUT',
          url: '/api/v1/use-cases/no-such-use-case/assessment',
          body: { answers: {} },
        }),
        400,
        'validation_failed',
      );
    });
  });
});
