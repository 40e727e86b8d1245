import type { Command } from 'commander';
import { loadConfig } from '../config.ts';
import { openDatabase } from '../db/database.ts';
import { migrateToLatest } from '../db/migrate.ts';
import { unusableDatabase } from '../db/errors.ts';
import { StartupError, startServer } from '../server.ts';
import { UsageError } from './client.ts';

/** Start-up failures the operator fixes are one line and exit 2 (see EXIT in index.ts), not a stack trace. */
const operatorProblem = (err: unknown): unknown => (err instanceof StartupError ? new UsageError(err.message) : err);

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
      const database = openDatabase(config.database);
      try {
        const result = await migrateToLatest(database.db).catch((err: unknown) => {
          const unusable = unusableDatabase(err, config.database);
          throw unusable ? new UsageError(unusable) : err;
        });
        const applied = (result.results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
        process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'database is up to date\n');
      } finally {
        await database.close();
      }
    });
}
