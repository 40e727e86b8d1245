import type { Kysely } from 'kysely';

/**
 * Single sign-on with OpenID Connect. `sso_logins`: one row per authorization request, found by
 * the hash of its state and consumed once, so a replayed callback finds nothing to complete; a
 * re-authentication for a signature keeps the proof it issued (hashed, short-lived, used once).
 * `sso_identities`: which user an issuer's subject is, and the roles the claims mapping granted
 * at the last sign-in (only those are revoked when the claims stop granting them).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('sso_logins')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('state_hash', 'text', (c) => c.notNull().unique())
    .addColumn('purpose', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.references('users.id'))
    .addColumn('nonce', 'text', (c) => c.notNull())
    .addColumn('code_verifier', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('consumed_at', 'text')
    .addColumn('session_id', 'text', (c) => c.references('sessions.id'))
    .addColumn('id_token', 'text')
    .addColumn('auth_time', 'text')
    .addColumn('proof_hash', 'text', (c) => c.unique())
    .addColumn('proof_expires_at', 'text')
    .addColumn('proof_used_at', 'text')
    .execute();
  await db.schema.createIndex('sso_logins_session').on('sso_logins').column('session_id').execute();
  await db.schema
    .createTable('sso_identities')
    .addColumn('issuer', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('mapped_roles', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('last_sign_in_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('sso_identities_pk', ['issuer', 'subject'])
    .execute();
  await db.schema.createIndex('sso_identities_user').on('sso_identities').column('user_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('sso_identities').execute();
  await db.schema.dropTable('sso_logins').execute();
}
