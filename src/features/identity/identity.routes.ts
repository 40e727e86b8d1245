import { Type } from 'typebox';
import { contextOf, type App } from '../../http/app-types.ts';
import { fromBody, fromQuery } from '../../http/input.ts';
import { SESSION_COOKIE } from '../../http/auth.ts';
import { PageOf, PageQuery } from '../../lib/pagination.ts';
import { DomainError } from '../../errors.ts';
import { permissionRules, permissionsOf } from '../../domain/authz.ts';
import { TeamSlug, Uuid } from '../common/common.schema.ts';
import type { AccessService } from './access.service.ts';
import type { PasswordGuard } from './password-guard.ts';
import type { LocalPasswords } from './authenticate.ts';
import {
  ApiToken,
  ChangePasswordBody,
  CreateTeamBody,
  CreateTokenBody,
  CreateUserBody,
  LoginBody,
  Me,
  PatchUserBody,
  RoleAssignment,
  RoleGrantRequest,
  RoleGrantRequestRead,
  RoleName,
  Scope,
  Team,
  User,
  Username,
  UserWithPassword,
} from './identity.schema.ts';
import { publicUser, type UserService } from './users.service.ts';

const UserParams = Type.Object({ username: Username });
const users = ['users and roles'];
const auth = ['authentication'];

export interface IdentityRouteDeps {
  userService: UserService;
  access: AccessService;
  passwords: PasswordGuard;
  session: { maxMs: number; secureCookie: boolean };
  localPasswords: LocalPasswords;
}

