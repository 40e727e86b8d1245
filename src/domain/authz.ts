/**
 * Role-based access control with team scopes, deny by default. A user holds roles per team (or
 * organisation-wide, scope `*`); a permission on a team-owned object needs a role granting it in
 * that team or organisation-wide. Read permissions are organisation-wide: the inventory is the
 * single view governance needs, so any role may read it. API tokens narrow (never widen) what
 * their user may do through their scopes.
 */
export const ROLES = [
  'business-stakeholder',
  'business-analyst',
  'data-scientist',
  'risk-audit',
  'data-ops',
  'production',
  'admin',
  'viewer',
] as const;
export type Role = (typeof ROLES)[number];

export const PERMISSIONS = [
  'inventory:read',
  'use-case:write',
  'model:write',
  'version:write',
  'alias:write',
  'dataset:write',
  'audit:read',
  'identity:read',
  'users:admin',
  'teams:admin',
  'roles:admin',
  'policy:admin',
  'assessment:write',
  'assessment:confirm',
  'webhooks:admin',
  'monitoring:write',
  'kpi:write',
  'alert:write',
  'oversight:suspend',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

/** Permissions that are not tied to one team: any role the user holds in any scope counts. */
const ANY_SCOPE: ReadonlySet<Permission> = new Set(['inventory:read']);
/** Permissions over the whole organisation's records: only roles held organisation-wide count. */
const ORGANISATION_ONLY: ReadonlySet<Permission> = new Set([
  'audit:read',
  'identity:read',
  'users:admin',
  'teams:admin',
  'policy:admin',
  'webhooks:admin',
]);

const GRANTS: Record<Role, readonly Permission[]> = {
  viewer: ['inventory:read'],
  'business-stakeholder': ['inventory:read', 'use-case:write', 'assessment:write', 'kpi:write', 'oversight:suspend'],
  'business-analyst': ['inventory:read', 'use-case:write', 'dataset:write', 'assessment:write', 'kpi:write'],
  'data-scientist': [
    'inventory:read',
    'model:write',
    'version:write',
    'alias:write',
    'dataset:write',
    'monitoring:write',
    'alert:write',
  ],
  'risk-audit': [
    'inventory:read',
    'audit:read',
    'identity:read',
    'policy:admin',
    'assessment:write',
    'assessment:confirm',
    'alert:write',
    'oversight:suspend',
  ],
  'data-ops': ['inventory:read', 'dataset:write', 'alias:write', 'monitoring:write', 'alert:write'],
  production: ['inventory:read', 'alias:write', 'monitoring:write', 'kpi:write', 'alert:write', 'oversight:suspend'],
  admin: PERMISSIONS,
};

/** `sign` lets automation re-present its token as an electronic signature (it grants no permission by itself). */
export const TOKEN_SCOPES = ['read', 'write', 'admin', 'sign'] as const;
export type TokenScope = (typeof TOKEN_SCOPES)[number];

const SCOPE_OF: Record<Permission, TokenScope> = {
  'inventory:read': 'read',
  'audit:read': 'read',
  'identity:read': 'read',
  'use-case:write': 'write',
  'model:write': 'write',
  'version:write': 'write',
  'alias:write': 'write',
  'dataset:write': 'write',
  'users:admin': 'admin',
  'teams:admin': 'admin',
  'roles:admin': 'admin',
  'policy:admin': 'admin',
  'assessment:write': 'write',
  'assessment:confirm': 'write',
  'webhooks:admin': 'admin',
  'monitoring:write': 'write',
  'kpi:write': 'write',
  'alert:write': 'write',
  'oversight:suspend': 'write',
};

export interface RoleAssignment {
  scope: string;
  role: Role;
}

export interface Principal {
  userId: string;
  username: string;
  displayName: string;
  roles: RoleAssignment[];
  /** Token scopes; null when authenticated by password or session (the user's full rights). */
  scopes: TokenScope[] | null;
  via: 'token' | 'session' | 'password';
  tokenId: string | null;
  /** When the token used expires (null: never, or not a token). */
  tokenExpiresAt: string | null;
  sessionId: string | null;
  /** A session opened with a one-time password may only change that password. */
  mustChangePassword: boolean;
}

export const ORGANISATION = '*';

/**
 * Every permission the principal holds and where (a team, or `*` organisation-wide), as `can`
 * decides them: what the console uses to hide or disable what the user could not do.
 */
export function permissionsOf(p: Principal): { permission: Permission; scope: string }[] {
  const out = new Map<string, { permission: Permission; scope: string }>();
  for (const a of p.roles)
    for (const permission of GRANTS[a.role] ?? []) {
      if (p.scopes !== null && !p.scopes.includes(SCOPE_OF[permission])) continue;
      if (ORGANISATION_ONLY.has(permission) && a.scope !== ORGANISATION) continue;
      out.set(`${permission} ${a.scope}`, { permission, scope: a.scope });
    }
  return [...out.values()];
}

/** The roles that grant `permission` (used in denial messages). */
export const rolesGranting = (permission: Permission): Role[] => ROLES.filter((r) => GRANTS[r].includes(permission));

/**
 * How each permission is granted, as `can` decides: the roles that grant it and where a role must
 * be held (`team`: in the owning team or organisation-wide; `organisation`: organisation-wide only;
 * `any`: in any team). The console words its "you cannot do this" reasons from it.
 */
export function permissionRules(): { permission: Permission; roles: Role[]; where: 'team' | 'organisation' | 'any' }[] {
  return PERMISSIONS.map((permission) => ({
    permission,
    roles: rolesGranting(permission),
    where: ORGANISATION_ONLY.has(permission) ? 'organisation' : ANY_SCOPE.has(permission) ? 'any' : 'team',
  }));
}

/**
 * True iff the principal may exercise `permission`; for team-scoped permissions on the object
 * owned by `team` (undefined = anywhere, e.g. listing).
 */
export function can(p: Principal, permission: Permission, team?: string): boolean {
  if (p.scopes !== null && !p.scopes.includes(SCOPE_OF[permission])) return false;
  const orgOnly = ORGANISATION_ONLY.has(permission);
  const anyScope = !orgOnly && (ANY_SCOPE.has(permission) || team === undefined);
  return p.roles.some(
    (a) =>
      GRANTS[a.role]?.includes(permission) &&
      (a.scope === ORGANISATION || (!orgOnly && (anyScope || a.scope === team))),
  );
}
