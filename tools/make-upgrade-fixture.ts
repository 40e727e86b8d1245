// Writes the upgrade fixtures of test/fixtures/upgrade/: a database of each engine created by this
// release (migrated to its head, filled with the demo organisation through the API), plus a
// manifest of its table counts and the key that signed its audit trail. Run it once per release
// whose schema changed, and commit the output: test/platform/upgrade.test.ts migrates every
// fixture kept there to the head of the code under test.
//
//   npx tsx tools/make-upgrade-fixture.ts                  # both engines (PostgreSQL via STEWARD_TEST_PG_URL)
//   npx tsx tools/make-upgrade-fixture.ts --to 0010_role_grant_requests
import { execFileSync } from 'node:child_process';
import { createHash, createPrivateKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { buildApp } from '../src/app.ts';
import type { Config } from '../src/config.ts';
import { openDatabase } from '../src/db/database.ts';
import { createMigrator, MIGRATION_NAMES } from '../src/db/migrate.ts';
import { seedDemo } from '../src/demo/seed.ts';
import { signerFor } from '../src/features/audit/signing-key.ts';
import { tableCounts } from '../src/db/backup.ts';
import { VERSION } from '../src/version.ts';

const OUT = fileURLToPath(new URL('../test/fixtures/upgrade/', import.meta.url));
const TOKEN = `stw_fixture_${'0'.repeat(32)}`;

/** Fixtures are kept gzipped: the repository carries a few hundred KiB, not megabytes. */
const writeGzip = (file: string, data: string | Buffer) => writeFileSync(file, gzipSync(data, { level: 9 }));

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
}

async function fill(database: Config['database'], target: string, keyPem: string): Promise<Record<string, number>> {
  const handle = openDatabase(database);
  try {
    const res = await createMigrator(handle.db).migrateTo(target);
    if (res.error) throw res.error;
    const app = await buildApp({
      config: {
        bodyLimit: 1048576,
        logLevel: 'silent',
        session: { idleMs: 60_000, maxMs: 3_600_000, secureCookie: false },
      },
      database: handle,
      signer: signerFor(createPrivateKey(keyPem), 'steward.fixture/audit'),
      logger: false,
      webhooks: { dispatch: false },
      bootstrap: { token: TOKEN },
    });
    await seedDemo(app, { token: TOKEN });
    await app.close();
    return await tableCounts(handle);
  } finally {
    await handle.close();
  }
}

const migrations = MIGRATION_NAMES;
const target = arg('--to') ?? migrations.at(-1)!;
if (!migrations.includes(target)) throw new Error(`unknown migration ${target}; known: ${migrations.join(', ')}`);
mkdirSync(OUT, { recursive: true });
const keyFile = join(OUT, 'audit-signing-key.pem');
if (!existsSync(keyFile))
  writeFileSync(keyFile, generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }));
const keyPem = readFileSync(keyFile, 'utf8');
const manifestFile = join(OUT, 'manifest.json');
const manifest = existsSync(manifestFile)
  ? (JSON.parse(readFileSync(manifestFile, 'utf8')) as Record<string, unknown>)
  : {};
const entry: Record<string, unknown> = { release: VERSION, migration: target, origin: 'steward.fixture/audit' };

// SQLite: filled in a scratch file, then copied compact and WAL-free into the fixture.
const dir = mkdtempSync(join(tmpdir(), 'steward-fixture-'));
try {
  entry.sqlite = await fill({ kind: 'sqlite', file: join(dir, 'steward.db') }, target, keyPem);
  const compact = join(dir, 'compact.db');
  const db = new SQLite(join(dir, 'steward.db'));
  db.prepare('VACUUM INTO ?').run(compact);
  db.close();
  writeGzip(join(OUT, `${target}.sqlite.gz`), readFileSync(compact));
} finally {
  rmSync(dir, { recursive: true, force: true });
}

// PostgreSQL: filled in a scratch database, then dumped as plain SQL (psql restores it).
const pgUrl = process.env.STEWARD_TEST_PG_URL;
if (pgUrl) {
  const name = `steward_fixture_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: pgUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(pgUrl);
  url.pathname = `/${name}`;
  try {
    entry.postgres = await fill({ kind: 'postgres', url: url.toString() }, target, keyPem);
    // INSERTs rather than COPY, and no psql meta-commands (\\restrict): any SQL client loads it.
    const dump = execFileSync(
      'pg_dump',
      ['--no-owner', '--no-privileges', '--inserts', '--schema=public', url.toString()],
      { maxBuffer: 256 * 1024 * 1024, encoding: 'utf8' },
    );
    writeGzip(
      join(OUT, `${target}.pg.sql.gz`),
      dump
        .split('\n')
        // The target database has its public schema already.
        .filter((l) => !l.startsWith('\\') && !/^(CREATE|COMMENT ON) SCHEMA public\b/.test(l))
        .join('\n'),
    );
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
} else process.stderr.write('STEWARD_TEST_PG_URL is not set: no PostgreSQL fixture written\n');

// The migrations this release shipped, by content: test/platform/migrations.test.ts refuses an edit.
const hashFile = join(OUT, 'migrations.sha256.json');
const hashes = existsSync(hashFile) ? (JSON.parse(readFileSync(hashFile, 'utf8')) as Record<string, string>) : {};
const migrationsDir = fileURLToPath(new URL('../src/db/migrations/', import.meta.url));
for (const name of migrations.slice(0, migrations.indexOf(target) + 1)) {
  const hash = createHash('sha256')
    .update(readFileSync(join(migrationsDir, `${name}.ts`)))
    .digest('hex');
  if (hashes[name] && hashes[name] !== hash)
    throw new Error(`shipped migration ${name} was edited: add a new migration instead (migrations are forward-only)`);
  hashes[name] = hash;
}
writeFileSync(hashFile, `${JSON.stringify(hashes, null, 2)}\n`);

manifest[target] = entry;
writeFileSync(manifestFile, `${JSON.stringify(manifest, null, 2)}\n`);
process.stdout.write(`fixtures of ${target} written to ${OUT}\n`);
