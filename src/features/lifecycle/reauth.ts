import type { RequestContext } from '../../context.ts';
import type { Executor } from '../../db/database.ts';
import type { PasswordGuard } from '../identity/password-guard.ts';
import { DomainError } from '../../errors.ts';
import { hashSecret, verifyPassword } from '../identity/credentials.ts';
import { parseScopes, type IdentityRepo } from '../identity/identity.repo.ts';
import type { Reauthentication } from '../../domain/lifecycle/manifest.ts';
import type { SigningCredentials } from './signing.service.ts';

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
}) {
  return async (ctx: RequestContext, c: SigningCredentials): Promise<Reauthentication> => {
    const p = ctx.principal;
    if (!p) throw refused('no signer');
    if (c.password === undefined && c.token === undefined)
      throw refused('re-enter your password (or, for automation, re-present a token with the sign scope) to sign');
    const attempt = deps.passwords.begin(ctx.source ?? 'unknown', p.username);
    if (c.password !== undefined) {
      const user = await deps.repo.userById(deps.db, p.userId);
      if (!user || !(await verifyPassword(c.password, user.passwordHash))) throw refused('the password is not correct');
    } else {
      if (p.via !== 'token')
        throw refused('a token can only be re-presented by a request authenticated with that token');
      const row = await deps.repo.byTokenHash(deps.db, hashSecret(c.token!));
      if (!row || row.tokenId !== p.tokenId)
        throw refused('the token re-presented is not the one this request was authenticated with');
      if (!parseScopes(row.scopes).includes('sign')) throw refused('the token lacks the sign scope');
    }
    attempt.succeeded();
    return c.password !== undefined ? { type: 'password' } : { type: 'token', id: p.tokenId! };
  };
}
