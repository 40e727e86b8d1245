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
