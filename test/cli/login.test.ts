import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { call, useTestApp } from '../helpers/app.ts';
import { listenForCli, runCli, STEWARD_BIN } from '../helpers/cli.ts';

const PASSWORD = 'lena-correct-horse-battery';

describe('steward login and logout (real process)', () => {
  const t = useTestApp('sqlite', { teams: ['lending'] });
  let url: string;
  const home = mkdtempSync(join(tmpdir(), 'steward-login-'));
  const configDir = join(home, 'steward');
  const asLena = () => ({ XDG_CONFIG_HOME: home });

  beforeAll(async () => {
    url = (await listenForCli(t.app)).STEWARD_URL!;
    const created = await call(t.app, {
      method: 'POST',
      url: '/api/v1/users',
      body: {
        username: 'lena',
        displayName: 'Lena',
        password: PASSWORD,
        roles: [{ scope: 'lending', role: 'data-scientist' }],
      },
    });
    expect(created.status, created.text).toBe(201);
  });

  it('saves a read-write personal token owner-only, which later commands use', async () => {
    const login = await runCli(['login', '--url', url, '--username', 'lena', '--password-stdin'], asLena(), {
      input: `${PASSWORD}\n`,
    });
    expect(login.stderr).toBe('');
    expect(login.code).toBe(0);
    expect(login.stdout).toMatch(new RegExp(`signed in to ${url} as lena; token saved in ${configDir}/config.json`));
    const file = join(configDir, 'config.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(configDir).mode & 0o777).toBe(0o700);
    const saved = JSON.parse(readFileSync(file, 'utf8'));
    expect(saved).toMatchObject({ url, username: 'lena', token: expect.stringMatching(/^stw_/) });

    // No STEWARD_URL or STEWARD_TOKEN: the saved server and token.
    const listed = await runCli(['tokens', 'list', '--json'], asLena());
    expect(listed.code, listed.stderr).toBe(0);
    const tokens = JSON.parse(listed.stdout) as { id: string; scopes: string[] }[];
    // Signing re-enters the password: the saved token must not sign on its own.
    expect(tokens.find((x) => x.id === saved.tokenId)?.scopes).toEqual(['read', 'write']);

    // STEWARD_TOKEN overrides the saved token; a bad one is told how to sign in.
    const bad = await runCli(['models', 'list'], {
      ...asLena(),
      STEWARD_TOKEN: 'stw_not-a-real-token-000000000000000000000',
    });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/unauthenticated/);
    expect(bad.stderr).toMatch(/steward login/);
    expect(bad.stderr).toMatch(/STEWARD_TOKEN/);
    // The saved token goes only to the server it came from.
    const elsewhere = await runCli(['models', 'list'], { ...asLena(), STEWARD_URL: 'http://127.0.0.1:9' });
    expect(elsewhere.code).toBe(3);
  });

  it('logout revokes the saved token at the server and forgets it', async () => {
    const token = JSON.parse(readFileSync(join(configDir, 'config.json'), 'utf8')).token as string;
    const out = await runCli(['logout'], asLena());
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toMatch(/signed out of .*; token revoked/);
    expect(existsSync(join(configDir, 'config.json'))).toBe(false);
    const revoked = await runCli(['models', 'list'], { STEWARD_URL: url, STEWARD_TOKEN: token });
    expect(revoked.code).toBe(1);
    expect(revoked.stderr).toMatch(/unauthenticated.*token revoked/);
    const again = await runCli(['logout'], asLena());
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/not signed in/);
  });

  it('refuses a wrong password, a missing username, and a prompt without a terminal', async () => {
    const other = mkdtempSync(join(tmpdir(), 'steward-login-bad-'));
    const wrong = await runCli(
      ['login', '--url', url, '--username', 'lena', '--password-stdin'],
      { XDG_CONFIG_HOME: other },
      { input: 'not-the-password' },
    );
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/wrong username or password/);
    expect(existsSync(join(other, 'steward', 'config.json'))).toBe(false);
    const noUser = await runCli(['login', '--url', url, '--password-stdin'], { XDG_CONFIG_HOME: other });
    expect(noUser.code).toBe(2);
    expect(noUser.stderr).toMatch(/--username/);
    const noTty = await runCli(['login', '--url', url, '--username', 'lena'], { XDG_CONFIG_HOME: other });
    expect(noTty.code).toBe(2);
    expect(noTty.stderr).toMatch(/--password-stdin/);
    const unreachable = await runCli(
      ['login', '--url', 'http://127.0.0.1:9', '--username', 'lena', '--password-stdin'],
      { XDG_CONFIG_HOME: other },
      { input: PASSWORD },
    );
    expect(unreachable.code).toBe(3);
  });
});

describe.skipIf(spawnSync('script', ['--version']).status !== 0)('steward login on a terminal (script(1))', () => {
  const t = useTestApp('sqlite');
  it('asks for the password without echoing it', async () => {
    const url = (await listenForCli(t.app)).STEWARD_URL!;
    await call(t.app, {
      method: 'POST',
      url: '/api/v1/users',
      body: { username: 'tess', displayName: 'Tess', password: 'tess-correct-horse-battery' },
    });
    const home = mkdtempSync(join(tmpdir(), 'steward-login-tty-'));
    const child = spawn(
      'script',
      ['-qec', `'${process.execPath}' '${STEWARD_BIN}' login --url ${url} --username tess`, '/dev/null'],
      {
        env: { ...process.env, XDG_CONFIG_HOME: home, STEWARD_URL: '', STEWARD_TOKEN: '' },
      },
    );
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      if (out.endsWith('password: ')) child.stdin.write('tess-correct-horse-battery\r');
    });
    const code = await new Promise((resolve) => child.on('close', resolve));
    expect(out).toMatch(/password: /);
    expect(out).toMatch(/signed in to .* as tess/);
    expect(out).not.toMatch(/correct-horse/);
    expect(code).toBe(0);
  });
});
