import { beforeAll, describe, expect, it } from 'vitest';
import { call, expectProblem, manualClock, seedUser, useCaseBody, useTestApp } from '../helpers/app.ts';
import { runCli } from '../helpers/cli.ts';
import { DB_KINDS, skipReason } from '../helpers/db.ts';
import { basic, IDENTITY_LIMITS } from '../helpers/identity.ts';
import { creditScoring } from '../helpers/policy.ts';

const PASSWORD = (user: string) => `${user}-correct-horse-battery`;

describe.each(DB_KINDS)('tokens that sign on %s', (kind) => {
  describe.skipIf(skipReason(kind) !== null)(skipReason(kind) ?? 'api', () => {
    const clock = manualClock();
    const t = useTestApp(kind, { clock, teams: ['alpha'], authLimits: IDENTITY_LIMITS });
    let uc: string;

    beforeAll(async () => {
      uc = (
        await call(t.app, { method: 'POST', url: '/api/v1/use-cases', body: useCaseBody('uc', { ownerTeam: 'alpha' }) })
      ).body.id;
      const assessed = await call(t.app, {
        method: 'PUT',
        url: `/api/v1/use-cases/${uc}/assessment`,
        body: { answers: creditScoring },
      });
      expect(assessed.status, assessed.text).toBe(200);
    });

    /** Signs in with the console's session: the cookie and CSRF token headers. */
    const session = async (username: string) => {
      const login = await call(t.app, {
        method: 'POST',
        url: '/api/v1/auth/login',
        token: null,
        body: { username, password: PASSWORD(username) },
      });
      expect(login.status, login.text).toBe(200);
      return { cookie: String(login.headers['set-cookie']).split(';')[0]!, 'x-csrf-token': login.body.csrfToken };
    };
    const mint = (headers: Record<string, string>, body: Record<string, unknown>) =>
      call(t.app, { method: 'POST', url: '/api/v1/tokens', token: null, headers, body: { name: 'signer', ...body } });
    const signUseCase = (token: string, body: Record<string, unknown>) =>
      call(t.app, {
        method: 'POST',
        url: `/api/v1/use-cases/${uc}/signatures`,
        token,
        body: { role: 'business-stakeholder', meaning: 'acknowledge', ...body },
      });
    const lastManifest = async () =>
      (await call(t.app, { method: 'GET', url: '/api/v1/audit/events?action=signature.create' })).body.items.at(-1)
        .after.manifest;

    it('needs the password re-entered to mint a sign token, even from a signed-in session', async () => {
      await seedUser(t.app, 'sally', [{ scope: 'alpha', role: 'business-stakeholder' }]);
      const headers = await session('sally');
      // The penetration test's request: a session alone, ten years.
      const attack = await mint(headers, { scopes: ['read', 'sign'], expiresInDays: 3650 });
      expect(attack.status).not.toBe(201);
      expectProblem(await mint(headers, { scopes: ['read', 'sign'] }), 403, 'reauthentication_failed');
      expectProblem(
        await mint(headers, { scopes: ['read', 'sign'], password: 'not-her-password' }),
        403,
        'reauthentication_failed',
      );
      const tooLong = await mint(headers, {
        scopes: ['read', 'sign'],
        expiresInDays: 3650,
        password: PASSWORD('sally'),
      });
      expectProblem(tooLong, 400, 'validation_failed');
      expect(tooLong.body.detail).toMatch(/at most 24 hours/);
      expect(tooLong.body.errors).toEqual([expect.objectContaining({ pointer: '/body/expiresInDays' })]);
      // Nobody mints a sign token for someone else, not even an administrator.
      expectProblem(
        await call(t.app, {
          method: 'POST',
          url: '/api/v1/tokens',
          body: { name: 'for sally', username: 'sally', scopes: ['sign'], password: 'whatever-it-is' },
        }),
        403,
        'forbidden',
      );
      const ok = await mint(headers, { scopes: ['read', 'sign'], password: PASSWORD('sally') });
      expect(ok.status, ok.text).toBe(201);
      const lifetime = Date.parse(ok.body.info.expiresAt) - clock.now().getTime();
      expect(lifetime).toBe(24 * 3_600_000);
      // Tokens without the sign scope are minted as before.
      expect((await mint(headers, { scopes: ['read', 'write'], expiresInDays: 3650 })).status).toBe(201);
      const tokens = (await call(t.app, { method: 'GET', url: '/api/v1/tokens?username=sally' })).body.items;
      expect(tokens.filter((x: { scopes: string[] }) => x.scopes.includes('sign'))).toHaveLength(1);
    });

    it('counts wrong passwords toward the sign-in lockout', async () => {
      await seedUser(t.app, 'guess', [{ scope: 'alpha', role: 'business-stakeholder' }]);
      const headers = await session('guess');
      for (let i = 0; i < 3; i++)
        expectProblem(
          await mint(headers, { scopes: ['sign'], password: `guess-${i}-wrong` }),
          403,
          'reauthentication_failed',
        );
      expectProblem(await mint(headers, { scopes: ['sign'], password: PASSWORD('guess') }), 429, 'rate_limited');
    });

    it('records in the manifest which credential re-authenticated the signer', async () => {
      const own = await seedUser(t.app, 'sam', [{ scope: 'alpha', role: 'business-stakeholder' }]);
      expect((await signUseCase(own, { password: PASSWORD('sam') })).status).toBe(201);
      expect((await lastManifest()).reauthenticatedWith).toEqual({ type: 'password' });
      const signer = await mint(
        { authorization: basic('sam', PASSWORD('sam')) },
        {
          scopes: ['read', 'sign'],
          password: PASSWORD('sam'),
        },
      );
      expect(signer.status, signer.text).toBe(201);
      // Another meaning: the same state signed again with the same one is the same signature.
      const byToken = await signUseCase(signer.body.token, { token: signer.body.token, meaning: 'review' });
      expect(byToken.status, byToken.text).toBe(201);
      expect((await lastManifest()).reauthenticatedWith).toEqual({ type: 'token', id: signer.body.info.id });
    });

    it('revokes sign tokens on a password change, a role removal and disabling', async () => {
      const everyday = await seedUser(t.app, 'tess', [
        { scope: 'alpha', role: 'business-stakeholder' },
        { scope: 'alpha', role: 'viewer' },
      ]);
      const signToken = async () => {
        const res = await mint({ authorization: `Bearer ${everyday}` }, { scopes: ['read', 'sign'], password });
        expect(res.status, res.text).toBe(201);
        return res.body.token as string;
      };
      let password = PASSWORD('tess');
      const me = (token: string) => call(t.app, { method: 'GET', url: '/api/v1/me', token });

      let sign = await signToken();
      const headers = await session('tess');
      const changed = await call(t.app, {
        method: 'POST',
        url: '/api/v1/auth/password',
        token: null,
        headers,
        body: { currentPassword: password, newPassword: (password = 'tess-second-long-password') },
      });
      expect(changed.status, changed.text).toBe(204);
      expectProblem(await me(sign), 401, 'unauthenticated');
      expect((await me(everyday)).status).toBe(200);

      sign = await signToken();
      expect((await call(t.app, { method: 'DELETE', url: '/api/v1/users/tess/roles/alpha/viewer' })).status).toBe(200);
      expectProblem(await me(sign), 401, 'unauthenticated');
      expect((await me(everyday)).status).toBe(200);
      const revoke = (
        await call(t.app, { method: 'GET', url: '/api/v1/audit/events?action=role.revoke' })
      ).body.items.at(-1);
      expect(revoke.after).toEqual({ revokedSignTokens: 1 });

      sign = await signToken();
      expect((await call(t.app, { method: 'POST', url: '/api/v1/users/tess/disable', body: {} })).status).toBe(200);
      await call(t.app, { method: 'POST', url: '/api/v1/users/tess/enable', body: {} });
      expectProblem(await me(sign), 401, 'unauthenticated');
    });

    it('keeps the bootstrap token as it was: read, write and admin', async () => {
      expect((await call(t.app, { method: 'GET', url: '/api/v1/me' })).body.tokenScopes).toEqual([
        'read',
        'write',
        'admin',
      ]);
    });

    it('mints a sign token from the CLI with the password on standard input', async () => {
      await seedUser(t.app, 'cleo', [{ scope: 'alpha', role: 'business-stakeholder' }]);
      const url = await t.app.listen({ port: 0, host: '127.0.0.1' });
      const asCleo = {
        STEWARD_URL: url,
        STEWARD_TOKEN: (await mint({ authorization: basic('cleo', PASSWORD('cleo')) }, {})).body.token,
      };
      const args = ['tokens', 'create', '--name', 'pipeline', '--scope', 'read', '--scope', 'sign'];
      const missing = await runCli(args, asCleo);
      expect(missing.code).toBe(2);
      expect(missing.stderr).toMatch(/--password-stdin/);
      const made = await runCli([...args, '--password-stdin'], asCleo, { input: `${PASSWORD('cleo')}\n` });
      expect(made.code, made.stderr).toBe(0);
      expect(made.stdout.trim()).toMatch(/^stw_\S{43}$/);
      const misuse = await runCli(['tokens', 'create', '--name', 'x', '--scope', 'read', '--password-stdin'], asCleo, {
        input: 'x',
      });
      expect(misuse.code).toBe(2);
      // Each run starts a real process: generous time on a busy machine.
    }, 120_000);
  });
});
