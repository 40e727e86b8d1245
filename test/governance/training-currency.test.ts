import { describe, expect, it } from 'vitest';
import { call, seedUser, useTestApp } from '../helpers/app.ts';
import { DB_KINDS, skipReason } from '../helpers/db.ts';

type Value = { kpi: string; team: string; value: number | null; numerator?: number; denominator?: number };

for (const kind of DB_KINDS) {
  const skip = skipReason(kind);
  describe.skipIf(skip)(`training currency in the programme's KPIs (${kind})${skip ? ` — ${skip}` : ''}`, () => {
    const t = useTestApp(kind, { teams: ['lending'] });
    const kpi = async (team = '*') =>
      (
        (await call(t.app, { method: 'GET', url: `/api/v1/governance/kpis?kpi=training-currency` })).body
          .values as Value[]
      ).find((v) => v.team === team)!;

    it('counts people whose roles require trainings and who hold them all current', async () => {
      await seedUser(t.app, 'rita', [{ scope: 'lending', role: 'risk-audit' }]);
      const before = await kpi('lending');
      expect(before).toMatchObject({ value: 0, numerator: 0, denominator: 1 });
      const today = new Date().toISOString().slice(0, 10);
      for (const training of ['eu-ai-act-literacy', 'electronic-signatures', 'model-validation-standard']) {
        const res = await call(t.app, {
          method: 'POST',
          url: '/api/v1/users/rita/trainings',
          body: { training, completedOn: today },
        });
        expect(res.status, res.text).toBe(201);
      }
      expect(await kpi('lending')).toMatchObject({ value: 1, numerator: 1, denominator: 1 });
      // The organisation counts each person once: rita current, the bootstrap administrator not.
      const org = await kpi();
      expect(org.numerator).toBe(1);
      expect(org.denominator).toBeGreaterThanOrEqual(2);

      const board = await call(t.app, { method: 'GET', url: '/api/v1/governance/leaderboard?days=30' });
      const rita = board.body.people.find((p: { name: string }) => p.name === 'User rita');
      expect(rita.components.find((c: { id: string }) => c.id === 'training-current')).toMatchObject({
        value: 1,
        numerator: 3,
        denominator: 3,
      });
    });
  });
}
