import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/database.ts';
import { isMigrated } from '../../src/db/migrate.ts';
import { runCli, STEWARD_BIN } from '../helpers/cli.ts';
import { createTestDatabase, DB_KINDS, skipReason, type TestDatabase } from '../helpers/db.ts';

const work = mkdtempSync(join(tmpdir(), 'steward-cli-'));

describe.each(DB_KINDS)('steward migrate and serve on %s', (kind) => {
  describe.skipIf(skipReason(kind) !== null)(skipReason(kind) ?? 'cli', () => {
    let testDb: TestDatabase;
    let dbEnv: Record<string, string>;
    beforeAll(async () => {
      testDb = await createTestDatabase(kind);
      const url = testDb.config.kind === 'postgres' ? testDb.config.url : `sqlite://${testDb.config.file}`;
      dbEnv = { STEWARD_DATABASE_URL: url, STEWARD_DATA_DIR: work };
    });
    afterAll(async () => testDb.drop());

    it('migrates an empty database, then reports it up to date', async () => {
      const first = await runCli(['migrate'], dbEnv);
      expect(first.stderr).toBe('');
      expect(first.code).toBe(0);
      expect(first.stdout).toMatch(/applied: 0001_inventory/);
      const handle = openDatabase(testDb.config);
      expect(await isMigrated(handle.db)).toBe(true);
      await handle.close();
      const second = await runCli(['migrate'], dbEnv);
      expect(second.stdout).toMatch(/up to date/);
    });

    it('serves the API until SIGTERM', async () => {
      const child = spawn(process.execPath, [STEWARD_BIN, 'serve'], {
        env: { ...process.env, ...dbEnv, PORT: '0', HOST: '127.0.0.1' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      try {
        const url = await new Promise<string>((resolve, reject) => {
          let out = '';
          const timer = setTimeout(() => reject(new Error(`server did not start: ${out}`)), 20_000);
          child.stdout.on('data', (d) => {
            out += d;
            const m = /Steward listening on (http:\/\/[^"\s]+)/.exec(out);
            if (m) {
              clearTimeout(timer);
              resolve(m[1]!);
            }
          });
          child.on('exit', (code) => reject(new Error(`server exited with ${code}: ${out}`)));
        });
        const health = await fetch(`${url}/healthz`);
        expect(health.status).toBe(200);
        expect(await health.json()).toEqual({ status: 'ok' });
      } finally {
        const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
        child.kill('SIGTERM');
        expect(await exited).toBe(0);
      }
    });

    it('refuses to start with an invalid configuration, naming every problem', async () => {
      const res = await runCli(['serve'], { PORT: 'x', STEWARD_LOG_LEVEL: 'loud' });
      expect(res.code).toBe(2);
      expect(res.stderr).toMatch(/PORT/);
      expect(res.stderr).toMatch(/STEWARD_LOG_LEVEL/);
    });
  });
});
