import { describe, expect, it } from 'vitest';
import { createSteward, StewardError, StewardUnreachable } from '../../src/client/index.ts';
import { digest, seedModel, seedUseCase, useTestApp } from '../helpers/app.ts';
import { listenForCli } from '../helpers/cli.ts';
import { DB_KINDS, skipReason } from '../helpers/db.ts';

describe.each(DB_KINDS)('the TypeScript client on %s', (kind) => {
  describe.skipIf(skipReason(kind) !== null)(skipReason(kind) ?? 'api', () => {
    const t = useTestApp(kind);

    it('registers, evaluates and checks a version over HTTP, with problems as StewardError', async () => {
      const STEWARD_URL = (await listenForCli(t.app)).STEWARD_URL!;
      const steward = createSteward({ url: `${STEWARD_URL}/`, token: t.adminToken });
      await seedModel(t.app, 'pd', await seedUseCase(t.app, 'credit'));
      const v = await steward.registerVersion('pd', { artifactUri: 's3://m/1', artifactDigest: digest('m1') });
      expect(v).toMatchObject({ model: 'pd', version: 1 });
      const evaluation = await steward.evaluate('pd', 1, 'y,yhat,p\n1,1,0.9\n0,0,0.2\n1,1,0.7\n0,1,0.6\n', 'text/csv', {
        task: 'binary-classification',
        label: 'y',
        prediction: 'yhat',
        score: 'p',
      });
      expect(evaluation).toMatchObject({ kind: 'evaluation' });
      const answer = await steward.check('pd', 1, 'production');
      expect(answer.allowed).toBe(false);
      expect(answer.reasons.length).toBeGreaterThan(0);
      // The typed client reaches every route.
      const listed = await steward.api.GET('/api/v1/models/{name}/versions', { params: { path: { name: 'pd' } } });
      expect(listed.data?.items.map((x: { version: number }) => x.version)).toEqual([1]);

      const missing = await steward.check('nope', 1, 'production').catch((e: unknown) => e);
      expect(missing).toBeInstanceOf(StewardError);
      expect(missing).toMatchObject({ status: 404, problem: { code: 'not_found' } });
      const anonymous = createSteward({ url: STEWARD_URL });
      await expect(anonymous.check('pd', 1, 'production')).rejects.toMatchObject({
        status: 401,
        problem: { code: 'unauthenticated' },
      });
    });

    it('says when the server cannot be reached', async () => {
      const steward = createSteward({ url: 'http://127.0.0.1:9', token: 'x' });
      await expect(steward.check('pd', 1, 'production')).rejects.toBeInstanceOf(StewardUnreachable);
    });
  });
});
