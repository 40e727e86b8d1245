import type { RequestContext } from '../../context.ts';
import {
  can,
  ORGANISATION,
  permissionRules,
  rolesGranting,
  type Permission,
  type Principal,
} from '../../domain/authz.ts';
import { refusalError, type Refusal } from './hints.ts';

/**
 * Acting on one's own account through an API token (new tokens, revocations, profile, password)
 * needs the token's `write` scope: a read-only token must not be able to mint or revoke credentials.
 */
export function requireWriteScope(ctx: RequestContext, what: string): void {
  const r = writeScopeRefusal(ctx, what);
  if (r) throw refusalError(r);
}

/** Why a token may not `what` (it lacks the write scope), or null. */
export function writeScopeRefusal(ctx: RequestContext, what: string): Refusal | null {
  const p = ctx.principal;
  if (!p?.scopes || p.scopes.includes('write')) return null;
  return {
    code: 'forbidden',
    message: `a token with scopes [${p.scopes.join(', ')}] may not ${what}: it needs the write scope`,
    reason: `Your token's scopes (${p.scopes.join(', ')}) do not allow this.`,
  };
}

/** What `p` holds in `team` (or organisation-wide), in words: why their roles do not reach an act. */
function heldIn(p: Principal, team: string): string {
  const held = [...new Set(p.roles.filter((a) => a.scope === team || a.scope === ORGANISATION).map((a) => a.role))];
  const there = team === ORGANISATION ? ' organisation-wide' : ' there';
  return held.length > 0 ? `you hold ${held.join(', ')}${there}` : `you hold no role${there}`;
}

/**
 * Why the caller may not exercise `permission` on something owned by `team` (ORGANISATION for
 * organisation-level acts), or null when they may. `authorize` throws it; reads that say what a
 * user may do report it. The system context (no principal) is trusted.
 */
export function permissionRefusal(ctx: RequestContext, permission: Permission, team: string): Refusal | null {
  const p = ctx.principal;
  if (p === null || can(p, permission, team)) return null;
  const orgOnly = permissionRules().find((r) => r.permission === permission)?.where === 'organisation';
  const where = team === ORGANISATION ? 'organisation-wide' : `in team '${team}'`;
  const viaToken = p.scopes !== null ? ` (or the token's scopes [${p.scopes.join(', ')}] do not cover it)` : '';
  const roles = rolesGranting(permission);
  const holds = p.roles.some(
    (a) => roles.includes(a.role) && (a.scope === ORGANISATION || (!orgOnly && a.scope === team)),
  );
  const scope = orgOnly || team === ORGANISATION ? ORGANISATION : team;
  return {
    code: 'forbidden',
    message: `${p.username} may not ${permission} ${where}: it needs one of the roles ${roles.join(', ')} ${where}${viaToken}`,
    reason:
      p.scopes !== null && holds
        ? `Your token's scopes (${p.scopes.join(', ')}) do not allow this.`
        : `Needs the role ${roles.join(' or ')} ${scope === ORGANISATION ? 'organisation-wide' : `in team '${team}' (or organisation-wide)`}; ${heldIn(p, scope)}.`,
    extra: { permission, team },
  };
}

/**
 * Object-level authorisation inside services: throws `forbidden` unless the caller may exercise
 * `permission` on something owned by `team` (ORGANISATION for organisation-level acts). The system
 * context (no principal) is trusted: it is only used by start-up code.
 */
export function authorize(ctx: RequestContext, permission: Permission, team: string): void {
  const r = permissionRefusal(ctx, permission, team);
  if (r) throw refusalError(r);
}

/** The role among `roles` the caller holds in `team` (or organisation-wide), if any. */
export function heldRole(ctx: RequestContext, roles: readonly string[], team: string): string | null {
  const p = ctx.principal;
  if (!p) return null;
  return p.roles.find((a) => roles.includes(a.role) && (a.scope === team || a.scope === ORGANISATION))?.role ?? null;
}

/**
 * Why the caller may not `what` as one of `roles` (roles a policy pack names) in `team`, or null
 * when they hold one there or organisation-wide. `requireRole` throws it; hints report it, naming
 * `otherwise` when someone else may act too (e.g. "be the finding's owner").
 */
export function roleRefusal(
  ctx: RequestContext,
  roles: readonly string[],
  team: string,
  what: string,
  otherwise?: string,
): Refusal | null {
  if (heldRole(ctx, roles, team)) return null;
  const p = ctx.principal;
  return {
    code: 'forbidden',
    message: `${p?.username ?? 'the caller'} may not ${what}: it needs one of the roles ${roles.join(', ')} in team '${team}' (the policy pack names them)`,
    reason: `Needs the role ${roles.join(' or ')} in team '${team}' (or organisation-wide)${otherwise ? `, or to ${otherwise}` : ''}; ${p ? heldIn(p, team) : 'you hold no role there'}.`,
    extra: { roles, team },
  };
}

/** Throws `forbidden` unless the caller holds one of `roles` in `team`; returns the role held. */
export function requireRole(ctx: RequestContext, roles: readonly string[], team: string, what: string): string {
  const r = roleRefusal(ctx, roles, team, what);
  if (r) throw refusalError(r);
  return heldRole(ctx, roles, team)!;
}