export function identityRoutes(
  app: App,
  { userService, access, passwords, session, localPasswords }: IdentityRouteDeps,
): void {
  const cookie = (value: string, maxAgeS: number) =>
    `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeS}${session.secureCookie ? '; Secure' : ''}`;

  app.get(
    '/me',
    {
      config: { auth: 'authenticated', allowDuringPasswordChange: true },
      schema: { tags: auth, summary: 'Who am I: user, roles, how I authenticated', response: { 200: Me } },
    },
    async (request) => {
      const p = request.principal!;
      return {
        id: p.userId,
        username: p.username,
        displayName: p.displayName,
        roles: p.roles,
        authenticatedBy: p.via,
        tokenScopes: p.scopes,
        passwordChangeRequired: p.mustChangePassword,
        permissions: permissionsOf(p),
        permissionRules: permissionRules(),
      };
    },
  );

  app.post(
    '/auth/login',
    {
      config: { auth: 'public' },
      schema: {
        tags: auth,
        summary:
          'Sign in with username and password: sets an HttpOnly session cookie and returns the CSRF token for unsafe requests',
        body: LoginBody,
        response: {
          200: Type.Object({
            csrfToken: Type.String(),
            expiresAt: Type.String(),
            passwordChangeRequired: Type.Boolean(),
            user: Type.Object({ username: Username, displayName: Type.String() }),
          }),
        },
      },
    },
    async (request, reply) => {
      const { username, password } = request.body;
      const attempt = await passwords.begin(contextOf(request), username);
      const res = await access.login(contextOf(request), username, password);
      if (!res.ok) {
        await attempt.failed('auth.sign-in-failure', { via: 'login' });
        request.log.warn(
          { event: 'auth.failure', reason: res.reason, account: username, ip: request.ip },
          'sign-in failed',
        );
        // Never says which it was: that would tell a guesser the password was right.
        throw new DomainError(
          'unauthenticated',
          localPasswords === 'all'
            ? 'wrong username or password'
            : 'wrong username or password, or this account signs in with single sign-on',
        );
      }
      await attempt.succeeded();
      reply.header('set-cookie', cookie(res.secret, Math.floor(session.maxMs / 1000)));
      return {
        csrfToken: res.csrfToken,
        expiresAt: res.expiresAt,
        passwordChangeRequired: res.principal.mustChangePassword,
        user: { username: res.principal.username, displayName: res.principal.displayName },
      };
    },
  );

  app.post(
    '/auth/logout',
    {
      config: { auth: 'authenticated', allowDuringPasswordChange: true },
      schema: { tags: auth, summary: 'End the current console session', response: { 204: Type.Null() } },
    },
    async (request, reply) => {
      await access.logout(contextOf(request));
      return reply.status(204).header('set-cookie', cookie('', 0)).send(null);
    },
  );

  app.post(
    '/auth/password',
    {
      config: { auth: 'authenticated', allowDuringPasswordChange: true },
      schema: {
        tags: auth,
        summary: 'Change my password (ends my other sessions)',
        body: ChangePasswordBody,
        response: { 204: Type.Null() },
      },
    },
    async (request, reply) => {
      const attempt = await passwords.begin(contextOf(request), request.principal!.username);
      const outcome = await fromBody(() =>
        access.changePassword(contextOf(request), request.body.currentPassword, request.body.newPassword),
      );
      if (outcome === 'wrong-password') {
        await attempt.failed('auth.sign-in-failure', { via: 'password-change' });
        throw new DomainError('forbidden', 'the current password is wrong');
      }
      await attempt.succeeded();
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/users',
    {
      config: { auth: 'authenticated' },
      schema: {
        tags: users,
        summary: 'Create a user (organisation admin); without a password a one-time password is returned once',
        body: CreateUserBody,
        response: { 201: UserWithPassword },
      },
    },
    async (request, reply) => {
      const { user, oneTimePassword } = await fromBody(() => userService.create(contextOf(request), request.body));
      return reply.status(201).send({ user: publicUser(user), ...(oneTimePassword ? { oneTimePassword } : {}) });
    },
  );

  app.get(
    '/users',
    {
      config: { permission: 'identity:read' },
      schema: {
        tags: users,
        summary: 'List users',
        querystring: Type.Object(PageQuery, { additionalProperties: false }),
        response: { 200: PageOf(User) },
      },
    },
    async (request) => {
      const page = await fromQuery(() => userService.list(request.query));
      return { ...page, items: page.items.map(publicUser) };
    },
  );

  app.get(
    '/users/:username',
    {
      config: { permission: 'identity:read' },
      schema: { tags: users, summary: 'Read a user', params: UserParams, response: { 200: User } },
    },
    async (request) => publicUser(await userService.get(request.params.username)),
  );

  app.patch(
    '/users/:username',
    {
      config: { auth: 'authenticated' },
      schema: {
        tags: users,
        summary: "Change a user's display name or e-mail (self or organisation admin)",
        params: UserParams,
        body: PatchUserBody,
        response: { 200: User },
      },
    },
    async (request) => publicUser(await userService.update(contextOf(request), request.params.username, request.body)),
  );

  app.post(
    '/users/:username/disable',
    {
      config: { auth: 'authenticated' },
      schema: {
        tags: users,
        summary: 'Disable a user: every token and session of theirs ends at once',
        params: UserParams,
        response: { 200: User },
      },
    },
    async (request) => publicUser(await userService.setStatus(contextOf(request), request.params.username, 'disabled')),
  );

  app.post(
    '/users/:username/enable',
    {
      config: { auth: 'authenticated' },
      schema: {
        tags: users,
        summary: 'Re-enable a user (their old tokens stay revoked)',
        params: UserParams,
        response: { 200: User },
      },
    },
    async (request) => publicUser(await userService.setStatus(contextOf(request), request.params.username, 'active')),
  );

  app.post(
    '/users/:username/password-reset',
    {
      config: { auth: 'authenticated' },
      schema: {
        tags: users,
        summary: "Issue a new one-time password (organisation admin); ends the user's tokens and sessions",
        params: UserParams,
        response: { 200: UserWithPassword },
      },
    },
    async (request) => {
      const { user, oneTimePassword } = await userService.resetPassword(contextOf(request), request.params.username);
      return { user: publicUser(user), oneTimePassword };
    },
  );

  app.post(
    '/users/:username/roles',
    {
      config: { auth: 'authenticated' },
      schema: {
        tags: users,
        summary:
          'Grant a role in a team (or `*`, organisation-wide). Granting oneself a role that signs as independent only requests it (202): another administrator confirms it.',
        params: UserParams,
        body: RoleAssignment,
        response: { 200: User, 202: RoleGrantRequest },
      },
    },
    async (request, reply) => {
      const { user, pending } = await fromBody(() =>
        userService.grant(contextOf(request), request.params.username, request.body),
      );
      return pending ? reply.status(202).send(pending) : reply.send(publicUser(user));
    },
  );

  app.get(
    '/role-grants',
    {
      config: { auth: 'authenticated' },
      schema: {
        tags: users,
        summary: 'Role grants awaiting a second administrator (those I may confirm)',
        description:
          'Each says whether the caller may confirm it now (`actions.confirm`): its grantee and who asked for it may not.',
        response: { 200: Type.Object({ items: Type.Array(RoleGrantRequestRead) }) },
      },
    },
    async (request) => ({ items: await userService.grantRequests(contextOf(request)) }),
  );

  app.post(
    '/role-grants/:id/confirmation',
    {
      config: { auth: 'authenticated' },
      schema: {
        tags: users,
        summary: 'Confirm a pending role grant (an administrator other than its grantee and who asked for it)',
        params: Type.Object({ id: Uuid }),
        response: { 200: User },
      },
    },
    async (request) => publicUser(await userService.confirmGrant(contextOf(request), request.params.id)),
  );

  app.delete(
    '/users/:username/roles/:scope/:role',
    {
      config: { auth: 'authenticated' },
      schema: {
        tags: users,
        summary: 'Revoke a role',
        params: Type.Object({ username: Username, scope: Scope, role: RoleName }),
        response: { 200: User },
      },
    },
    async (request) => {
      const { username, scope, role } = request.params;
      return publicUser(await userService.revoke(contextOf(request), username, { scope, role }));
    },
  );

  app.post(
    '/teams',
    {
      config: { auth: 'authenticated' },
      schema: {
        tags: users,
        summary: 'Create a team (organisation admin)',
        body: CreateTeamBody,
        response: { 201: Team },
      },
    },
    async (request, reply) => reply.status(201).send(await userService.createTeam(contextOf(request), request.body)),
  );

  app.get(
    '/teams',
    {
      config: { permission: 'inventory:read' },
      schema: { tags: users, summary: 'List teams', response: { 200: Type.Object({ items: Type.Array(Team) }) } },
    },
    async () => ({ items: await userService.teams() }),
  );

  app.get(
    '/teams/:name',
    {
      config: { permission: 'inventory:read' },
      schema: { tags: users, summary: 'Read a team', params: Type.Object({ name: TeamSlug }), response: { 200: Team } },
    },
    async (request) => userService.team(request.params.name),
  );

  app.post(
    '/tokens',
    {
      config: { auth: 'authenticated' },
      schema: {
        tags: auth,
        summary: 'Create an API token (shown once). For another user: organisation admin only.',
        body: CreateTokenBody,
        response: {
          201: Type.Object({
            token: Type.String({ description: 'the secret; store it now, it is never shown again' }),
            info: ApiToken,
          }),
        },
      },
    },
    async (request, reply) =>
      reply.status(201).send(await fromBody(() => access.createToken(contextOf(request), request.body))),
  );

  app.get(
    '/tokens',
    {
      config: { auth: 'authenticated' },
      schema: {
        tags: auth,
        summary: "List my tokens (admins: any user's with ?username=)",
        querystring: Type.Object({ username: Type.Optional(Username) }, { additionalProperties: false }),
        response: { 200: Type.Object({ items: Type.Array(ApiToken) }) },
      },
    },
    async (request) => ({ items: await access.listTokens(contextOf(request), request.query.username) }),
  );

  app.delete(
    '/tokens/:id',
    {
      config: { auth: 'authenticated' },
      schema: {
        tags: auth,
        summary: 'Revoke a token (mine, or any as organisation admin)',
        params: Type.Object({ id: Uuid }),
        response: { 200: ApiToken },
      },
    },
    async (request) => access.revokeToken(contextOf(request), request.params.id),
  );
}
