import type { RequestContext } from '../../context.ts';
import type { Executor, Tx } from '../../db/database.ts';
import { can, ORGANISATION, type RoleAssignment } from '../../domain/authz.ts';
import { conflict, DomainError, notFound } from '../../errors.ts';
import { decodeCursor, toPage, type Page } from '../../lib/pagination.ts';
import { authorize, permissionRefusal, requireWriteScope, writeScopeRefusal } from '../common/authorize.ts';
import type { CommandDeps } from '../common/deps.ts';
import { hintOf, refusalError, type Refusal } from '../common/hints.ts';
import { hashPassword, newSecret, passwordProblem } from './credentials.ts';
import type { RoleGrantRequestTable } from '../../db/schema.ts';
import type { RecordRefusal } from '../audit/refusals.ts';
import type { IdentityRepo, UserRecord } from './identity.repo.ts';
import type { CreateUserBody, PatchUserBody, RoleGrantRequest, RoleGrantRequestRead, Team } from './identity.schema.ts';

export interface UserServiceDeps extends CommandDeps {
  repo: IdentityRepo;
  identityChanged: () => void;
  /** The roles some policy pack asks to sign as independent (they need four eyes to grant oneself). */
  independentRoles: (exec: Executor) => Promise<ReadonlySet<string>>;
  /** Writes separation-of-duties refusals to the audit trail, outside the rolled-back command. */
  refused?: RecordRefusal;
}

const toGrantRequest = (r: RoleGrantRequestTable & { username: string }): RoleGrantRequest => ({
  id: r.id,
  username: r.username,
  scope: r.scope,
  role: r.role as RoleGrantRequest['role'],
  status: r.status as RoleGrantRequest['status'],
  requestedBy: r.requested_by,
  requestedAt: r.requested_at,
  decidedBy: r.decided_by,
  decidedAt: r.decided_at,
});

/**
 * Why the caller may not confirm a pending role grant, or null: roles:admin where the role is
 * granted, a token's write scope, and neither its grantee nor who asked for it (four eyes). The
 * confirmation command and the list of grants awaiting confirmation share this rule.
 */
export function confirmRefusal(ctx: RequestContext, r: RoleGrantRequestTable): Refusal | null {
  const denied = permissionRefusal(ctx, 'roles:admin', r.scope) ?? writeScopeRefusal(ctx, 'confirm a role grant');
  if (denied) return denied;
  const me = ctx.principal?.userId ?? null;
  if (me === null || (me !== r.user_id && me !== r.requested_by)) return null;
  const grantee = me === r.user_id;
  return {
    code: 'separation_of_duties',
    message: `${ctx.principal!.username} ${grantee ? 'is the grantee of' : 'asked for'} this grant of ${r.role} ${r.scope === ORGANISATION ? 'organisation-wide' : `in team '${r.scope}'`}: another administrator has to confirm it`,
    reason: `You ${grantee ? 'are the grantee of this grant' : 'asked for this grant'}: another administrator has to confirm it.`,
    extra: { role: r.role },
  };
}

/** The audit-trail view of a user: never a password hash. */
export const publicUser = ({ passwordHash: _h, revision: _r, ...u }: UserRecord) => u;

const weakPassword = (problem: string, pointer: string) =>
  new DomainError('validation_failed', `password ${problem}`, { errors: [{ pointer, message: problem }] });

