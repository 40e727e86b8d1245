import { beforeAll, describe, expect, it } from 'vitest';
import { call, expectProblem, manualClock, seedUser, useCaseBody, useTestApp } from '../helpers/app.ts';
import { creditScoring } from '../helpers/policy.ts';
import { DB_KINDS, skipReason } from '../helpers/db.ts';
import { useGovernedLifecycle } from '../helpers/lifecycle.ts';

const DAY = 86_400_000;

type Value = {
  kpi: string;
  team: string;
  value: number | null;
  numerator?: number;
  denominator?: number;
  detail?: any;
};
const pick = (values: Value[], kpi: string, team = '*') => values.find((v) => v.kpi === kpi && v.team === team);

for (const kind of DB_KINDS) {
  const skip = skipReason(kind);
  describe.skipIf(skip)(`governance KPIs and leaderboard (${kind})${skip ? ` — ${skip}` : ''}`, () => {
    const clock = manualClock(Date.parse('2026-03-02T09:00:00Z'));
    const g = useGovernedLifecycle(kind, { clock });
    const app = () => g.t.app;

    it('computes the KPIs from the record, per team, with the pack’s targets beside them', async () => {
      const res = await call(app(), { method: 'GET', url: '/api/v1/governance/kpis' });
      expect(res.status, res.text).toBe(200);
      const values = res.body.values as Value[];
      // Two tier-4 versions in their process, neither with every requirement met.
      const compliance = pick(values, 'high-risk-compliance')!;
      expect(compliance).toMatchObject({ value: 0, numerator: 0, denominator: 2 });
      expect(pick(values, 'high-risk-compliance', 'lending')).toMatchObject({ denominator: 2 });
      expect(compliance).toMatchObject({ target: { comparator: '>=', target: 0.9 }, missed: true });
      const coverage = pick(values, 'evidence-coverage')!;
      expect(coverage.denominator).toBeGreaterThan(10);
      expect(coverage.numerator).toBeLessThan(coverage.denominator!);
      // Per consideration: each holds its satisfied and total counts.
      const considerations = coverage.detail.byConsideration as Record<string, { satisfied: number; total: number }>;
      expect(Object.values(considerations).reduce((a, c) => a + c.total, 0)).toBe(coverage.denominator);
      // Nothing deployed yet: a share of nothing is no value, and misses no target.
      expect(pick(values, 'inventory-coverage')).toMatchObject({ value: null, denominator: 0 });
      expect(pick(values, 'monitoring-coverage')!.value).toBeNull();
      expect(pick(values, 'overdue-tasks')!.value).toBe(0);
      expect(res.body.definitions.map((d: { id: string }) => d.id)).toContain('incident-close-median-days');
    });

    it('narrows to a team and a KPI', async () => {
      const res = await call(app(), {
        method: 'GET',
        url: '/api/v1/governance/kpis?team=lending&kpi=evidence-coverage',
      });
      expect(res.status, res.text).toBe(200);
      expect(res.body.values).toHaveLength(1);
      expect(res.body.values[0]).toMatchObject({ kpi: 'evidence-coverage', team: 'lending' });
    });

    it('snapshots daily, keeps the history, and raises then resolves an alert on a missed target', async () => {
      const first = await call(app(), { method: 'POST', url: '/api/v1/governance/kpis/snapshots' });
      expect(first.status, first.text).toBe(201);
      expect(first.body.day).toBe('2026-03-02');
      // High-risk compliance misses its target at once.
      expect(first.body.alerts.opened).toContain('high-risk-compliance');
      expect(first.body.alerts.opened).not.toContain('overdue-tasks');

      // A month on, every task is past due: overdue-tasks misses its target too (once).
      clock.advance(30 * DAY);
      const second = await call(app(), { method: 'POST', url: '/api/v1/governance/kpis/snapshots' });
      expect(second.body.alerts.opened).toContain('overdue-tasks');
      expect(second.body.alerts.opened).not.toContain('high-risk-compliance');
      const again = await call(app(), { method: 'POST', url: '/api/v1/governance/kpis/snapshots' });
      expect(again.body.alerts.opened).toEqual([]);

      const report = await call(app(), { method: 'GET', url: '/api/v1/governance/kpis' });
      const open = report.body.alerts as { kpi: string; owner: { role: string }; value: number }[];
      expect(open.map((a) => a.kpi)).toEqual(expect.arrayContaining(['high-risk-compliance', 'overdue-tasks']));
      expect(open.find((a) => a.kpi === 'overdue-tasks')).toMatchObject({ owner: { team: '*', role: 'risk-audit' } });
      expect(open.find((a) => a.kpi === 'overdue-tasks')!.value).toBeGreaterThan(0);

      // Back before the due dates (a later day where the tasks are done would do the same): resolved.
      clock.advance(-29 * DAY);
      const third = await call(app(), { method: 'POST', url: '/api/v1/governance/kpis/snapshots' });
      expect(third.body.alerts.resolved).toContain('overdue-tasks');

      const history = await call(app(), {
        method: 'GET',
        url: '/api/v1/governance/kpis?from=2026-03-01&to=2026-04-30&kpi=overdue-tasks',
      });
      expect(history.status, history.text).toBe(200);
      expect(history.body.values).toBeUndefined();
      expect(history.body.history.map((p: { day: string; value: number }) => [p.day, p.value > 0])).toEqual([
        ['2026-03-02', false],
        ['2026-03-03', false],
        ['2026-04-01', true],
      ]);
      const all = await call(app(), { method: 'GET', url: '/api/v1/governance/kpis/alerts' });
      expect(all.body.items.find((a: { kpi: string }) => a.kpi === 'overdue-tasks')).toMatchObject({
        state: 'resolved',
      });

      const audit = await call(app(), {
        method: 'GET',
        url: '/api/v1/audit/events?action=governance.kpi-target-missed',
      });
      expect(audit.status, audit.text).toBe(200);
      expect(audit.body.items.length).toBeGreaterThanOrEqual(2);
    });

    it('ranks teams and people with their components', async () => {
      await g.reachIdeation();
      const res = await call(app(), { method: 'GET', url: '/api/v1/governance/leaderboard' });
      expect(res.status, res.text).toBe(200);
      expect(res.body.pseudonymised).toBe(false);
      const lending = res.body.teams.find((t: { id: string }) => t.id === 'lending');
      expect(lending.rank).toBe(1);
      const evidence = lending.components.find((c: { id: string }) => c.id === 'evidence-completeness');
      expect(evidence.denominator).toBeGreaterThan(0);
      expect(lending.score).toBeGreaterThanOrEqual(0);
      expect(lending.score).toBeLessThanOrEqual(100);
      // The owner signed the scoping approval on time: her review timeliness is whole.
      const olga = res.body.people.find((p: { name: string }) => p.name === 'User olga');
      expect(olga.components.find((c: { id: string }) => c.id === 'review-timeliness')).toMatchObject({ value: 1 });
    });

    it('refuses bad queries and people who may not take a snapshot', async () => {
      expectProblem(
        await call(app(), { method: 'GET', url: '/api/v1/governance/kpis?from=2026-05-01&to=2026-04-01' }),
        400,
        'validation_failed',
      );
      expectProblem(
        await call(app(), { method: 'GET', url: '/api/v1/governance/kpis?from=yesterday' }),
        400,
        'validation_failed',
      );
      const badKpi = await call(app(), { method: 'GET', url: '/api/v1/governance/kpis?kpi=happiness' });
      expectProblem(badKpi, 400, 'validation_failed');
      expect(badKpi.text).toContain('inventory-coverage');
      expectProblem(
        await call(app(), { method: 'GET', url: '/api/v1/governance/leaderboard?days=0' }),
        400,
        'validation_failed',
      );
      const viewer = await seedUser(app(), 'vera', [{ scope: 'lending', role: 'viewer' }]);
      expectProblem(
        await call(app(), { method: 'POST', url: '/api/v1/governance/kpis/snapshots', token: viewer }),
        403,
        'forbidden',
      );
      expect((await call(app(), { method: 'GET', url: '/api/v1/governance/kpis', token: viewer })).status).toBe(200);
      expectProblem(
        await call(app(), { method: 'GET', url: '/api/v1/governance/kpis', token: null }),
        401,
        'unauthenticated',
      );
    });
  });

  describe.skipIf(skip)(`the daily snapshot and pseudonymous leaderboard (${kind})`, () => {
    const t = useTestApp(kind, {
      // liveLimit 0: reads take the requirement KPIs from the snapshot, as for a large inventory.
      governance: { dailySnapshots: true, pseudonyms: true, liveLimit: 0 },
      monitoring: { pollMs: 100 },
    });

    beforeAll(async () => {
      const dana = await seedUser(t.app, 'dana', [{ scope: 'credit-risk', role: 'data-scientist' }]);
      const uc = (await call(t.app, { method: 'POST', url: '/api/v1/use-cases', body: useCaseBody('daily') })).body.id;
      await call(t.app, { method: 'PUT', url: `/api/v1/use-cases/${uc}/assessment`, body: { answers: creditScoring } });
      await call(t.app, { method: 'POST', url: '/api/v1/models', token: dana, body: { name: 'pd', useCaseId: uc } });
      const v = await call(t.app, {
        method: 'POST',
        url: '/api/v1/models/pd/versions',
        token: dana,
        body: { artifactUri: 's3://m/1', artifactDigest: `sha256:${'1'.padStart(64, '0')}` },
      });
      expect(v.status, v.text).toBe(201);
    });

    it('takes today’s snapshot on its own, once', async () => {
      const today = new Date().toISOString().slice(0, 10);
      await expect
        .poll(
          async () =>
            (await call(t.app, { method: 'GET', url: `/api/v1/governance/kpis?from=${today}&kpi=overdue-tasks` })).body
              .history?.length,
          { timeout: 10_000 },
        )
        .toBe(1);
    });

    it('serves a large inventory’s requirement KPIs from the latest snapshot, saying so', async () => {
      const today = new Date().toISOString().slice(0, 10);
      const res = await call(t.app, { method: 'GET', url: '/api/v1/governance/kpis' });
      expect(res.body.requirementsComputed).toBe(today);
      const coverage = (res.body.values as Value[]).find((v) => v.kpi === 'evidence-coverage' && v.team === '*')!;
      expect(coverage.detail).toMatchObject({ computedOn: today });
      expect(coverage.detail.byPerson).toBeUndefined();
      const board = await call(t.app, { method: 'GET', url: '/api/v1/governance/leaderboard' });
      expect(board.body.evidenceComputed).toBe(today);
    });

    it('names no one on a pseudonymised leaderboard', async () => {
      const res = await call(t.app, { method: 'GET', url: '/api/v1/governance/leaderboard' });
      expect(res.status, res.text).toBe(200);
      expect(res.body.pseudonymised).toBe(true);
      for (const p of res.body.people) expect(p.name).toMatch(/^Person [0-9A-F]{6}$/);
    });
  });
}
