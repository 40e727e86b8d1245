import type { Command } from 'commander';
import { loadConfig } from '../config.ts';
import { openDatabase } from '../db/database.ts';
import { migrateToLatest } from '../db/migrate.ts';
import { startServer } from '../server.ts';

export function serverCommands(program: Command): void {
  program
    .command('serve')
    .description(
      'start the server, console and API (migrates the database first); configured by environment, see README',
    )
    .option(
      '--demo',
      'fill a new, empty instance with the demo organisation (users sign in with password steward-demo-2026)',
    )
    .action(async (o: { demo?: boolean }) => {
      const server = await startServer(loadConfig(), undefined, { demo: o.demo === true });
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
        const result = await migrateToLatest(database.db);
        const applied = (result.results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
        process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'database is up to date\n');
      } finally {
        await database.close();
      }
    });
}
