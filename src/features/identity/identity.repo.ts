import type { Executor, Tx } from '../../db/database.ts';
import { lockRows } from '../../db/locks.ts';
import { translateConstraints } from '../../db/errors.ts';
import type { ApiTokenTable, RoleGrantRequestTable, SessionTable, UserTable } from '../../db/schema.ts';
import type { Role, RoleAssignment, TokenScope } from '../../domain/authz.ts';
import { conflict, DomainError } from '../../errors.ts';
import type { Team, User } from './identity.schema.ts';

export interface UserRecord extends User {
  passwordHash: string | null;
  revision: number;
}

async function withRoles(db: Executor, rows: UserTable[]): Promise<UserRecord[]> {
  if (rows.length === 0) return [];
  const roles = await db
    .selectFrom('role_assignments')
    .select(['user_id', 'scope', 'role'])
    .where(
      'user_id',
      'in',
      rows.map((r) => r.id),
    )
    .orderBy('scope')
    .orderBy('role')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    username: r.username,
    displayName: r.display_name,
    email: r.email,
    status: r.status as User['status'],
    roles: roles.filter((a) => a.user_id === r.id).map((a) => ({ scope: a.scope, role: a.role as Role })),
    passwordChangeRequired: r.must_change_password === 1,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    passwordHash: r.password_hash,
    revision: r.revision,
  }));
}

