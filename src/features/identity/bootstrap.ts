import type { Clock } from '../../clock.ts';
import { systemContext } from '../../context.ts';
import type { Executor } from '../../db/database.ts';
import type { Transact } from '../../db/transact.ts';
import { ORGANISATION } from '../../domain/authz.ts';
import type { IdSource } from '../../lib/ids.ts';
import type { AuditAppender } from '../audit/audit.service.ts';
import { hashPassword, hashSecret, newSecret, tokenPrefix } from './credentials.ts';
import type { IdentityRepo } from './identity.repo.ts';
import { publicUser } from './users.service.ts';

export interface BootstrapResult {
  created: boolean;
  oneTimePassword?: string;
  tokenInstalled?: boolean;
}

/**
 * First start without default passwords: when no user exists, create `admin` (organisation-wide
 * admin) with a random one-time password that must be changed at first sign-in, and, when a
 * bootstrap token is given, install that value as admin's API token. Safe when several replicas
 * start at once: the unique username lets exactly one of them create the user.
 */
export async function ensureBootstrapAdmin(deps: {
  db: Executor;
  transact: Transact;
  repo: IdentityRepo;
  audit: AuditAppender;
  clock: Clock;
  ids: IdSource;
  bootstrapToken?: string;
}): Promise<BootstrapResult> {
  const { db, transact, repo, audit, clock, ids, bootstrapToken } = deps;
  if ((await repo.countUsers(db)) > 0) return { created: false };
  const oneTimePassword = newSecret(18);
  const passwordHash = await hashPassword(oneTimePassword);
  const ctx = systemContext('bootstrap');
  try {
    await transact(async (tx) => {
      if ((await repo.countUsers(tx)) > 0) throw new Error('raced');
      const now = clock.now().toISOString();
      const user = {
        id: ids.next(),
        username: 'admin',
        displayName: 'Administrator',
        email: null,
        status: 'active' as const,
        roles: [{ scope: ORGANISATION, role: 'admin' as const }],
        passwordChangeRequired: true,
        createdAt: now,
        updatedAt: now,
        passwordHash,
        revision: 1,
      };
      await repo.insertUser(tx, user, null);
      await repo.grant(tx, user.id, user.roles[0]!, now, null);
      await audit.append(tx, ctx, {
        action: 'user.create',
        subject: { type: 'user', id: user.id },
        after: publicUser(user),
      });
      if (bootstrapToken) {
        const id = ids.next();
        const info = {
          id,
          username: 'admin',
          name: 'bootstrap',
          prefix: tokenPrefix(bootstrapToken),
          scopes: ['read', 'write', 'admin'],
          expiresAt: null,
          revokedAt: null,
          createdAt: now,
          lastUsedAt: null,
        };
        await repo.insertToken(tx, {
          id,
          user_id: user.id,
          name: 'bootstrap',
          token_hash: hashSecret(bootstrapToken),
          prefix: info.prefix,
          scopes: JSON.stringify(info.scopes),
          expires_at: null,
          revoked_at: null,
          created_at: now,
          created_by: null,
          last_used_at: null,
        });
        await audit.append(tx, ctx, { action: 'token.create', subject: { type: 'token', id }, after: info });
      }
    });
  } catch (err) {
    if ((await repo.countUsers(db)) > 0) return { created: false };
    throw err;
  }
  return { created: true, oneTimePassword, tokenInstalled: bootstrapToken !== undefined };
}
