import { createHmac, randomBytes } from 'node:crypto';
import type { Clock } from '../../clock.ts';
import type { Executor } from '../../db/database.ts';
import type { Transact } from '../../db/transact.ts';
import type { Principal } from '../../domain/authz.ts';
import { hashSecret, verifyPassword } from './credentials.ts';
import { parseScopes, type IdentityRepo } from './identity.repo.ts';

export interface SessionSettings {
  idleMs: number;
  maxMs: number;
}

/** Last-use timestamps are bookkeeping, not state: written at most this often per credential. */
const TOUCH_EVERY_MS = 60_000;

/** Who may sign in with a local password (STEWARD_LOCAL_PASSWORDS): everyone, organisation admins only (break-glass), or nobody. */
export type LocalPasswords = 'all' | 'admins' | 'off';

/** Why a local password may not be used by a user with these roles under the policy; null when it may. */
export function localPasswordRefusal(
  policy: LocalPasswords,
  roles: readonly { scope: string; role: string }[],
): string | null {
  if (policy === 'off') return 'local passwords are disabled: sign in with single sign-on';
  if (policy === 'admins' && !roles.some((r) => r.scope === '*' && r.role === 'admin'))
    return 'local passwords are kept for organisation administrators: sign in with single sign-on';
  return null;
}

export type AuthOutcome = { ok: true; principal: Principal } | { ok: false; reason: string };

/**
 * Turns credentials into a principal, re-reading the user's status and roles so permission
 * changes apply to the very next request. On the embedded database (one process sees every write)
 * token lookups are cached and the cache is dropped on any identity change; elsewhere every
 * request reads the database.
 */
