// Backup and restore with the real CLI: a backup taken while the server writes restores to a
// database whose audit trail verifies, and one taken at rest restores every row.
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tableCounts } from '../../src/db/backup.ts';
import { ADMIN_TOKEN, digest, useCaseBody } from '../helpers/app.ts';
import { runCli } from '../helpers/cli.ts';
import { createTestDatabase, DB_KINDS, skipReason, type TestDatabase } from '../helpers/db.ts';
import { httpClient, startServerProcess, type ServerProcess } from '../helpers/server-process.ts';

const envOf = (db: TestDatabase, dataDir: string): Record<string, string> => ({
  STEWARD_DATABASE_URL: db.config.kind === 'postgres' ? db.config.url : `sqlite://${db.config.file}`,
  STEWARD_DATA_DIR: dataDir,
  // One key for the source and every restored copy: the audit trail is verified with it.
  STEWARD_AUDIT_KEY_FILE: join(dataDir, '..', 'audit-signing-key.pem'),
});

async function countsOf(db: TestDatabase): Promise<Record<string, number>> {
  const handle = db.open();
  try {
    return await tableCounts(handle);
  } finally {
    await handle.close();
  }
}

describe.each(DB_KINDS)('steward backup and restore on %s', (kind) => {
  describe.skipIf(skipReason(kind) !== null)(skipReason(kind) ?? 'backup', () => {
    const work = mkdtempSync(join(tmpdir(), 'steward-backup-'));
    const dbs: TestDatabase[] = [];
    let source: TestDatabase;
    let env: Record<string, string>;
    let server: ServerProcess | undefined;
    const fresh = async () => {
      const db = await createTestDatabase(kind);
      dbs.push(db);
      return db;
    };
    beforeAll(async () => {
      source = await fresh();
      env = envOf(source, join(work, 'source'));
      server = await startServerProcess({ ...env, STEWARD_BOOTSTRAP_TOKEN: ADMIN_TOKEN });
      const api = httpClient(server.url, ADMIN_TOKEN);
      expect((await api('POST', '/api/v1/teams', { name: 'credit-risk' })).status).toBe(201);
      const uc = await api('POST', '/api/v1/use-cases', useCaseBody('backed-up'));
      expect(uc.status).toBe(201);
      expect((await api('POST', '/api/v1/models', { name: 'scorecard', useCaseId: uc.body.id })).status).toBe(201);
    });
    afterAll(async () => {
      await server?.stop();
      for (const db of dbs) await db.drop();
    });

    it('takes a consistent backup while the server writes, which restores and verifies', async () => {
      const api = httpClient(server!.url, ADMIN_TOKEN);
      let writing = true;
      let created = 0;
      const writer = (async () => {
        while (writing) {
          const res = await api('POST', '/api/v1/models/scorecard/versions', {
            artifactUri: `s3://m/${created}`,
            artifactDigest: digest(created),
          });
          expect(res.status).toBe(201);
          created++;
        }
      })();
      while (created < 5) await new Promise((r) => setTimeout(r, 20));
      const out = join(work, 'live.backup');
      const backup = await runCli(['backup', '--out', out], env, 60_000);
      const during = created;
      writing = false;
      await writer;
      expect(backup.stderr).toBe('');
      expect(backup.code).toBe(0);
      expect(backup.stdout).toMatch(/^backup written to .*live\.backup \(\d+ bytes\)\n$/);

      const target = await fresh();
      const targetEnv = envOf(target, join(work, 'live-target'));
      const restored = await runCli(['restore', out], targetEnv, 60_000);
      expect(restored.stderr).toBe('');
      expect(restored.code).toBe(0);
      expect(restored.stdout).toMatch(/restored \d+ rows \(\d+ audit events\)/);
      const verify = await runCli(['audit', 'verify'], targetEnv);
      expect(verify.code).toBe(0);
      // A snapshot: every version that was acknowledged before the backup began, none half-written.
      const counts = await countsOf(target);
      expect(counts.model_versions).toBeGreaterThanOrEqual(5);
      expect(counts.model_versions).toBeLessThanOrEqual(during + 1);
    });

    it('restores every row of a backup taken at rest, and the trail verifies', async () => {
      expect(await server!.stop()).toBe(0);
      server = undefined;
      const out = join(work, 'rest.backup');
      expect((await runCli(['backup', '--out', out], env, 60_000)).code).toBe(0);
      const target = await fresh();
      const targetEnv = envOf(target, join(work, 'rest-target'));
      const restored = await runCli(['restore', out], targetEnv, 60_000);
      expect(restored.code).toBe(0);
      expect(await countsOf(target)).toEqual(await countsOf(source));
      const verify = await runCli(['audit', 'verify'], targetEnv);
      expect(verify.stdout).toMatch(/intact|ok/i);
      expect(verify.code).toBe(0);
      // Restoring again over data needs --replace, and then gives the same rows.
      const again = await runCli(['restore', out], targetEnv, 60_000);
      expect(again.code).toBe(2);
      expect(again.stderr).toMatch(/already holds data: pass --replace/);
      expect((await runCli(['restore', out, '--replace'], targetEnv, 60_000)).code).toBe(0);
      expect(await countsOf(target)).toEqual(await countsOf(source));
    });

    it('refuses bad requests in one line with exit 2, touching nothing', async () => {
      const exists = join(work, 'exists.backup');
      writeFileSync(exists, 'x');
      const taken = await runCli(['backup', '--out', exists], env);
      expect([taken.code, taken.stderr]).toEqual([2, expect.stringMatching(/already exists/)]);
      const target = await fresh();
      const targetEnv = envOf(target, join(work, 'bad-target'));
      const missing = await runCli(['restore', join(work, 'nope.backup')], targetEnv);
      expect([missing.code, missing.stderr]).toEqual([2, expect.stringMatching(/no backup file at/)]);
      const junk = await runCli(['restore', exists], targetEnv);
      expect([junk.code, junk.stderr]).toEqual([2, expect.stringMatching(/neither a SQLite database nor a pg_dump/)]);
      const other = join(work, 'other-engine.backup');
      writeFileSync(other, kind === 'sqlite' ? 'PGDMP-not-really' : 'SQLite format 3\u0000 and more bytes');
      const wrong = await runCli(['restore', other], targetEnv);
      expect([wrong.code, wrong.stderr]).toEqual([
        2,
        expect.stringMatching(
          new RegExp(
            `is a ${kind === 'sqlite' ? 'postgres' : 'sqlite'} backup, but the configured database is ${kind}`,
          ),
        ),
      ]);
      expect(Object.values(await countsOf(target)).reduce((a, b) => a + b, 0)).toBe(0);
    });

    it.runIf(kind === 'sqlite')('refuses to restore over a SQLite database a server is using', async () => {
      const running = await startServerProcess(env);
      try {
        const res = await runCli(['restore', join(work, 'rest.backup'), '--replace'], env);
        expect(res.code).toBe(2);
        expect(res.stderr).toMatch(/is in use by another Steward process \(pid \d+/);
        expect(res.stderr).toMatch(/restore with the server stopped/);
      } finally {
        await running.stop();
      }
      expect(existsSync(`${(source.config as { file: string }).file}.lock`)).toBe(false);
    });
  });
});
