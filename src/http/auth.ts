import type { FastifyReply, FastifyRequest } from 'fastify';
import { can, rolesGranting, type Permission, type Principal } from '../domain/authz.ts';
import type { FailureLimiter } from '../domain/rate-limit.ts';
import { rateLimited, type AuthLimits, type PasswordGuard } from '../features/identity/password-guard.ts';
import { DomainError } from '../errors.ts';
import type { Authenticator } from '../features/identity/authenticate.ts';
import { hashSecret } from '../features/identity/credentials.ts';
import { contextOf, type App } from './app-types.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** `public`: no credentials; `authenticated`: any signed-in user, the service checks the rest. */
    auth?: 'public' | 'authenticated';
    /** An organisation-wide permission checked before the handler runs. */
    permission?: Permission;
    /** Reachable by a user who still has to replace a one-time password. */
    allowDuringPasswordChange?: boolean;
  }
  interface FastifyRequest {
    principal: Principal | null;
  }
}

export const SESSION_COOKIE = 'steward_session';

/** The URL prefixes of Steward's APIs: its own, and the MLflow-compatible registry protocol. */
const API_PREFIXES = ['/api/v1', '/api/2.0/mlflow/', '/api/2.0/preview/mlflow/', '/ajax-api/2.0/mlflow/'];
export const isApiUrl = (url: string): boolean => API_PREFIXES.some((p) => url.startsWith(p));