export const identityRepo = {
  async countUsers(db: Executor): Promise<number> {
    const row = await db
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  },

  async userByName(db: Executor, username: string): Promise<UserRecord | undefined> {
    const row = await db.selectFrom('users').selectAll().where('username', '=', username).executeTakeFirst();
    return row ? (await withRoles(db, [row]))[0] : undefined;
  },

  /** Active users holding a role in the team itself (not organisation-wide), by username. */
  async teamMembers(db: Executor, team: string): Promise<UserRecord[]> {
    const rows = await db
      .selectFrom('users')
      .selectAll()
      .where('status', '=', 'active')
      .where('id', 'in', (eb) => eb.selectFrom('role_assignments').select('user_id').where('scope', '=', team))
      .orderBy('username')
      .execute();
    return withRoles(db, rows);
  },

  /** Active users holding `role` in any of `scopes` (who could sign in that role), by username. */
  async roleHolders(
    db: Executor,
    role: string,
    scopes: string[],
  ): Promise<{ id: string; username: string; displayName: string }[]> {
    const rows = await db
      .selectFrom('users')
      .select(['id', 'username', 'display_name'])
      .where('status', '=', 'active')
      .where('id', 'in', (eb) =>
        eb.selectFrom('role_assignments').select('user_id').where('role', '=', role).where('scope', 'in', scopes),
      )
      .orderBy('username')
      .execute();
    return rows.map((r) => ({ id: r.id, username: r.username, displayName: r.display_name }));
  },

  async userById(db: Executor, id: string): Promise<UserRecord | undefined> {
    const row = await db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? (await withRoles(db, [row]))[0] : undefined;
  },

  async listUsers(db: Executor, opts: { afterName?: string; limit: number }): Promise<UserRecord[]> {
    let q = db.selectFrom('users').selectAll().orderBy('username').limit(opts.limit);
    if (opts.afterName !== undefined) q = q.where('username', '>', opts.afterName);
    return withRoles(db, await q.execute());
  },

  async insertUser(tx: Tx, u: UserRecord, createdBy: string | null): Promise<void> {
    await translateConstraints(
      () =>
        tx
          .insertInto('users')
          .values({
            id: u.id,
            username: u.username,
            display_name: u.displayName,
            email: u.email,
            status: u.status,
            password_hash: u.passwordHash,
            must_change_password: u.passwordChangeRequired ? 1 : 0,
            created_at: u.createdAt,
            updated_at: u.updatedAt,
            created_by: createdBy,
            revision: u.revision,
          })
          .execute(),
      { unique: () => conflict(`a user named '${u.username}' already exists`) },
    );
  },

  /** Takes a user's row lock before a read-modify-write (see modelRepo.lock). */
  async lockUser(tx: Tx, id: string): Promise<void> {
    await lockRows(tx, 'users', 'revision').where('id', '=', id).execute();
  },

  async lockUserByName(tx: Tx, username: string): Promise<void> {
    await lockRows(tx, 'users', 'revision').where('username', '=', username).execute();
  },

  /**
   * Locks every organisation-wide admin (and the target, which follows) before a command that could
   * leave none: two admins disabling each other at once must not both succeed. Taken first, in one
   * statement, so such commands always lock in the same order.
   */
  async lockOrgAdmins(tx: Tx): Promise<void> {
    await lockRows(tx, 'users', 'revision')
      .where('id', 'in', (eb) =>
        eb.selectFrom('role_assignments').select('user_id').where('scope', '=', '*').where('role', '=', 'admin'),
      )
      .execute();
  },

  async updateUser(tx: Tx, u: UserRecord): Promise<void> {
    await tx
      .updateTable('users')
      .set({
        display_name: u.displayName,
        email: u.email,
        status: u.status,
        password_hash: u.passwordHash,
        must_change_password: u.passwordChangeRequired ? 1 : 0,
        updated_at: u.updatedAt,
        revision: u.revision,
      })
      .where('id', '=', u.id)
      .execute();
  },

  /** Active users holding the organisation-wide admin role. */
  async activeOrgAdmins(db: Executor): Promise<string[]> {
    const rows = await db
      .selectFrom('role_assignments as a')
      .innerJoin('users as u', 'u.id', 'a.user_id')
      .select('u.id')
      .where('a.scope', '=', '*')
      .where('a.role', '=', 'admin')
      .where('u.status', '=', 'active')
      .execute();
    return rows.map((r) => r.id);
  },

  async grant(tx: Tx, userId: string, a: RoleAssignment, at: string, by: string | null): Promise<boolean> {
    const exists = await tx
      .selectFrom('role_assignments')
      .select('role')
      .where('user_id', '=', userId)
      .where('scope', '=', a.scope)
      .where('role', '=', a.role)
      .executeTakeFirst();
    if (exists) return false;
    await tx
      .insertInto('role_assignments')
      .values({ user_id: userId, scope: a.scope, role: a.role, granted_at: at, granted_by: by })
      .execute();
    return true;
  },

  async revoke(tx: Tx, userId: string, a: RoleAssignment): Promise<boolean> {
    const res = await tx
      .deleteFrom('role_assignments')
      .where('user_id', '=', userId)
      .where('scope', '=', a.scope)
      .where('role', '=', a.role)
      .executeTakeFirst();
    return Number(res.numDeletedRows) === 1;
  },

  /** Who granted the assignments through which a user holds `role` in any of `scopes` (null: the system). */
  async grantorsOf(db: Executor, userId: string, role: string, scopes: string[]): Promise<(string | null)[]> {
    const rows = await db
      .selectFrom('role_assignments')
      .select('granted_by')
      .where('user_id', '=', userId)
      .where('role', '=', role)
      .where('scope', 'in', scopes)
      .execute();
    return rows.map((r) => r.granted_by);
  },

  async insertGrantRequest(tx: Tx, row: RoleGrantRequestTable): Promise<void> {
    await translateConstraints(() => tx.insertInto('role_grant_requests').values(row).execute(), {
      unique: () => conflict(`a grant of ${row.role} in '${row.scope}' to this user already awaits confirmation`),
    });
  },

  async grantRequest(db: Executor, id: string): Promise<(RoleGrantRequestTable & { username: string }) | undefined> {
    return db
      .selectFrom('role_grant_requests as g')
      .innerJoin('users as u', 'u.id', 'g.user_id')
      .selectAll('g')
      .select('u.username')
      .where('g.id', '=', id)
      .executeTakeFirst();
  },

  async pendingGrantRequests(db: Executor): Promise<(RoleGrantRequestTable & { username: string })[]> {
    return db
      .selectFrom('role_grant_requests as g')
      .innerJoin('users as u', 'u.id', 'g.user_id')
      .selectAll('g')
      .select('u.username')
      .where('g.status', '=', 'pending')
      .orderBy('g.requested_at')
      .execute();
  },

  /** Marks a pending request decided; false when it was no longer pending (decided concurrently). */
  async decideGrantRequest(tx: Tx, id: string, status: string, by: string | null, at: string): Promise<boolean> {
    const res = await tx
      .updateTable('role_grant_requests')
      .set({ status, decided_by: by, decided_at: at, open_key: null })
      .where('id', '=', id)
      .where('status', '=', 'pending')
      .executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  },

  async teamExists(db: Executor, name: string): Promise<boolean> {
    return (await db.selectFrom('teams').select('name').where('name', '=', name).executeTakeFirst()) !== undefined;
  },

  async team(db: Executor, name: string): Promise<Team | undefined> {
    const row = await db.selectFrom('teams').selectAll().where('name', '=', name).executeTakeFirst();
    return row && { name: row.name, displayName: row.display_name, createdAt: row.created_at };
  },

  async teams(db: Executor): Promise<Team[]> {
    const rows = await db.selectFrom('teams').selectAll().orderBy('name').execute();
    return rows.map((r) => ({ name: r.name, displayName: r.display_name, createdAt: r.created_at }));
  },

  async insertTeam(tx: Tx, t: Team, by: string | null): Promise<void> {
    await translateConstraints(
      () =>
        tx
          .insertInto('teams')
          .values({ name: t.name, display_name: t.displayName, created_at: t.createdAt, created_by: by })
          .execute(),
      {
        unique: () => conflict(`a team named '${t.name}' already exists`),
      },
    );
  },

  async insertToken(tx: Tx, t: ApiTokenTable): Promise<void> {
    await translateConstraints(() => tx.insertInto('api_tokens').values(t).execute(), {
      unique: () => new DomainError('conflict', 'that token value is already in use'),
    });
  },

  async token(db: Executor, id: string): Promise<(ApiTokenTable & { username: string }) | undefined> {
    return db
      .selectFrom('api_tokens as t')
      .innerJoin('users as u', 'u.id', 't.user_id')
      .selectAll('t')
      .select('u.username')
      .where('t.id', '=', id)
      .executeTakeFirst();
  },

  async tokensOf(db: Executor, userId: string): Promise<(ApiTokenTable & { username: string })[]> {
    return db
      .selectFrom('api_tokens as t')
      .innerJoin('users as u', 'u.id', 't.user_id')
      .selectAll('t')
      .select('u.username')
      .where('t.user_id', '=', userId)
      .orderBy('t.created_at')
      .execute();
  },

  async revokeToken(tx: Tx, id: string, at: string): Promise<void> {
    await tx
      .updateTable('api_tokens')
      .set({ revoked_at: at })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .execute();
  },

  /**
   * Revokes a user's live tokens that carry the sign scope (they sign electronic records, so they
   * end when the password, status or roles they were issued under change). Returns how many.
   */
  async revokeSignTokens(tx: Tx, userId: string, at: string): Promise<number> {
    const res = await tx
      .updateTable('api_tokens')
      .set({ revoked_at: at })
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .where('scopes', 'like', '%"sign"%')
      .executeTakeFirst();
    return Number(res.numUpdatedRows);
  },

  /** Revokes every live token (unless `keepTokens`) and session (but `exceptSession`) of a user. */
  async revokeAllOf(
    tx: Tx,
    userId: string,
    at: string,
    opts: { exceptSession?: string; keepTokens?: boolean } = {},
  ): Promise<{ tokens: number; sessions: number }> {
    const { exceptSession, keepTokens } = opts;
    const t = keepTokens
      ? { numUpdatedRows: 0n }
      : await tx
          .updateTable('api_tokens')
          .set({ revoked_at: at })
          .where('user_id', '=', userId)
          .where('revoked_at', 'is', null)
          .executeTakeFirst();
    let sq = tx
      .updateTable('sessions')
      .set({ revoked_at: at })
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null);
    if (exceptSession) sq = sq.where('id', '!=', exceptSession);
    const s = await sq.executeTakeFirst();
    return { tokens: Number(t.numUpdatedRows), sessions: Number(s.numUpdatedRows) };
  },

  async insertSession(tx: Tx, s: SessionTable): Promise<void> {
    await tx.insertInto('sessions').values(s).execute();
  },

  async revokeSession(tx: Tx, id: string, at: string): Promise<void> {
    await tx.updateTable('sessions').set({ revoked_at: at }).where('id', '=', id).execute();
  },

  /** The live credential row and its user for a token hash, or undefined. */
  async byTokenHash(db: Executor, hash: string) {
    return db
      .selectFrom('api_tokens as t')
      .innerJoin('users as u', 'u.id', 't.user_id')
      .select([
        't.id as tokenId',
        't.scopes',
        't.expires_at',
        't.revoked_at',
        't.last_used_at',
        'u.id as userId',
        'u.username',
        'u.display_name',
        'u.status',
        'u.must_change_password',
      ])
      .where('t.token_hash', '=', hash)
      .executeTakeFirst();
  },

  async bySessionHash(db: Executor, hash: string) {
    return db
      .selectFrom('sessions as s')
      .innerJoin('users as u', 'u.id', 's.user_id')
      .select([
        's.id as sessionId',
        's.csrf_hash',
        's.expires_at',
        's.last_seen_at',
        's.revoked_at',
        'u.id as userId',
        'u.username',
        'u.display_name',
        'u.status',
        'u.must_change_password',
      ])
      .where('s.token_hash', '=', hash)
      .executeTakeFirst();
  },

  async rolesOf(db: Executor, userId: string): Promise<RoleAssignment[]> {
    const rows = await db
      .selectFrom('role_assignments')
      .select(['scope', 'role'])
      .where('user_id', '=', userId)
      .execute();
    return rows.map((r) => ({ scope: r.scope, role: r.role as Role }));
  },

  async touchToken(tx: Tx, id: string, at: string): Promise<void> {
    await tx.updateTable('api_tokens').set({ last_used_at: at }).where('id', '=', id).execute();
  },

  async touchSession(tx: Tx, id: string, at: string): Promise<void> {
    await tx.updateTable('sessions').set({ last_seen_at: at }).where('id', '=', id).execute();
  },
};

export type IdentityRepo = typeof identityRepo;
export const parseScopes = (json: string): TokenScope[] => JSON.parse(json) as TokenScope[];
