import type { RequestContext } from '../../context.ts';
import type { Tx } from '../../db/database.ts';
import { ORGANISATION, TOKEN_SCOPES, type Principal, type TokenScope } from '../../domain/authz.ts';
import { DomainError, notFound } from '../../errors.ts';
import { authorize, requireWriteScope } from '../common/authorize.ts';
import type { CommandDeps } from '../common/deps.ts';
import type { Authenticator, SessionSettings } from './authenticate.ts';
import {
  hashPassword,
  hashSecret,
  newApiToken,
  newSecret,
  passwordProblem,
  tokenPrefix,
  verifyPassword,
} from './credentials.ts';
import { parseScopes, type IdentityRepo } from './identity.repo.ts';
import type { ApiToken, CreateTokenBody } from './identity.schema.ts';
import type { PasswordGuard } from './password-guard.ts';

export interface AccessServiceDeps extends CommandDeps {
  repo: IdentityRepo;
  authn: Pick<Authenticator, 'fromPassword' | 'identityChanged'>;
  sessions: SessionSettings;
  /** Counts the password re-entered to mint a sign token toward the failed sign-in lockout. */
  passwords: PasswordGuard;
  /** Longest lifetime of a token with the sign scope. */
  signTokenMaxHours: number;
}

const DEFAULT_TOKEN_DAYS = 90;

const toApiToken = (t: {
  id: string;
  username: string;
  name: string;
  prefix: string;
  scopes: string;
  expires_at: string | null;
  revoked_at: string | null;
  created_at: string;
  last_used_at: string | null;
}): ApiToken => ({
  id: t.id,
  username: t.username,
  name: t.name,
  prefix: t.prefix,
  scopes: parseScopes(t.scopes),
  expiresAt: t.expires_at,
  revokedAt: t.revoked_at,
  createdAt: t.created_at,
  lastUsedAt: t.last_used_at,
});

