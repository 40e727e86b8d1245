// Backup and restore of a whole Steward database (docs/operations.md). SQLite uses its online
// backup API, so a backup taken while the server writes is a consistent snapshot; PostgreSQL is
// dumped and restored by pg_dump and pg_restore, which must be on PATH.
import { spawn } from 'node:child_process';
import { existsSync, openSync, readSync, closeSync, renameSync, rmSync, statSync } from 'node:fs';
import SQLite from 'better-sqlite3';
import { sql } from 'kysely';
import type { Config } from '../config.ts';
import type { DatabaseHandle } from './database.ts';
import { lockedMessage, lockOwner } from './process-lock.ts';

export class BackupError extends Error {
  override name = 'BackupError';
}

/** Rows per table of Steward's own schema (not the job queue's), by table name. */
export async function tableCounts(handle: DatabaseHandle): Promise<Record<string, number>> {
  const names =
    handle.dialect === 'sqlite'
      ? (
          await sql<{
            name: string;
          }>`select name from sqlite_master where type = 'table' and name not like 'sqlite_%'`.execute(handle.db)
        ).rows.map((r) => r.name)
      : (
          await sql<{ name: string }>`select table_name as name from information_schema.tables
            where table_schema = 'public' and table_type = 'BASE TABLE'`.execute(handle.db)
        ).rows.map((r) => r.name);
  const counts: Record<string, number> = {};
  for (const name of names.sort()) {
    const r = await sql<{ n: number }>`select count(*) as n from ${sql.table(name)}`.execute(handle.db);
    counts[name] = Number(r.rows[0]!.n);
  }
  return counts;
}

/** Runs a PostgreSQL client program; a missing one is said plainly. */
function run(program: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', (err: NodeJS.ErrnoException) =>
      reject(
        err.code === 'ENOENT'
          ? new BackupError(
              `${program} is not on PATH: install the PostgreSQL client programs (same major version as the server) or follow the manual procedure in docs/operations.md`,
            )
          : err,
      ),
    );
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new BackupError(`${program} failed (exit ${code}): ${stderr.trim()}`)),
    );
  });
}

/** The first bytes of a file: what kind of backup it is. */
function backupKind(file: string): 'sqlite' | 'postgres' | null {
  const fd = openSync(file, 'r');
  try {
    const head = Buffer.alloc(16);
    const n = readSync(fd, head, 0, 16, 0);
    if (n >= 16 && head.toString('latin1') === 'SQLite format 3\u0000') return 'sqlite';
    if (n >= 5 && head.subarray(0, 5).toString('latin1') === 'PGDMP') return 'postgres';
    return null;
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes a backup of the configured database to `out` (which must not exist). SQLite: the online
 * backup API over a read-only connection, safe while the server serves. PostgreSQL: pg_dump's
 * custom format.
 */
export async function backupDatabase(database: Config['database'], out: string): Promise<void> {
  if (existsSync(out)) throw new BackupError(`${out} already exists: choose a new file name`);
  if (database.kind === 'postgres') {
    await run('pg_dump', ['--format=custom', '--no-owner', '--no-privileges', `--file=${out}`, database.url]);
    return;
  }
  if (database.file === ':memory:') throw new BackupError('an in-memory database cannot be backed up');
  if (!existsSync(database.file)) throw new BackupError(`no SQLite database at ${database.file}`);
  const source = new SQLite(database.file, { readonly: true, fileMustExist: true });
  try {
    source.pragma('busy_timeout = 5000');
    await source.backup(out);
  } catch (err) {
    rmSync(out, { force: true });
    throw err;
  } finally {
    source.close();
  }
  // The copy is a self-contained file: no write-ahead log beside it.
  const copy = new SQLite(out);
  copy.pragma('journal_mode = DELETE');
  copy.close();
}

/**
 * Replaces the configured database with the backup in `file`. Refuses a backup of the other engine,
 * a SQLite database a server is using, and (unless `replace`) a database that already holds data.
 */
export async function restoreDatabase(
  database: Config['database'],
  file: string,
  opts: { replace: boolean; isEmpty: () => Promise<boolean> },
): Promise<void> {
  if (!existsSync(file) || !statSync(file).isFile()) throw new BackupError(`no backup file at ${file}`);
  const kind = backupKind(file);
  if (kind === null) throw new BackupError(`${file} is neither a SQLite database nor a pg_dump custom-format archive`);
  if (kind !== database.kind)
    throw new BackupError(`${file} is a ${kind} backup, but the configured database is ${database.kind}`);
  if (database.kind === 'sqlite') {
    const owner = lockOwner(database.file);
    if (owner) throw new BackupError(`${lockedMessage(database.file, owner)}; restore with the server stopped`);
  }
  if (!opts.replace && !(await opts.isEmpty()))
    throw new BackupError('the configured database already holds data: pass --replace to overwrite it');
  if (database.kind === 'postgres') {
    await run('pg_restore', [
      '--clean',
      '--if-exists',
      '--no-owner',
      '--no-privileges',
      '--single-transaction',
      '--exit-on-error',
      `--dbname=${database.url}`,
      file,
    ]);
    return;
  }
  if (database.file === ':memory:') throw new BackupError('an in-memory database cannot be restored into');
  const check = new SQLite(file, { readonly: true, fileMustExist: true });
  try {
    const ok = check.pragma('quick_check', { simple: true });
    if (ok !== 'ok') throw new BackupError(`${file} is damaged: ${String(ok)}`);
    const t = check.prepare(`select 1 from sqlite_master where name = 'kysely_migration'`).get();
    if (!t) throw new BackupError(`${file} is a SQLite database but not a Steward backup (no migrations table)`);
  } finally {
    check.close();
  }
  // Copied beside the target first, then renamed over it: a failed restore leaves the old database.
  const temp = `${database.file}.restoring`;
  rmSync(temp, { force: true });
  const source = new SQLite(file, { readonly: true });
  try {
    await source.backup(temp);
  } finally {
    source.close();
  }
  for (const suffix of ['-wal', '-shm']) rmSync(`${database.file}${suffix}`, { force: true });
  renameSync(temp, database.file);
}
