import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

/** What `steward login` keeps for the user: the server and a personal token for it. */
export interface UserConfig {
  url: string;
  username: string;
  token: string;
  tokenId: string;
}

/** `$XDG_CONFIG_HOME/steward/config.json`, else `~/.config/steward/config.json`. */
export function configPath(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config');
  return join(base, 'steward', 'config.json');
}

export function readUserConfig(env: NodeJS.ProcessEnv = process.env): UserConfig | undefined {
  try {
    const c = JSON.parse(readFileSync(configPath(env), 'utf8')) as Partial<UserConfig>;
    return typeof c.url === 'string' && typeof c.token === 'string' ? (c as UserConfig) : undefined;
  } catch {
    return undefined;
  }
}

/** Written owner-only (file 0600, folder 0700): it holds a bearer token. */
export function writeUserConfig(c: UserConfig, env: NodeJS.ProcessEnv = process.env): string {
  const file = configPath(env);
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  chmodSync(dirname(file), 0o700);
  writeFileSync(file, `${JSON.stringify(c, null, 2)}\n`, { mode: 0o600 });
  chmodSync(file, 0o600); // an existing file keeps its mode on write
  return file;
}

export function removeUserConfig(env: NodeJS.ProcessEnv = process.env): void {
  rmSync(configPath(env), { force: true });
}
