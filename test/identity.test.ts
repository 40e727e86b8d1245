import { describe, expect, it, beforeAll } from 'vitest';
import { call, expectProblem, manualClock, seedUser, useCaseBody, useTestApp } from './helpers/app.ts';
import { DB_KINDS, skipReason } from './helpers/db.ts';

const basic = (user: string, secret: string) => `Basic ${Buffer.from(`${user}:${secret}`).toString('base64')}`;

describe.each(DB_KINDS)('identity and access control on %s', (kind) => {
  describe.skipIf(skipReason(kind) !== null)(skipReason(kind) ?? 'api', () => {
    const clock = manualClock();
    let routeError: unknown;
    const t = useTestApp(kind, {
      clock,
      teams: ['alpha', 'beta'],
      authLimits: {
        perAddress: { limit: 1000, windowMs: 60_000 },
        perAccount: { limit: 3, windowMs: 15 * 60_000 },
        forbiddenPerUser: { limit: 25, windowMs: 60_000 },
        forbiddenPerAddress: { limit: 1000, windowMs: 60_000 },
      },
      configure: (app) => {
        try {
          app.get('/api/v1/unguarded', async () => 'open');
        } catch (err) {
          routeError = err;
        }
      },
    });
    let alphaUc: string;
    let betaUc: string;
    let dsAlpha: string;

    beforeAll(async () => {
      alphaUc = (
        await call(t.app, {
          method: 'POST',
          url: '/api/v1/use-cases',
          body: useCaseBody('alpha-uc', { ownerTeam: 'alpha' }),
        })
      ).body.id;
      betaUc = (
        await call(t.app, {
          method: 'POST',
          url: '/api/v1/use-cases',
          body: useCaseBody('beta-uc', { ownerTeam: 'beta' }),
        })
      ).body.id;
      dsAlpha = await seedUser(t.app, 'ds-alpha', [{ scope: 'alpha', role: 'data-scientist' }]);
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

    it('revokes tokens, expires them, and ends every credential of a disabled user at once', async () => {
      const created = await call(t.app, {
        method: 'POST',
        url: '/api/v1/tokens',
        body: { name: 'short', username: 'ds-alpha', expiresInDays: 1 },
      });
      const short = created.body.token as string;
      expect(short).toMatch(/^stw_[A-Za-z0-9_-]{43}$/);
      expect(created.body.info).toMatchObject({
        username: 'ds-alpha',
        scopes: ['read', 'write'],
        prefix: short.slice(0, 12),
      });
      expect((await call(t.app, { method: 'GET', url: '/api/v1/me', token: short })).status).toBe(200);
      clock.advance(2 * 86_400_000);
      expectProblem(await call(t.app, { method: 'GET', url: '/api/v1/me', token: short }), 401, 'unauthenticated');

      const mine = await call(t.app, { method: 'POST', url: '/api/v1/tokens', body: { name: 'mine' }, token: dsAlpha });
      expect(mine.status).toBe(201);
      const list = await call(t.app, { method: 'GET', url: '/api/v1/tokens', token: dsAlpha });
      expect(list.body.items.map((x: { name: string }) => x.name)).toEqual(
        expect.arrayContaining(['ds-alpha test', 'mine']),
      );
      expect(JSON.stringify(list.body)).not.toContain(mine.body.token);
      expect(
        (await call(t.app, { method: 'DELETE', url: `/api/v1/tokens/${mine.body.info.id}`, token: dsAlpha })).body
          .revokedAt,
      ).toBeTruthy();
      expectProblem(
        await call(t.app, { method: 'GET', url: '/api/v1/me', token: mine.body.token }),
        401,
        'unauthenticated',
      );
      expectProblem(
        await call(t.app, {
          method: 'DELETE',
          url: '/api/v1/tokens/00000000-0000-4000-8000-000000000000',
          token: dsAlpha,
        }),
        404,
        'not_found',
      );
      const adminTokens = await call(t.app, { method: 'GET', url: '/api/v1/tokens?username=admin', token: dsAlpha });
      expectProblem(adminTokens, 403, 'forbidden');

      const doomed = await seedUser(t.app, 'doomed', [{ scope: 'alpha', role: 'viewer' }]);
      const login = await call(t.app, {
        method: 'POST',
        url: '/api/v1/auth/login',
        body: { username: 'doomed', password: 'doomed-correct-horse-battery' },
        token: null,
      });
      const cookie = String(login.headers['set-cookie']).split(';')[0]!;
      expect((await call(t.app, { method: 'GET', url: '/api/v1/me', token: null, headers: { cookie } })).status).toBe(
        200,
      );
      expect((await call(t.app, { method: 'GET', url: '/api/v1/me', token: doomed })).status).toBe(200);
      const disabled = await call(t.app, { method: 'POST', url: '/api/v1/users/doomed/disable', body: {} });
      expect(disabled.body.status).toBe('disabled');
      expectProblem(await call(t.app, { method: 'GET', url: '/api/v1/me', token: doomed }), 401, 'unauthenticated');
      expectProblem(
        await call(t.app, { method: 'GET', url: '/api/v1/me', token: null, headers: { cookie } }),
        401,
        'unauthenticated',
      );
      expectProblem(
        await call(t.app, {
          method: 'POST',
          url: '/api/v1/auth/login',
          body: { username: 'doomed', password: 'doomed-correct-horse-battery' },
          token: null,
        }),
        401,
        'unauthenticated',
      );
      await call(t.app, { method: 'POST', url: '/api/v1/users/doomed/enable', body: {} });
      expectProblem(await call(t.app, { method: 'GET', url: '/api/v1/me', token: doomed }), 401, 'unauthenticated');
      const events = (await call(t.app, { method: 'GET', url: '/api/v1/audit/events?action=user.disable' })).body.items;
      expect(events[0].after).toMatchObject({
        username: 'doomed',
        status: 'disabled',
        revokedTokens: 1,
        revokedSessions: 1,
      });
    });

    it('signs in with a session cookie that needs its CSRF token for changes, and signs out', async () => {
      await call(t.app, {
        method: 'POST',
        url: '/api/v1/users',
        body: {
          username: 'carol',
          displayName: 'Carol',
          password: 'carol-correct-horse-battery',
          roles: [{ scope: 'alpha', role: 'business-stakeholder' }],
        },
      });
      const login = await call(t.app, {
        method: 'POST',
        url: '/api/v1/auth/login',
        body: { username: 'carol', password: 'carol-correct-horse-battery' },
        token: null,
      });
      expect(login.status).toBe(200);
      const setCookie = String(login.headers['set-cookie']);
      expect(setCookie).toMatch(/^steward_session=[A-Za-z0-9_-]+; Path=\/; HttpOnly; SameSite=Strict; Max-Age=43200$/);
      const cookie = setCookie.split(';')[0]!;
      const csrf = login.body.csrfToken as string;
      expect(
        (await call(t.app, { method: 'GET', url: '/api/v1/me', token: null, headers: { cookie } })).body,
      ).toMatchObject({ username: 'carol', authenticatedBy: 'session' });
      const body = useCaseBody('carol-uc', { ownerTeam: 'alpha' });
      expectProblem(
        await call(t.app, { method: 'POST', url: '/api/v1/use-cases', body, token: null, headers: { cookie } }),
        403,
        'forbidden',
      );
      expectProblem(
        await call(t.app, {
          method: 'POST',
          url: '/api/v1/use-cases',
          body,
          token: null,
          headers: { cookie, 'x-csrf-token': 'wrong' },
        }),
        403,
        'forbidden',
      );
      expect(
        (
          await call(t.app, {
            method: 'POST',
            url: '/api/v1/use-cases',
            body,
            token: null,
            headers: { cookie, 'x-csrf-token': csrf },
          })
        ).status,
      ).toBe(201);
      const out = await call(t.app, {
        method: 'POST',
        url: '/api/v1/auth/logout',
        token: null,
        headers: { cookie, 'x-csrf-token': csrf },
      });
      expect(out.status).toBe(204);
      expect(String(out.headers['set-cookie'])).toMatch(/Max-Age=0/);
      expectProblem(
        await call(t.app, { method: 'GET', url: '/api/v1/me', token: null, headers: { cookie } }),
        401,
        'unauthenticated',
      );
      const actions = (await call(t.app, { method: 'GET', url: '/api/v1/audit/events?limit=1000' })).body.items.map(
        (e: { action: string }) => e.action,
      );
      expect(actions).toEqual(expect.arrayContaining(['session.login', 'session.logout']));

      const again = await call(t.app, {
        method: 'POST',
        url: '/api/v1/auth/login',
        body: { username: 'carol', password: 'carol-correct-horse-battery' },
        token: null,
      });
      const idleCookie = String(again.headers['set-cookie']).split(';')[0]!;
      clock.advance(31 * 60_000);
      expectProblem(
        await call(t.app, { method: 'GET', url: '/api/v1/me', token: null, headers: { cookie: idleCookie } }),
        401,
        'unauthenticated',
      );
    });

    it("accepts HTTP Basic with a password or the user's own token", async () => {
      expect(
        (
          await call(t.app, {
            method: 'GET',
            url: '/api/v1/me',
            token: null,
            headers: { authorization: basic('carol', 'carol-correct-horse-battery') },
          })
        ).body.authenticatedBy,
      ).toBe('password');
      expect(
        (
          await call(t.app, {
            method: 'GET',
            url: '/api/v1/me',
            token: null,
            headers: { authorization: basic('ds-alpha', dsAlpha) },
          })
        ).body.authenticatedBy,
      ).toBe('token');
      expectProblem(
        await call(t.app, {
          method: 'GET',
          url: '/api/v1/me',
          token: null,
          headers: { authorization: basic('carol', dsAlpha) },
        }),
        401,
        'unauthenticated',
      );
      expectProblem(
        await call(t.app, {
          method: 'GET',
          url: '/api/v1/me',
          token: null,
          headers: { authorization: basic('carol', 'wrong-password-here') },
        }),
        401,
        'unauthenticated',
      );
      expectProblem(
        await call(t.app, { method: 'GET', url: '/api/v1/me', token: null, headers: { authorization: 'Basic !!!' } }),
        401,
        'unauthenticated',
      );
    });

    it('forces a one-time password to be changed before anything else', async () => {
      const created = await call(t.app, {
        method: 'POST',
        url: '/api/v1/users',
        body: { username: 'dave', displayName: 'Dave', roles: [{ scope: 'alpha', role: 'viewer' }] },
      });
      expect(created.status).toBe(201);
      const otp = created.body.oneTimePassword as string;
      expect(otp.length).toBeGreaterThanOrEqual(20);
      expect(created.body.user.passwordChangeRequired).toBe(true);
      const login = await call(t.app, {
        method: 'POST',
        url: '/api/v1/auth/login',
        body: { username: 'dave', password: otp },
        token: null,
      });
      expect(login.body.passwordChangeRequired).toBe(true);
      const headers = {
        cookie: String(login.headers['set-cookie']).split(';')[0]!,
        'x-csrf-token': login.body.csrfToken,
      };
      expectProblem(
        await call(t.app, { method: 'GET', url: '/api/v1/models', token: null, headers }),
        403,
        'password_change_required',
      );
      expectProblem(
        await call(t.app, {
          method: 'POST',
          url: '/api/v1/auth/password',
          body: { currentPassword: otp, newPassword: 'short' },
          token: null,
          headers,
        }),
        400,
        'validation_failed',
      );
      expectProblem(
        await call(t.app, {
          method: 'POST',
          url: '/api/v1/auth/password',
          body: { currentPassword: 'wrong', newPassword: 'dave-new-long-password' },
          token: null,
          headers,
        }),
        403,
        'forbidden',
      );
      expect(
        (
          await call(t.app, {
            method: 'POST',
            url: '/api/v1/auth/password',
            body: { currentPassword: otp, newPassword: 'dave-new-long-password' },
            token: null,
            headers,
          })
        ).status,
      ).toBe(204);
      expect((await call(t.app, { method: 'GET', url: '/api/v1/models', token: null, headers })).status).toBe(200);
      expectProblem(
        await call(t.app, {
          method: 'POST',
          url: '/api/v1/auth/login',
          body: { username: 'dave', password: otp },
          token: null,
        }),
        401,
        'unauthenticated',
      );
    });

    it('rate-limits failed sign-ins per account and refused requests per user', async () => {
      await call(t.app, {
        method: 'POST',
        url: '/api/v1/users',
        body: { username: 'erin', displayName: 'Erin', password: 'erin-correct-horse-battery' },
      });
      for (let i = 0; i < 3; i++)
        expectProblem(
          await call(t.app, {
            method: 'POST',
            url: '/api/v1/auth/login',
            body: { username: 'erin', password: `guess-${i}` },
            token: null,
          }),
          401,
          'unauthenticated',
        );
      const locked = await call(t.app, {
        method: 'POST',
        url: '/api/v1/auth/login',
        body: { username: 'erin', password: 'erin-correct-horse-battery' },
        token: null,
      });
      expectProblem(locked, 429, 'rate_limited');
      expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
      clock.advance(16 * 60_000);
      expect(
        (
          await call(t.app, {
            method: 'POST',
            url: '/api/v1/auth/login',
            body: { username: 'erin', password: 'erin-correct-horse-battery' },
            token: null,
          })
        ).status,
      ).toBe(200);

      const pest = await seedUser(t.app, 'pest', [{ scope: 'alpha', role: 'viewer' }]);
      for (let i = 0; i < 25; i++)
        expectProblem(await call(t.app, { method: 'GET', url: '/api/v1/users', token: pest }), 403, 'forbidden');
      expectProblem(await call(t.app, { method: 'GET', url: '/api/v1/models', token: pest }), 429, 'rate_limited');
    });

    it('keeps read-only tokens from managing credentials, and tokens from outliving their maker', async () => {
      const ro = await seedUser(t.app, 'ro-user', [{ scope: 'alpha', role: 'viewer' }], ['read']);
      expectProblem(
        await call(t.app, { method: 'POST', url: '/api/v1/tokens', body: { name: 'x', scopes: ['read'] }, token: ro }),
        403,
        'forbidden',
      );
      const others = await call(t.app, { method: 'GET', url: '/api/v1/tokens', token: ro });
      expectProblem(
        await call(t.app, { method: 'DELETE', url: `/api/v1/tokens/${others.body.items[0].id}`, token: ro }),
        403,
        'forbidden',
      );
      expectProblem(
        await call(t.app, {
          method: 'PATCH',
          url: '/api/v1/users/ro-user',
          body: { displayName: 'Changed' },
          token: ro,
        }),
        403,
        'forbidden',
      );
      const shortLived = await call(t.app, {
        method: 'POST',
        url: '/api/v1/tokens',
        body: { name: 'short', username: 'ro-user', scopes: ['read', 'write'], expiresInDays: 1 },
      });
      const child = await call(t.app, {
        method: 'POST',
        url: '/api/v1/tokens',
        body: { name: 'child', expiresInDays: 3650, scopes: ['read'] },
        token: shortLived.body.token,
      });
      expect(child.status).toBe(201);
      expect(child.body.info.expiresAt).toBe(shortLived.body.info.expiresAt);
    });

    it('counts password guesses before checking them, so parallel guesses cannot pass the limit', async () => {
      await call(t.app, {
        method: 'POST',
        url: '/api/v1/users',
        body: { username: 'frank', displayName: 'Frank', password: 'frank-correct-horse-battery' },
      });
      const results = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          call(t.app, {
            method: 'POST',
            url: '/api/v1/auth/login',
            body: { username: 'frank', password: `parallel-${i}` },
            token: null,
          }),
        ),
      );
      expect(results.filter((r) => r.status === 401)).toHaveLength(3);
      expect(results.filter((r) => r.status === 429)).toHaveLength(9);
      const basic = await call(t.app, {
        method: 'GET',
        url: '/api/v1/me',
        token: null,
        headers: { authorization: `Basic ${Buffer.from('frank:frank-correct-horse-battery').toString('base64')}` },
      });
      expectProblem(basic, 429, 'rate_limited');
      clock.advance(16 * 60_000);
    });

    it('says nothing about disabled accounts, advertises only Bearer, and survives odd cookies', async () => {
      await call(t.app, {
        method: 'POST',
        url: '/api/v1/users',
        body: { username: 'gone', displayName: 'Gone', password: 'gone-correct-horse-battery' },
      });
      await call(t.app, { method: 'POST', url: '/api/v1/users/gone/disable', body: {} });
      const res = await call(t.app, {
        method: 'GET',
        url: '/api/v1/me',
        token: null,
        headers: { authorization: `Basic ${Buffer.from('gone:gone-correct-horse-battery').toString('base64')}` },
      });
      expectProblem(res, 401, 'unauthenticated');
      expect(res.body.detail).toBe('authentication failed: wrong username or password');
      expect(res.headers['www-authenticate']).toBe('Bearer realm="steward"');
      expectProblem(
        await call(t.app, {
          method: 'GET',
          url: '/api/v1/me',
          token: null,
          headers: { cookie: 'steward_session=%E0%A4%A' },
        }),
        401,
        'unauthenticated',
      );
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

    it('rejects bad identity input with problems and writes nothing', async () => {
      expectProblem(
        await call(t.app, {
          method: 'POST',
          url: '/api/v1/users',
          body: { username: 'weak', displayName: 'W', password: 'short' },
        }),
        400,
        'validation_failed',
      );
      expectProblem(
        await call(t.app, {
          method: 'POST',
          url: '/api/v1/users',
          body: { username: 'same-as-name', displayName: 'S', password: 'same-as-name' },
        }),
        400,
        'validation_failed',
      );
      expectProblem(
        await call(t.app, { method: 'POST', url: '/api/v1/users', body: { username: 'Bad Name', displayName: 'B' } }),
        400,
        'validation_failed',
      );
      expectProblem(
        await call(t.app, { method: 'POST', url: '/api/v1/users', body: { username: 'carol', displayName: 'C' } }),
        409,
        'conflict',
      );
      expectProblem(
        await call(t.app, {
          method: 'POST',
          url: '/api/v1/users',
          body: { username: 'ghost-team', displayName: 'G', roles: [{ scope: 'nope', role: 'viewer' }] },
        }),
        422,
        'invalid_reference',
      );
      expectProblem(await call(t.app, { method: 'GET', url: '/api/v1/users/ghost-team' }), 404, 'not_found');
      expectProblem(
        await call(t.app, {
          method: 'POST',
          url: '/api/v1/users',
          body: { username: 'bad-role', displayName: 'B', roles: [{ scope: 'alpha', role: 'emperor' }] },
        }),
        400,
        'validation_failed',
      );
      expectProblem(
        await call(t.app, { method: 'POST', url: '/api/v1/users/admin/disable', body: {} }),
        409,
        'conflict',
      );
      expectProblem(await call(t.app, { method: 'DELETE', url: '/api/v1/users/admin/roles/*/admin' }), 409, 'conflict');
      expectProblem(
        await call(t.app, { method: 'DELETE', url: '/api/v1/users/carol/roles/alpha/admin' }),
        404,
        'not_found',
      );
      expectProblem(
        await call(t.app, { method: 'POST', url: '/api/v1/teams', body: { name: 'alpha' } }),
        409,
        'conflict',
      );
      expectProblem(
        await call(t.app, { method: 'POST', url: '/api/v1/teams', body: { name: 'Not A Slug' } }),
        400,
        'validation_failed',
      );
      expectProblem(
        await call(t.app, {
          method: 'POST',
          url: '/api/v1/use-cases',
          body: useCaseBody('no-team', { ownerTeam: 'gamma' }),
        }),
        422,
        'invalid_reference',
      );
      expectProblem(
        await call(t.app, { method: 'POST', url: '/api/v1/tokens', body: { name: 't', username: 'nobody' } }),
        422,
        'invalid_reference',
      );
      expectProblem(
        await call(t.app, { method: 'POST', url: '/api/v1/tokens', body: { name: 't', scopes: ['root'] } }),
        400,
        'validation_failed',
      );
      expectProblem(
        await call(t.app, { method: 'POST', url: '/api/v1/auth/login', body: { username: 'carol' }, token: null }),
        400,
        'validation_failed',
      );
      expectProblem(await call(t.app, { method: 'POST', url: '/api/v1/auth/logout' }), 400, 'bad_request');
      expect(
        (await call(t.app, { method: 'GET', url: '/api/v1/users?limit=500' })).body.items.map(
          (u: { username: string }) => u.username,
        ),
      ).not.toEqual(expect.arrayContaining(['weak', 'bad-role']));
    });
  });
});

describe.each(DB_KINDS)('the last administrator on %s', (kind) => {
  describe.skipIf(skipReason(kind) !== null)(skipReason(kind) ?? 'api', () => {
    const t = useTestApp(kind, { teams: [] });

    it('never lets two administrators disable each other at the same moment', async () => {
      const all = ['read', 'write', 'admin'];
      const tokens: Record<string, string> = {
        'admin-a': await seedUser(t.app, 'admin-a', [{ scope: '*', role: 'admin' }], all),
        'admin-b': await seedUser(t.app, 'admin-b', [{ scope: '*', role: 'admin' }], all),
      };
      expect(
        (await call(t.app, { method: 'POST', url: '/api/v1/users/admin/disable', body: {}, token: tokens['admin-a'] }))
          .status,
      ).toBe(200);
      for (let round = 0; round < 3; round++) {
        const [ra, rb] = await Promise.all([
          call(t.app, { method: 'POST', url: '/api/v1/users/admin-b/disable', body: {}, token: tokens['admin-a'] }),
          call(t.app, { method: 'POST', url: '/api/v1/users/admin-a/disable', body: {}, token: tokens['admin-b'] }),
        ]);
        expect([ra, rb].filter((r) => r.status === 200)).toHaveLength(1);
        const [winner, loser] = ra.status === 200 ? ['admin-a', 'admin-b'] : ['admin-b', 'admin-a'];
        const users = (await call(t.app, { method: 'GET', url: '/api/v1/users?limit=500', token: tokens[winner!] }))
          .body.items as { username: string; status: string }[];
        expect(users.filter((u) => u.status === 'active').map((u) => u.username)).toEqual([winner]);
        // Bring the loser back, with a new token (disabling revoked the old one), for the next round.
        await call(t.app, { method: 'POST', url: `/api/v1/users/${loser}/enable`, body: {}, token: tokens[winner!] });
        tokens[loser!] = (
          await call(t.app, {
            method: 'POST',
            url: '/api/v1/tokens',
            body: { name: `round-${round}`, username: loser, scopes: all },
            token: tokens[winner!],
          })
        ).body.token;
      }
    });
  });
});
