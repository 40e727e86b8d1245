import { createFailureLimiter } from '../../domain/rate-limit.ts';
import type { App } from '../../http/app-types.ts';
import type { Executor } from '../../db/database.ts';
import type { RecordRefusal } from '../audit/index.ts';
import type { Feature, FeatureDeps } from '../feature.ts';
import { createAccessService } from './access.service.ts';
import type { Config } from '../../config.ts';
import { createAuthenticator, localPasswordRefusal, type LocalPasswords } from './authenticate.ts';
import { ensureBootstrapAdmin } from './bootstrap.ts';
import { identityRepo } from './identity.repo.ts';
import { identityRoutes } from './identity.routes.ts';
import { createReauthenticator } from './reauth.service.ts';
import { createPasswordGuard, type AuthLimits } from './password-guard.ts';
import { createUserService } from './users.service.ts';
import { ssoRepo } from './sso.repo.ts';
import { ssoRoutes } from './sso.routes.ts';
import { createSsoService, type SsoSettings } from './sso.service.ts';

export interface IdentityFeatureDeps extends FeatureDeps {
  sessions: Config['session'];
  limits: AuthLimits;
  /** Cache token lookups and verified passwords in-process (only where this process sees every write). */
  cache: boolean;
  /** Longest lifetime of a token with the `sign` scope, in hours. */
  signTokenMaxHours: number;
  /** Roles that sign as independent reviewers: granting one to oneself needs a second administrator. */
  independentRoles: (exec: Executor) => Promise<ReadonlySet<string>>;
  /** Writes a refused action (failed sign-in, lockout, refused grant) to the audit trail. */
  refused: RecordRefusal;
  onBackgroundError: (err: unknown) => void;
  /** Single sign-on with OpenID Connect; undefined: local passwords only. */
  sso?: SsoSettings | undefined;
  /** Who may sign in with a local password (STEWARD_LOCAL_PASSWORDS). */
  localPasswords?: LocalPasswords;
}

/** Users, teams, roles, API tokens and sessions; authentication and its rate limits. */
export function createIdentityFeature(deps: IdentityFeatureDeps) {
  const { sessions, limits, cache, onBackgroundError, signTokenMaxHours, independentRoles, refused, sso, ...rest } =
    deps;
  const { localPasswords = 'all', ...base } = rest;
  const identityDeps = { ...base, repo: identityRepo };
  const authn = createAuthenticator({ ...identityDeps, sessions, cache, localPasswords, onBackgroundError });
  const limiter = createFailureLimiter(() => deps.clock.now().getTime());
  const passwords = createPasswordGuard(limiter, limits, {
    transact: base.transact,
    now: () => deps.clock.now().getTime(),
    refused,
  });
  const users = createUserService({
    ...identityDeps,
    identityChanged: authn.identityChanged,
    independentRoles,
    refused,
  });
  const access = createAccessService({ ...identityDeps, authn, sessions, passwords, signTokenMaxHours });
  const singleSignOn = sso
    ? createSsoService({ ...base, settings: sso, repo: ssoRepo, identity: identityRepo, access, authn, refused })
    : undefined;
  const reauthenticate = createReauthenticator({
    db: base.db,
    repo: identityRepo,
    passwords,
    localPasswordRefusal: async (userId) =>
      localPasswordRefusal(localPasswords, (await identityRepo.userById(base.db, userId))?.roles ?? []),
    ...(singleSignOn ? { redeemProof: singleSignOn.redeemProof } : {}),
  });
  const services = {
    authn,
    limiter,
    limits,
    passwords,
    /** Re-authenticates a signer (password re-entered, or the request's own sign token). */
    reauthenticate,
    /** Who granted a user's role in the given scopes. */
    grantorsOf: (exec: Executor, userId: string, role: string, scopes: string[]) =>
      identityRepo.grantorsOf(exec, userId, role, scopes),
    /** Active people holding a role in the given scopes (who could sign instead of someone refused). */
    roleHolders: (exec: Executor, role: string, scopes: string[]) => identityRepo.roleHolders(exec, role, scopes),
    users,
    access,
    /** Creates the first administrator when the database has no users yet. */
    async bootstrap(token: string | undefined) {
      const result = await ensureBootstrapAdmin({ ...identityDeps, bootstrapToken: token });
      if (result.created) authn.identityChanged();
      return result;
    },
    teamExists: identityRepo.teamExists.bind(identityRepo),
    /** A user by username or id (who a finding is assigned to). */
    user: async (exec: Executor, ref: string) =>
      (await identityRepo.userByName(exec, ref)) ?? (await identityRepo.userById(exec, ref)),
    /** Users by id or username, and the active members of a team, with their roles. */
    userById: (exec: Executor, id: string) => identityRepo.userById(exec, id),
    userByName: (exec: Executor, username: string) => identityRepo.userByName(exec, username),
    teamMembers: (exec: Executor, team: string) => identityRepo.teamMembers(exec, team),
    /** Active people holding any of the roles in a team or organisation-wide (who can act on a task). */
    holders: (exec: Executor, team: string, roles: string[]) => identityRepo.holders(exec, team, roles),
  };
  return {
    services,
    routes: (api: App) => {
      identityRoutes(api, { userService: users, access, passwords, session: sessions, localPasswords });
      ssoRoutes(api, { sso: singleSignOn, access, session: sessions, localPasswords, redirectUri: sso?.redirectUri });
    },
  } satisfies Feature<typeof services>;
}
