import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { Config } from '../../src/config.ts';
import { openDatabase, type DatabaseHandle } from '../../src/db/database.ts';

export type DbKind = 'sqlite' | 'postgres';

export const PG_URL = process.env.STEWARD_TEST_PG_URL;

/** Every database the storage tests run on; PostgreSQL only when STEWARD_TEST_PG_URL is set. */
export const DB_KINDS: DbKind[] = ['sqlite', 'postgres'];
export const skipReason = (kind: DbKind): string | null =>
  kind === 'postgres' && !PG_URL
    ? 'PostgreSQL tests skipped: set STEWARD_TEST_PG_URL=postgres://... to run them'
    : null;

export interface TestDatabase {
  kind: DbKind;
  config: Config['database'];
  open(): DatabaseHandle;
  drop(): Promise<void>;
}

/** A fresh, empty database for one test file: a temp SQLite file, or a new PostgreSQL database. */
export async function createTestDatabase(kind: DbKind): Promise<TestDatabase> {
  if (kind === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'steward-test-'));
    const config = { kind: 'sqlite' as const, file: join(dir, 'steward.db') };
    return {
      kind,
      config,
      open: () => openDatabase(config),
      drop: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  if (!PG_URL) throw new Error('STEWARD_TEST_PG_URL is not set');
  const name = `steward_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(PG_URL);
  url.pathname = `/${name}`;
  const config = { kind: 'postgres' as const, url: url.toString() };
  return {
    kind,
    config,
    open: () => openDatabase(config),
    drop: async () => {
      const c = new pg.Client({ connectionString: PG_URL });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}
