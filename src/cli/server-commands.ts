import { existsSync, statSync } from 'node:fs';
import type { Command } from 'commander';
import { loadConfig } from '../config.ts';
import { openDatabase } from '../db/database.ts';
import { migrateToLatest, NewerDatabaseError } from '../db/migrate.ts';
import { unusableDatabase } from '../db/errors.ts';
import { lockedMessage, lockOwner } from '../db/process-lock.ts';
import { backupDatabase, BackupError, restoreDatabase, tableCounts } from '../db/backup.ts';
import { StartupError, startServer } from '../server.ts';
import { UsageError } from './client.ts';

/** Start-up failures the operator fixes are one line and exit 2 (see EXIT in index.ts), not a stack trace. */
const operatorProblem = (err: unknown): unknown =>
  err instanceof StartupError || err instanceof BackupError ? new UsageError(err.message) : err;

/** Rows in Steward's tables (the migration bookkeeping aside), with the audit events among them. */
async function summary(config: ReturnType<typeof loadConfig>): Promise<{ rows: number; audit: number }> {
  const database = openDatabase(config.database);
  try {
    const counts = await tableCounts(database);
    const rows = Object.entries(counts)
      .filter(([t]) => !t.startsWith('kysely_'))
      .reduce((n, [, c]) => n + c, 0);
    return { rows, audit: counts.audit_events ?? 0 };
  } finally {
    await database.close();
  }
}

export function serverCommands(program: Command): void {
  program
    .command('serve')
    .description(
      'start the server, console and API (migrates the database first); configured by environment, see README. Exits 2 with one line when the port is taken or the database is missing',
    )
    .option(
      '--demo',
      'fill a new, empty instance with the demo organisation (users sign in with password steward-demo-2026)',
    )
    .action(async (o: { demo?: boolean }) => {
      const server = await startServer(loadConfig(), undefined, { demo: o.demo === true }).catch((err: unknown) => {
        throw operatorProblem(err);
      });
      let closing = false;
      const stop = async (signal: string) => {
        if (closing) return;
        closing = true;
        server.app.log.info(`${signal} received, shutting down`);
        await server.close();
      };
      process.once('SIGINT', () => void stop('SIGINT'));
      process.once('SIGTERM', () => void stop('SIGTERM'));
    });

  program
    .command('migrate')
    .description('apply pending database migrations and exit')
    .action(async () => {
      const config = loadConfig();
      // A server on the same SQLite file would keep serving from caches of the old schema.
      const owner =
        config.database.kind === 'sqlite' && config.database.file !== ':memory:'
          ? lockOwner(config.database.file)
          : null;
      if (owner && config.database.kind === 'sqlite')
        throw new UsageError(`${lockedMessage(config.database.file, owner)}; migrate with the server stopped`);
      const database = openDatabase(config.database);
      try {
        const result = await migrateToLatest(database.db).catch((err: unknown) => {
          if (err instanceof NewerDatabaseError) throw new UsageError(err.message);
          const unusable = unusableDatabase(err, config.database);
          throw unusable ? new UsageError(unusable) : err;
        });
        const applied = (result.results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
        process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'database is up to date\n');
      } finally {
        await database.close();
      }
    });

  program
    .command('backup')
    .description(
      'write a consistent backup of the database to a new file while the server runs (SQLite: online backup; PostgreSQL: pg_dump, which must be on PATH)',
    )
    .requiredOption('--out <file>', 'file to create (must not exist)')
    .action(async (o: { out: string }) => {
      const config = loadConfig();
      await backupDatabase(config.database, o.out).catch((err: unknown) => {
        throw operatorProblem(err);
      });
      process.stdout.write(`backup written to ${o.out} (${statSync(o.out).size} bytes)\n`);
    });

  program
    .command('restore')
    .description(
      'replace the database with a backup made by steward backup (stop the server first; PostgreSQL: pg_restore, which must be on PATH), then run steward audit verify',
    )
    .argument('<file>', 'the backup file')
    .option('--replace', 'overwrite a database that already holds data')
    .action(async (file: string, o: { replace?: boolean }) => {
      const config = loadConfig();
      await restoreDatabase(config.database, file, {
        replace: o.replace === true,
        isEmpty: async () => {
          if (config.database.kind === 'sqlite' && !existsSync(config.database.file)) return true;
          return (await summary(config)).rows === 0;
        },
      }).catch((err: unknown) => {
        throw operatorProblem(
          unusableDatabase(err, config.database) ? new StartupError(unusableDatabase(err, config.database)!) : err,
        );
      });
      const s = await summary(config);
      process.stdout.write(
        `restored ${s.rows} rows (${s.audit} audit events) from ${file}\ncheck the audit trail with: steward audit verify\n`,
      );
    });
}
