import { randomBytes } from 'node:crypto';
import type { Config } from './config.ts';
import { seedDemo } from './demo/seed.ts';
import { DEMO_PASSWORD, PEOPLE } from './demo/scenario.ts';
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
    ...(result.tokenInstalled ? [" STEWARD_BOOTSTRAP_TOKEN is installed as admin's API token."] : []),
    '================================================================',
    '',
  ];
  process.stderr.write(`${lines.join('\n')}\n`);
}

export interface StartOptions {
  /** Fill a new instance with the demo organisation (`serve --demo`). */
  demo?: boolean;
}

/** Opens the database, applies migrations, creates the first admin if needed, and starts listening. */
export async function startServer(
  config: Config,
  onBootstrap: (r: BootstrapResult) => void = announceBootstrap,
  opts: StartOptions = {},
): Promise<RunningServer> {
  const database = openDatabase(config.database);
  let app: App | undefined;
  try {
    await migrateToLatest(database.db);
    const signer = loadOrCreateSigner(config.audit.keyFile, config.audit.origin);
    // The demo drives the API as the first administrator, so it needs that administrator's token.
    const bootstrapToken =
      config.bootstrapToken ?? (opts.demo ? `stw_demo_${randomBytes(24).toString('hex')}` : undefined);
    let bootstrap: BootstrapResult = { created: false };
    app = await buildApp({
      config,
      database,
      signer,
      bootstrap: {
        token: bootstrapToken,
        onResult: (r) => {
          bootstrap = r;
          if (!opts.demo) onBootstrap(r);
        },
      },
    });
    const url = await app.listen({ port: config.port, host: config.host });
    if (opts.demo) {
      if (bootstrap.created && bootstrapToken) {
        app.log.info('demo: seeding the demo organisation');
        await seedDemo(app, { token: bootstrapToken, oneTimePassword: bootstrap.oneTimePassword }, (line) =>
          app!.log.info(line),
        );
        process.stderr.write(
          `\nSteward demo ready on ${url}: sign in as any demo user (admin, ${PEOPLE.map(([u]) => u).join(', ')}) with password ${DEMO_PASSWORD}\n\n`,
        );
      } else
        app.log.warn(
          'demo: the instance already has users, so no demo was seeded (start with an empty data directory)',
        );
    }
    app.log.info(
      { database: config.database.kind, dataDir: config.dataDir, auditOrigin: signer.origin },
      `Steward listening on ${url}`,
    );
    const running = app;
    return {
      app: running,
      url,
      close: async () => {
        await running.close();
        await database.close();
      },
    };
  } catch (err) {
    await app?.close();
    await database.close();
    throw err;
  }
}