export function createUserService(deps: UserServiceDeps) {
  const { db, transact, repo, audit, clock, ids, identityChanged } = deps;
  /** Runs an identity command and drops cached principals once it has committed. */
  async function command<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    const result = await transact(fn);
    identityChanged();
    return result;
  }

  async function mustGetUser(exec: Executor, username: string): Promise<UserRecord> {
    const u = await repo.userByName(exec, username);
    if (!u) throw notFound('user', username);
    return u;
  }

  async function checkScope(exec: Executor, ctx: RequestContext, a: RoleAssignment, pointer: string): Promise<void> {
    authorize(ctx, 'roles:admin', a.scope);
    if (a.scope !== ORGANISATION && !(await repo.team(exec, a.scope))) {
      throw new DomainError('invalid_reference', `team '${a.scope}' does not exist`, {
        errors: [{ pointer, message: 'no such team' }],
      });
    }
  }

  async function assertAnotherAdminRemains(exec: Executor, userId: string): Promise<void> {
    const admins = await repo.activeOrgAdmins(exec);
    if (admins.length === 1 && admins[0] === userId)
      throw conflict('this would leave the organisation without an active administrator');
  }

  return {
    async create(ctx: RequestContext, input: CreateUserBody): Promise<{ user: UserRecord; oneTimePassword?: string }> {
      let oneTimePassword: string | undefined;
      let password = input.password;
      if (password !== undefined) {
        const problem = passwordProblem(password, input.username);
        if (problem) throw weakPassword(problem, '/password');
      } else {
        password = oneTimePassword = newSecret(18);
      }
      const passwordHash = await hashPassword(password);
      const user = await command(async (tx) => {
        authorize(ctx, 'users:admin', ORGANISATION);
        const now = clock.now().toISOString();
        const roles = input.roles ?? [];
        for (const [i, a] of roles.entries()) await checkScope(tx, ctx, a, `/roles/${i}/scope`);
        const user: UserRecord = {
          id: ids.next(),
          username: input.username,
          displayName: input.displayName,
          email: input.email ?? null,
          status: 'active',
          roles,
          passwordChangeRequired: oneTimePassword !== undefined,
          createdAt: now,
          updatedAt: now,
          passwordHash,
          revision: 1,
        };
        await repo.insertUser(tx, user, ctx.principal?.userId ?? null);
        for (const a of roles) await repo.grant(tx, user.id, a, now, ctx.principal?.userId ?? null);
        await audit.append(tx, ctx, {
          action: 'user.create',
          subject: { type: 'user', id: user.id },
          after: publicUser(user),
        });
        return user;
      });
      return { user, ...(oneTimePassword ? { oneTimePassword } : {}) };
    },

    get: (username: string) => mustGetUser(db, username),

    async list(opts: { limit: number; cursor?: string }): Promise<Page<UserRecord>> {
      const after = decodeCursor(opts.cursor, ['string']) as [string] | undefined;
      return toPage(await repo.listUsers(db, { afterName: after?.[0], limit: opts.limit + 1 }), opts.limit, (u) => [
        u.username,
      ]);
    },

    async update(ctx: RequestContext, username: string, patch: PatchUserBody): Promise<UserRecord> {
      return command(async (tx) => {
        await repo.lockUserByName(tx, username);
        const before = await mustGetUser(tx, username);
        if (ctx.principal?.userId !== before.id) authorize(ctx, 'users:admin', ORGANISATION);
        else requireWriteScope(ctx, 'change a profile');
        const after: UserRecord = {
          ...before,
          ...patch,
          email: patch.email === undefined ? before.email : patch.email,
          updatedAt: clock.now().toISOString(),
          revision: before.revision + 1,
        };
        await repo.updateUser(tx, after);
        await audit.append(tx, ctx, {
          action: 'user.update',
          subject: { type: 'user', id: before.id },
          before: publicUser(before),
          after: publicUser(after),
        });
        return after;
      });
    },

    /** Disables a user and ends every token and session they hold, in one transaction. */
    async setStatus(ctx: RequestContext, username: string, status: 'active' | 'disabled'): Promise<UserRecord> {
      return command(async (tx) => {
        authorize(ctx, 'users:admin', ORGANISATION);
        if (status === 'disabled') await repo.lockOrgAdmins(tx);
        await repo.lockUserByName(tx, username);
        const before = await mustGetUser(tx, username);
        if (before.status === status) return before;
        if (status === 'disabled') await assertAnotherAdminRemains(tx, before.id);
        const now = clock.now().toISOString();
        const after: UserRecord = { ...before, status, updatedAt: now, revision: before.revision + 1 };
        await repo.updateUser(tx, after);
        const revoked = status === 'disabled' ? await repo.revokeAllOf(tx, before.id, now) : undefined;
        await audit.append(tx, ctx, {
          action: status === 'disabled' ? 'user.disable' : 'user.enable',
          subject: { type: 'user', id: before.id },
          before: publicUser(before),
          after: {
            ...publicUser(after),
            ...(revoked ? { revokedTokens: revoked.tokens, revokedSessions: revoked.sessions } : {}),
          },
        });
        return after;
      });
    },

    /** An administrator issues a new one-time password; the user's sessions end. */
    async resetPassword(ctx: RequestContext, username: string): Promise<{ user: UserRecord; oneTimePassword: string }> {
      const oneTimePassword = newSecret(18);
      const passwordHash = await hashPassword(oneTimePassword);
      const user = await command(async (tx) => {
        authorize(ctx, 'users:admin', ORGANISATION);
        await repo.lockUserByName(tx, username);
        const before = await mustGetUser(tx, username);
        const now = clock.now().toISOString();
        const after: UserRecord = {
          ...before,
          passwordHash,
          passwordChangeRequired: true,
          updatedAt: now,
          revision: before.revision + 1,
        };
        await repo.updateUser(tx, after);
        await repo.revokeAllOf(tx, before.id, now);
        await audit.append(tx, ctx, {
          action: 'user.password-reset',
          subject: { type: 'user', id: before.id },
          before: publicUser(before),
          after: publicUser(after),
        });
        return after;
      });
      return { user, oneTimePassword };
    },

    /**
     * Grants a role. An administrator granting themselves a role that signs as independent could
     * approve their own work as its independent reviewer: that grant is only requested, and takes
     * effect when another administrator confirms it (`pending` is then returned).
     */
    async grant(
      ctx: RequestContext,
      username: string,
      a: RoleAssignment,
    ): Promise<{ user: UserRecord; pending?: RoleGrantRequest }> {
      return command(async (tx) => {
        await checkScope(tx, ctx, a, '/scope');
        const user = await mustGetUser(tx, username);
        const held = user.roles.some((r) => r.scope === a.scope && r.role === a.role);
        if (!held && user.id === ctx.principal?.userId && (await deps.independentRoles(tx)).has(a.role)) {
          const row: RoleGrantRequestTable = {
            id: ids.next(),
            user_id: user.id,
            scope: a.scope,
            role: a.role,
            status: 'pending',
            requested_by: user.id,
            requested_at: clock.now().toISOString(),
            decided_by: null,
            decided_at: null,
            open_key: `${user.id}:${a.scope}:${a.role}`,
          };
          await repo.insertGrantRequest(tx, row);
          const pending = toGrantRequest({ ...row, username });
          await audit.append(tx, ctx, {
            action: 'role.grant-request',
            subject: { type: 'user', id: user.id },
            after: pending,
          });
          return { user, pending };
        }
        if (await repo.grant(tx, user.id, a, clock.now().toISOString(), ctx.principal?.userId ?? null)) {
          await audit.append(tx, ctx, {
            action: 'role.grant',
            subject: { type: 'user', id: user.id },
            after: { username, ...a },
          });
        }
        return { user: { ...user, roles: await repo.rolesOf(tx, user.id) } };
      });
    },

    /** Role grants awaiting a second administrator, those the caller may confirm. */
    async grantRequests(ctx: RequestContext): Promise<RoleGrantRequestRead[]> {
      const p = ctx.principal;
      return (await repo.pendingGrantRequests(db))
        .filter((r) => p === null || can(p, 'roles:admin', r.scope))
        .map((r) => ({ ...toGrantRequest(r), actions: { confirm: hintOf(confirmRefusal(ctx, r)) } }));
    },

    /** A second administrator confirms a pending grant: neither its grantee nor who asked for it may. */
    async confirmGrant(ctx: RequestContext, id: string): Promise<UserRecord> {
      let refusal: { account: string; role: string; message: string } | undefined;
      try {
        return await command(async (tx) => {
          const request = await repo.grantRequest(tx, id);
          if (!request) throw notFound('role grant request', id);
          const refused = confirmRefusal(ctx, request);
          if (refused?.code === 'separation_of_duties')
            refusal = { account: ctx.principal!.username, role: request.role, message: refused.message };
          if (refused) throw refusalError(refused);
          const me = ctx.principal?.userId ?? null;
          const now = clock.now().toISOString();
          if (!(await repo.decideGrantRequest(tx, id, 'confirmed', me, now)))
            throw conflict(`role grant request ${id} is already ${request.status}`);
          const a = { scope: request.scope, role: request.role as RoleAssignment['role'] };
          await repo.grant(tx, request.user_id, a, now, me);
          const after = toGrantRequest({ ...request, status: 'confirmed', decided_by: me, decided_at: now });
          await audit.append(tx, ctx, {
            action: 'role.grant-confirm',
            subject: { type: 'user', id: request.user_id },
            before: toGrantRequest(request),
            after,
          });
          await audit.append(tx, ctx, {
            action: 'role.grant',
            subject: { type: 'user', id: request.user_id },
            after: { username: request.username, ...a, request: id },
          });
          const user = await mustGetUser(tx, request.username);
          return user;
        });
      } catch (err) {
        if (refusal)
          await deps.refused?.(ctx, {
            action: 'authz.separation-of-duties',
            account: refusal.account,
            subject: { type: 'role-grant-request', id },
            detail: { role: refusal.role, refusal: refusal.message },
          });
        throw err;
      }
    },

    async revoke(ctx: RequestContext, username: string, a: RoleAssignment): Promise<UserRecord> {
      return command(async (tx) => {
        authorize(ctx, 'roles:admin', a.scope);
        if (a.scope === ORGANISATION && a.role === 'admin') await repo.lockOrgAdmins(tx);
        const user = await mustGetUser(tx, username);
        if (a.scope === ORGANISATION && a.role === 'admin') await assertAnotherAdminRemains(tx, user.id);
        if (!(await repo.revoke(tx, user.id, a))) throw notFound('role assignment', `${username}:${a.scope}:${a.role}`);
        // A sign token was issued to sign in the roles held then: it ends with any of them.
        const revokedSignTokens = await repo.revokeSignTokens(tx, user.id, clock.now().toISOString());
        await audit.append(tx, ctx, {
          action: 'role.revoke',
          subject: { type: 'user', id: user.id },
          before: { username, ...a },
          ...(revokedSignTokens > 0 ? { after: { revokedSignTokens } } : {}),
        });
        return { ...user, roles: await repo.rolesOf(tx, user.id) };
      });
    },

    async createTeam(ctx: RequestContext, input: { name: string; displayName?: string }): Promise<Team> {
      return command(async (tx) => {
        authorize(ctx, 'teams:admin', ORGANISATION);
        const team: Team = {
          name: input.name,
          displayName: input.displayName ?? input.name,
          createdAt: clock.now().toISOString(),
        };
        await repo.insertTeam(tx, team, ctx.principal?.userId ?? null);
        await audit.append(tx, ctx, { action: 'team.create', subject: { type: 'team', id: team.name }, after: team });
        return team;
      });
    },

    teams: () => repo.teams(db),

    async team(name: string): Promise<Team> {
      const t = await repo.team(db, name);
      if (!t) throw notFound('team', name);
      return t;
    },
  };
}

export type UserService = ReturnType<typeof createUserService>;
