import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, expectProblem, seedUser, useCaseBody, useTestApp } from '../helpers/app.ts';
import { DB_KINDS, skipReason } from '../helpers/db.ts';
import { idpBrowser, startProvider, type TestProvider } from '../helpers/oidc.ts';
import { creditScoring } from '../helpers/policy.ts';
import type { SsoSettings } from '../../src/features/identity/sso.service.ts';

const HOST = 'steward.test';
const CALLBACK = `http://${HOST}/api/v1/auth/oidc/callback`;

/** The cookies a response sets, by name. */
const setCookies = (res: { headers: Record<string, unknown> }): Record<string, string> => {
  const raw = res.headers['set-cookie'];
  const lines = Array.isArray(raw) ? raw : raw ? [String(raw)] : [];
  return Object.fromEntries(lines.map((l: string) => l.split(';')[0]!.split(/=(.*)/s).slice(0, 2) as [string, string]));
};

describe.each(DB_KINDS)('single sign-on with OpenID Connect on %s', (kind) => {
  describe.skipIf(skipReason(kind) !== null)(skipReason(kind) ?? 'api', () => {
    let idp: TestProvider;
    const settings: SsoSettings = {
      issuer: '',
      clientId: 'steward',
      clientSecret: undefined,
      redirectUri: CALLBACK,
      claims: {
        usernameClaim: 'preferred_username',
        rules: [
          { claim: 'groups', value: 'risk-ds', grant: { scope: 'credit-risk', role: 'data-scientist' } },
          { claim: 'groups', value: 'risk-owners', grant: { scope: 'credit-risk', role: 'business-stakeholder' } },
          { claim: 'groups', value: 'nowhere', grant: { scope: 'no-such-team', role: 'viewer' } },
          { claim: 'groups', value: 'steward-admins', grant: { scope: '*', role: 'admin' } },
        ],
      },
    };
    beforeAll(async () => {
      idp = await startProvider(
        [CALLBACK],
        {
          'alice-sub': {
            preferred_username: 'Alice',
            name: 'Alice Liddell',
            email: 'alice@example.com',
            groups: ['risk-ds', 'nowhere'],
          },
          'bob-sub': { preferred_username: 'bob', name: 'Bob', groups: ['risk-owners'] },
          'mallory-sub': { preferred_username: 'localadmin', groups: [] },
          'root-sub': { preferred_username: 'root', groups: ['steward-admins'] },
        },
        [`http://${HOST}/`],
      );
      Object.assign(settings, { issuer: idp.issuer, clientSecret: idp.clientSecret });
    });
    afterAll(async () => idp?.close());
    const t = useTestApp(kind, { oidc: settings, localPasswords: 'admins' });

    /** Starts a sign-in (or re-authentication, with a session) at Steward: the provider's URL and this browser's state cookie. */
    const begin = async (path = '/api/v1/auth/oidc/login', headers: Record<string, string> = {}) => {
      const res = await call(t.app, { method: 'GET', url: path, token: null, headers });
      expect(res.status, res.text).toBe(302);
      return { location: String(res.headers.location), state: setCookies(res).steward_oidc! };
    };
    const callback = (url: string, state: string | undefined) =>
      call(t.app, {
        method: 'GET',
        url: url.slice(`http://${HOST}`.length),
        token: null,
        headers: state ? { cookie: `steward_oidc=${state}` } : {},
      });
    /** Signs in through the provider as `sub`: the session headers a console would send. */
    const signIn = async (sub: string, browser = idpBrowser()) => {
      const started = await begin();
      const back = await browser.authorize(started.location, sub, CALLBACK);
      const res = await callback(back, started.state);
      expect(res.status, res.text).toBe(302);
      const cookies = setCookies(res);
      return { cookie: `steward_session=${cookies.steward_session}`, 'x-csrf-token': cookies.steward_csrf! };
    };
    const auditOf = async (action: string) =>
      (await call(t.app, { method: 'GET', url: `/api/v1/audit/events?action=${action}` })).body.items;

    it('says single sign-on is on and local passwords are for administrators', async () => {
      const res = await call(t.app, { method: 'GET', url: '/api/v1/auth/methods', token: null });
      expect(res.body).toEqual({ sso: true, localPasswords: 'admins' });
    });

    it('redirects to the provider with PKCE, state and nonce', async () => {
      const { location, state } = await begin();
      const url = new URL(location);
      expect(url.origin).toBe(idp.issuer);
      expect(Object.fromEntries(url.searchParams)).toMatchObject({
        client_id: 'steward',
        redirect_uri: CALLBACK,
        response_type: 'code',
        code_challenge_method: 'S256',
        state,
      });
      expect(url.searchParams.get('nonce')).toMatch(/^[\w-]{20,}$/);
      expect(url.searchParams.get('prompt')).toBeNull();
    });

    it('creates the user just in time with the roles the claims map to, and opens a session', async () => {
      const headers = await signIn('alice-sub');
      const me = await call(t.app, { method: 'GET', url: '/api/v1/me', token: null, headers });
      expect(me.status, me.text).toBe(200);
      expect(me.body).toMatchObject({
        username: 'alice',
        displayName: 'Alice Liddell',
        authenticatedBy: 'session',
        roles: [{ scope: 'credit-risk', role: 'data-scientist' }],
      });
      const user = await call(t.app, { method: 'GET', url: '/api/v1/users/alice' });
      expect(user.body).toMatchObject({ email: 'alice@example.com', passwordChangeRequired: false });
      const [signedIn] = await auditOf('sso.sign-in');
      expect(signedIn.after).toMatchObject({
        issuer: idp.issuer,
        subject: 'alice-sub',
        created: true,
        granted: [{ scope: 'credit-risk', role: 'data-scientist' }],
        unknownTeams: ['no-such-team'],
      });
      const logins = await auditOf('session.login');
      expect(logins.at(-1).after).toMatchObject({ via: 'oidc', issuer: idp.issuer });
      // The session is a console session like any other: unsafe requests need its CSRF token.
      const write = await call(t.app, {
        method: 'PATCH',
        url: '/api/v1/users/alice',
        token: null,
        headers: { cookie: headers.cookie },
        body: { displayName: 'A' },
      });
      expectProblem(write, 403, 'forbidden');
    });

    it('brings the mapped roles up to date at each sign-in, leaving roles granted by hand', async () => {
      expect(
        (
          await call(t.app, {
            method: 'POST',
            url: '/api/v1/users/alice/roles',
            body: { scope: 'paging', role: 'viewer' },
          })
        ).status,
      ).toBe(200);
      idp.accounts['alice-sub']!.groups = ['risk-owners'];
      idp.accounts['alice-sub']!.name = 'Alice L.';
      const headers = await signIn('alice-sub');
      const me = await call(t.app, { method: 'GET', url: '/api/v1/me', token: null, headers });
      expect(me.body.displayName).toBe('Alice L.');
      expect(me.body.roles).toHaveLength(2);
      expect(me.body.roles).toEqual(
        expect.arrayContaining([
          { scope: 'credit-risk', role: 'business-stakeholder' },
          { scope: 'paging', role: 'viewer' },
        ]),
      );
      const last = (await auditOf('sso.sign-in')).at(-1);
      expect(last.after).toMatchObject({
        created: false,
        granted: [{ scope: 'credit-risk', role: 'business-stakeholder' }],
        revoked: [{ scope: 'credit-risk', role: 'data-scientist' }],
      });
    });

    it('refuses a callback whose state is not the one this browser started: 401, no session', async () => {
      const a = await begin();
      const b = await begin();
      const back = await idpBrowser().authorize(a.location, 'bob-sub', CALLBACK);
      for (const state of [b.state, undefined]) {
        const res = await callback(back, state);
        expectProblem(res, 401, 'unauthenticated');
        expect(res.body.detail).toMatch(/state does not match/);
        expect(setCookies(res).steward_session).toBeUndefined();
      }
    });

    it('refuses a replayed callback and a code from another request', async () => {
      const browser = idpBrowser();
      const a = await begin();
      const back = await browser.authorize(a.location, 'bob-sub', CALLBACK);
      expect((await callback(back, a.state)).status).toBe(302);
      const replay = await callback(back, a.state);
      expectProblem(replay, 401, 'unauthenticated');
      expect(replay.body.detail).toMatch(/unknown, expired or already used/);
      // A code issued to one request, presented with another request's state: PKCE and nonce differ.
      const b = await begin();
      const c = await begin();
      const codeOfB = new URL(await browser.authorize(b.location, 'bob-sub', CALLBACK)).searchParams.get('code')!;
      const forged = new URL(CALLBACK);
      forged.search = new URLSearchParams({ code: codeOfB, state: c.state, iss: idp.issuer }).toString();
      const res = await callback(forged.href, c.state);
      expectProblem(res, 401, 'unauthenticated');
      expect(res.body.detail).toMatch(/authorization code was not accepted/);
      expect(setCookies(res).steward_session).toBeUndefined();
    });

    it('refuses an ID token whose nonce is not the request’s', async () => {
      const a = await begin();
      const back = await idpBrowser().authorize(a.location, 'bob-sub', CALLBACK);
      await t.database.db
        .updateTable('sso_logins')
        .set({ nonce: 'another-nonce' })
        .where('consumed_at', 'is', null)
        .execute();
      const res = await callback(back, a.state);
      expectProblem(res, 401, 'unauthenticated');
      expect(res.body.detail).toMatch(/nonce/);
    });

    it('refuses a sign-in request past its ten minutes', async () => {
      const a = await begin();
      const back = await idpBrowser().authorize(a.location, 'bob-sub', CALLBACK);
      await t.database.db
        .updateTable('sso_logins')
        .set({ expires_at: new Date(Date.now() - 1000).toISOString() })
        .where('consumed_at', 'is', null)
        .execute();
      const res = await callback(back, a.state);
      expectProblem(res, 401, 'unauthenticated');
      expect(res.body.detail).toMatch(/unknown, expired or already used/);
    });

    it('refuses the provider’s error answer, and audits every refusal', async () => {
      const a = await begin();
      const res = await callback(`${CALLBACK}?error=access_denied&error_description=no&state=${a.state}`, a.state);
      expectProblem(res, 401, 'unauthenticated');
      expect(res.body.detail).toMatch(/access_denied/);
      const refusals = (await auditOf('auth.sign-in-failure')).filter(
        (e: { after?: { via?: string } }) => e.after?.via === 'oidc',
      );
      expect(refusals.length).toBeGreaterThanOrEqual(1);
    });

    it('never takes over a local account of the same name, nor signs in a disabled user', async () => {
      await seedUser(t.app, 'localadmin', [{ scope: '*', role: 'admin' }]);
      const a = await begin();
      const back = await idpBrowser().authorize(a.location, 'mallory-sub', CALLBACK);
      const res = await callback(back, a.state);
      expectProblem(res, 401, 'unauthenticated');
      expect(res.body.detail).toMatch(/'localadmin' already exists/);
      expect((await call(t.app, { method: 'POST', url: '/api/v1/users/bob/disable' })).status).toBe(200);
      const b = await begin();
      const refused = await callback(await idpBrowser().authorize(b.location, 'bob-sub', CALLBACK), b.state);
      expectProblem(refused, 401, 'unauthenticated');
      expect(refused.body.detail).toMatch(/disabled/);
      await call(t.app, { method: 'POST', url: '/api/v1/users/bob/enable' });
    });

    it('keeps local passwords for organisation administrators only', async () => {
      await seedUser(t.app, 'carol', [{ scope: 'credit-risk', role: 'viewer' }]);
      const login = (username: string) =>
        call(t.app, {
          method: 'POST',
          url: '/api/v1/auth/login',
          token: null,
          body: { username, password: `${username}-correct-horse-battery` },
        });
      const carol = await login('carol');
      expectProblem(carol, 401, 'unauthenticated');
      expect(carol.body.detail).toMatch(/single sign-on/);
      expect((await login('localadmin')).status).toBe(200);
    });

    it('signs out of Steward and offers the provider’s end-session URL', async () => {
      const headers = await signIn('bob-sub');
      const res = await call(t.app, {
        method: 'POST',
        url: '/api/v1/auth/oidc/logout',
        token: null,
        headers: { ...headers, host: HOST },
      });
      expect(res.status, res.text).toBe(200);
      const end = new URL(res.body.endSessionUrl);
      expect(end.origin).toBe(idp.issuer);
      expect(end.searchParams.get('post_logout_redirect_uri')).toBe(`http://${HOST}/`);
      expect(end.searchParams.get('id_token_hint')).toMatch(/^ey/);
      expect((await idpBrowser().visit(end.href)).status).toBe(200);
      expectProblem(
        await call(t.app, { method: 'GET', url: '/api/v1/me', token: null, headers }),
        401,
        'unauthenticated',
      );
    });

    describe('re-authentication for a signature', () => {
      let uc: string;
      beforeAll(async () => {
        uc = (await call(t.app, { method: 'POST', url: '/api/v1/use-cases', body: useCaseBody('sso-uc') })).body.id;
        const assessed = await call(t.app, {
          method: 'PUT',
          url: `/api/v1/use-cases/${uc}/assessment`,
          body: { answers: creditScoring },
        });
        expect(assessed.status, assessed.text).toBe(200);
      });
      const sign = (headers: Record<string, string>, body: Record<string, unknown>) =>
        call(t.app, {
          method: 'POST',
          url: `/api/v1/use-cases/${uc}/signatures`,
          token: null,
          headers,
          body: { role: 'business-stakeholder', meaning: 'acknowledge', ...body },
        });
      /** A fresh login at the provider for the signed-in user: the proof the callback leaves. */
      const reauthenticate = async (
        headers: Record<string, string>,
        browser: ReturnType<typeof idpBrowser>,
        as: string,
      ) => {
        const started = await begin('/api/v1/auth/oidc/reauthenticate', headers);
        const url = new URL(started.location);
        expect(url.searchParams.get('prompt')).toBe('login');
        expect(url.searchParams.get('max_age')).toBe('0');
        return callback(await browser.authorize(started.location, as, CALLBACK), started.state);
      };

      it('signs with the proof of a fresh provider login, once, and the manifest says so', async () => {
        idp.accounts['alice-sub']!.groups = ['risk-owners'];
        const browser = idpBrowser();
        const headers = await signIn('alice-sub', browser);
        const before = Date.now();
        const done = await reauthenticate(headers, browser, 'alice-sub');
        expect(done.status, done.text).toBe(302);
        const proof = setCookies(done).steward_reauth!;
        expect(proof).toBeTruthy();
        const signed = await sign(headers, { reauthProof: proof });
        expect(signed.status, signed.text).toBe(201);
        const manifest = (await auditOf('signature.create')).at(-1).after.manifest;
        expect(manifest.reauthenticatedWith).toMatchObject({ type: 'idp', issuer: idp.issuer });
        expect(Date.parse(manifest.reauthenticatedWith.authTime)).toBeGreaterThanOrEqual(
          Math.floor(before / 1000) * 1000 - 5000,
        );
        expect((await auditOf('sso.reauthentication')).length).toBeGreaterThanOrEqual(1);
        const again = await sign(headers, { reauthProof: proof });
        expectProblem(again, 403, 'reauthentication_failed');
        expect(again.body.detail).toMatch(/already used/);
      });

      it('refuses a proof that is not the signer’s, and a re-authentication by someone else', async () => {
        idp.accounts['bob-sub']!.groups = ['risk-owners'];
        const aliceBrowser = idpBrowser();
        const alice = await signIn('alice-sub', aliceBrowser);
        const bob = await signIn('bob-sub');
        const proof = setCookies(await reauthenticate(alice, aliceBrowser, 'alice-sub')).steward_reauth!;
        expectProblem(await sign(bob, { reauthProof: proof }), 403, 'reauthentication_failed');
        const other = await reauthenticate(alice, idpBrowser(), 'bob-sub');
        expectProblem(other, 401, 'unauthenticated');
        expect(other.body.detail).toMatch(/different person/);
        expectProblem(await sign(alice, {}), 403, 'reauthentication_failed');
        expectProblem(await sign(alice, { reauthProof: 'x'.repeat(300) }), 400, 'validation_failed');
      });

      it('refuses a re-authentication whose login at the provider is older than the request', async () => {
        const browser = idpBrowser();
        const alice = await signIn('alice-sub', browser);
        const started = await begin('/api/v1/auth/oidc/reauthenticate', alice);
        const back = await browser.authorize(started.location, 'alice-sub', CALLBACK);
        // As if the provider had answered with the login it already had, from before the request.
        await t.database.db
          .updateTable('sso_logins')
          .set({ created_at: new Date(Date.now() + 60_000).toISOString() })
          .where('consumed_at', 'is', null)
          .where('purpose', '=', 'reauthentication')
          .execute();
        const res = await callback(back, started.state);
        expectProblem(res, 401, 'unauthenticated');
        expect(res.body.detail).toMatch(/did not authenticate the person afresh/);
        expect(setCookies(res).steward_reauth).toBeUndefined();
      });

      it('needs a session to start a re-authentication', async () => {
        expectProblem(
          await call(t.app, { method: 'GET', url: '/api/v1/auth/oidc/reauthenticate', token: null }),
          401,
          'unauthenticated',
        );
      });
    });

    // Last: it disables the other administrators, the bootstrap one whose token the tests use included.
    it('never withdraws the last active administrator through the claims', async () => {
      const root = await signIn('root-sub');
      const me = await call(t.app, { method: 'GET', url: '/api/v1/me', token: null, headers: root });
      expect(me.body.roles).toEqual([{ scope: '*', role: 'admin' }]);
      for (const other of ['localadmin', 'admin'])
        expect(
          (await call(t.app, { method: 'POST', url: `/api/v1/users/${other}/disable`, token: null, headers: root }))
            .status,
        ).toBe(200);
      idp.accounts['root-sub']!.groups = [];
      const again = await signIn('root-sub');
      const still = await call(t.app, { method: 'GET', url: '/api/v1/me', token: null, headers: again });
      expect(still.body.roles).toEqual([{ scope: '*', role: 'admin' }]);
      const events = await call(t.app, {
        method: 'GET',
        url: '/api/v1/audit/events?action=sso.sign-in',
        token: null,
        headers: again,
      });
      expect(events.body.items.at(-1).after).toMatchObject({ revoked: [], keptLastAdministrator: true });
    });
  });
});
