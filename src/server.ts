import type { Config } from './config.ts';
import { buildApp } from './app.ts';
import { openDatabase } from './db/database.ts';
import { migrateToLatest } from './db/migrate.ts';
import type { App } from './http/app-types.ts';

export interface RunningServer {
  app: App;
  url: string;
  close(): Promise<void>;
}

/** Opens the database, applies migrations, and starts listening. */
export async function startServer(config: Config): Promise<RunningServer> {
  const database = openDatabase(config.database);
  try {
    await migrateToLatest(database.db);
  } catch (err) {
    await database.close();
    throw err;
  }
  const app = await buildApp({ config, database });
  app.addHook('onClose', async () => database.close());
  const url = await app.listen({ port: config.port, host: config.host });
  app.log.info({ database: config.database.kind, dataDir: config.dataDir }, `Steward listening on ${url}`);
  return { app, url, close: () => app.close() };
}
