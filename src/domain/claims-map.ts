import { ROLES, type Role, type RoleAssignment } from './authz.ts';

/** One rule: when `claim` holds `value` (or, for an array claim, contains it), grant `role` in `scope`. */
export interface ClaimRule {
  claim: string;
  value: string;
  grant: RoleAssignment;
}

/** How an identity provider's claims become a Steward user and their team roles. */
export interface ClaimsMap {
  /** The claim the username is taken from (default `preferred_username`, then the e-mail's local part). */
  usernameClaim: string;
  rules: ClaimRule[];
}

export const DEFAULT_CLAIMS_MAP: ClaimsMap = { usernameClaim: 'preferred_username', rules: [] };

const SCOPE = /^(\*|[a-z0-9][a-z0-9._-]*)$/;
const CLAIM = /^[\w.:/-]{1,100}$/;

/**
 * Reads a claims mapping from its parsed JSON or YAML document:
 * `{ usernameClaim?, rules: [{ claim, value, grant: "team:role" | "*:role" }] }`.
 * Returns the mapping, or every problem found (with the rule's position) so an operator fixes
 * them at once.
 */
export function parseClaimsMap(doc: unknown): { map: ClaimsMap } | { problems: string[] } {
  const problems: string[] = [];
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc))
    return { problems: ['must be an object with a rules list'] };
  const d = doc as Record<string, unknown>;
  for (const key of Object.keys(d))
    if (key !== 'rules' && key !== 'usernameClaim')
      problems.push(`unknown setting '${key}' (known: usernameClaim, rules)`);
  const usernameClaim = d.usernameClaim ?? DEFAULT_CLAIMS_MAP.usernameClaim;
  if (typeof usernameClaim !== 'string' || !CLAIM.test(usernameClaim))
    problems.push('usernameClaim must be a claim name, e.g. preferred_username');
  if (!Array.isArray(d.rules)) return { problems: [...problems, 'rules must be a list'] };
  const rules: ClaimRule[] = [];
  d.rules.forEach((r: unknown, i) => {
    const at = `rules[${i}]`;
    if (typeof r !== 'object' || r === null) return void problems.push(`${at} must be an object`);
    const { claim, value, grant, ...rest } = r as Record<string, unknown>;
    for (const key of Object.keys(rest)) problems.push(`${at} has unknown field '${key}' (known: claim, value, grant)`);
    if (typeof claim !== 'string' || !CLAIM.test(claim)) problems.push(`${at}.claim must be a claim name, e.g. groups`);
    const v = typeof value === 'number' || typeof value === 'boolean' ? String(value) : value;
    if (typeof v !== 'string' || v.length === 0 || v.length > 500)
      problems.push(`${at}.value must be a non-empty string`);
    const parts = typeof grant === 'string' ? grant.split(':') : [];
    const [scope, role] = parts as [string | undefined, string | undefined];
    if (parts.length !== 2 || !SCOPE.test(scope ?? '') || !(ROLES as readonly string[]).includes(role ?? ''))
      problems.push(`${at}.grant must be team:role or *:role with a role among ${ROLES.join(', ')}`);
    else if (typeof claim === 'string' && typeof v === 'string')
      rules.push({ claim, value: v, grant: { scope: scope!, role: role as Role } });
  });
  return problems.length > 0 ? { problems } : { map: { usernameClaim: usernameClaim as string, rules } };
}

/** The claim at `path` (dots descend into objects, as Keycloak's `realm_access.roles`). */
function claimAt(claims: Record<string, unknown>, path: string): unknown {
  if (path in claims) return claims[path];
  let at: unknown = claims;
  for (const part of path.split('.')) {
    if (typeof at !== 'object' || at === null) return undefined;
    at = (at as Record<string, unknown>)[part];
  }
  return at;
}

/** The role assignments the rules grant for these claims, each once, in rule order. */
export function rolesFromClaims(map: ClaimsMap, claims: Record<string, unknown>): RoleAssignment[] {
  const out: RoleAssignment[] = [];
  for (const rule of map.rules) {
    const held = claimAt(claims, rule.claim);
    const values = (Array.isArray(held) ? held : [held]).map((v) =>
      typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined,
    );
    if (!values.includes(rule.value)) continue;
    if (!out.some((a) => a.scope === rule.grant.scope && a.role === rule.grant.role)) out.push(rule.grant);
  }
  return out;
}

/**
 * A Steward username for the claims: the configured claim, else the e-mail's local part, else the
 * subject, lower-cased and reduced to the username alphabet (letters, digits, `.`, `_`, `-`).
 * Null when nothing usable remains.
 */
export function usernameFromClaims(map: ClaimsMap, claims: Record<string, unknown>): string | null {
  const email = typeof claims.email === 'string' ? claims.email.split('@')[0] : undefined;
  for (const candidate of [claimAt(claims, map.usernameClaim), email, claims.sub]) {
    if (typeof candidate !== 'string') continue;
    const name = candidate
      .toLowerCase()
      .replace(/[^a-z0-9._-]+/g, '-')
      .replace(/^[^a-z0-9]+/, '')
      .slice(0, 64);
    if (name.length > 0) return name;
  }
  return null;
}
