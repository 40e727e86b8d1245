// SQLite serves one process: a second `steward serve` on the same file is refused in one line,
// and a lock left by a process that died (SIGKILL) does not keep the next one out.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.ts';

const work = mkdtempSync(join(tmpdir(), 'steward-lock-'));
const file = join(work, 'steward.db');
const env = { STEWARD_DATABASE_URL: `sqlite://${file}`, STEWARD_DATA_DIR: work };

describe('one server process per SQLite file', () => {
  const running: ServerProcess[] = [];
  afterAll(async () => {
    for (const s of running) await s.kill();
  });

  it('refuses a second server on the same file, naming the first', async () => {
    const first = await startServerProcess(env);
    running.push(first);
    expect(JSON.parse(readFileSync(`${file}.lock`, 'utf8')).pid).toBe(first.child.pid);
    const second = await runCli(['serve'], { ...env, PORT: '0', HOST: '127.0.0.1' });
    expect(second.code).toBe(2);
    expect(second.stderr.trim().split('\n')).toEqual([
      `error: the SQLite database ${file} is in use by another Steward process (pid ${first.child.pid} on ${JSON.parse(readFileSync(`${file}.lock`, 'utf8')).host}); SQLite serves one process only: stop that one, or use PostgreSQL for several replicas (if no such process runs, remove ${file}.lock)`,
    ]);
    // The first one was not disturbed.
    expect((await fetch(`${first.url}/healthz`)).status).toBe(200);
  });

  it('takes over the lock of a process that was killed, and releases it on a clean stop', async () => {
    await running.pop()!.kill();
    expect(existsSync(`${file}.lock`)).toBe(true);
    const next = await startServerProcess(env);
    running.push(next);
    expect(JSON.parse(readFileSync(`${file}.lock`, 'utf8')).pid).toBe(next.child.pid);
    expect(await next.stop()).toBe(0);
    running.pop();
    expect(existsSync(`${file}.lock`)).toBe(false);
  });

  it('lets offline commands (backup, audit verify) read while the server runs, but not migrate', async () => {
    const server = await startServerProcess(env);
    running.push(server);
    const backup = await runCli(['backup', '--out', join(work, 'while-serving.backup')], env);
    expect(backup.code).toBe(0);
    const verify = await runCli(['audit', 'verify'], env);
    expect(verify.code).toBe(0);
    // Migrating under a running server is not an offline read: refused.
    const migrate = await runCli(['migrate'], env);
    expect(migrate.code).toBe(2);
    expect(migrate.stderr).toMatch(/is in use by another Steward process .*; migrate with the server stopped/);
  });
});
