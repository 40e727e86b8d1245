import { beforeAll, describe, expect, it } from 'vitest';
import { call, seedUser, useCaseBody, useTestApp } from '../helpers/app.ts';
import { DB_KINDS, skipReason } from '../helpers/db.ts';
import { creditScoring } from '../helpers/policy.ts';

interface Requirement {
  measure: string;
  status: string;
}

// GET /use-cases/{id}/requirements judges the use case's measures on the use case's own evidence:
// its documents and its sign-offs under the current assessment.
describe.each(DB_KINDS)('use-case requirements on %s', (kind) => {
  describe.skipIf(skipReason(kind) !== null)(skipReason(kind) ?? 'api', () => {
    const t = useTestApp(kind, { teams: ['lending'] });
    let owner = '';
    let uc = '';
    const requirements = async () =>
      (await call(t.app, { method: 'GET', url: `/api/v1/use-cases/${uc}/requirements` })).body
        .requirements as Requirement[];
    const statusOf = async (measures: string[]) =>
      Object.fromEntries(
        (await requirements()).filter((r) => measures.includes(r.measure)).map((r) => [r.measure, r.status]),
      );

    beforeAll(async () => {
      owner = await seedUser(t.app, 'olga', [{ scope: 'lending', role: 'business-stakeholder' }]);
      uc = (
        await call(t.app, {
          method: 'POST',
          url: '/api/v1/use-cases',
          body: useCaseBody('credit', { ownerTeam: 'lending' }),
        })
      ).body.id;
      const assessed = await call(t.app, {
        method: 'PUT',
        url: `/api/v1/use-cases/${uc}/assessment`,
        body: { answers: creditScoring },
      });
      expect(assessed.status).toBe(200);
    });

    it('counts the use case documents and sign-offs, and drops sign-offs a re-assessment made stale', async () => {
      const u = `/api/v1/use-cases/${uc}`;
      const gate = (await call(t.app, { method: 'GET', url: `${u}/lifecycle` })).body.steps[0].gate as {
        blockers: { measure: string; detail: string[] }[];
      };
      // The scoping gate's measures, met by documents of the kinds it names and the owner's sign-off.
      const measures = gate.blockers.map((b) => b.measure);
      expect(measures.length).toBeGreaterThan(0);
      expect(Object.values(await statusOf(measures)).every((s) => s === 'missing')).toBe(true);

      for (const b of gate.blockers)
        for (const d of b.detail) {
          const m = /^a '([a-z0-9.-]+)' document/.exec(d);
          if (!m) continue;
          const added = await call(t.app, {
            method: 'POST',
            url: `${u}/documents`,
            token: owner,
            body: { kind: m[1], title: m[1], content: `# ${m[1]}` },
          });
          expect(added.status).toBe(201);
          // Only an accepted document counts: the owner's team accepts it.
          const accepted = await call(t.app, {
            method: 'POST',
            url: `${u}/documents/${added.body.id}/review`,
            token: owner,
            body: { decision: 'accepted', role: 'business-stakeholder', password: 'olga-correct-horse-battery' },
          });
          expect(accepted.status, accepted.text).toBe(201);
        }
      const signed = await call(t.app, {
        method: 'POST',
        url: `${u}/signatures`,
        token: owner,
        body: { role: 'business-stakeholder', meaning: 'approve', password: 'olga-correct-horse-battery' },
      });
      expect(signed.status).toBe(201);
      const after = await statusOf(measures);
      expect(after).toEqual(Object.fromEntries(measures.map((m) => [m, 'satisfied'])));
      // The lifecycle view and the requirements list agree on the gate.
      const lifecycle = (await call(t.app, { method: 'GET', url: `${u}/lifecycle` })).body;
      expect(lifecycle.steps[0].gate.passed).toBe(true);

      // A re-assessment makes the sign-off stale: measures that needed it are missing again.
      const reassessed = await call(t.app, {
        method: 'PUT',
        url: `${u}/assessment`,
        body: { answers: { ...creditScoring } },
      });
      expect(reassessed.status).toBe(200);
      const stale = await statusOf(measures);
      const signoffMeasures = Object.entries(stale).filter(([, s]) => s !== 'satisfied');
      expect(signoffMeasures.length).toBeGreaterThan(0);
    });
  });
});
