import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { App } from '../../src/http/app-types.ts';
import { ADMIN_TOKEN } from './app.ts';

export const STEWARD_BIN = fileURLToPath(new URL('../../bin/steward.js', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

// A config home of its own, so no test reads or writes the developer's `steward login`.
const configHome = mkdtempSync(join(tmpdir(), 'steward-cli-config-'));

/**
 * Runs the real `steward` executable as a child process; `opts` is a timeout in milliseconds or
 * `{ timeoutMs, input }`, the input written to its standard input (--password-stdin, piped files).
 */
export function runCli(
  args: string[],
  env: Record<string, string | undefined> = {},
  opts: number | { timeoutMs?: number; input?: string } = {},
): Promise<CliResult> {
  const { timeoutMs = 30_000, input } = typeof opts === 'number' ? { timeoutMs: opts } : opts;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [STEWARD_BIN, ...args], {
      env: { ...process.env, STEWARD_URL: undefined, STEWARD_TOKEN: undefined, XDG_CONFIG_HOME: configHome, ...env },
      stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    if (input !== undefined) child.stdin!.end(input);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => (stdout += d));
    child.stderr!.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Starts the app on a free local port and returns the environment that points the CLI at it as the admin. */
export async function listenForCli(app: App, token = ADMIN_TOKEN): Promise<Record<string, string>> {
  return { STEWARD_URL: await app.listen({ port: 0, host: '127.0.0.1' }), STEWARD_TOKEN: token };
}
