import type { Executor, Tx } from '../../db/database.ts';
import type { SsoIdentityTable, SsoLoginTable } from '../../db/schema.ts';

/** The single sign-on tables: authorization requests in flight (and their proofs), linked identities. */
export const ssoRepo = {
  async insertLogin(tx: Tx, row: SsoLoginTable): Promise<void> {
    await tx.insertInto('sso_logins').values(row).execute();
  },

  /**
   * Consumes the unexpired, unconsumed request of this state: the one caller that gets the row
   * back completes it; a replayed or late callback gets nothing.
   */
  async consumeLogin(tx: Tx, stateHash: string, at: string): Promise<SsoLoginTable | undefined> {
    const res = await tx
      .updateTable('sso_logins')
      .set({ consumed_at: at })
      .where('state_hash', '=', stateHash)
      .where('consumed_at', 'is', null)
      .where('expires_at', '>', at)
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) !== 1) return undefined;
    return tx.selectFrom('sso_logins').selectAll().where('state_hash', '=', stateHash).executeTakeFirst();
  },

  async completeLogin(
    tx: Tx,
    id: string,
    done: Pick<SsoLoginTable, 'session_id' | 'id_token' | 'auth_time' | 'proof_hash' | 'proof_expires_at'>,
  ): Promise<void> {
    await tx.updateTable('sso_logins').set(done).where('id', '=', id).execute();
  },

  /** Uses a re-authentication proof of `userId` once, if it has not expired. */
  async useProof(tx: Tx, proofHash: string, userId: string, at: string): Promise<SsoLoginTable | undefined> {
    const res = await tx
      .updateTable('sso_logins')
      .set({ proof_used_at: at })
      .where('proof_hash', '=', proofHash)
      .where('user_id', '=', userId)
      .where('purpose', '=', 'reauthentication')
      .where('proof_used_at', 'is', null)
      .where('proof_expires_at', '>', at)
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) !== 1) return undefined;
    return tx.selectFrom('sso_logins').selectAll().where('proof_hash', '=', proofHash).executeTakeFirst();
  },

  /** The ID token of the sign-in that opened a session (for the identity provider's sign-out). */
  async idTokenOfSession(db: Executor, sessionId: string): Promise<string | null> {
    const row = await db
      .selectFrom('sso_logins')
      .select('id_token')
      .where('session_id', '=', sessionId)
      .executeTakeFirst();
    return row?.id_token ?? null;
  },

  /** Requests past their expiry that no callback completed, and proofs long expired: nothing needs them. */
  async deleteExpired(tx: Tx, before: string): Promise<void> {
    await tx
      .deleteFrom('sso_logins')
      .where('expires_at', '<', before)
      .where('session_id', 'is', null)
      .where((eb) => eb.or([eb('proof_expires_at', 'is', null), eb('proof_expires_at', '<', before)]))
      .execute();
  },

  async identity(db: Executor, issuer: string, subject: string): Promise<SsoIdentityTable | undefined> {
    return db
      .selectFrom('sso_identities')
      .selectAll()
      .where('issuer', '=', issuer)
      .where('subject', '=', subject)
      .executeTakeFirst();
  },

  async insertIdentity(tx: Tx, row: SsoIdentityTable): Promise<void> {
    await tx.insertInto('sso_identities').values(row).execute();
  },

  async updateIdentity(tx: Tx, issuer: string, subject: string, mappedRoles: string, at: string): Promise<void> {
    await tx
      .updateTable('sso_identities')
      .set({ mapped_roles: mappedRoles, last_sign_in_at: at })
      .where('issuer', '=', issuer)
      .where('subject', '=', subject)
      .execute();
  },
};

export type SsoRepo = typeof ssoRepo;
