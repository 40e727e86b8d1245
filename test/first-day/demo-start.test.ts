import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD, USE_CASES } from '../../src/demo/scenario.ts';
import { STEWARD_BIN } from '../helpers/cli.ts';

const basic = (user: string) => `Basic ${Buffer.from(`${user}:${DEMO_PASSWORD}`).toString('base64')}`;

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** `steward serve --demo` on `dir`, with what it writes to the terminal so far. */
function serveDemo(dir: string, port: number): { child: ChildProcess; output: () => string; stop(): Promise<void> } {
  const child = spawn(process.execPath, [STEWARD_BIN, 'serve', '--demo'], {
    env: {
      ...process.env,
      STEWARD_DATA_DIR: dir,
      STEWARD_DATABASE_URL: '',
      PORT: String(port),
      HOST: '127.0.0.1',
      STEWARD_LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<void>((r) => child.on('exit', () => r()));
  return {
    child,
    output: () => out,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

describe('steward serve --demo (real processes)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'steward-demo-ready-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('answers /healthz only once the demo is seeded, and says plainly when a folder already has users', async () => {
    const port = await freePort();
    const first = serveDemo(dir, port);
    try {
      // Poll from the start: the first ready answer must already see the whole demo.
      const deadline = Date.now() + 120_000;
      let ready = false;
      while (!ready && Date.now() < deadline && first.child.exitCode === null) {
        ready = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(5000) }).then(
          (r) => r.status === 200,
          () => false,
        );
        if (!ready) await new Promise((r) => setTimeout(r, 25));
      }
      expect(ready, first.output()).toBe(true);
      const overview = await fetch(`http://127.0.0.1:${port}/api/v1/overview`, {
        headers: { authorization: basic('admin') },
      });
      expect(overview.status).toBe(200);
      expect(((await overview.json()) as { total: number }).total).toBe(USE_CASES.length);
    } finally {
      await first.stop();
    }

    const again = serveDemo(dir, await freePort());
    try {
      const deadline = Date.now() + 60_000;
      while (!/demo NOT seeded/.test(again.output()) && Date.now() < deadline && again.child.exitCode === null)
        await new Promise((r) => setTimeout(r, 50));
      const notice = again.output();
      // Plain text on the terminal, not only a JSON log line, naming the folder to remove.
      expect(notice).toMatch(
        /^Steward demo NOT seeded: the data folder .* already holds a Steward instance with users/m,
      );
      expect(notice).toContain(`remove ${dir}`);
    } finally {
      await again.stop();
    }
  }, 240_000);
});