export function createAuthenticator(deps: {
  db: Executor;
  transact: Transact;
  repo: Pick<IdentityRepo, 'byTokenHash' | 'bySessionHash' | 'rolesOf' | 'userByName' | 'touchToken' | 'touchSession'>;
  clock: Clock;
  sessions: SessionSettings;
  cache: boolean;
  localPasswords: LocalPasswords;
  onBackgroundError: (err: unknown) => void;
}) {
  const { db, transact, repo, clock } = deps;
  const tokenCache = new Map<string, { principal: Principal; expiresAt: number | null }>();
  // Verified Basic credentials (MLflow clients send them on every request; one scrypt each would
  // cap throughput and trip the per-account guard under parallel requests). Keyed by an HMAC under
  // a key that lives only in this process, so the map holds nothing that helps guess a password.
  const passwordKey = randomBytes(32);
  const passwordCache = new Map<string, { principal: Principal; until: number }>();
  const passwordKeyOf = (username: string, password: string) =>
    createHmac('sha256', passwordKey).update(`${username}\u0000${password}`).digest('base64');
  let generation = 0;
  const touched = new Map<string, number>();

  function touch(key: string, write: () => Promise<void>): void {
    const now = clock.now().getTime();
    if ((touched.get(key) ?? 0) + TOUCH_EVERY_MS > now) return;
    touched.set(key, now);
    if (touched.size > 100_000) touched.clear();
    write().catch(deps.onBackgroundError);
  }

  /** The principal of a cached, unexpired token without touching the database; undefined on a miss. */
  function cachedToken(token: string): Principal | undefined {
    if (!deps.cache) return undefined;
    const hit = tokenCache.get(hashSecret(token));
    if (!hit || (hit.expiresAt !== null && hit.expiresAt <= clock.now().getTime())) return undefined;
    touch(`t:${hit.principal.tokenId}`, () =>
      transact((tx) => repo.touchToken(tx, hit.principal.tokenId!, clock.now().toISOString())),
    );
    return hit.principal;
  }

  async function fromToken(token: string): Promise<AuthOutcome> {
    const hash = hashSecret(token);
    const now = clock.now();
    const cached = deps.cache ? tokenCache.get(hash) : undefined;
    if (cached && (cached.expiresAt === null || cached.expiresAt > now.getTime())) {
      touch(`t:${cached.principal.tokenId}`, () =>
        transact((tx) => repo.touchToken(tx, cached.principal.tokenId!, clock.now().toISOString())),
      );
      return { ok: true, principal: cached.principal };
    }
    const seen = generation;
    const row = await repo.byTokenHash(db, hash);
    if (!row) return { ok: false, reason: 'unknown token' };
    if (row.revoked_at) return { ok: false, reason: 'token revoked' };
    if (row.expires_at && row.expires_at <= now.toISOString()) return { ok: false, reason: 'token expired' };
    if (row.status !== 'active') return { ok: false, reason: 'user disabled' };
    const principal: Principal = {
      userId: row.userId,
      username: row.username,
      displayName: row.display_name,
      roles: await repo.rolesOf(db, row.userId),
      scopes: parseScopes(row.scopes),
      via: 'token',
      tokenId: row.tokenId,
      tokenExpiresAt: row.expires_at,
      sessionId: null,
      mustChangePassword: false,
    };
    if (deps.cache && seen === generation)
      tokenCache.set(hash, { principal, expiresAt: row.expires_at ? Date.parse(row.expires_at) : null });
    touch(`t:${row.tokenId}`, () => transact((tx) => repo.touchToken(tx, row.tokenId, clock.now().toISOString())));
    return { ok: true, principal };
  }

  async function fromSession(secret: string): Promise<AuthOutcome & { csrfHash?: string }> {
    const row = await repo.bySessionHash(db, hashSecret(secret));
    const now = clock.now();
    if (!row) return { ok: false, reason: 'unknown session' };
    if (row.revoked_at) return { ok: false, reason: 'session ended' };
    if (row.expires_at <= now.toISOString()) return { ok: false, reason: 'session expired' };
    if (Date.parse(row.last_seen_at) + deps.sessions.idleMs <= now.getTime())
      return { ok: false, reason: 'session idle too long' };
    if (row.status !== 'active') return { ok: false, reason: 'user disabled' };
    touch(`s:${row.sessionId}`, () =>
      transact((tx) => repo.touchSession(tx, row.sessionId, clock.now().toISOString())),
    );
    return {
      ok: true,
      csrfHash: row.csrf_hash,
      principal: {
        userId: row.userId,
        username: row.username,
        displayName: row.display_name,
        roles: await repo.rolesOf(db, row.userId),
        scopes: null,
        via: 'session',
        tokenId: null,
        tokenExpiresAt: null,
        sessionId: row.sessionId,
        mustChangePassword: row.must_change_password === 1,
      },
    };
  }

  /** A principal whose username and password were verified within the last minute (SQLite only: one process sees every change). */
  function cachedPassword(username: string, password: string): Principal | undefined {
    if (!deps.cache) return undefined;
    const hit = passwordCache.get(passwordKeyOf(username, password));
    return hit && hit.until > clock.now().getTime() ? hit.principal : undefined;
  }

  /** Username + password (HTTP Basic, login). Costs one scrypt whether or not the user exists. */
  async function fromPassword(username: string, password: string): Promise<AuthOutcome> {
    const seen = generation;
    const user = await repo.userByName(db, username);
    const ok = await verifyPassword(password, user?.passwordHash ?? null);
    if (!user || !ok) return { ok: false, reason: 'wrong username or password' };
    if (user.status !== 'active') return { ok: false, reason: 'user disabled' };
    const local = localPasswordRefusal(deps.localPasswords, user.roles);
    if (local) return { ok: false, reason: local };
    const outcome: { ok: true; principal: Principal } = {
      ok: true,
      principal: {
        userId: user.id,
        username: user.username,
        displayName: user.displayName,
        roles: user.roles,
        scopes: null,
        via: 'password',
        tokenId: null,
        tokenExpiresAt: null,
        sessionId: null,
        mustChangePassword: user.passwordChangeRequired,
      },
    };
    if (deps.cache && seen === generation) {
      if (passwordCache.size > 10_000) passwordCache.clear();
      passwordCache.set(passwordKeyOf(username, password), {
        principal: outcome.principal,
        until: clock.now().getTime() + 60_000,
      });
    }
    return outcome;
  }

  return {
    cachedToken,
    cachedPassword,
    fromToken,
    fromSession,
    fromPassword,
    /** Called after any change to users, roles, tokens or sessions has committed. */
    identityChanged(): void {
      generation++;
      tokenCache.clear();
      passwordCache.clear();
    },
  };
}

export type Authenticator = ReturnType<typeof createAuthenticator>;
