import * as oidc from 'openid-client';
import type { RequestContext } from '../../context.ts';
import type { Tx } from '../../db/database.ts';
import type { Principal, RoleAssignment } from '../../domain/authz.ts';
import { rolesFromClaims, usernameFromClaims, type ClaimsMap } from '../../domain/claims-map.ts';
import type { Reauthentication } from '../../domain/lifecycle/manifest.ts';
import { DomainError } from '../../errors.ts';
import type { RecordRefusal } from '../audit/index.ts';
import type { CommandDeps } from '../common/deps.ts';
import type { AccessService } from './access.service.ts';
import type { Authenticator } from './authenticate.ts';
import { hashSecret, newSecret } from './credentials.ts';
import type { IdentityRepo } from './identity.repo.ts';
import type { SsoRepo } from './sso.repo.ts';
import { publicUser } from './users.service.ts';

/** The identity provider and how its claims map to users and roles (STEWARD_OIDC_*). */
export interface SsoSettings {
  issuer: string;
  clientId: string;
  clientSecret: string | undefined;
  claims: ClaimsMap;
  /** The callback URL registered at the provider; unset: this server's own, from the request. */
  redirectUri?: string | undefined;
}

export type SsoPurpose = 'sign-in' | 'reauthentication';

/** An authorization request lives this long: the person signs in at the provider within it. */
const REQUEST_TTL_MS = 10 * 60_000;
/** A re-authentication proof is presented by the signing dialog within this long, once. */
export const PROOF_TTL_MS = 5 * 60_000;
/** How far the provider's clock may run behind ours when it says when the person authenticated. */
const AUTH_TIME_SKEW_MS = 5_000;

export interface SsoServiceDeps extends CommandDeps {
  settings: SsoSettings;
  repo: SsoRepo;
  identity: Pick<
    IdentityRepo,
    | 'userById'
    | 'userByName'
    | 'insertUser'
    | 'updateUser'
    | 'lockUser'
    | 'lockOrgAdmins'
    | 'activeOrgAdmins'
    | 'grant'
    | 'revoke'
    | 'revokeSignTokens'
    | 'rolesOf'
    | 'teamExists'
  >;
  access: Pick<AccessService, 'openSession'>;
  authn: Pick<Authenticator, 'identityChanged'>;
  refused: RecordRefusal;
}

/** An openid-client error with the claim or cause it names (e.g. which ID token claim did not match). */
function explain(err: unknown): string {
  const e = err as { message?: string; cause?: { claim?: unknown; message?: unknown } };
  const claim = typeof e.cause?.claim === 'string' ? `: the ${e.cause.claim} claim` : '';
  const cause = !claim && typeof e.cause?.message === 'string' ? `: ${e.cause.message}` : '';
  return `${e.message ?? String(err)}${claim}${cause}`;
}

const sameRole = (a: RoleAssignment, b: RoleAssignment) => a.scope === b.scope && a.role === b.role;
const orgAdmin = (a: RoleAssignment) => a.scope === '*' && a.role === 'admin';

/**
 * Single sign-on with OpenID Connect: the authorization code flow with PKCE, state and nonce
 * (openid-client). A sign-in creates or updates the user just in time and grants the roles the
 * claims mapping gives; a re-authentication (for an electronic signature) is a fresh login at the
 * provider (`prompt=login`, `max_age=0`) whose `auth_time` must fall after the request, and yields
 * a short-lived proof the signature presents instead of a password.
 */