/** API tokens, sessions (sign-in/out) and the user's own password. */
export function createAccessService(deps: AccessServiceDeps) {
  const { db, transact, repo, audit, clock, ids, authn, sessions } = deps;
  async function command<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    const result = await transact(fn);
    authn.identityChanged();
    return result;
  }

  const self = (ctx: RequestContext): Principal => {
    if (!ctx.principal) throw new DomainError('unauthenticated', 'this needs a signed-in user');
    return ctx.principal;
  };

  /**
   * A sign token is an electronic-signature credential (Part 11 §11.200): only its holder mints it,
   * re-entering their password in the same request, whatever credential the request came with (a
   * console session alone must not be enough), and never for longer than the configured maximum.
   */
  async function reauthenticateForSignToken(ctx: RequestContext, input: CreateTokenBody): Promise<void> {
    const caller = ctx.principal;
    if (!caller) throw new DomainError('unauthenticated', 'a sign token is minted by its holder, signed in');
    if (input.username !== undefined && input.username !== caller.username)
      throw new DomainError(
        'forbidden',
        `a token with the sign scope signs as its holder: only ${input.username} can mint one, with their password`,
      );
    const maxHours = deps.signTokenMaxHours;
    if (input.expiresInDays !== undefined && input.expiresInDays * 24 > maxHours)
      throw new DomainError(
        'validation_failed',
        `a token with the sign scope lives at most ${maxHours} hours: leave expiresInDays out (it then lives ${maxHours} hours)${maxHours >= 24 ? ` or give at most ${Math.floor(maxHours / 24)}` : ''}`,
        {
          errors: [{ pointer: '/expiresInDays', message: `must be at most ${maxHours} hours for the sign scope` }],
        },
      );
    if (input.password === undefined)
      throw new DomainError(
        'reauthentication_failed',
        'a token with the sign scope needs your password re-entered in the same request (field password)',
      );
    const attempt = await deps.passwords.begin(ctx, caller.username);
    const user = await repo.userById(db, caller.userId);
    if (!user || !(await verifyPassword(input.password, user.passwordHash))) {
      await attempt.failed('signature.reauthentication-failure', { while: 'minting a sign token' });
      throw new DomainError('reauthentication_failed', 'the password is not correct: no sign token was issued');
    }
    await attempt.succeeded();
  }

  /**
   * Opens a console session for a principal whose credentials were just verified (a password, or
   * an identity provider's sign-in), inside the caller's transaction, and audits it. Returns the
   * session secret (for the cookie) and the CSRF token, each shown once.
   */
  async function openSession(tx: Tx, ctx: RequestContext, verified: Principal, detail: Record<string, unknown>) {
    const principal = { ...verified, via: 'session' as const };
    const secret = newSecret();
    const csrfToken = newSecret();
    const now = clock.now();
    const session = {
      id: ids.next(),
      user_id: principal.userId,
      token_hash: hashSecret(secret),
      csrf_hash: hashSecret(csrfToken),
      created_at: now.toISOString(),
      expires_at: new Date(now.getTime() + sessions.maxMs).toISOString(),
      last_seen_at: now.toISOString(),
      revoked_at: null,
      source: ctx.source,
    };
    await repo.insertSession(tx, session);
    await audit.append(
      tx,
      { ...ctx, principal: { ...principal, sessionId: session.id } },
      {
        action: 'session.login',
        subject: { type: 'user', id: principal.userId },
        after: { sessionId: session.id, expiresAt: session.expires_at, source: ctx.source, ...detail },
      },
    );
    return { principal: { ...principal, sessionId: session.id }, secret, csrfToken, expiresAt: session.expires_at };
  }

  return {
    /** Issues a token (shown once); for another user only an organisation administrator may. */
    async createToken(
      ctx: RequestContext,
      input: CreateTokenBody,
      fixedValue?: string,
    ): Promise<{ token: string; info: ApiToken }> {
      const token = fixedValue ?? newApiToken();
      const scopes: TokenScope[] = input.scopes ?? ['read', 'write'];
      const caller = ctx.principal;
      requireWriteScope(ctx, 'create tokens');
      const signing = scopes.includes('sign');
      // A token may only mint tokens narrower than itself; the sign scope also when the holder's
      // password comes with the request (that, not the token, is what proves who will sign).
      const reentered = signing && input.password !== undefined;
      if (caller?.scopes && !scopes.every((s) => caller.scopes!.includes(s) || (s === 'sign' && reentered))) {
        throw new DomainError(
          'forbidden',
          `a token with scopes [${caller.scopes.join(', ')}] cannot create one with scopes [${scopes.join(', ')}]`,
        );
      }
      if (signing) await reauthenticateForSignToken(ctx, input);
      const info = await command(async (tx) => {
        const username = input.username ?? caller?.username;
        if (!username)
          throw new DomainError('validation_failed', 'username is required', {
            errors: [{ pointer: '/username', message: 'is required' }],
          });
        const user = await repo.userByName(tx, username);
        if (!user)
          throw new DomainError('invalid_reference', `user '${username}' does not exist`, {
            errors: [{ pointer: '/username', message: 'no such user' }],
          });
        if (caller && user.id !== caller.userId) authorize(ctx, 'users:admin', ORGANISATION);
        if (user.status !== 'active') throw new DomainError('conflict', `user '${username}' is disabled`);
        const now = clock.now();
        const days = input.expiresInDays ?? (fixedValue ? undefined : DEFAULT_TOKEN_DAYS);
        let expiresAt = days === undefined ? null : new Date(now.getTime() + days * 86_400_000).toISOString();
        // A sign token signs records as its holder: it lives hours, not months.
        if (signing)
          expiresAt = new Date(
            now.getTime() +
              (input.expiresInDays !== undefined
                ? input.expiresInDays * 86_400_000
                : deps.signTokenMaxHours * 3_600_000),
          ).toISOString();
        // ...and never outlives it.
        if (caller?.tokenExpiresAt && (expiresAt === null || expiresAt > caller.tokenExpiresAt))
          expiresAt = caller.tokenExpiresAt;
        const row = {
          id: ids.next(),
          user_id: user.id,
          name: input.name,
          token_hash: hashSecret(token),
          prefix: tokenPrefix(token),
          scopes: JSON.stringify([...TOKEN_SCOPES].filter((s) => scopes.includes(s))),
          expires_at: expiresAt,
          revoked_at: null,
          created_at: now.toISOString(),
          created_by: caller?.userId ?? null,
          last_used_at: null,
        };
        await repo.insertToken(tx, row);
        const info = toApiToken({ ...row, username: user.username });
        await audit.append(tx, ctx, { action: 'token.create', subject: { type: 'token', id: row.id }, after: info });
        return info;
      });
      return { token, info };
    },

    async listTokens(ctx: RequestContext, username?: string): Promise<ApiToken[]> {
      const me = self(ctx);
      if (username && username !== me.username) authorize(ctx, 'users:admin', ORGANISATION);
      const user = await repo.userByName(db, username ?? me.username);
      if (!user) throw notFound('user', username ?? me.username);
      return (await repo.tokensOf(db, user.id)).map(toApiToken);
    },

    async revokeToken(ctx: RequestContext, id: string): Promise<ApiToken> {
      const me = self(ctx);
      requireWriteScope(ctx, 'revoke tokens');
      return command(async (tx) => {
        const row = await repo.token(tx, id);
        if (!row) throw notFound('token', id);
        if (row.user_id !== me.userId) authorize(ctx, 'users:admin', ORGANISATION);
        if (row.revoked_at) return toApiToken(row);
        const at = clock.now().toISOString();
        await repo.revokeToken(tx, id, at);
        const after = toApiToken({ ...row, revoked_at: at });
        await audit.append(tx, ctx, {
          action: 'token.revoke',
          subject: { type: 'token', id },
          before: toApiToken(row),
          after,
        });
        return after;
      });
    },

    /** Signs in with username and password; returns the session secret (for the cookie) and a CSRF token. */
    async login(ctx: RequestContext, username: string, password: string) {
      const outcome = await authn.fromPassword(username, password);
      if (!outcome.ok) return outcome;
      const opened = await command((tx) => openSession(tx, ctx, outcome.principal, {}));
      return { ok: true as const, ...opened };
    },

    openSession,

    async logout(ctx: RequestContext): Promise<void> {
      const me = self(ctx);
      if (!me.sessionId)
        throw new DomainError(
          'bad_request',
          'sign-out ends a console session; revoke a token with DELETE /api/v1/tokens/{id}',
        );
      await command(async (tx) => {
        await repo.revokeSession(tx, me.sessionId!, clock.now().toISOString());
        await audit.append(tx, ctx, {
          action: 'session.logout',
          subject: { type: 'user', id: me.userId },
          after: { sessionId: me.sessionId },
        });
      });
    },

    /** Changes the caller's own password; their other sessions and their sign tokens end (other API tokens stay, they are separate credentials). */
    async changePassword(ctx: RequestContext, current: string, next: string): Promise<'ok' | 'wrong-password'> {
      const me = self(ctx);
      requireWriteScope(ctx, 'change a password');
      const problem = passwordProblem(next, me.username);
      if (problem)
        throw new DomainError('validation_failed', `new password ${problem}`, {
          errors: [{ pointer: '/newPassword', message: problem }],
        });
      const user = await repo.userByName(db, me.username);
      if (!user || !(await verifyPassword(current, user.passwordHash))) return 'wrong-password';
      if (await verifyPassword(next, user.passwordHash)) {
        throw new DomainError('validation_failed', 'the new password must differ from the current one', {
          errors: [{ pointer: '/newPassword', message: 'is the current password' }],
        });
      }
      const passwordHash = await hashPassword(next);
      await command(async (tx) => {
        await repo.lockUser(tx, me.userId);
        const before = await repo.userById(tx, me.userId);
        if (!before) throw notFound('user', me.username);
        const now = clock.now().toISOString();
        await repo.updateUser(tx, {
          ...before,
          passwordHash,
          passwordChangeRequired: false,
          updatedAt: now,
          revision: before.revision + 1,
        });
        const revoked = await repo.revokeAllOf(tx, me.userId, now, {
          exceptSession: me.sessionId ?? undefined,
          keepTokens: true,
        });
        // Sign tokens were issued on the old password: they end with it.
        const signTokens = await repo.revokeSignTokens(tx, me.userId, now);
        await audit.append(tx, ctx, {
          action: 'user.password-change',
          subject: { type: 'user', id: me.userId },
          after: { revokedTokens: revoked.tokens + signTokens, revokedSessions: revoked.sessions },
        });
      });
      return 'ok';
    },
  };
}

export type AccessService = ReturnType<typeof createAccessService>;
