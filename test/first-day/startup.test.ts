import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.ts';
import type { DatabaseHandle } from '../../src/db/database.ts';
import { migrateToLatest } from '../../src/db/migrate.ts';
import { loadOrCreateSigner } from '../../src/features/audit/signing-key.ts';
import type { App } from '../../src/http/app-types.ts';
import { ADMIN_TOKEN, call, TEST_SESSION } from '../helpers/app.ts';
import { runCli } from '../helpers/cli.ts';
import { createTestDatabase, DB_KINDS, PG_URL, skipReason, type TestDatabase } from '../helpers/db.ts';

const oneLine = (stderr: string) => {
  expect(stderr.trim().split('\n')).toHaveLength(1);
  expect(stderr).not.toMatch(/\n\s+at /);
};

const databaseUrl = (db: TestDatabase) =>
  db.config.kind === 'postgres' ? db.config.url : `sqlite://${db.config.file}`;

async function userCount(database: DatabaseHandle): Promise<number> {
  await migrateToLatest(database.db);
  const row = await database.db
    .selectFrom('users')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

describe.each(DB_KINDS)('start-up and offline recovery on %s', (kind) => {
  describe.skipIf(skipReason(kind) !== null)(skipReason(kind) ?? 'cli', () => {
    let testDb: TestDatabase;
    let dataDir: string;
    let env: Record<string, string>;

    beforeAll(async () => {
      testDb = await createTestDatabase(kind);
      dataDir = mkdtempSync(join(tmpdir(), 'steward-startup-'));
      env = { STEWARD_DATA_DIR: dataDir, STEWARD_DATABASE_URL: databaseUrl(testDb), STEWARD_LOG_LEVEL: 'silent' };
    });
    afterAll(async () => testDb?.drop());

    it('a taken port exits 2 with one line and creates no administrator', async () => {
      const taken: Server = createServer();
      await new Promise<void>((r) => taken.listen(0, '127.0.0.1', () => r()));
      const port = (taken.address() as AddressInfo).port;
      try {
        const res = await runCli(['serve'], { ...env, PORT: String(port), HOST: '127.0.0.1' });
        expect(res.code).toBe(2);
        oneLine(res.stderr);
        expect(res.stderr).toMatch(new RegExp(`port ${port} on 127.0.0.1 is already in use`));
        expect(res.stderr + res.stdout).not.toMatch(/one-time password/i);
      } finally {
        await new Promise<void>((r) => taken.close(() => r()));
      }
      const database = testDb.open();
      try {
        expect(await userCount(database)).toBe(0);
      } finally {
        await database.close();
      }
    });

    describe('steward admin reset-password', () => {
      let database: DatabaseHandle;
      let app: App;
      let operator: string;

      beforeAll(async () => {
        database = testDb.open();
        await migrateToLatest(database.db);
        // The server's own signing key, in its data directory, as `serve` creates it.
        const signer = loadOrCreateSigner(join(dataDir, 'audit-signing-key.pem'));
        app = await buildApp({
          config: { bodyLimit: 1048576, logLevel: 'silent', session: TEST_SESSION },
          database,
          signer,
          logger: false,
          bootstrap: { token: ADMIN_TOKEN },
        });
        await app.ready();
        // A second administrator, to read the audit trail once admin's token is revoked.
        const created = await call(app, {
          method: 'POST',
          url: '/api/v1/users',
          token: ADMIN_TOKEN,
          body: {
            username: 'operator',
            displayName: 'Operator',
            password: 'operator-correct-horse-battery',
            roles: [{ scope: '*', role: 'admin' }],
          },
        });
        expect(created.status, created.text).toBe(201);
        const issued = await call(app, {
          method: 'POST',
          url: '/api/v1/tokens',
          token: ADMIN_TOKEN,
          body: { name: 'operator', username: 'operator' },
        });
        expect(issued.status, issued.text).toBe(201);
        operator = issued.body.token;
      });
      afterAll(async () => {
        await app?.close();
        await database?.close();
      });

      it('prints a new one-time password for a locked-out admin, revokes the old credentials, audited', async () => {
        const res = await runCli(['admin', 'reset-password', 'admin', '--json'], env);
        expect(res.code, res.stderr).toBe(0);
        const out = JSON.parse(res.stdout);
        expect(out).toMatchObject({ username: 'admin', passwordChangeRequired: true });
        expect(out.oneTimePassword).toMatch(/^\S{16,}$/);

        const login = await call(app, {
          method: 'POST',
          url: '/api/v1/auth/login',
          token: null,
          body: { username: 'admin', password: out.oneTimePassword },
        });
        expect(login.status, login.text).toBe(200);
        expect(login.body.passwordChangeRequired).toBe(true);
        // Checked against the database: the running test app caches tokens (SQLite) like a server would.
        const token = await database.db
          .selectFrom('api_tokens')
          .select('revoked_at')
          .where('name', '=', 'bootstrap')
          .executeTakeFirstOrThrow();
        expect(token.revoked_at).not.toBeNull();

        const events = await call(app, {
          method: 'GET',
          url: '/api/v1/audit/events?action=user.password-reset',
          token: operator,
        });
        expect(events.body.items).toHaveLength(1);
        expect(events.body.items[0]).toMatchObject({
          source: expect.stringContaining('steward admin reset-password'),
          reason: expect.stringContaining('offline'),
        });
        const verified = await call(app, { method: 'POST', url: '/api/v1/audit/verification', token: operator });
        expect(verified.body).toMatchObject({ ok: true, problems: [] });
      });

      it('refuses an unknown user, or a machine without the audit key, in one line (exit 2)', async () => {
        const unknown = await runCli(['admin', 'reset-password', 'nobody'], env);
        expect(unknown.code).toBe(2);
        oneLine(unknown.stderr);
        expect(unknown.stderr).toMatch(/user 'nobody' does not exist/);
        const elsewhere = mkdtempSync(join(tmpdir(), 'steward-nokey-'));
        const noKey = await runCli(['admin', 'reset-password', 'admin'], { ...env, STEWARD_DATA_DIR: elsewhere });
        expect(noKey.code).toBe(2);
        oneLine(noKey.stderr);
        expect(noKey.stderr).toMatch(/no audit signing key/);
      });
    });
  });
});

describe.skipIf(!PG_URL)('a PostgreSQL database that does not exist', () => {
  it('exits 2 with one line naming the database and the createdb command', async () => {
    const url = new URL(PG_URL ?? 'postgres://x@127.0.0.1/x');
    const name = `steward_missing_${randomBytes(4).toString('hex')}`;
    url.pathname = `/${name}`;
    for (const command of ['serve', 'migrate']) {
      const res = await runCli([command], { STEWARD_DATABASE_URL: url.toString(), PORT: '0' });
      expect(res.code, res.stderr).toBe(2);
      oneLine(res.stderr);
      expect(res.stderr).toContain(`"${name}" does not exist`);
      expect(res.stderr).toMatch(new RegExp(`createdb .*${name}`));
    }
  });
});
