import { describe, expect, it } from 'vitest';
import { call, expectProblem, manualClock, seedUser, useTestApp } from '../helpers/app.ts';
import { DB_KINDS, skipReason } from '../helpers/db.ts';

const url = '/api/v1/governance/kpis/history';

for (const kind of DB_KINDS) {
  const skip = skipReason(kind);
  describe.skipIf(skip)(`KPI history imported from earlier reporting (${kind})${skip ? ` — ${skip}` : ''}`, () => {
    const clock = manualClock(Date.parse('2026-06-15T09:00:00Z'));
    const t = useTestApp(kind, { clock, teams: ['lending'] });

    const history = async () =>
      (
        await call(t.app, {
          method: 'GET',
          url: '/api/v1/governance/kpis?from=2026-01-01&kpi=overdue-tasks',
        })
      ).body.history as { day: string; value: number; source: string; detail: Record<string, unknown> }[];
    const team = async () =>
      (
        await call(t.app, {
          method: 'GET',
          url: '/api/v1/governance/kpis?from=2026-01-01&team=lending',
        })
      ).body.history as { day: string; kpi: string; value: number }[];

    it('refuses what is not history, unknown KPIs and teams, duplicates and strangers, writing nothing', async () => {
      const bad = async (values: unknown[], status = 400, code = 'validation_failed') => {
        const res = await call(t.app, { method: 'POST', url, body: { source: 'Q1 pack', values } });
        expectProblem(res, status, code);
        return res.body;
      };
      const today = await bad([{ day: '2026-06-15', kpi: 'overdue-tasks', value: 1 }]);
      expect(today.errors).toEqual([expect.objectContaining({ pointer: '/values/0/day' })]);
      expect(today.errors[0].message).toContain('not before today');
      await bad([{ day: '2026-02-30', kpi: 'overdue-tasks', value: 1 }]);
      const kpi = await bad([{ day: '2026-05-01', kpi: 'made-up', value: 1 }]);
      // The enum's problem lists what is allowed.
      expect(JSON.stringify(kpi)).toContain('overdue-tasks');
      const unknownTeam = await bad([
        { day: '2026-05-01', kpi: 'overdue-tasks', value: 1 },
        { day: '2026-05-01', kpi: 'overdue-tasks', team: 'nobody', value: 1 },
      ]);
      expect(unknownTeam.errors).toEqual([{ pointer: '/values/1/team', message: "no team 'nobody'" }]);
      const twice = await bad([
        { day: '2026-05-01', kpi: 'overdue-tasks', value: 1 },
        { day: '2026-05-01', kpi: 'overdue-tasks', value: 2 },
      ]);
      expect(twice.errors[0].pointer).toBe('/values/1');
      await bad([]);
      await bad([{ day: '2026-05-01', kpi: 'overdue-tasks', value: 'many' }]);
      const none = await call(t.app, { method: 'POST', url, body: { values: [] } });
      expectProblem(none, 400, 'validation_failed');
      const viewer = await seedUser(t.app, 'vic', [{ scope: 'lending', role: 'viewer' }]);
      const forbidden = await call(t.app, {
        method: 'POST',
        url,
        token: viewer,
        body: { source: 'x', values: [{ day: '2026-05-01', kpi: 'overdue-tasks', value: 1 }] },
      });
      expect(forbidden.status).toBe(403);
      expect(await history()).toEqual([]);
    });

    it('imports earlier values as imported, per team, audited, and once', async () => {
      const values = [
        { day: '2026-04-01', kpi: 'overdue-tasks', value: 7 },
        { day: '2026-05-01', kpi: 'overdue-tasks', value: 4 },
        { day: '2026-05-01', kpi: 'overdue-tasks', team: 'lending', value: 3 },
        { day: '2026-05-01', kpi: 'inventory-coverage', value: 0.8, numerator: 8, denominator: 10 },
      ];
      const res = await call(t.app, { method: 'POST', url, body: { source: 'Risk committee pack, Q2', values } });
      expect(res.status, res.text).toBe(201);
      expect(res.body).toEqual({ imported: 4, from: '2026-04-01', to: '2026-05-01' });
      const points = await history();
      expect(points.map((p) => [p.day, p.value, p.source])).toEqual([
        ['2026-04-01', 7, 'imported'],
        ['2026-05-01', 4, 'imported'],
      ]);
      expect(points[0]!.detail).toEqual({ importedFrom: 'Risk committee pack, Q2' });
      expect((await team()).map((p) => [p.day, p.kpi, p.value])).toEqual([['2026-05-01', 'overdue-tasks', 3]]);

      // The same day and KPI again: a conflict, and the rest of the batch is not written either.
      const again = await call(t.app, {
        method: 'POST',
        url,
        body: {
          source: 'again',
          values: [
            { day: '2026-03-01', kpi: 'overdue-tasks', value: 9 },
            { day: '2026-05-01', kpi: 'overdue-tasks', value: 5 },
          ],
        },
      });
      expectProblem(again, 409, 'conflict');
      expect((await history()).map((p) => p.day)).toEqual(['2026-04-01', '2026-05-01']);

      const audit = await call(t.app, {
        method: 'GET',
        url: '/api/v1/audit/events?action=governance.kpi-history-import',
      });
      expect(audit.status, audit.text).toBe(200);
      expect(audit.body.items).toHaveLength(1);
      expect(audit.body.items[0].after).toMatchObject({ imported: 4, source: 'Risk committee pack, Q2' });
    });

    it('keeps computed snapshots apart: history may not reach the first computed day', async () => {
      const snap = await call(t.app, { method: 'POST', url: '/api/v1/governance/kpis/snapshots' });
      expect(snap.status, snap.text).toBe(201);
      clock.advance(3 * 86_400_000);
      const late = await call(t.app, {
        method: 'POST',
        url,
        body: { source: 'late', values: [{ day: '2026-06-16', kpi: 'overdue-tasks', value: 1 }] },
      });
      expectProblem(late, 400, 'validation_failed');
      expect(late.body.errors[0].message).toContain('2026-06-15, the first day Steward computed');
      const points = await history();
      expect(points.map((p) => [p.day, p.source])).toEqual([
        ['2026-04-01', 'imported'],
        ['2026-05-01', 'imported'],
        ['2026-06-15', 'computed'],
      ]);
    });
  });
}
