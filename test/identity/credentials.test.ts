import { beforeAll, describe, expect, it } from 'vitest';
import { call, expectProblem, seedUser, useCaseBody } from '../helpers/app.ts';
import { DB_KINDS, skipReason } from '../helpers/db.ts';
import { basic, useIdentityApp } from '../helpers/identity.ts';

describe.each(DB_KINDS)('credentials, sessions and identity input on %s', (kind) => {
  describe.skipIf(skipReason(kind) !== null)(skipReason(kind) ?? 'api', () => {
    const f = useIdentityApp(kind);
    const { t, clock } = f;
    let dsAlpha: string;
    beforeAll(() => {
      ({ dsAlpha } = f);
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