export function createSsoService(deps: SsoServiceDeps) {
  const { settings, repo, clock, transact, audit, ids } = deps;
  let discovered: Promise<oidc.Configuration> | null = null;

  /** The provider's configuration, discovered once (again after a failure). */
  function configuration(): Promise<oidc.Configuration> {
    discovered ??= oidc
      .discovery(
        new URL(settings.issuer),
        settings.clientId,
        undefined,
        settings.clientSecret === undefined ? oidc.None() : oidc.ClientSecretBasic(settings.clientSecret),
        // Plain HTTP only when the operator configured an http:// issuer (a provider on loopback).
        settings.issuer.startsWith('http:') ? { execute: [oidc.allowInsecureRequests] } : undefined,
      )
      .catch((err: unknown) => {
        discovered = null;
        throw new DomainError('bad_gateway', `the identity provider at ${settings.issuer} could not be discovered`, {
          cause: err,
        });
      });
    return discovered;
  }

  /** Refuses the callback: audited, and no session. */
  async function refuse(ctx: RequestContext, why: string, account = '(single sign-on)'): Promise<never> {
    await deps.refused(ctx, { action: 'auth.sign-in-failure', account, detail: { via: 'oidc', why } });
    throw new DomainError('unauthenticated', `single sign-on failed: ${why}`);
  }

  /** Finds, creates or updates the user the claims describe, and brings their mapped roles up to date. */
  async function provision(
    tx: Tx,
    ctx: RequestContext,
    claims: Record<string, unknown>,
    sub: string,
  ): Promise<{ principal: Principal; refused: undefined } | { principal?: undefined; refused: string }> {
    const now = clock.now().toISOString();
    const mapped = rolesFromClaims(settings.claims, claims);
    const granted: RoleAssignment[] = [];
    for (const a of mapped) if (a.scope === '*' || (await deps.identity.teamExists(tx, a.scope))) granted.push(a);
    const unknownTeams = mapped.filter((a) => !granted.includes(a)).map((a) => a.scope);
    const displayName =
      (typeof claims.name === 'string' && claims.name.trim().slice(0, 200)) ||
      (typeof claims.preferred_username === 'string' && claims.preferred_username.slice(0, 200)) ||
      sub.slice(0, 200);
    const email = typeof claims.email === 'string' && claims.email.length <= 320 ? claims.email : null;
    const linked = await repo.identity(tx, settings.issuer, sub);
    let user;
    let previous: RoleAssignment[] = [];
    if (linked) {
      previous = JSON.parse(linked.mapped_roles) as RoleAssignment[];
      // Taken first, as every command that could leave no administrator takes it.
      if (previous.some(orgAdmin)) await deps.identity.lockOrgAdmins(tx);
      await deps.identity.lockUser(tx, linked.user_id);
      const before = await deps.identity.userById(tx, linked.user_id);
      if (!before) throw new DomainError('internal_error', 'a linked user is missing');
      if (before.status !== 'active') return { refused: 'the user is disabled in Steward' } as const;
      user = before;
      if (before.displayName !== displayName || before.email !== email) {
        user = { ...before, displayName, email, updatedAt: now, revision: before.revision + 1 };
        await deps.identity.updateUser(tx, user);
        await audit.append(tx, ctx, {
          action: 'user.update',
          subject: { type: 'user', id: user.id },
          before: publicUser(before),
          after: publicUser(user),
        });
      }
    } else {
      const username = usernameFromClaims(settings.claims, claims);
      if (!username) return { refused: 'the identity provider gave no usable username' } as const;
      // A local account of that name is never taken over by a provider's say-so.
      if (await deps.identity.userByName(tx, username))
        return {
          refused: `a user named '${username}' already exists in Steward and is not linked to this identity provider`,
        } as const;
      user = {
        id: ids.next(),
        username,
        displayName,
        email,
        status: 'active' as const,
        roles: [],
        passwordChangeRequired: false,
        createdAt: now,
        updatedAt: now,
        passwordHash: null,
        revision: 1,
      };
      await deps.identity.insertUser(tx, user, null);
      await repo.insertIdentity(tx, {
        issuer: settings.issuer,
        subject: sub,
        user_id: user.id,
        mapped_roles: '[]',
        created_at: now,
        last_sign_in_at: now,
      });
      await audit.append(tx, ctx, {
        action: 'user.create',
        subject: { type: 'user', id: user.id },
        after: publicUser(user),
      });
    }
    const held = await deps.identity.rolesOf(tx, user.id);
    const grants = granted.filter((a) => !held.some((h) => sameRole(h, a)));
    let revokes = previous.filter((a) => !granted.some((g) => sameRole(g, a)) && held.some((h) => sameRole(h, a)));
    // The claims never leave the organisation without an active administrator: the role stays
    // (and stays mapped, so a later sign-in withdraws it once another administrator exists).
    const keptLastAdmin =
      revokes.some(orgAdmin) && (await deps.identity.activeOrgAdmins(tx)).every((id) => id === user.id);
    if (keptLastAdmin) revokes = revokes.filter((a) => !orgAdmin(a));
    for (const a of grants) await deps.identity.grant(tx, user.id, a, now, null);
    for (const a of revokes) await deps.identity.revoke(tx, user.id, a);
    // As when an administrator revokes a role: sign tokens issued while it was held end.
    if (revokes.length > 0) await deps.identity.revokeSignTokens(tx, user.id, now);
    const stillMapped = keptLastAdmin ? [...granted, { scope: '*', role: 'admin' as const }] : granted;
    await repo.updateIdentity(tx, settings.issuer, sub, JSON.stringify(stillMapped), now);
    const roles = await deps.identity.rolesOf(tx, user.id);
    await audit.append(tx, ctx, {
      action: 'sso.sign-in',
      subject: { type: 'user', id: user.id },
      after: {
        issuer: settings.issuer,
        subject: sub,
        created: !linked,
        granted: grants,
        revoked: revokes,
        unknownTeams,
        ...(keptLastAdmin ? { keptLastAdministrator: true } : {}),
      },
    });
    const principal: Principal = {
      userId: user.id,
      username: user.username,
      displayName: user.displayName,
      roles,
      scopes: null,
      via: 'session',
      tokenId: null,
      tokenExpiresAt: null,
      sessionId: null,
      mustChangePassword: false,
    };
    return { principal, refused: undefined };
  }

  return {
    /**
     * Starts an authorization request: returns the provider's URL to send the browser to and the
     * state the browser keeps (in a cookie) until the callback. A re-authentication belongs to the
     * signed-in user who asked for it and demands a fresh login.
     */
    async begin(ctx: RequestContext, input: { purpose: SsoPurpose; redirectUri: string }) {
      if (input.purpose === 'reauthentication' && !ctx.principal)
        throw new DomainError('unauthenticated', 're-authentication is for a signed-in user');
      const config = await configuration();
      const state = oidc.randomState();
      const nonce = oidc.randomNonce();
      const verifier = oidc.randomPKCECodeVerifier();
      const now = clock.now();
      await transact(async (tx) => {
        await repo.deleteExpired(tx, new Date(now.getTime() - PROOF_TTL_MS).toISOString());
        await repo.insertLogin(tx, {
          id: ids.next(),
          state_hash: hashSecret(state),
          purpose: input.purpose,
          user_id: input.purpose === 'reauthentication' ? ctx.principal!.userId : null,
          nonce,
          code_verifier: verifier,
          created_at: now.toISOString(),
          expires_at: new Date(now.getTime() + REQUEST_TTL_MS).toISOString(),
          consumed_at: null,
          session_id: null,
          id_token: null,
          auth_time: null,
          proof_hash: null,
          proof_expires_at: null,
          proof_used_at: null,
        });
      });
      const params: Record<string, string> = {
        redirect_uri: input.redirectUri,
        scope: 'openid profile email',
        response_type: 'code',
        code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
        state,
        nonce,
      };
      if (input.purpose === 'reauthentication') Object.assign(params, { prompt: 'login', max_age: '0' });
      return { url: oidc.buildAuthorizationUrl(config, params).href, state };
    },

    /**
     * Completes the callback: the state must be the one this browser started with and still
     * pending (it is consumed either way), the code is exchanged with the PKCE verifier, and the
     * ID token's signature, nonce and (for a re-authentication) `auth_time` are verified.
     */
    async complete(ctx: RequestContext, input: { callbackUrl: URL; browserState: string | undefined }) {
      const query = input.callbackUrl.searchParams;
      const error = query.get('error');
      if (error)
        return refuse(ctx, `the identity provider answered ${error}: ${query.get('error_description') ?? ''}`.trim());
      const state = query.get('state');
      if (!state || !input.browserState || state !== input.browserState)
        return refuse(ctx, 'the state does not match the sign-in this browser started');
      const config = await configuration();
      // Consumed in a transaction of its own: a failed exchange must not leave it usable again.
      const at = clock.now().toISOString();
      const login = await transact((tx) => repo.consumeLogin(tx, hashSecret(state), at));
      if (!login) return refuse(ctx, 'the sign-in request is unknown, expired or already used');
      const reauth = login.purpose === 'reauthentication';
      let tokens;
      try {
        tokens = await oidc.authorizationCodeGrant(config, input.callbackUrl, {
          pkceCodeVerifier: login.code_verifier,
          expectedState: state,
          expectedNonce: login.nonce,
          idTokenExpected: true,
          ...(reauth ? { maxAge: 0 } : {}),
        });
      } catch (err) {
        return refuse(ctx, `the authorization code was not accepted (${explain(err)})`);
      }
      const idClaims = tokens.claims()!;
      const sub = idClaims.sub;
      let claims: Record<string, unknown> = { ...idClaims };
      if (config.serverMetadata().userinfo_endpoint && tokens.access_token) {
        const info = await oidc.fetchUserInfo(config, tokens.access_token, sub).catch(() => undefined);
        if (info) claims = { ...info, ...idClaims };
      }
      if (reauth) {
        const authTime = typeof idClaims.auth_time === 'number' ? idClaims.auth_time * 1000 : NaN;
        if (!(authTime >= Date.parse(login.created_at) - AUTH_TIME_SKEW_MS))
          return refuse(ctx, 'the identity provider did not authenticate the person afresh for this re-authentication');
        const linked = await repo.identity(deps.db, settings.issuer, sub);
        if (!linked || linked.user_id !== login.user_id)
          return refuse(ctx, 'a different person signed in at the identity provider than the one re-authenticating');
        const proof = newSecret();
        const now = clock.now();
        await transact(async (tx) => {
          await repo.completeLogin(tx, login.id, {
            session_id: null,
            id_token: null,
            auth_time: new Date(authTime).toISOString(),
            proof_hash: hashSecret(proof),
            proof_expires_at: new Date(now.getTime() + PROOF_TTL_MS).toISOString(),
          });
          await audit.append(tx, ctx, {
            action: 'sso.reauthentication',
            subject: { type: 'user', id: login.user_id! },
            after: { issuer: settings.issuer, authTime: new Date(authTime).toISOString() },
          });
        });
        return { purpose: 'reauthentication' as const, proof };
      }
      const outcome = await transact(async (tx) => {
        const p = await provision(tx, ctx, claims, sub);
        if (!p.principal) return { refused: p.refused };
        const session = await deps.access.openSession(tx, ctx, p.principal, { via: 'oidc', issuer: settings.issuer });
        await repo.completeLogin(tx, login.id, {
          session_id: session.principal.sessionId,
          id_token: tokens.id_token ?? null,
          auth_time: typeof idClaims.auth_time === 'number' ? new Date(idClaims.auth_time * 1000).toISOString() : null,
          proof_hash: null,
          proof_expires_at: null,
        });
        return { session, refused: undefined };
      });
      if (outcome.refused !== undefined) return refuse(ctx, outcome.refused);
      deps.authn.identityChanged();
      return { purpose: 'sign-in' as const, session: outcome.session };
    },

    /** Uses a re-authentication proof of the principal, once: what the signature's manifest records. */
    async redeemProof(p: Principal, proof: string): Promise<Reauthentication | null> {
      const at = clock.now().toISOString();
      const row = await transact((tx) => repo.useProof(tx, hashSecret(proof), p.userId, at));
      return row ? { type: 'idp', issuer: settings.issuer, authTime: row.auth_time! } : null;
    },

    /** Where to send the browser to end the provider's session too, when the provider offers it. */
    async endSessionUrl(sessionId: string, postLogoutRedirectUri: string): Promise<string | null> {
      const config = await configuration().catch(() => null);
      if (!config?.serverMetadata().end_session_endpoint) return null;
      const idToken = await repo.idTokenOfSession(deps.db, sessionId);
      if (!idToken) return null;
      return oidc.buildEndSessionUrl(config, {
        id_token_hint: idToken,
        post_logout_redirect_uri: postLogoutRedirectUri,
      }).href;
    },
  };
}

export type SsoService = ReturnType<typeof createSsoService>;