/** The request path with %-escapes decoded (as the router sees it); the raw path when it cannot be decoded. */
export function decodedPath(url: string): string {
  const path = url.split('?')[0]!;
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

/** Refusals that are governance decisions, not authorisation failures: not counted toward the refusal rate limit. */
const uncounted = new WeakSet<FastifyRequest>();
export const doNotCountRefusal = (request: FastifyRequest): void => void uncounted.add(request);

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) {
      try {
        return decodeURIComponent(part.slice(i + 1).trim());
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

/**
 * Authentication and deny-by-default authorisation for `/api/v1`. Every route there must declare
 * `config.permission` or `config.auth` (checked when the route is added, so an undeclared route
 * fails start-up instead of going unprotected).
 */
export function installAuth(
  app: App,
  deps: { authn: Authenticator; limiter: FailureLimiter; limits: AuthLimits; passwords: PasswordGuard },
): void {
  const { authn, limiter, limits, passwords } = deps;

  app.decorateRequest('principal', null);
  app.addHook('onRoute', (route) => {
    if (!isApiUrl(route.url)) return;
    if (!route.config?.auth && !route.config?.permission)
      throw new Error(`route ${String(route.method)} ${route.url} declares neither config.permission nor config.auth`);
  });

  /** Logs and counts a failed authentication; `counted` when the password guard already counted it. */
  function failAuthentication(
    request: FastifyRequest,
    reason: string,
    opts: { account?: string; counted?: boolean; publicReason?: string } = {},
  ): never {
    if (!opts.counted) limiter.recordFailure(`addr:${request.ip}`, limits.perAddress);
    request.log.warn({ event: 'auth.failure', reason, account: opts.account, ip: request.ip }, 'authentication failed');
    throw new DomainError('unauthenticated', `authentication failed: ${opts.publicReason ?? reason}`);
  }

  async function authenticate(request: FastifyRequest): Promise<Principal> {
    const locked = limiter.blockedFor(`addr:${request.ip}`, limits.perAddress);
    if (locked > 0) throw rateLimited(locked, 'too many failed authentications from this address');
    const header = request.headers.authorization;
    if (header) {
      const [scheme, value = ''] = header.split(/\s+/, 2);
      if (/^bearer$/i.test(scheme ?? '')) {
        const res = await authn.fromToken(value);
        return res.ok ? res.principal : failAuthentication(request, res.reason);
      }
      if (/^basic$/i.test(scheme ?? '')) {
        const decoded = Buffer.from(value, 'base64').toString('utf8');
        const i = decoded.indexOf(':');
        if (i <= 0) failAuthentication(request, 'malformed Basic credentials');
        const [username, secret] = [decoded.slice(0, i), decoded.slice(i + 1)];
        if (secret.startsWith('stw_')) {
          const res = await authn.fromToken(secret);
          if (res.ok && res.principal.username === username) return res.principal;
          return failAuthentication(request, res.ok ? 'token belongs to another user' : res.reason, {
            account: username,
          });
        }
        const known = authn.cachedPassword(username, secret);
        if (known) return known;
        const attempt = await passwords.begin(contextOf(request), username);
        const res = await authn.fromPassword(username, secret);
        if (!res.ok) await attempt.failed('auth.sign-in-failure', { via: 'basic' });
        // Never tell which part was wrong, nor that a correct password belongs to a disabled account.
        if (!res.ok)
          failAuthentication(request, res.reason, {
            account: username,
            counted: true,
            publicReason: 'wrong username or password',
          });
        await attempt.succeeded();
        return res.principal;
      }
      failAuthentication(request, `unsupported authorization scheme '${scheme}'`);
    }
    const cookie = readCookie(request.headers.cookie, SESSION_COOKIE);
    if (cookie) {
      const res = await authn.fromSession(cookie);
      if (!res.ok) failAuthentication(request, res.reason);
      if (UNSAFE.has(request.method)) {
        const csrf = request.headers['x-csrf-token'];
        if (typeof csrf !== 'string' || hashSecret(csrf) !== res.csrfHash) {
          throw new DomainError('forbidden', 'a console session must send its CSRF token in the X-CSRF-Token header');
        }
      }
      return res.principal;
    }
    throw new DomainError(
      'unauthenticated',
      'authentication required: send a Bearer API token, HTTP Basic credentials, or a session cookie',
    );
  }

  /** Admits (or refuses, by throwing) an authenticated principal for the route. */
  function admit(request: FastifyRequest, principal: Principal): void {
    const config = request.routeOptions.config ?? {};
    const user = limiter.blockedFor(`forbidden-user:${principal.userId}`, limits.forbiddenPerUser);
    if (user > 0) throw rateLimited(user, 'too many refused requests by this user');
    if (principal.mustChangePassword && !config.allowDuringPasswordChange) {
      throw new DomainError(
        'password_change_required',
        'this account still uses a one-time password: change it with POST /api/v1/auth/password first',
      );
    }
    request.principal = principal;
    if (config.permission && !can(principal, config.permission)) {
      throw new DomainError(
        'forbidden',
        `${principal.username} may not ${config.permission}: it needs one of the roles ${rolesGranting(config.permission).join(', ')}${principal.scopes ? ` and a token scope covering it (token scopes: ${principal.scopes.join(', ')})` : ''}`,
      );
    }
  }

  // Callback style with a synchronous fast path for cached tokens: this hook runs on every request.
  app.addHook('onRequest', (request, _reply, done) => {
    // Decided by the matched route, not the raw URL: the router decodes %-escapes the URL still has.
    const config = request.routeOptions.config;
    if (config?.auth === 'public') return done();
    if (config?.auth === undefined && config?.permission === undefined && !isApiUrl(decodedPath(request.url)))
      return done();
    try {
      const addr = limiter.blockedFor(`forbidden-addr:${request.ip}`, limits.forbiddenPerAddress);
      if (addr > 0) throw rateLimited(addr, 'too many refused requests from this address');
      const header = request.headers.authorization;
      const cached =
        header !== undefined && header.startsWith('Bearer ') ? authn.cachedToken(header.slice(7)) : undefined;
      if (cached) {
        admit(request, cached);
        return done();
      }
    } catch (err) {
      return done(err as Error);
    }
    authenticate(request).then(
      (principal) => {
        try {
          admit(request, principal);
          done();
        } catch (err) {
          done(err as Error);
        }
      },
      (err: Error) => done(err),
    );
  });

  // One onSend hook for the whole app (each hook costs on every request): correlation id, and the
  // bookkeeping of refusals.
  app.addHook('onSend', (request, reply: FastifyReply, payload, done) => {
    reply.header('x-request-id', request.id);
    if (reply.statusCode < 400) return done(null, payload);
    // Basic is accepted but not advertised: a browser that saw it would prompt, cache the
    // password and attach it to cross-site requests, which a session cookie's CSRF token prevents.
    if (reply.statusCode === 401) reply.header('www-authenticate', 'Bearer realm="steward"');
    if (
      reply.statusCode === 403 &&
      !uncounted.has(request) &&
      (request.principal || isApiUrl(decodedPath(request.url)))
    ) {
      limiter.recordFailure(`forbidden-addr:${request.ip}`, limits.forbiddenPerAddress);
      if (request.principal)
        limiter.recordFailure(`forbidden-user:${request.principal.userId}`, limits.forbiddenPerUser);
      request.log.warn(
        { event: 'authz.failure', user: request.principal?.username, ip: request.ip, url: request.url },
        'request refused',
      );
    }
    done(null, payload);
  });
}
