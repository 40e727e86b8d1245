// Migrations are forward-only: a shipped one is never edited (its hash is recorded when a release's
// upgrade fixture is made), new ones sort after it, and a server refuses a database migrated by a
// newer release.
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateToLatest, MIGRATION_NAMES } from '../../src/db/migrate.ts';
import { runCli } from '../helpers/cli.ts';
import { createTestDatabase, DB_KINDS, skipReason, type TestDatabase } from '../helpers/db.ts';

const DIR = fileURLToPath(new URL('../../src/db/migrations/', import.meta.url));
const shipped = JSON.parse(
  readFileSync(fileURLToPath(new URL('../fixtures/upgrade/migrations.sha256.json', import.meta.url)), 'utf8'),
) as Record<string, string>;
const files = readdirSync(DIR)
  .filter((f) => f.endsWith('.ts'))
  .map((f) => f.slice(0, -3))
  .sort();

describe('migration files', () => {
  it('that shipped are unchanged, byte for byte', () => {
    expect(Object.keys(shipped).length).toBeGreaterThan(0);
    for (const [name, hash] of Object.entries(shipped)) {
      const actual = createHash('sha256')
        .update(readFileSync(join(DIR, `${name}.ts`)))
        .digest('hex');
      expect({ name, hash: actual }, `${name} shipped: add a new migration instead of editing it`).toEqual({
        name,
        hash,
      });
    }
  });

  it('added since sort after every shipped one, so they apply last', () => {
    const lastShipped = Object.keys(shipped).sort().at(-1)!;
    for (const name of files.filter((f) => !(f in shipped))) expect(name > lastShipped, name).toBe(true);
  });

  it('are all registered, in file-name order', () => {
    expect([...MIGRATION_NAMES]).toEqual(files);
  });
});

const work = mkdtempSync(join(tmpdir(), 'steward-newer-'));

describe.each(DB_KINDS)('a database migrated by a newer release on %s', (kind) => {
  describe.skipIf(skipReason(kind) !== null)(skipReason(kind) ?? 'newer', () => {
    let testDb: TestDatabase;
    let env: Record<string, string>;
    beforeAll(async () => {
      testDb = await createTestDatabase(kind);
      const handle = testDb.open();
      await migrateToLatest(handle.db);
      // What a later release's migration leaves behind.
      await sql`insert into kysely_migration (name, timestamp) values (${'9999_from_the_future'}, ${new Date().toISOString()})`.execute(
        handle.db,
      );
      await handle.close();
      const url = testDb.config.kind === 'postgres' ? testDb.config.url : `sqlite://${testDb.config.file}`;
      env = { STEWARD_DATABASE_URL: url, STEWARD_DATA_DIR: work, PORT: '0', HOST: '127.0.0.1' };
    });
    afterAll(async () => testDb.drop());

    it.each([['serve'], ['migrate']])('is refused by steward %s with one line and exit 2', async (command) => {
      const res = await runCli([command], env);
      expect(res.code).toBe(2);
      expect(res.stderr.trim().split('\n')).toEqual([
        expect.stringMatching(
          /^error: the database was migrated by a newer Steward \(migration 9999_from_the_future unknown to this release, whose latest is \d{4}_\w+\)/,
        ),
      ]);
      expect(res.stdout).not.toMatch(/listening/);
    });
  });
});
