import type { Kysely } from 'kysely';

/**
 * Role grants awaiting a second administrator: an administrator who grants themselves a role that
 * signs as independent could otherwise act as their own independent reviewer. `open_key` is set
 * while a request is pending, so one (user, scope, role) has at most one open request.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('role_grant_requests')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('requested_by', 'text', (c) => c.references('users.id'))
    .addColumn('requested_at', 'text', (c) => c.notNull())
    .addColumn('decided_by', 'text', (c) => c.references('users.id'))
    .addColumn('decided_at', 'text')
    .addColumn('open_key', 'text', (c) => c.unique())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('role_grant_requests').execute();
}
