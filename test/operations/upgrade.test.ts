// Upgrades: every fixture database kept in test/fixtures/upgrade/ (made by an earlier release with
// tools/make-upgrade-fixture.ts) migrates to this release's head with its data and its audit trail
// intact, and this release then works on it.
import { createPrivateKey } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.ts';
import { tableCounts } from '../../src/db/backup.ts';
import type { DatabaseHandle } from '../../src/db/database.ts';
import { appliedMigrations, migrateToLatest, MIGRATION_NAMES } from '../../src/db/migrate.ts';
import { verifyDatabase } from '../../src/features/audit/audit-export.ts';
import { signerFor } from '../../src/features/audit/signing-key.ts';
import { createTestDatabase, DB_KINDS, skipReason, type TestDatabase } from '../helpers/db.ts';

const FIXTURES = fileURLToPath(new URL('../fixtures/upgrade/', import.meta.url));
const manifest = JSON.parse(readFileSync(join(FIXTURES, 'manifest.json'), 'utf8')) as Record<
  string,
  { migration: string; origin: string; sqlite?: Record<string, number>; postgres?: Record<string, number> }
>;
const signer = signerFor(
  createPrivateKey(readFileSync(join(FIXTURES, 'audit-signing-key.pem'))),
  'steward.fixture/audit',
);
const fixtures = Object.values(manifest);
/** The fixture administrator's API token (tools/make-upgrade-fixture.ts). */
const FIXTURE_TOKEN = `stw_fixture_${'0'.repeat(32)}`;

/** Loads a fixture into a fresh database of its engine. */
async function load(testDb: TestDatabase, migration: string): Promise<void> {
  if (testDb.config.kind === 'sqlite') {
    writeFileSync(testDb.config.file, gunzipSync(readFileSync(join(FIXTURES, `${migration}.sqlite.gz`))));
    return;
  }
  const client = new pg.Client({ connectionString: testDb.config.url });
  await client.connect();
  try {
    await client.query(gunzipSync(readFileSync(join(FIXTURES, `${migration}.pg.sql.gz`))).toString('utf8'));
  } finally {
    await client.end();
  }
}

const ownTables = (counts: Record<string, number>) =>
  Object.fromEntries(Object.entries(counts).filter(([t]) => !t.startsWith('kysely_')));

describe('upgrade fixtures', () => {
  it('include one made at a release before this one', () => {
    expect(fixtures.length).toBeGreaterThan(0);
    for (const f of fixtures) expect(MIGRATION_NAMES).toContain(f.migration);
  });
});

describe.each(DB_KINDS)('upgrading a database of an earlier release on %s', (kind) => {
  describe.skipIf(skipReason(kind) !== null)(skipReason(kind) ?? 'upgrade', () => {
    describe.each(fixtures.filter((f) => f[kind]))('made at $migration', (fixture) => {
      let testDb: TestDatabase;
      let handle: DatabaseHandle;
      afterAll(async () => {
        await handle?.close();
        await testDb?.drop();
      });

      it('migrates to head with every row and a verifying audit trail', async () => {
        testDb = await createTestDatabase(kind);
        await load(testDb, fixture.migration);
        handle = testDb.open();
        expect(await appliedMigrations(handle.db)).toEqual(
          MIGRATION_NAMES.slice(0, MIGRATION_NAMES.indexOf(fixture.migration) + 1),
        );
        const before = await verifyDatabase(handle.db, signer);
        expect(before.problems).toEqual([]);

        await migrateToLatest(handle.db);
        expect(await appliedMigrations(handle.db)).toEqual([...MIGRATION_NAMES]);
        // Every table the old release had keeps its rows (new tables may start filled or empty).
        const after = ownTables(await tableCounts(handle));
        for (const [table, rows] of Object.entries(ownTables(fixture[kind]!)))
          expect([table, after[table]]).toEqual([table, rows]);
        const report = await verifyDatabase(handle.db, signer);
        expect(report.problems).toEqual([]);
        expect(report.ok).toBe(true);
        expect(report.events).toBe(fixture[kind]!.audit_events);
      });

      it('serves the old data and appends to the same audit trail', async () => {
        const app = await buildApp({
          config: {
            bodyLimit: 1048576,
            logLevel: 'silent',
            session: { idleMs: 60_000, maxMs: 3_600_000, secureCookie: false },
          },
          database: handle,
          signer,
          logger: false,
          monitoring: { jobs: false },
          webhooks: { dispatch: false },
        });
        const as = { authorization: `Bearer ${FIXTURE_TOKEN}`, 'content-type': 'application/json' };
        try {
          const models = await app.inject({ method: 'GET', url: '/api/v1/models?limit=100', headers: as });
          expect(models.statusCode).toBe(200);
          expect(models.json().items.length).toBe(fixture[kind]!.models);
          const team = await app.inject({
            method: 'POST',
            url: '/api/v1/teams',
            headers: as,
            payload: JSON.stringify({ name: 'after-upgrade' }),
          });
          expect(team.statusCode).toBe(201);
        } finally {
          await app.close();
        }
        const report = await verifyDatabase(handle.db, signer);
        expect(report.problems).toEqual([]);
        expect(report.events).toBe(fixture[kind]!.audit_events! + 1);
      });
    });
  });
});
