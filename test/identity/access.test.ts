import { beforeAll, describe, expect, it } from 'vitest';
import { call, expectProblem, seedUser, useCaseBody } from '../helpers/app.ts';
import { DB_KINDS, skipReason } from '../helpers/db.ts';
import { useIdentityApp } from '../helpers/identity.ts';

describe.each(DB_KINDS)('identity and access control on %s', (kind) => {
  describe.skipIf(skipReason(kind) !== null)(skipReason(kind) ?? 'api', () => {
    const f = useIdentityApp(kind);
    const { t } = f;
    let routeError: unknown;
    let alphaUc: string;
    let betaUc: string;
    let dsAlpha: string;
    beforeAll(() => {
      ({ routeError, alphaUc, betaUc, dsAlpha } = f);
    });

    it('refuses at start-up a route that declares no authorisation (deny by default)', () => {
      expect(String(routeError)).toMatch(/GET \/api\/v1\/unguarded declares neither config.permission nor config.auth/);
    });

    it('answers 401 without credentials on /api/v1 while health and docs stay public', async () => {
      for (const url of [
        '/api/v1/models',
        '/api/v1/use-cases',
        '/api/v1/audit/events',
        '/api/v1/me',
        '/api/v1/nothing-here',
      ]) {
        const res = await call(t.app, { method: 'GET', url, token: null });
        expectProblem(res, 401, 'unauthenticated');
        expect(res.headers['www-authenticate']).toMatch(/Bearer realm="steward"/);
      }
      expectProblem(
        await call(t.app, { method: 'POST', url: '/api/v1/models', body: { name: 'x' }, token: null }),
        401,
        'unauthenticated',
      );
      expectProblem(
        await call(t.app, { method: 'GET', url: '/api/v1/models', token: 'stw_not-a-real-token' }),
        401,
        'unauthenticated',
      );
      expectProblem(
        await call(t.app, {
          method: 'GET',
          url: '/api/v1/models',
          token: null,
          headers: { authorization: 'Digest abc' },
        }),
        401,
        'unauthenticated',
      );
      for (const url of ['/healthz', '/openapi.json', '/docs/'])
        expect((await t.app.inject({ method: 'GET', url })).statusCode).toBe(200);
    });

    it('bootstraps an admin whose token works and whose one-time password must be changed', async () => {
      const me = await call(t.app, { method: 'GET', url: '/api/v1/me' });
      expect(me.body).toMatchObject({
        username: 'admin',
        roles: [{ scope: '*', role: 'admin' }],
        authenticatedBy: 'token',
        tokenScopes: ['read', 'write', 'admin'],
      });
      const admin = await call(t.app, { method: 'GET', url: '/api/v1/users/admin' });
      expect(admin.body).toMatchObject({ status: 'active', passwordChangeRequired: true });
      expect(admin.body.passwordHash).toBeUndefined();
    });

    it('lets a data scientist work in their own team only, and read everything', async () => {
      const own = await call(t.app, {
        method: 'POST',
        url: '/api/v1/models',
        body: { name: 'alpha-model', useCaseId: alphaUc },
        token: dsAlpha,
      });
      expect(own.status).toBe(201);
      expect(own.body.createdBy).toBe((await call(t.app, { method: 'GET', url: '/api/v1/users/ds-alpha' })).body.id);
      const foreign = await call(t.app, {
        method: 'POST',
        url: '/api/v1/models',
        body: { name: 'beta-model', useCaseId: betaUc },
        token: dsAlpha,
      });
      expectProblem(foreign, 403, 'forbidden');
      expect(foreign.body.detail).toMatch(/ds-alpha may not model:write in team 'beta'/);
      await call(t.app, { method: 'POST', url: '/api/v1/models', body: { name: 'beta-model', useCaseId: betaUc } });
      expectProblem(
        await call(t.app, {
          method: 'PATCH',
          url: '/api/v1/models/beta-model',
          body: { description: 'mine now' },
          token: dsAlpha,
        }),
        403,
        'forbidden',
      );
      expectProblem(
        await call(t.app, {
          method: 'PATCH',
          url: '/api/v1/models/alpha-model',
          body: { useCaseId: betaUc },
          token: dsAlpha,
        }),
        403,
        'forbidden',
      );
      expectProblem(
        await call(t.app, {
          method: 'POST',
          url: '/api/v1/models/beta-model/versions',
          body: { artifactUri: 'x', artifactDigest: `sha256:${'a'.repeat(64)}` },
          token: dsAlpha,
        }),
        403,
        'forbidden',
      );
      expectProblem(
        await call(t.app, {
          method: 'PUT',
          url: '/api/v1/models/beta-model/aliases/champion',
          body: { version: 1 },
          token: dsAlpha,
        }),
        403,
        'forbidden',
      );
      expectProblem(
        await call(t.app, {
          method: 'POST',
          url: '/api/v1/use-cases',
          body: useCaseBody('ds-uc', { ownerTeam: 'alpha' }),
          token: dsAlpha,
        }),
        403,
        'forbidden',
      );
      expect(
        (
          await call(t.app, {
            method: 'POST',
            url: '/api/v1/models/alpha-model/versions',
            body: { artifactUri: 'x', artifactDigest: `sha256:${'a'.repeat(64)}` },
            token: dsAlpha,
          })
        ).status,
      ).toBe(201);
      expect((await call(t.app, { method: 'GET', url: '/api/v1/models/beta-model', token: dsAlpha })).status).toBe(200);
      expectProblem(await call(t.app, { method: 'GET', url: '/api/v1/users', token: dsAlpha }), 403, 'forbidden');
      expectProblem(
        await call(t.app, {
          method: 'POST',
          url: '/api/v1/users',
          body: { username: 'sneaky', displayName: 'S' },
          token: dsAlpha,
        }),
        403,
        'forbidden',
      );
      expectProblem(
        await call(t.app, {
          method: 'POST',
          url: '/api/v1/users/ds-alpha/roles',
          body: { scope: 'beta', role: 'data-scientist' },
          token: dsAlpha,
        }),
        403,
        'forbidden',
      );
    });

    it('applies permission changes to the very next request', async () => {
      const url = '/api/v1/models';
      const body = (name: string) => ({ name, useCaseId: betaUc });
      expectProblem(
        await call(t.app, { method: 'POST', url, body: body('granted-1'), token: dsAlpha }),
        403,
        'forbidden',
      );
      expect(
        (
          await call(t.app, {
            method: 'POST',
            url: '/api/v1/users/ds-alpha/roles',
            body: { scope: 'beta', role: 'data-scientist' },
          })
        ).status,
      ).toBe(200);
      expect((await call(t.app, { method: 'POST', url, body: body('granted-1'), token: dsAlpha })).status).toBe(201);
      expect(
        (await call(t.app, { method: 'DELETE', url: '/api/v1/users/ds-alpha/roles/beta/data-scientist' })).status,
      ).toBe(200);
      expectProblem(
        await call(t.app, { method: 'POST', url, body: body('granted-2'), token: dsAlpha }),
        403,
        'forbidden',
      );
    });

    it('narrows a token to its scopes and lets a viewer only read', async () => {
      const readOnly = await seedUser(t.app, 'ds-readonly', [{ scope: 'alpha', role: 'data-scientist' }], ['read']);
      expect((await call(t.app, { method: 'GET', url: '/api/v1/models', token: readOnly })).status).toBe(200);
      expectProblem(
        await call(t.app, {
          method: 'POST',
          url: '/api/v1/models',
          body: { name: 'ro', useCaseId: alphaUc },
          token: readOnly,
        }),
        403,
        'forbidden',
      );
      expectProblem(
        await call(t.app, {
          method: 'POST',
          url: '/api/v1/tokens',
          body: { name: 'wider', scopes: ['read', 'write'] },
          token: readOnly,
        }),
        403,
        'forbidden',
      );
      const viewer = await seedUser(t.app, 'viewer-1', [{ scope: '*', role: 'viewer' }]);
      expect((await call(t.app, { method: 'GET', url: '/api/v1/use-cases', token: viewer })).status).toBe(200);
      expectProblem(
        await call(t.app, {
          method: 'PATCH',
          url: `/api/v1/use-cases/${alphaUc}`,
          body: { sector: 'x' },
          token: viewer,
        }),
        403,
        'forbidden',
      );
      const nobody = await seedUser(t.app, 'no-roles', []);
      expectProblem(await call(t.app, { method: 'GET', url: '/api/v1/models', token: nobody }), 403, 'forbidden');
    });

    it('lets only organisation-wide roles read the audit trail and the user list', async () => {
      const teamRisk = await seedUser(t.app, 'team-risk', [{ scope: 'alpha', role: 'risk-audit' }]);
      expectProblem(
        await call(t.app, { method: 'GET', url: '/api/v1/audit/events', token: teamRisk }),
        403,
        'forbidden',
      );
      expectProblem(await call(t.app, { method: 'GET', url: '/api/v1/users', token: teamRisk }), 403, 'forbidden');
      expect((await call(t.app, { method: 'GET', url: '/api/v1/models', token: teamRisk })).status).toBe(200);
    });

    it('lets admins reset passwords and users edit their own profile, with audit events', async () => {
      const victim = await seedUser(t.app, 'hank', [{ scope: 'alpha', role: 'viewer' }]);
      const reset = await call(t.app, { method: 'POST', url: '/api/v1/users/hank/password-reset' });
      expect(reset.status).toBe(200);
      expect(reset.body.user.passwordChangeRequired).toBe(true);
      expectProblem(await call(t.app, { method: 'GET', url: '/api/v1/me', token: victim }), 401, 'unauthenticated');
      const login = await call(t.app, {
        method: 'POST',
        url: '/api/v1/auth/login',
        body: { username: 'hank', password: reset.body.oneTimePassword },
        token: null,
      });
      expect(login.body.passwordChangeRequired).toBe(true);
      expectProblem(
        await call(t.app, { method: 'POST', url: '/api/v1/users/hank/password-reset', token: dsAlpha }),
        403,
        'forbidden',
      );
      expectProblem(
        await call(t.app, { method: 'POST', url: '/api/v1/users/nobody/password-reset' }),
        404,
        'not_found',
      );

      const self = await call(t.app, {
        method: 'PATCH',
        url: '/api/v1/users/ds-alpha',
        body: { displayName: 'Dana Scientist', email: 'dana@example.org' },
        token: dsAlpha,
      });
      expect(self.body).toMatchObject({ displayName: 'Dana Scientist', email: 'dana@example.org' });
      expectProblem(
        await call(t.app, {
          method: 'PATCH',
          url: '/api/v1/users/hank',
          body: { displayName: 'Not mine' },
          token: dsAlpha,
        }),
        403,
        'forbidden',
      );
      expectProblem(
        await call(t.app, { method: 'PATCH', url: '/api/v1/users/ds-alpha', body: {}, token: dsAlpha }),
        400,
        'validation_failed',
      );
      expectProblem(
        await call(t.app, {
          method: 'PATCH',
          url: '/api/v1/users/ds-alpha',
          body: { email: 'not-an-email' },
          token: dsAlpha,
        }),
        400,
        'validation_failed',
      );
      expectProblem(
        await call(t.app, {
          method: 'PATCH',
          url: '/api/v1/users/ds-alpha',
          body: { status: 'active' },
          token: dsAlpha,
        }),
        400,
        'validation_failed',
      );
      expectProblem(await call(t.app, { method: 'GET', url: '/api/v1/teams/nope' }), 404, 'not_found');
      const actions = (await call(t.app, { method: 'GET', url: '/api/v1/audit/events?limit=1000' })).body.items.map(
        (e: { action: string }) => e.action,
      );
      expect(actions).toEqual(
        expect.arrayContaining([
          'user.password-reset',
          'user.update',
          'user.create',
          'token.create',
          'role.grant',
          'role.revoke',
          'team.create',
        ]),
      );
    });
  });
});
