import { Type, type Static } from 'typebox';
import { ROLES, TOKEN_SCOPES } from '../../domain/authz.ts';
import { TeamSlug, Timestamp, Uuid } from '../common/common.schema.ts';
import { ActionHint } from '../common/hints.ts';

export const Username = Type.String({
  minLength: 1,
  maxLength: 64,
  pattern: '^[a-z0-9][a-z0-9._-]*$',
  description: 'lowercase letters, digits, `.`, `_`, `-`',
});
export const RoleName = Type.Enum(ROLES);
export const Scope = Type.String({
  minLength: 1,
  maxLength: 100,
  pattern: '^(\\*|[a-z0-9][a-z0-9._-]*)$',
  description: 'a team name, or `*` for the whole organisation',
});
export const Password = Type.String({ minLength: 1, maxLength: 1024 });

export const RoleAssignment = Type.Object({ scope: Scope, role: RoleName }, { additionalProperties: false });

export const User = Type.Object({
  id: Uuid,
  username: Username,
  displayName: Type.String(),
  email: Type.Union([Type.String(), Type.Null()]),
  status: Type.Enum(['active', 'disabled']),
  roles: Type.Array(RoleAssignment),
  passwordChangeRequired: Type.Boolean(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type User = Static<typeof User>;

export const CreateUserBody = Type.Object(
  {
    username: Username,
    displayName: Type.String({ minLength: 1, maxLength: 200 }),
    email: Type.Optional(Type.String({ format: 'email', maxLength: 320 })),
    password: Type.Optional(Password),
    roles: Type.Optional(Type.Array(RoleAssignment, { maxItems: 100 })),
  },
  { additionalProperties: false },
);
export type CreateUserBody = Static<typeof CreateUserBody>;

export const PatchUserBody = Type.Object(
  {
    displayName: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    email: Type.Optional(Type.Union([Type.String({ format: 'email', maxLength: 320 }), Type.Null()])),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type PatchUserBody = Static<typeof PatchUserBody>;

export const UserWithPassword = Type.Object({
  user: User,
  oneTimePassword: Type.Optional(Type.String({ description: 'shown once; must be changed at first sign-in' })),
});

export const Team = Type.Object({ name: TeamSlug, displayName: Type.String(), createdAt: Timestamp });
export type Team = Static<typeof Team>;
export const CreateTeamBody = Type.Object(
  { name: TeamSlug, displayName: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })) },
  { additionalProperties: false },
);

export const RoleGrantRequest = Type.Object({
  id: Uuid,
  username: Username,
  scope: Scope,
  role: RoleName,
  status: Type.Enum(['pending', 'confirmed']),
  requestedBy: Type.Union([Uuid, Type.Null()]),
  requestedAt: Timestamp,
  decidedBy: Type.Union([Uuid, Type.Null()]),
  decidedAt: Type.Union([Timestamp, Type.Null()]),
});
export type RoleGrantRequest = Static<typeof RoleGrantRequest>;

/** A pending grant as listed to an administrator: with whether they may confirm it now. */
export const RoleGrantRequestRead = Type.Object({
  ...RoleGrantRequest.properties,
  actions: Type.Object(
    { confirm: ActionHint },
    {
      description: "whether the caller may confirm it now, by the confirmation's own rule (never its grantee or asker)",
    },
  ),
});
export type RoleGrantRequestRead = Static<typeof RoleGrantRequestRead>;

export const TokenScopeName = Type.Enum(TOKEN_SCOPES);
export const ApiToken = Type.Object({
  id: Uuid,
  username: Username,
  name: Type.String(),
  prefix: Type.String({ description: 'the first characters of the token, to recognise it' }),
  scopes: Type.Array(TokenScopeName),
  expiresAt: Type.Union([Timestamp, Type.Null()]),
  revokedAt: Type.Union([Timestamp, Type.Null()]),
  createdAt: Timestamp,
  lastUsedAt: Type.Union([Timestamp, Type.Null()]),
});
export type ApiToken = Static<typeof ApiToken>;

export const CreateTokenBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    scopes: Type.Optional(
      Type.Array(TokenScopeName, { minItems: 1, uniqueItems: true, description: 'default: read and write' }),
    ),
    expiresInDays: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 3650, description: 'default 90; tokens always expire' }),
    ),
    username: Type.Optional(Username),
    password: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 1024,
        description: "the token holder's password, re-entered: required for the sign scope",
      }),
    ),
  },
  { additionalProperties: false },
);
export type CreateTokenBody = Static<typeof CreateTokenBody>;

export const LoginBody = Type.Object(
  { username: Type.String({ minLength: 1, maxLength: 64 }), password: Password },
  { additionalProperties: false },
);
export const ChangePasswordBody = Type.Object(
  { currentPassword: Password, newPassword: Password },
  { additionalProperties: false },
);

export const Me = Type.Object({
  id: Uuid,
  username: Username,
  displayName: Type.String(),
  roles: Type.Array(RoleAssignment),
  authenticatedBy: Type.Enum(['token', 'session', 'password']),
  tokenScopes: Type.Union([Type.Array(TokenScopeName), Type.Null()]),
  passwordChangeRequired: Type.Boolean(),
  permissions: Type.Array(Type.Object({ permission: Type.String(), scope: Type.String() }), {
    description: "what the caller may do, and in which team ('*': organisation-wide)",
  }),
  permissionRules: Type.Array(
    Type.Object({
      permission: Type.String(),
      roles: Type.Array(Type.String()),
      where: Type.Enum(['team', 'organisation', 'any']),
    }),
    {
      description:
        "how each permission is granted: the roles granting it and where one must be held ('team': in the owning team or organisation-wide; 'organisation': organisation-wide only; 'any': in any team), so a client can say which role a refused action needs",
    },
  ),
});
