import { beforeAll, describe, expect, it } from 'vitest';
import { call, expectProblem, manualClock, seedUser, useCaseBody, useTestApp } from '../helpers/app.ts';
import { DB_KINDS, skipReason } from '../helpers/db.ts';
import { creditScoring } from '../helpers/policy.ts';

const DAY = 86_400_000;

type Change = {
  regulation: string;
  requirement: string;
  change: string;
  day: string;
  upcoming: boolean;
  acted: boolean;
  useCases: number;
  reaches: { name: string }[];
};

for (const kind of DB_KINDS) {
  const skip = skipReason(kind);
  describe.skipIf(skip)(`regulatory change watch (${kind})${skip ? ` — ${skip}` : ''}`, () => {
    // Two days before the CCPA's automated decision-making rules take effect (2027-01-01).
    const clock = manualClock(Date.parse('2026-12-30T12:00:00Z'));
    const t = useTestApp(kind, { clock, teams: ['lending'] });
    const ids: Record<string, string> = {};
    let owner = '';

    const assess = async (name: string, answers: Record<string, unknown>, extra: Record<string, unknown> = {}) => {
      const uc = await call(t.app, {
        method: 'POST',
        url: '/api/v1/use-cases',
        body: useCaseBody(name, { ownerTeam: 'lending', ...extra }),
      });
      expect(uc.status, uc.text).toBe(201);
      const a = await call(t.app, {
        method: 'PUT',
        url: `/api/v1/use-cases/${uc.body.id}/assessment`,
        body: { answers },
      });
      expect(a.status, a.text).toBe(200);
      ids[name] = uc.body.id;
    };
    const sources = async (name: string) =>
      (
        (await call(t.app, { method: 'GET', url: `/api/v1/use-cases/${ids[name]}/requirements` })).body
          .requirements as { sources: string[] }[]
      ).flatMap((r) => r.sources);

    beforeAll(async () => {
      owner = await seedUser(t.app, 'olga', [{ scope: 'lending', role: 'business-stakeholder' }]);
      await assess('california-credit', { ...creditScoring, regions: ['US-CA'] }, { regions: ['US-CA'] });
      await assess('eu-credit', creditScoring);
      await assess('oecd-credit', { ...creditScoring, voluntaryFrameworks: ['oecd'] });
    });

    it('lists upcoming changes with the use cases they reach', async () => {
      const res = await call(t.app, { method: 'GET', url: '/api/v1/governance/regulatory-changes?days=30' });
      expect(res.status, res.text).toBe(200);
      const admt = (res.body.items as Change[]).find((c) => c.regulation === 'ccpa' && c.requirement === 'admt')!;
      expect(admt).toMatchObject({
        change: 'takes-effect',
        day: '2027-01-01',
        upcoming: true,
        acted: false,
        useCases: 1,
      });
      expect(admt.reaches.map((r) => r.name)).toEqual(['california-credit']);
      expect(await sources('california-credit')).not.toContain('ccpa:admt');
    });

    it('acts once when the day comes: a task, an audit event, the new measures required', async () => {
      expect(
        (await call(t.app, { method: 'POST', url: '/api/v1/governance/regulatory-changes/runs' })).body,
      ).toMatchObject({
        changes: 0,
        useCases: 0,
      });
      clock.advance(3 * DAY);
      const run = await call(t.app, { method: 'POST', url: '/api/v1/governance/regulatory-changes/runs' });
      expect(run.status, run.text).toBe(200);
      expect(run.body).toMatchObject({ through: '2027-01-02', useCases: 1 });
      expect(run.body.changes).toBeGreaterThanOrEqual(1);
      const again = await call(t.app, { method: 'POST', url: '/api/v1/governance/regulatory-changes/runs' });
      expect(again.body).toMatchObject({ changes: 0, useCases: 0 });

      expect(await sources('california-credit')).toContain('ccpa:admt');
      const tasks = await call(t.app, { method: 'GET', url: '/api/v1/tasks?status=open&limit=500', token: owner });
      const mine = (
        tasks.body.items as { kind: string; useCase: string | null; title: string; details: { requirement: string } }[]
      ).filter((x) => x.kind === 'regulatory-change');
      expect(mine).toHaveLength(1);
      expect(mine[0]).toMatchObject({ useCase: 'california-credit', details: { requirement: 'admt' } });
      expect(mine[0]!.title).toContain('takes effect on 2027-01-01');
      const audit = await call(t.app, {
        method: 'GET',
        url: `/api/v1/audit/events?action=regulation.change&subjectId=${ids['california-credit']}`,
      });
      expect(audit.body.items).toHaveLength(1);
      const listed = await call(t.app, { method: 'GET', url: '/api/v1/governance/regulatory-changes?days=30' });
      expect((listed.body.items as Change[]).find((c) => c.requirement === 'admt')).toMatchObject({
        upcoming: false,
        acted: true,
      });
    });

    it('adds a voluntary framework’s principles, mapped to measures, when a use case commits to it', async () => {
      const oecd = await sources('oecd-credit');
      expect(oecd).toEqual(expect.arrayContaining(['oecd-ai-principles:1.3', 'oecd-ai-principles:1.5']));
      expect(await sources('eu-credit')).not.toContain('oecd-ai-principles:1.3');
    });

    it('refuses bad windows and people who may not run the watch', async () => {
      expectProblem(
        await call(t.app, { method: 'GET', url: '/api/v1/governance/regulatory-changes?days=0' }),
        400,
        'validation_failed',
      );
      expectProblem(
        await call(t.app, { method: 'GET', url: '/api/v1/governance/regulatory-changes?days=x' }),
        400,
        'validation_failed',
      );
      expectProblem(
        await call(t.app, { method: 'POST', url: '/api/v1/governance/regulatory-changes/runs', token: owner }),
        403,
        'forbidden',
      );
    });
  });
}
