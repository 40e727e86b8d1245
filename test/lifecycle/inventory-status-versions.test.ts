import { describe, expect, it } from 'vitest';
import { call, digest, seedModel, seedUseCase, seedUser, useTestApp } from '../helpers/app.ts';
import { DB_KINDS, skipReason } from '../helpers/db.ts';

// The inventory row's status reads only the versions that can stand for a model (its newest live
// one, and any deployed or suspended), not every version: which one is newest must survive a
// deletion of the newest.
describe.each(DB_KINDS)("an inventory row's status over many versions, on %s", (kind) => {
  describe.skipIf(skipReason(kind) !== null)(skipReason(kind) ?? 'api', () => {
    const t = useTestApp(kind, { teams: ['lending'] });

    it('stands for the newest live version, and for the one before once the newest is deleted', async () => {
      const dana = await seedUser(t.app, 'dana', [{ scope: 'lending', role: 'data-scientist' }]);
      await seedModel(t.app, 'scratch', await seedUseCase(t.app, 'scratchpad', { ownerTeam: 'lending' }));
      for (let v = 1; v <= 4; v++) {
        const res = await call(t.app, {
          method: 'POST',
          url: '/api/v1/models/scratch/versions',
          token: dana,
          body: { artifactUri: `s3://scratch/${v}`, artifactDigest: digest(v) },
        });
        expect(res.status, res.text).toBe(201);
      }
      const reasons = async () =>
        (await call(t.app, { method: 'GET', url: '/api/v1/overview?q=scratch' })).body.items.find(
          (r: { model: { name: string } | null }) => r.model?.name === 'scratch',
        ).model.status.reasons;
      expect(await reasons()).toEqual(['scratch v4: not deployed anywhere']);
      const del = async (version: number) => {
        const res = await call(t.app, {
          method: 'DELETE',
          url: '/api/2.0/mlflow/model-versions/delete',
          token: dana,
          body: { name: 'scratch', version: String(version) },
        });
        expect(res.status, res.text).toBe(200);
      };
      await del(4);
      expect(await reasons()).toEqual(['scratch v3: not deployed anywhere']);
      // A deleted version in the middle changes nothing; the newest live one still stands.
      await del(2);
      expect(await reasons()).toEqual(['scratch v3: not deployed anywhere']);
      await del(3);
      expect(await reasons()).toEqual(['scratch v1: not deployed anywhere']);
    });
  });
});
