import { Type } from 'typebox';
import type { FastifyRequest } from 'fastify';
import { contextOf, type App } from '../../http/app-types.ts';
import { readCookie, SESSION_COOKIE } from '../../http/auth.ts';
import { DomainError } from '../../errors.ts';
import type { AccessService } from './access.service.ts';
import type { LocalPasswords } from './authenticate.ts';
import { PROOF_TTL_MS, type SsoService } from './sso.service.ts';

const tags = ['authentication'];
/** The state of the authorization request this browser started (read back by the callback only). */
const STATE_COOKIE = 'steward_oidc';
/** The CSRF token of a session opened by single sign-on, for the console to pick up once. */
export const CSRF_COOKIE = 'steward_csrf';
/** A re-authentication proof, for the signing dialog to pick up once. */
export const REAUTH_COOKIE = 'steward_reauth';
const CALLBACK = '/api/v1/auth/oidc/callback';

export interface SsoRouteDeps {
  sso: SsoService | undefined;
  access: Pick<AccessService, 'logout'>;
  session: { maxMs: number; secureCookie: boolean };
  localPasswords: LocalPasswords;
  redirectUri: string | undefined;
}

const Redirect = Type.Null({ description: 'a redirect (302) to the Location header' });

export function ssoRoutes(app: App, { sso, access, session, localPasswords, redirectUri }: SsoRouteDeps): void {
  const secure = session.secureCookie ? '; Secure' : '';
  const cookie = (
    name: string,
    value: string,
    opts: { maxAgeS: number; path?: string; httpOnly?: boolean; sameSite?: string },
  ) =>
    `${name}=${value}; Path=${opts.path ?? '/'}${opts.httpOnly === false ? '' : '; HttpOnly'}; SameSite=${opts.sameSite ?? 'Strict'}; Max-Age=${opts.maxAgeS}${secure}`;
  // Lax: the provider sends the browser back with a top-level GET from its own site.
  const stateCookie = (value: string, maxAgeS: number) =>
    cookie(STATE_COOKIE, value, { maxAgeS, path: '/api/v1/auth/oidc', sameSite: 'Lax' });
  const callbackUrl = (request: FastifyRequest) => redirectUri ?? `${request.protocol}://${request.host}${CALLBACK}`;
  const configured = (): SsoService => {
    if (!sso) throw new DomainError('not_found', 'single sign-on is not configured (STEWARD_OIDC_ISSUER)');
    return sso;
  };

  app.get(
    '/auth/methods',
    {
      config: { auth: 'public' },
      schema: {
        tags,
        summary: 'How people sign in here: single sign-on, and who may use a local password',
        response: {
          200: Type.Object({
            sso: Type.Boolean(),
            localPasswords: Type.Enum(['all', 'admins', 'off']),
          }),
        },
      },
    },
    async () => ({ sso: sso !== undefined, localPasswords }),
  );

  app.get(
    '/auth/oidc/login',
    {
      config: { auth: 'public' },
      schema: {
        tags,
        summary: 'Sign in with single sign-on: redirects to the identity provider (authorization code flow with PKCE)',
        response: { 302: Redirect },
      },
    },
    async (request, reply) => {
      const { url, state } = await configured().begin(contextOf(request), {
        purpose: 'sign-in',
        redirectUri: callbackUrl(request),
      });
      return reply.header('set-cookie', stateCookie(state, 600)).redirect(url, 302);
    },
  );

  app.get(
    '/auth/oidc/reauthenticate',
    {
      config: { auth: 'authenticated' },
      schema: {
        tags,
        summary:
          'Re-authenticate for an electronic signature: a fresh login at the identity provider (prompt=login, max_age=0); the callback leaves a proof, used once, in the steward_reauth cookie',
        response: { 302: Redirect },
      },
    },
    async (request, reply) => {
      const { url, state } = await configured().begin(contextOf(request), {
        purpose: 'reauthentication',
        redirectUri: callbackUrl(request),
      });
      return reply.header('set-cookie', stateCookie(state, 600)).redirect(url, 302);
    },
  );

  app.get(
    '/auth/oidc/callback',
    {
      config: { auth: 'public' },
      schema: {
        tags,
        summary:
          "The identity provider's redirect back: verifies state, nonce and code; opens a session (or issues a re-authentication proof); 401 when anything does not verify",
        querystring: Type.Object(
          {
            code: Type.Optional(Type.String({ maxLength: 4096 })),
            state: Type.Optional(Type.String({ maxLength: 1024 })),
            iss: Type.Optional(Type.String({ maxLength: 2048 })),
            error: Type.Optional(Type.String({ maxLength: 256 })),
            error_description: Type.Optional(Type.String({ maxLength: 2048 })),
            session_state: Type.Optional(Type.String({ maxLength: 2048 })),
          },
          { additionalProperties: true },
        ),
        response: { 302: Redirect },
      },
    },
    async (request, reply) => {
      const url = new URL(callbackUrl(request));
      url.search = new URL(request.url, 'http://callback').search;
      // Whatever happens next, this browser's request is spent.
      reply.header('set-cookie', stateCookie('', 0));
      const done = await configured().complete(contextOf(request), {
        callbackUrl: url,
        browserState: readCookie(request.headers.cookie, STATE_COOKIE),
      });
      if (done.purpose === 'reauthentication') {
        reply.header(
          'set-cookie',
          cookie(REAUTH_COOKIE, done.proof, { maxAgeS: PROOF_TTL_MS / 1000, httpOnly: false }),
        );
        return reply.redirect('/?reauthenticated=1', 302);
      }
      reply.header(
        'set-cookie',
        cookie(SESSION_COOKIE, done.session.secret, { maxAgeS: Math.floor(session.maxMs / 1000) }),
      );
      reply.header('set-cookie', cookie(CSRF_COOKIE, done.session.csrfToken, { maxAgeS: 60, httpOnly: false }));
      return reply.redirect('/', 302);
    },
  );

  app.post(
    '/auth/oidc/logout',
    {
      config: { auth: 'authenticated', allowDuringPasswordChange: true },
      schema: {
        tags,
        summary:
          "Sign out: ends the console session and says where to send the browser to end the identity provider's session too (when it offers that)",
        response: { 200: Type.Object({ endSessionUrl: Type.Union([Type.String(), Type.Null()]) }) },
      },
    },
    async (request, reply) => {
      const sessionId = request.principal?.sessionId ?? null;
      await access.logout(contextOf(request));
      const home = `${request.protocol}://${request.host}/`;
      const endSessionUrl = sso && sessionId ? await sso.endSessionUrl(sessionId, home) : null;
      return reply.header('set-cookie', cookie(SESSION_COOKIE, '', { maxAgeS: 0 })).send({ endSessionUrl });
    },
  );
}
