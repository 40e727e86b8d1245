import { beforeAll, describe, expect, it } from 'vitest';
import { call, useCaseBody, useTestApp } from '../helpers/app.ts';
import { DB_KINDS, skipReason } from '../helpers/db.ts';
import { expectError, ml, sha } from '../helpers/mlflow.ts';

describe.each(DB_KINDS)('MLflow registration checks on %s', (kind) => {
  describe.skipIf(skipReason(kind) !== null)(skipReason(kind) ?? 'api', () => {
    const t = useTestApp(kind, {
      teams: ['lending'],
      mlflow: { registrationChecks: true },
      monitoring: { pollMs: 100 },
    });
    let useCase = '';
    beforeAll(async () => {
      useCase = (
        await call(t.app, {
          method: 'POST',
          url: '/api/v1/use-cases',
          body: useCaseBody('credit', { ownerTeam: 'lending' }),
        })
      ).body.id;
    });

    it('holds new versions PENDING_REGISTRATION and finishes READY, or FAILED_REGISTRATION with the reasons', async () => {
      const admin = `Bearer ${t.adminToken}`;
      expect(
        (
          await ml(
            t.app,
            'POST',
            '/registered-models/create',
            { name: 'pd', tags: [{ key: 'steward.use_case', value: 'credit' }] },
            admin,
          )
        ).status,
      ).toBe(200);
      const poll = async (version: string) => {
        for (let i = 0; i < 200; i++) {
          const mv = (await ml(t.app, 'GET', '/model-versions/get', { name: 'pd', version }, admin)).body.model_version;
          if (mv.status !== 'PENDING_REGISTRATION') return mv;
          await new Promise((r) => setTimeout(r, 25));
        }
        throw new Error('still pending');
      };
      const without = await ml(t.app, 'POST', '/model-versions/create', { name: 'pd', source: 's3://pd/1' }, admin);
      expect(without.body.model_version.status).toBe('PENDING_REGISTRATION');
      expect(await poll('1')).toMatchObject({
        status: 'FAILED_REGISTRATION',
        status_message: expect.stringContaining('artifact-digest'),
      });
      expect(
        (
          await ml(
            t.app,
            'POST',
            '/model-versions/create',
            { name: 'pd', source: 's3://pd/2', tags: [{ key: 'steward.artifact_digest', value: sha(2) }] },
            admin,
          )
        ).body.model_version.status,
      ).toBe('PENDING_REGISTRATION');
      const ready = await poll('2');
      expect(ready.status).toBe('READY');
      expect('status_message' in ready).toBe(false);
      // A version that failed registration takes no alias and no active stage.
      expectError(
        await ml(t.app, 'POST', '/registered-models/alias', { name: 'pd', alias: 'best', version: '1' }, admin),
        403,
        'PERMISSION_DENIED',
        /FAILED_REGISTRATION/,
      );
      expectError(
        await ml(
          t.app,
          'POST',
          '/model-versions/transition-stage',
          { name: 'pd', version: '1', stage: 'Staging', archive_existing_versions: false },
          admin,
        ),
        403,
        'PERMISSION_DENIED',
      );
      expect(
        (await ml(t.app, 'POST', '/registered-models/alias', { name: 'pd', alias: 'best', version: '2' }, admin))
          .status,
      ).toBe(200);
      void useCase;
    });
  });
});
