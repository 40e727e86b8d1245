import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { SQLITE_PRAGMAS } from '../../src/db/database.ts';

/** Raw better-sqlite3: one INSERT per transaction, with Steward's own pragmas (WAL, synchronous=FULL). */
export function rawSingleRowTransactions(seconds: number): { tps: number; count: number } {
  const dir = mkdtempSync(join(tmpdir(), 'steward-raw-'));
  const db = new SQLite(join(dir, 'raw.db'));
  for (const p of SQLITE_PRAGMAS) db.pragma(p);
  db.exec('create table t (id text primary key, body text not null)');
  const insert = db.prepare('insert into t (id, body) values (?, ?)');
  const txn = db.transaction((id: string) => insert.run(id, '{"artifactUri":"s3://m","metrics":{"auc":0.9}}'));
  const end = performance.now() + seconds * 1000;
  const start = performance.now();
  let count = 0;
  while (performance.now() < end) txn(`row-${count++}`);
  const elapsed = (performance.now() - start) / 1000;
  db.close();
  rmSync(dir, { recursive: true, force: true });
  return { tps: count / elapsed, count };
}
