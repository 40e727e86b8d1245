import { beforeAll, describe, expect, it } from 'vitest';
import { useTestApp } from '../helpers/app.ts';
import { listenForCli, runCli } from '../helpers/cli.ts';

describe('steward users, tokens and teams (real process)', () => {
  const t = useTestApp('sqlite', { teams: [] });
  let env: Record<string, string>;
  beforeAll(async () => {
    env = await listenForCli(t.app);
  });

  it('administers teams, users and tokens, and the new token works at once', async () => {
    expect((await runCli(['teams', 'create', 'risk', '--display-name', 'Model Risk'], env)).stdout).toMatch(
      /created team risk/,
    );
    expect((await runCli(['teams', 'list'], env)).stdout).toMatch(/risk {2}Model Risk/);
    const created = await runCli(
      [
        'users',
        'create',
        '--username',
        'vic',
        '--display-name',
        'Vic Validator',
        '--role',
        '*:risk-audit',
        '--role',
        'risk:viewer',
      ],
      env,
    );
    expect(created.stderr).toBe('');
    expect(created.stdout).toMatch(/created vic {2}Vic Validator {2}active {2}\*:risk-audit risk:viewer/);
    expect(created.stdout).toMatch(/one-time password \(shown once, must be changed at first sign-in\): \S{20,}/);
    expect((await runCli(['users', 'list'], env)).stdout).toMatch(/^vic /m);

    const token = await runCli(['tokens', 'create', '--name', 'ci', '--user', 'vic', '--scope', 'read'], env);
    expect(token.code).toBe(0);
    const secret = token.stdout.trim();
    expect(secret).toMatch(/^stw_\S{43}$/);
    expect(token.stderr).toMatch(/shown only now/);
    const asVic = { ...env, STEWARD_TOKEN: secret };
    expect((await runCli(['models', 'list'], asVic)).code).toBe(0);
    const listed = JSON.parse((await runCli(['tokens', 'list', '--user', 'vic', '--json'], env)).stdout) as {
      id: string;
      name: string;
    }[];
    expect(listed.map((x) => x.name)).toEqual(['ci']);

    const denied = await runCli(['teams', 'create', 'sneaky'], asVic);
    expect(denied.code).toBe(1);
    expect(denied.stderr).toMatch(/forbidden/);

    expect((await runCli(['tokens', 'revoke', listed[0]!.id], env)).stdout).toMatch(/revoked/);
    const revoked = await runCli(['models', 'list'], asVic);
    expect(revoked.code).toBe(1);
    expect(revoked.stderr).toMatch(/unauthenticated/);

    const again = JSON.parse(
      (await runCli(['tokens', 'create', '--name', 'ci2', '--user', 'vic', '--json'], env)).stdout,
    ) as { token: string };
    expect((await runCli(['users', 'disable', 'vic'], env)).stdout).toMatch(/vic .* disabled/);
    expect((await runCli(['models', 'list'], { ...env, STEWARD_TOKEN: again.token })).code).toBe(1);
    expect((await runCli(['users', 'grant', 'vic', '--role', 'risk:data-scientist'], env)).stdout).toMatch(
      /risk:data-scientist/,
    );
    expect((await runCli(['users', 'revoke-role', 'vic', '--role', 'risk:data-scientist'], env)).stdout).not.toMatch(
      /risk:data-scientist/,
    );
    const badRole = await runCli(['users', 'grant', 'vic', '--role', 'nocolon'], env);
    expect(badRole.code).toBe(2);
    expect(badRole.stderr).toMatch(/team:role/);
  });
});
