import type { Command } from 'commander';
import { createClient, UsageError } from './client.ts';
import { collect, print } from './output.ts';
import { readStdin } from './prompt.ts';

interface User {
  username: string;
  displayName: string;
  status: string;
  roles: { scope: string; role: string }[];
}

interface GrantRequest {
  id: string;
  username: string;
  scope: string;
  role: string;
  status: string;
  requestedAt: string;
}

const describeRequest = (g: GrantRequest) =>
  `${g.id}  ${g.username}  ${g.scope}:${g.role}  ${g.status} since ${g.requestedAt}`;

const describeUser = (u: User) =>
  `${u.username}  ${u.displayName}  ${u.status}  ${u.roles.map((r) => `${r.scope}:${r.role}`).join(' ') || '(no roles)'}`;

/** `team:role` or `*:role` from --role. */
function parseRole(spec: string): { scope: string; role: string } {
  const i = spec.lastIndexOf(':');
  if (i <= 0)
    throw new UsageError(`--role '${spec}' is not of the form team:role (or *:role for the whole organisation)`);
  return { scope: spec.slice(0, i), role: spec.slice(i + 1) };
}

export function identityCommands(program: Command): void {
  const users = program.command('users').description('user accounts and their roles (needs an admin token)');
  users
    .command('create')
    .description('create a user with roles; prints a one-time password unless --password-stdin gives one')
    .requiredOption('--username <name>')
    .requiredOption('--display-name <name>')
    .option('--email <address>')
    .option(
      '--password-stdin',
      'read the initial password from standard input (otherwise a one-time password is issued)',
      false,
    )
    .option('--role <team:role>', 'role to grant, repeatable; *:role = organisation-wide', collect)
    .option('--json', 'print JSON', false)
    .action(async (o) => {
      const body = {
        username: o.username,
        displayName: o.displayName,
        email: o.email,
        password: o.passwordStdin ? await readStdin() : undefined,
        roles: (o.role as string[] | undefined)?.map(parseRole),
      };
      const res = await createClient().request<{ user: User; oneTimePassword?: string }>('POST', '/api/v1/users', body);
      print(
        o.json,
        res,
        `created ${describeUser(res.user)}${res.oneTimePassword ? `\none-time password (shown once, must be changed at first sign-in): ${res.oneTimePassword}` : ''}`,
      );
    });
  users
    .command('list')
    .description('list the users, their status and roles')
    .option('--json', 'print JSON', false)
    .action(async (o) => {
      const page = await createClient().request<{ items: User[] }>('GET', '/api/v1/users?limit=500');
      print(o.json, page.items, page.items.map(describeUser).join('\n'));
    });
  for (const [verb, path] of [
    ['disable', 'disable'],
    ['enable', 'enable'],
  ] as const) {
    users
      .command(`${verb} <username>`)
      .description(verb === 'disable' ? 'disable a user: their tokens and sessions end at once' : 're-enable a user')
      .action(async (username: string) => {
        const u = await createClient().request<User>(
          'POST',
          `/api/v1/users/${encodeURIComponent(username)}/${path}`,
          {},
        );
        print(false, u, describeUser(u));
      });
  }
  users
    .command('grant <username>')
    .description('grant a user a role in a team (or organisation-wide)')
    .requiredOption('--role <team:role>', 'e.g. credit-risk:data-scientist or *:risk-audit')
    .action(async (username: string, o) => {
      const u = await createClient().request<User | GrantRequest>(
        'POST',
        `/api/v1/users/${encodeURIComponent(username)}/roles`,
        parseRole(o.role),
      );
      // Granting oneself a role that signs as independent is only a request: another admin confirms it.
      if ('status' in u && u.status === 'pending')
        print(
          false,
          u,
          `requested: ${describeRequest(u as GrantRequest)}\nanother administrator confirms it with: steward users confirm-grant ${(u as GrantRequest).id}`,
        );
      else print(false, u, describeUser(u as User));
    });
  users
    .command('grant-requests')
    .description('role grants awaiting a second administrator')
    .option('--json', 'print JSON', false)
    .action(async (o) => {
      const res = await createClient().request<{ items: GrantRequest[] }>('GET', '/api/v1/role-grants');
      print(o.json, res.items, res.items.map(describeRequest).join('\n') || 'no pending role grants');
    });
  users
    .command('confirm-grant <id>')
    .description("confirm another administrator's pending role grant (four eyes)")
    .action(async (id: string) => {
      const u = await createClient().request<User>(
        'POST',
        `/api/v1/role-grants/${encodeURIComponent(id)}/confirmation`,
      );
      print(false, u, describeUser(u));
    });
  users
    .command('revoke-role <username>')
    .description('take a role away from a user')
    .requiredOption('--role <team:role>')
    .action(async (username: string, o) => {
      const { scope, role } = parseRole(o.role);
      const u = await createClient().request<User>(
        'DELETE',
        `/api/v1/users/${encodeURIComponent(username)}/roles/${encodeURIComponent(scope)}/${encodeURIComponent(role)}`,
      );
      print(false, u, describeUser(u));
    });

  const tokens = program.command('tokens').description('API tokens');
  tokens
    .command('create')
    .description('create an API token (for yourself, or as an admin for another user); prints it once')
    .requiredOption('--name <name>')
    .option('--scope <scope>', 'read | write | admin | sign, repeatable (default read and write)', collect)
    .option('--expires-in-days <days>', 'default 90 (a sign token: the server maximum, 24 hours by default)')
    .option(
      '--password-stdin',
      'with --scope sign: read your password from standard input (a sign token needs it re-entered)',
      false,
    )
    .option('--user <username>', 'issue for another user (organisation admin)')
    .option('--json', 'print JSON', false)
    .action(async (o) => {
      const days = o.expiresInDays === undefined ? undefined : Number(o.expiresInDays);
      if (days !== undefined && !Number.isInteger(days))
        throw new UsageError('--expires-in-days must be a whole number');
      const signing = (o.scope as string[] | undefined)?.includes('sign') ?? false;
      if (o.passwordStdin && !signing) throw new UsageError('--password-stdin is only for --scope sign');
      if (signing && !o.passwordStdin)
        throw new UsageError('--scope sign needs your password re-entered: pipe it in with --password-stdin');
      const res = await createClient().request<{ token: string; info: { id: string; expiresAt: string | null } }>(
        'POST',
        '/api/v1/tokens',
        {
          name: o.name,
          scopes: o.scope,
          expiresInDays: days,
          username: o.user,
          password: signing ? await readStdin() : undefined,
        },
      );
      if (o.json) print(true, res, '');
      else {
        // The secret alone on stdout, so `TOKEN=$(steward tokens create ...)` works.
        process.stdout.write(`${res.token}\n`);
        process.stderr.write(
          `token ${res.info.id} created, expires ${res.info.expiresAt ?? 'never'}; it is shown only now\n`,
        );
      }
    });
  tokens
    .command('list')
    .description("list your tokens (or, as an admin, a user's), never their secrets")
    .option('--user <username>')
    .option('--json', 'print JSON', false)
    .action(async (o) => {
      const res = await createClient().request<{
        items: {
          id: string;
          name: string;
          prefix: string;
          scopes: string[];
          expiresAt: string | null;
          revokedAt: string | null;
        }[];
      }>('GET', `/api/v1/tokens${o.user ? `?username=${encodeURIComponent(o.user)}` : ''}`);
      print(
        o.json,
        res.items,
        res.items
          .map(
            (t) =>
              `${t.id}  ${t.prefix}…  ${t.name}  [${t.scopes.join(',')}]  ${t.revokedAt ? `revoked ${t.revokedAt}` : `expires ${t.expiresAt ?? 'never'}`}`,
          )
          .join('\n') || 'no tokens',
      );
    });
  tokens
    .command('revoke <id>')
    .description('revoke a token at once')
    .action(async (id: string) => {
      const t = await createClient().request<{ id: string; revokedAt: string }>(
        'DELETE',
        `/api/v1/tokens/${encodeURIComponent(id)}`,
      );
      print(false, t, `token ${t.id} revoked at ${t.revokedAt}`);
    });

  const teams = program.command('teams').description('teams');
  teams
    .command('create <name>')
    .description('create a team')
    .option('--display-name <name>')
    .action(async (name: string, o) => {
      const t = await createClient().request<{ name: string }>('POST', '/api/v1/teams', {
        name,
        displayName: o.displayName,
      });
      print(false, t, `created team ${t.name}`);
    });
  teams
    .command('list')
    .description('list the teams')
    .option('--json', 'print JSON', false)
    .action(async (o) => {
      const res = await createClient().request<{ items: { name: string; displayName: string }[] }>(
        'GET',
        '/api/v1/teams',
      );
      print(o.json, res.items, res.items.map((t) => `${t.name}  ${t.displayName}`).join('\n') || 'no teams');
    });
}
