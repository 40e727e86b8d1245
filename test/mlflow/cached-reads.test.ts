import { beforeAll, describe, expect, it } from 'vitest';
import { call, useTestApp } from '../helpers/app.ts';
import { DB_KINDS, skipReason } from '../helpers/db.ts';
import { governedPath } from '../helpers/governed-path.ts';
import { ml } from '../helpers/mlflow.ts';

// On SQLite, model-versions/get is served from the version cache with its entity kept: every
// change that shows in the entity must reach the next read, including deployments, which the
// version record itself does not hold (current_stage reflects them).
describe.each(DB_KINDS)('MLflow version reads after changes, on %s', (kind) => {
  describe.skipIf(skipReason(kind) !== null)(skipReason(kind) ?? 'api', () => {
    const t = useTestApp(kind, { teams: ['lending'], monitoring: { pollMs: 100 } });
    const path = governedPath(() => t.app);
    const { tok, v } = path;
    const get = async () => {
      const res = await ml(
        t.app,
        'GET',
        '/model-versions/get',
        { name: 'scorecard', version: '1' },
        `Bearer ${t.adminToken}`,
      );
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return res.body.model_version as {
        current_stage: string;
        tags?: { key: string; value: string }[];
        aliases?: string[];
      };
    };

    beforeAll(() => path.seed());

    it('shows a tag, an alias and a completed promotion on the very next read', async () => {
      expect((await get()).current_stage).toBe('None');
      // Read twice: the second answer comes from what the first one kept.
      expect((await get()).current_stage).toBe('None');
      const tagged = await ml(
        t.app,
        'POST',
        '/model-versions/set-tag',
        { name: 'scorecard', version: '1', key: 'reviewed', value: 'yes' },
        `Bearer ${t.adminToken}`,
      );
      expect(tagged.status).toBe(200);
      expect((await get()).tags).toContainEqual({ key: 'reviewed', value: 'yes' });
      const aliased = await ml(
        t.app,
        'POST',
        '/registered-models/alias',
        { name: 'scorecard', alias: 'candidate', version: '1' },
        `Bearer ${t.adminToken}`,
      );
      expect(aliased.status, JSON.stringify(aliased.body)).toBe(200);
      expect((await get()).aliases).toEqual(['candidate']);

      await path.drive();
      // Kept again now that the sign-offs (which drop the cached record) are done.
      expect((await get()).current_stage).toBe('None');
      const released = await call(t.app, {
        method: 'POST',
        url: `${v}/promotions`,
        token: tok.dana,
        body: { environment: 'production', reason: 'first release' },
      });
      expect(released.body, released.text).toMatchObject({ status: 'completed' });
      // The deployment changed nothing in the version's own record; the entity shows it anyway.
      expect((await get()).current_stage).toBe('Production');
    });
  });
});
