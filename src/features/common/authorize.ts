import type { RequestContext } from '../../context.ts';
import { can, ORGANISATION, rolesGranting, type Permission } from '../../domain/authz.ts';
import { DomainError } from '../../errors.ts';

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
  throw new DomainError('forbidden', `${p.username} may not ${permission} ${where}: it needs one of the roles ${rolesGranting(permission).join(', ')} ${where}${viaToken}`, {
    extra: { permission, team },
  });
}
