import type { RequestContext } from '../../context.ts';
import { can, ORGANISATION, rolesGranting, type Permission } from '../../domain/authz.ts';
import { DomainError } from '../../errors.ts';

/**
 * Acting on one's own account through an API token (new tokens, revocations, profile, password)
 * needs the token's `write` scope: a read-only token must not be able to mint or revoke credentials.
 */
export function requireWriteScope(ctx: RequestContext, what: string): void {
  const p = ctx.principal;
  if (p?.scopes && !p.scopes.includes('write')) {
    throw new DomainError(
      'forbidden',
      `a token with scopes [${p.scopes.join(', ')}] may not ${what}: it needs the write scope`,
    );
  }
}

/**
 * Object-level authorisation inside services: throws `forbidden` unless the caller may exercise
 * `permission` on something owned by `team` (ORGANISATION for organisation-level acts). The system
 * context (no principal) is trusted: it is only used by start-up code.
 */
export function authorize(ctx: RequestContext, permission: Permission, team: string): void {
  const p = ctx.principal;
  if (p === null || can(p, permission, team)) return;
  const where = team === ORGANISATION ? 'organisation-wide' : `in team '${team}'`;
  const viaToken = p.scopes !== null ? ` (or the token's scopes [${p.scopes.join(', ')}] do not cover it)` : '';
  throw new DomainError(
    'forbidden',
    `${p.username} may not ${permission} ${where}: it needs one of the roles ${rolesGranting(permission).join(', ')} ${where}${viaToken}`,
    {
      extra: { permission, team },
    },
  );
}

/** The role among `roles` the caller holds in `team` (or organisation-wide), if any. */
export function heldRole(ctx: RequestContext, roles: readonly string[], team: string): string | null {
  const p = ctx.principal;
  if (!p) return null;
  return p.roles.find((a) => roles.includes(a.role) && (a.scope === team || a.scope === ORGANISATION))?.role ?? null;
}

/** Throws `forbidden` unless the caller holds one of `roles` in `team`; returns the role held. */
export function requireRole(ctx: RequestContext, roles: readonly string[], team: string, what: string): string {
  const role = heldRole(ctx, roles, team);
  if (role) return role;
  throw new DomainError(
    'forbidden',
    `${ctx.principal?.username ?? 'the caller'} may not ${what}: it needs one of the roles ${roles.join(', ')} in team '${team}' (the policy pack names them)`,
    { extra: { roles, team } },
  );
}
