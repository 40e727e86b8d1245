import { describe, expect, it } from 'vitest';
import { call, expectProblem, seedUser, useTestApp } from '../helpers/app.ts';
import { DB_KINDS, skipReason } from '../helpers/db.ts';
import { useIdentityApp } from '../helpers/identity.ts';

describe.each(DB_KINDS)('one-time passwords and sign-in limits on %s', (kind) => {
  describe.skipIf(skipReason(kind) !== null)(skipReason(kind) ?? 'api', () => {
    const f = useIdentityApp(kind);
    const { t, clock } = f;

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
