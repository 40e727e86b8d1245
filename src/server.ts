import type { Config } from './config.ts';
import { buildApp } from './app.ts';
import { openDatabase } from './db/database.ts';
import { migrateToLatest } from './db/migrate.ts';
import { loadOrCreateSigner } from './features/audit/signing-key.ts';
import type { BootstrapResult } from './features/identity/bootstrap.ts';
import type { App } from './http/app-types.ts';

export interface RunningServer {
  app: App;
  url: string;
  close(): Promise<void>;
}

/** Printed once, on the terminal, never into the structured log. */
function announceBootstrap(result: BootstrapResult): void {
  if (!result.created) return;
  const lines = [
    '',
    '================================================================',
    ' Steward created the first administrator: username "admin".',
    ` One-time password: ${result.oneTimePassword}`,
    ' It is shown only now and must be changed at first sign-in',
    ' (POST /api/v1/auth/password).',
    ...(result.tokenInstalled ? [' STEWARD_BOOTSTRAP_TOKEN is installed as admin\'s API token.'] : []),
    '================================================================',
    '',
  ];
  process.stderr.write(`${lines.join('\n')}\n`);
}

/** Opens the database, applies migrations, creates the first admin if needed, and starts listening. */
export async function startServer(config: Config, onBootstrap: (r: BootstrapResult) => void = announceBootstrap): Promise<RunningServer> {
  const database = openDatabase(config.database);
  let app: App | undefined;
  try {
    await migrateToLatest(database.db);
    const signer = loadOrCreateSigner(config.audit.keyFile, config.audit.origin);
    app = await buildApp({ config, database, signer, bootstrap: { token: config.bootstrapToken, onResult: onBootstrap } });
    const url = await app.listen({ port: config.port, host: config.host });
    app.log.info({ database: config.database.kind, dataDir: config.dataDir, auditOrigin: signer.origin }, `Steward listening on ${url}`);
    const running = app;
    return { app: running, url, close: async () => { await running.close(); await database.close(); } };
  } catch (err) {
    await app?.close();
    await database.close();
    throw err;
  }
}
