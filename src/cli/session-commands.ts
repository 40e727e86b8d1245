import { hostname } from 'node:os';
import type { Command } from 'commander';
import { ApiError, createClient, DEFAULT_URL, trimUrl, UnreachableError, UsageError } from './client.ts';
import { print } from './output.ts';
import { passwordFrom } from './prompt.ts';
import { configPath, readUserConfig, removeUserConfig, writeUserConfig } from './user-config.ts';

async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  try {
    return await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
      body: JSON.stringify(body),
    });
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause;
    throw new UnreachableError(`cannot reach Steward at ${url}: ${cause?.code ?? (err as Error).message}`);
  }
}

async function ok<T>(res: Response): Promise<T> {
  const body = (await res.json().catch(() => ({}))) as T;
  if (!res.ok) throw new ApiError(res.status, body as ApiError['problem']);
  return body;
}

/** `steward login` / `logout`: a personal token kept in the user's config file. */
export function sessionCommands(program: Command): void {
  program
    .command('login')
    .description(
      'sign in with your username and password; saves a personal API token (read and write, 90 days) in your config file',
    )
    .option('--url <url>', `the server (default STEWARD_URL, the saved one, or ${DEFAULT_URL})`)
    .requiredOption('--username <name>', 'your username')
    .option('--password-stdin', 'read the password from standard input instead of asking for it', false)
    .option('--json', 'print JSON', false)
    .action(async (o) => {
      const base = trimUrl(o.url ?? (process.env.STEWARD_URL || readUserConfig()?.url || DEFAULT_URL));
      const password = await passwordFrom(o);
      const login = await post(`${base}/api/v1/auth/login`, { username: o.username, password });
      const session = await ok<{ csrfToken: string; passwordChangeRequired: boolean }>(login);
      const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
      const auth = { cookie, 'x-csrf-token': session.csrfToken };
      try {
        if (session.passwordChangeRequired)
          throw new UsageError(`your password must be changed first: sign in to the console at ${base}`);
        // Read and write only: signing re-enters the password, so the saved token cannot sign alone.
        const created = await ok<{ token: string; info: { id: string; expiresAt: string | null } }>(
          await post(
            `${base}/api/v1/tokens`,
            { name: `steward login on ${hostname()}`, scopes: ['read', 'write'] },
            auth,
          ),
        );
        const file = writeUserConfig({
          url: base,
          username: o.username,
          token: created.token,
          tokenId: created.info.id,
        });
        print(
          o.json,
          { url: base, username: o.username, tokenId: created.info.id, expiresAt: created.info.expiresAt, file },
          `signed in to ${base} as ${o.username}; token saved in ${file} (expires ${created.info.expiresAt ?? 'never'})`,
        );
      } finally {
        await post(`${base}/api/v1/auth/logout`, {}, auth).catch(() => undefined);
      }
    });

  program
    .command('logout')
    .description('revoke the token saved by `steward login` and forget it')
    .option('--json', 'print JSON', false)
    .action(async (o) => {
      const saved = readUserConfig();
      if (!saved) {
        print(o.json, { signedOut: false }, `not signed in (no ${configPath()})`);
        return;
      }
      try {
        await createClient({ ...process.env, STEWARD_URL: saved.url, STEWARD_TOKEN: saved.token }).request(
          'DELETE',
          `/api/v1/tokens/${encodeURIComponent(saved.tokenId)}`,
        );
      } catch (err) {
        // A token already revoked or expired is as good as revoked; anything else keeps it saved.
        if (!(err instanceof ApiError && err.status === 401)) throw err;
      }
      removeUserConfig();
      print(o.json, { signedOut: true, url: saved.url }, `signed out of ${saved.url}; token revoked`);
    });
}
