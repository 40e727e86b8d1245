// Replicas share one count of failed sign-ins: two app instances (as two replicas would) on one
// PostgreSQL database allow the guesses of one, not twice as many, and lock the account for both.
import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.ts';
import type { DatabaseHandle } from '../../src/db/database.ts';
import { migrateToLatest } from '../../src/db/migrate.ts';
import { signerFor } from '../../src/features/audit/signing-key.ts';
import type { App } from '../../src/http/app-types.ts';
import { ADMIN_TOKEN, call, TEST_SESSION } from '../helpers/app.ts';
import { createTestDatabase, skipReason, type TestDatabase } from '../helpers/db.ts';

const LIMITS = {
  perAddress: { limit: 6, windowMs: 15 * 60_000 },
  perAccount: { limit: 3, windowMs: 15 * 60_000 },
  accountLock: { baseMs: 60_000, maxMs: 8 * 60_000 },
  cleanAddressDelayMs: 5_000,
  forbiddenPerUser: { limit: 1000, windowMs: 60_000 },
  forbiddenPerAddress: { limit: 1000, windowMs: 60_000 },
};

describe.skipIf(skipReason('postgres') !== null)(
  skipReason('postgres') ?? 'sign-in limits shared by replicas on PostgreSQL',
  () => {
    let testDb: TestDatabase;
    const handles: DatabaseHandle[] = [];
    const apps: App[] = [];
    beforeAll(async () => {
      testDb = await createTestDatabase('postgres');
      const signer = signerFor(generateKeyPairSync('ed25519').privateKey, 'steward.test/audit');
      for (let i = 0; i < 2; i++) {
        const database = testDb.open();
        handles.push(database);
        if (i === 0) await migrateToLatest(database.db);
        const app = await buildApp({
          config: { bodyLimit: 1048576, logLevel: 'silent', session: TEST_SESSION },
          database,
          signer,
          logger: false,
          authLimits: LIMITS,
          monitoring: { jobs: false },
          webhooks: { dispatch: false },
          bootstrap: { token: ADMIN_TOKEN },
        });
        await app.ready();
        apps.push(app);
      }
      await call(apps[0]!, { method: 'POST', url: '/api/v1/teams', body: { name: 'alpha' }, token: ADMIN_TOKEN });
      for (const u of ['lou', 'max', 'ned']) {
        const res = await call(apps[0]!, {
          method: 'POST',
          url: '/api/v1/users',
          token: ADMIN_TOKEN,
          body: { username: u, displayName: u, password: `${u}-correct-horse-battery` },
        });
        expect(res.status).toBe(201);
      }
    });
    afterAll(async () => {
      for (const app of apps) await app.close();
      for (const h of handles) await h.close();
      await testDb?.drop();
    });

    const login = async (app: App, username: string, password: string, from = '10.0.0.1') => {
      const res = await app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        remoteAddress: from,
        headers: { 'content-type': 'application/json' },
        payload: JSON.stringify({ username, password }),
      });
      return res.statusCode;
    };

    it('counts guesses through either replica against one account limit', async () => {
      expect(await login(apps[0]!, 'lou', 'guess-1')).toBe(401);
      expect(await login(apps[1]!, 'lou', 'guess-2')).toBe(401);
      expect(await login(apps[0]!, 'lou', 'guess-3')).toBe(401);
      // Locked on both, even with the right password from the guessing address.
      expect(await login(apps[1]!, 'lou', 'lou-correct-horse-battery')).toBe(429);
      expect(await login(apps[0]!, 'lou', 'lou-correct-horse-battery')).toBe(429);
    });

    it('lets parallel guesses spread over both replicas pass no further than the limit', async () => {
      const results = await Promise.all(
        Array.from({ length: 12 }, (_, i) => login(apps[i % 2]!, 'max', `parallel-${i}`, '10.0.0.2')),
      );
      expect(results.filter((s) => s === 401)).toHaveLength(3);
      expect(results.filter((s) => s === 429)).toHaveLength(9);
    });

    it('locks out an address that guesses across accounts on both replicas', async () => {
      const from = '10.0.0.3';
      const statuses = [];
      for (let i = 0; i < 7; i++)
        statuses.push(await login(apps[i % 2]!, i % 2 ? 'ned' : 'nobody', `spray-${i}`, from));
      expect(statuses.slice(0, 6).every((s) => s === 401)).toBe(true);
      expect(statuses[6]).toBe(429);
      // Refused attempts store nothing: a spray of made-up names from a locked address adds no rows.
      for (let i = 0; i < 5; i++) expect(await login(apps[i % 2]!, `made-up-${i}`, 'x', from)).toBe(429);
      const rows = await handles[0]!.db.selectFrom('sign_in_limits').select('key').execute();
      expect(rows.map((r) => r.key).filter((k) => k.startsWith('acct:made-up-'))).toEqual([]);
      expect(rows.map((r) => r.key)).toEqual(expect.arrayContaining(['acct:lou', 'acct:max', `addr:${from}`]));
      // ned's three failures locked him too; his owner still gets in from a clean address.
      expect(await login(apps[1]!, 'ned', 'ned-correct-horse-battery', '10.0.0.4')).toBe(200);
    });
  },
);
