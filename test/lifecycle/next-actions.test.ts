import { beforeAll, describe, expect, it } from 'vitest';
import { call, expectProblem, seedUser } from '../helpers/app.ts';
import { DB_KINDS, skipReason } from '../helpers/db.ts';
import { PASSWORD, useGovernedLifecycle } from '../helpers/lifecycle.ts';

interface Missing {
  measure: string;
  step: string;
  status: string;
  roles: string[];
  people: { username: string; displayName: string; role: string }[];
  actions: { kind: string; params: Record<string, unknown>; roles: string[] }[];
}

describe.each(DB_KINDS)('next actions and one status per subject on %s', (kind) => {
  describe.skipIf(skipReason(kind) !== null)(skipReason(kind) ?? 'api', () => {
    const { t, tok, v1, as, sign, documentGate } = useGovernedLifecycle(kind);
    const v2 = '/api/v1/models/pd/versions/2';
    let useCaseId = '';
    const next = async (url: string, token?: string) => {
      const res = await call(t.app, { method: 'GET', url: `${url}/next-actions`, ...(token ? { token } : {}) });
      expect(res.status, res.text).toBe(200);
      return res.body;
    };
    const useCase = () => next(`/api/v1/use-cases/${useCaseId}`);
    const row = async () =>
      (await call(t.app, { method: 'GET', url: '/api/v1/overview?q=credit' })).body.items.find(
        (r: { model: { name: string } | null }) => r.model?.name === 'pd',
      );
    const promote = async (url: string, token: string) => {
      const res = await call(t.app, {
        method: 'POST',
        url: `${url}/promotions`,
        token,
        body: { environment: 'development', reason: 'try it' },
      });
      expect(res.body.status, res.text).toBe('completed');
    };

    beforeAll(async () => {
      useCaseId = (await call(t.app, { method: 'GET', url: '/api/v1/use-cases/credit' })).body.id;
    });

    it('counts progress per step and lists each missing item with its owners, people and action', async () => {
      const body = await next(v1);
      expect(body).toMatchObject({
        model: 'pd',
        version: 1,
        useCase: { id: useCaseId, name: 'credit' },
        governed: true,
        step: 'business-scoping',
        status: { state: 'in-development', environment: null, label: 'In development' },
      });
      const steps = body.steps as { id: string; state: string; met: number; total: number }[];
      expect(steps[0]).toMatchObject({ id: 'business-scoping', state: 'current' });
      expect(steps.slice(1).every((s) => s.state === 'upcoming')).toBe(true);
      // The overall count is the sum of the steps', and every unmet requirement is one missing item.
      expect(body.progress.total).toBe(steps.reduce((n, s) => n + s.total, 0));
      expect(body.progress.met).toBe(steps.reduce((n, s) => n + s.met, 0));
      expect(body.progress.total - body.progress.met).toBe(body.missing.length);
      expect(body.progress.total).toBeGreaterThan(10);
      const requirements = (await call(t.app, { method: 'GET', url: `${v1}/requirements` })).body.requirements as {
        measure: string;
        status: string;
      }[];
      expect(body.progress.total).toBe(requirements.length);
      expect(body.progress.met).toBe(requirements.filter((r) => r.status === 'satisfied').length);

      const missing = body.missing as Missing[];
      const owner = missing.find((m) => m.measure === 'signoff-owner-scoping')!;
      expect(owner).toMatchObject({ step: 'business-scoping', status: 'missing', roles: ['business-stakeholder'] });
      expect(owner.actions).toEqual([
        expect.objectContaining({
          kind: 'sign',
          params: {
            role: 'business-stakeholder',
            meaning: 'approve',
            measure: 'signoff-owner-scoping',
            independent: false,
          },
        }),
      ]);
      expect(owner.people).toEqual([
        { id: expect.any(String), username: 'olga', displayName: 'User olga', role: 'business-stakeholder' },
      ]);
      // A document measure offers the document kind the pack names, for those who may record it.
      const card = missing.find((m) => m.measure === 'doc-model-card')!;
      expect(card.actions).toEqual([
        expect.objectContaining({ kind: 'add-document', params: { documentKind: 'model-card' } }),
      ]);
      expect(card.roles).toContain('data-scientist');
      expect(body.documentKinds).toContain('model-card');
      expect(body.documentKinds).toEqual([...body.documentKinds].sort());
      expect(card.people.map((p) => p.username).sort()).toEqual(['dana', 'dora']);
      // A check offers an evaluation upload with the metric it needs; evidence comes before sign-offs.
      const check = missing.find((m) => m.actions.some((a) => a.kind === 'upload-evaluation'))!;
      expect(check.actions.find((a) => a.kind === 'upload-evaluation')!.params).toHaveProperty('metric');
      for (const m of missing) {
        const kinds = m.actions.map((a) => a.kind);
        expect(kinds.indexOf('sign') === -1 || kinds.slice(kinds.indexOf('sign')).every((k) => k === 'sign')).toBe(
          true,
        );
      }
      // Steps versus environments, explained: production needs the deployment gate, development none.
      expect(body.environments).toEqual([
        expect.objectContaining({ id: 'development', requires: null, deployed: false }),
        expect.objectContaining({ id: 'qa', requires: 'development', deployed: false }),
        expect.objectContaining({ id: 'preproduction', requires: 'development', deployed: false }),
        expect.objectContaining({ id: 'production', requires: 'deployment', deployed: false }),
      ]);
      expect(body.next).toEqual([
        expect.objectContaining({ kind: 'request-promotion', params: { environment: 'development' } }),
      ]);
    });

    it("shows the use case's own steps and its versions' progress", async () => {
      const body = await useCase();
      expect(body).toMatchObject({
        useCase: { id: useCaseId, name: 'credit', team: 'lending' },
        governed: true,
        step: 'business-scoping',
        status: { state: 'in-development' },
      });
      expect(body.steps.map((s: { id: string }) => s.id)).toContain('business-scoping');
      expect(body.progress.total - body.progress.met).toBe(body.missing.length);
      expect(body.versions.map((v: { version: number }) => v.version)).toEqual([2]);
      // The use case's name works where its id does.
      expect((await next('/api/v1/use-cases/credit')).useCase.id).toBe(useCaseId);
    });

    it('is live once promoted, and stale once what an approval covered changed, on the page and in the inventory', async () => {
      await promote(v1, as('ds'));
      const live = await next(v1);
      expect(live.status).toMatchObject({ state: 'live', environment: 'development', label: 'Live in development' });
      expect(live.environments[0]).toMatchObject({ id: 'development', deployed: true });
      expect(live.next.some((a: { kind: string }) => a.kind === 'request-promotion')).toBe(false);
      expect((await row()).model.status).toMatchObject({ state: 'live', environment: 'development' });

      expect((await sign('owner', { role: 'business-stakeholder', meaning: 'approve' })).status).toBe(201);
      // The scoping documents, recorded and accepted after it, change what the approval covered.
      await documentGate('business-scoping');
      const stale = await next(v1);
      expect(stale.status.state).toBe('stale');
      expect(stale.status.reasons).toEqual([expect.stringMatching(/^approve by User olga \(business-stakeholder\)/)]);
      expect((await row()).model.status).toMatchObject({ state: 'stale' });
      expect((await row()).model.status.reasons[0]).toMatch(/^pd v1: approve by User olga/);
    }, 120_000);

    it('is refused where it runs once a validator rejects it, and the use case shows the most urgent status', async () => {
      await promote(v2, as('devrisk'));
      expect((await next(v2)).status.state).toBe('live');
      expect(
        (await sign('risk2', { role: 'risk-audit', meaning: 'reject', comment: 'bias not understood' }, v2)).status,
      ).toBe(201);
      const refused = (await next(v2)).status;
      expect(refused).toMatchObject({ state: 'refused', environment: 'development', label: 'Refused for development' });
      expect(refused.reasons).toEqual([expect.stringMatching(/^rejected by User ravi \(risk-audit\)/)]);
      // The deployment check says the same.
      const check = (
        await call(t.app, { method: 'GET', url: '/api/v1/check?model=pd&version=2&environment=development' })
      ).body;
      expect(check.reasons).toEqual(refused.reasons);
      const uc = await useCase();
      expect(uc.status).toMatchObject({ state: 'refused', environment: 'development' });
      // Version 2's promotion replaced version 1 in development: version 1 no longer stands for the model.
      expect(
        uc.versions.map((v: { version: number; status: { state: string } }) => [v.version, v.status.state]),
      ).toEqual([[2, 'refused']]);
      expect((await next(v1)).status.state).toBe('stale');
      expect((await row()).model.status).toMatchObject({ state: 'refused', label: 'Refused for development' });
    });

    it('is suspended after a human-oversight suspension, on the version, the use case and the inventory row', async () => {
      const suspended = await call(t.app, {
        method: 'POST',
        url: `${v1}/suspension`,
        token: as('owner'),
        body: { reason: 'complaints about refusals', password: PASSWORD('owner') },
      });
      expect(suspended.status, suspended.text).toBe(201);
      const status = (await next(v1)).status;
      expect(status).toMatchObject({ state: 'suspended', label: 'Suspended', environment: null });
      expect(status.reasons[0]).toMatch(/complaints about refusals/);
      expect((await next(v1)).next.some((a: { kind: string }) => a.kind === 'request-promotion')).toBe(false);
      // A suspended version stands for its model even when it is neither the latest nor deployed.
      const uc = await useCase();
      expect(uc.status.state).toBe('suspended');
      expect(
        uc.versions.map((v: { version: number; status: { state: string } }) => [v.version, v.status.state]),
      ).toEqual([
        [2, 'refused'],
        [1, 'suspended'],
      ]);
      const inRow = (await row()).model.status;
      expect(inRow).toMatchObject({ state: 'suspended' });
      expect(inRow.reasons[0]).toMatch(/^pd v1: suspended by human oversight/);
    });

    it('gives each person their own work: what they own or made, and only tasks they can complete', async () => {
      const dana = (await call(t.app, { method: 'GET', url: '/api/v1/me/work', token: as('ds') })).body;
      expect(dana.user).toMatchObject({ username: 'dana', displayName: 'User dana' });
      // Dana registered version 1 and created the model, whose version 2 dora registered.
      expect(dana.versions.map((v: { model: string; version: number }) => `${v.model}@${v.version}`)).toEqual([
        'pd@2',
        'pd@1',
      ]);
      expect(dana.versions[1]).toMatchObject({ useCase: { name: 'credit' }, status: { state: 'suspended' } });
      expect(dana.useCases).toEqual([expect.objectContaining({ name: 'credit', team: 'lending' })]);
      const dora = (await call(t.app, { method: 'GET', url: '/api/v1/me/work', token: as('devrisk') })).body;
      expect(dora.versions.map((v: { version: number }) => v.version)).toEqual([2]);
      // Tasks are the inbox's open ones the person can complete.
      for (const user of ['devrisk', 'owner']) {
        const work = (await call(t.app, { method: 'GET', url: '/api/v1/me/work', token: as(user) })).body;
        const inbox = (await call(t.app, { method: 'GET', url: '/api/v1/tasks', token: as(user) })).body.items as {
          id: string;
          blocked: string | null;
        }[];
        const completable = inbox.filter((x) => x.blocked === null).map((x) => x.id);
        expect(work.tasks.map((x: { id: string }) => x.id).sort()).toEqual(completable.sort());
      }
      const olga = (await call(t.app, { method: 'GET', url: '/api/v1/me/work', token: as('owner') })).body;
      expect(olga.tasks.length).toBeGreaterThan(0);
      expect(olga.tasks.every((x: { useCaseId: string }) => x.useCaseId === useCaseId)).toBe(true);
      // Someone outside the team owns nothing here.
      const otto = (await call(t.app, { method: 'GET', url: '/api/v1/me/work', token: tok.outsider })).body;
      expect(otto).toMatchObject({ useCases: [], versions: [] });
    });

    it('answers unknown subjects with 404, bad ids with 400 and callers who may not read with 403', async () => {
      expectProblem(
        await call(t.app, { method: 'GET', url: '/api/v1/models/pd/versions/9/next-actions' }),
        404,
        'not_found',
      );
      expectProblem(
        await call(t.app, { method: 'GET', url: '/api/v1/models/nope/versions/1/next-actions' }),
        404,
        'not_found',
      );
      expectProblem(
        await call(t.app, {
          method: 'GET',
          url: '/api/v1/use-cases/0190d1a2-0000-7000-8000-000000000000/next-actions',
        }),
        404,
        'not_found',
      );
      expectProblem(
        await call(t.app, { method: 'GET', url: '/api/v1/use-cases/no-such-case/next-actions' }),
        400,
        'validation_failed',
      );
      expectProblem(
        await call(t.app, { method: 'GET', url: '/api/v1/models/pd/versions/x/next-actions' }),
        400,
        'validation_failed',
      );
      expectProblem(
        await call(t.app, { method: 'GET', url: '/api/v1/models/pd/versions/0/next-actions' }),
        400,
        'validation_failed',
      );
      const nobody = await seedUser(t.app, 'nora', []);
      for (const url of [`${v1}/next-actions`, `/api/v1/use-cases/${useCaseId}/next-actions`, '/api/v1/me/work'])
        expectProblem(await call(t.app, { method: 'GET', url, token: nobody }), 403, 'forbidden');
      expectProblem(
        await call(t.app, { method: 'GET', url: `${v1}/next-actions`, token: null }),
        401,
        'unauthenticated',
      );
      // The admin's token belongs to no person's own work... it does: the bootstrap administrator is a person.
      expect((await call(t.app, { method: 'GET', url: '/api/v1/me/work' })).status).toBe(200);
    });
  });
});
