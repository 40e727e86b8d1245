import { describe, expect, it } from 'vitest';
import { call, expectProblem } from '../helpers/app.ts';
import { DB_KINDS, skipReason } from '../helpers/db.ts';
import { useGovernedLifecycle } from '../helpers/lifecycle.ts';
import { independenceRefusal } from '../../src/domain/lifecycle/tasks.ts';

interface InboxTask {
  model: string | null;
  version: number | null;
  useCase: string | null;
  useCaseId: string | null;
  kind: string;
  role: string;
  details: { independent?: boolean };
  blocked: string | null;
}

describe.each(DB_KINDS)('the inbox says where a task belongs and what the caller cannot complete, on %s', (kind) => {
  describe.skipIf(skipReason(kind) !== null)(skipReason(kind) ?? 'api', () => {
    const g = useGovernedLifecycle(kind);
    const inbox = async (user: string) =>
      (await call(g.t.app, { method: 'GET', url: '/api/v1/tasks?assignee=me&limit=500', token: g.as(user) })).body
        .items as InboxTask[];

    it("ties a version's tasks to its use case, and blocks nothing for people who created nothing", async () => {
      await g.reachIdeation();
      const useCaseId = (await call(g.t.app, { method: 'GET', url: '/api/v1/models/pd' })).body.useCaseId;
      expect(useCaseId).toEqual(expect.any(String));
      const dora = await inbox('devrisk');
      expect(dora.length).toBeGreaterThan(0);
      for (const task of dora) expect(task.useCaseId).toBe(useCaseId);
      // Version tasks name the model and version; the use case name is for the use case's own tasks.
      expect(dora.filter((x) => x.model === 'pd').every((x) => x.useCase === null)).toBe(true);
      const independentOnV2 = dora.filter(
        (x) => x.version === 2 && x.kind === 'signoff' && x.role === 'risk-audit' && x.details.independent,
      );
      const elsewhere = dora.filter((x) => !independentOnV2.includes(x));
      for (const task of independentOnV2) expect(task.blocked).toMatch(/you created pd v2; .* must be independent/);
      for (const task of elsewhere) expect(task.blocked).toBeNull();
      // Rita created nothing: nothing blocked for her.
      expect((await inbox('risk1')).every((x) => x.blocked === null)).toBe(true);
      expectProblem(
        await call(g.t.app, { method: 'GET', url: '/api/v1/tasks?limit=0', token: g.as('risk1') }),
        400,
        'validation_failed',
      );
    });

    it('counts the inbox with the listing’s filters, without listing it', async () => {
      const list = async (user: string, query: string) =>
        (await call(g.t.app, { method: 'GET', url: `/api/v1/tasks?limit=500&${query}`, token: g.as(user) })).body
          .items as { id: string }[];
      const count = async (user: string, query: string) => {
        const res = await call(g.t.app, { method: 'GET', url: `/api/v1/tasks/count?${query}`, token: g.as(user) });
        expect(res.status, res.text).toBe(200);
        return res.body.count as number;
      };
      // One of Olga's open tasks is assigned to her, so "assigned to me" counts something too.
      const open = await list('owner', 'status=open');
      expect(open.length).toBeGreaterThan(1);
      const assigned = await call(g.t.app, {
        method: 'PUT',
        url: `/api/v1/tasks/${open[0]!.id}/assignee`,
        token: g.as('owner'),
        body: { username: 'olga' },
      });
      expect(assigned.status, assigned.text).toBe(200);
      for (const user of ['risk1', 'devrisk', 'ds', 'owner', 'outsider'])
        for (const query of ['', 'status=open', 'status=all', 'status=done', 'overdue=true', 'assignedToMe=true'])
          expect(await count(user, query), `${user} ${query}`).toBe((await list(user, query)).length);
      expect(await count('owner', 'assignedToMe=true')).toBe(1);
      expect(await count('owner', '')).toBe(open.length);
      expect(await count('outsider', 'status=all')).toBe(0);

      const bad = (query: string, token: string | null = g.as('risk1')) =>
        call(g.t.app, { method: 'GET', url: `/api/v1/tasks/count?${query}`, token });
      expectProblem(await bad('status=closed'), 400, 'validation_failed');
      expectProblem(await bad('limit=10'), 400, 'validation_failed');
      expectProblem(await bad('overdue=soon'), 400, 'validation_failed');
      expectProblem(await bad('', null), 401, 'unauthenticated');
    });
  });
});

describe('independence of a sign-off task from its subject’s creator', () => {
  it('refuses independent sign-offs only, naming what was created and who has to sign instead', () => {
    const task = { kind: 'signoff', role: 'risk-audit', details: { measure: 'm', independent: true } };
    expect(independenceRefusal(task, { model: 'pd', version: 2 })).toBe(
      'you created pd v2; this risk-audit sign-off must be independent of its author, so another risk-audit has to sign',
    );
    expect(independenceRefusal(task, { useCase: 'credit' })).toContain("you created use case 'credit'");
    expect(independenceRefusal({ ...task, details: { independent: false } }, { model: 'pd', version: 2 })).toBeNull();
    expect(independenceRefusal({ ...task, kind: 'raci' }, { model: 'pd', version: 2 })).toBeNull();
    expect(independenceRefusal({ ...task, details: null }, { model: 'pd', version: 2 })).toBeNull();
  });
});
