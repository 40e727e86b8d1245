import type { RequestContext } from '../../context.ts';
import type { Executor } from '../../db/database.ts';
import type { Principal } from '../../domain/authz.ts';
import type { PasswordGuard } from './password-guard.ts';
import { DomainError } from '../../errors.ts';
import { hashSecret, verifyPassword } from './credentials.ts';
import { parseScopes, type IdentityRepo } from './identity.repo.ts';
import type { Reauthentication } from '../../domain/lifecycle/manifest.ts';
import type { SigningCredentials } from '../common/signing.ts';

const refused = (why: string) => new DomainError('reauthentication_failed', `the signature was not recorded: ${why}`);

/**
 * Part 11 §11.200: a signature needs the signer's own credentials at the moment of signing, not
 * only a live session. People re-enter their password; automation re-presents the very token it
 * authenticated with, which must carry the `sign` scope. Failures count toward the same lockout
 * as failed sign-ins. Says which credential re-authenticated, for the signature's manifest.
 */
export function createReauthenticator(deps: {
  db: Executor;
  repo: Pick<IdentityRepo, 'userById' | 'byTokenHash'>;
  passwords: PasswordGuard;
  /** Whether the user may use a local password (STEWARD_LOCAL_PASSWORDS); null when they may. */
  localPasswordRefusal: (userId: string) => Promise<string | null>;
  /** Redeems a single sign-on re-authentication proof (absent without single sign-on). */
  redeemProof?: (p: Principal, proof: string) => Promise<Reauthentication | null>;
}) {
  /** Why the credentials do not re-authenticate the principal, or null when they do. */
  async function check(p: Principal, c: SigningCredentials): Promise<string | null> {
    if (c.password !== undefined) {
      const local = await deps.localPasswordRefusal(p.userId);
      if (local) return local;
      const user = await deps.repo.userById(deps.db, p.userId);
      return user && (await verifyPassword(c.password, user.passwordHash)) ? null : 'the password is not correct';
    }
    if (p.via !== 'token') return 'a token can only be re-presented by a request authenticated with that token';
    const row = await deps.repo.byTokenHash(deps.db, hashSecret(c.token!));
    if (!row || row.tokenId !== p.tokenId)
      return 'the token re-presented is not the one this request was authenticated with';
    return parseScopes(row.scopes).includes('sign') ? null : 'the token lacks the sign scope';
  }

  /** A proof of a fresh login at the identity provider: this user's, unexpired, used once. */
  async function redeem(ctx: RequestContext, p: Principal, proof: string): Promise<Reauthentication> {
    const attempt = await deps.passwords.begin(ctx, p.username);
    const done = deps.redeemProof ? await deps.redeemProof(p, proof) : null;
    if (done) {
      await attempt.succeeded();
      return done;
    }
    const why = deps.redeemProof
      ? 'the re-authentication proof is unknown, expired, already used or not yours'
      : 'single sign-on is not configured';
    await attempt.failed('signature.reauthentication-failure', { credential: 'idp', why });
    throw refused(why);
  }

  return async (ctx: RequestContext, c: SigningCredentials): Promise<Reauthentication> => {
    const p = ctx.principal;
    if (!p) throw refused('no signer');
    if (c.reauthProof !== undefined) return redeem(ctx, p, c.reauthProof);
    if (c.password === undefined && c.token === undefined)
      throw refused(
        're-enter your password, re-authenticate at the identity provider (reauthProof), or, for automation, re-present a token with the sign scope to sign',
      );
    const attempt = await deps.passwords.begin(ctx, p.username);
    const why = await check(p, c);
    if (why) {
      await attempt.failed('signature.reauthentication-failure', {
        credential: c.password !== undefined ? 'password' : 'token',
        why,
      });
      throw refused(why);
    }
    await attempt.succeeded();
    return c.password !== undefined ? { type: 'password' } : { type: 'token', id: p.tokenId! };
  };
}
