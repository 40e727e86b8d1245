import { randomBytes } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import type { Server as HttpsServer } from 'node:https';
import { createServer } from 'node:net';
import { sep } from 'node:path';
import type { Config } from './config.ts';
import { seedDemo } from './demo/seed.ts';
import { DEMO_PASSWORD, PEOPLE } from './demo/scenario.ts';
import { buildApp } from './app.ts';
import { openDatabase } from './db/database.ts';
import { migrateToLatest, NewerDatabaseError } from './db/migrate.ts';
import { unusableDatabase } from './db/errors.ts';
import { acquireProcessLock, LockedError, type ProcessLock } from './db/process-lock.ts';
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

/** The plain notice of `serve --demo` on an instance that already has users: what to remove. */
function demoNotSeeded(config: Config): string {
  const db = config.database;
  // The folder to remove is the data folder when the database lives in it (the default).
  const folder = db.kind === 'sqlite' && db.file.startsWith(`${config.dataDir}${sep}`) ? config.dataDir : undefined;
  const where =
    db.kind === 'postgres'
      ? `the PostgreSQL database ${redactedUrl(db.url)}`
      : folder
        ? `the data folder ${folder}`
        : `the SQLite database ${db.file}`;
  const fix =
    db.kind === 'postgres'
      ? 'start with STEWARD_DATABASE_URL naming a new, empty database'
      : `stop the server and remove ${folder ?? db.file} (or start with STEWARD_DATA_DIR set to a new folder)`;
  return `\nSteward demo NOT seeded: ${where} already holds a Steward instance with users, and the demo only fills a new, empty one.\nTo see the demo, ${fix}, then run npm start -- --demo again.\n\n`;
}

const redactedUrl = (url: string): string => {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'named by STEWARD_DATABASE_URL';
  }
};

export interface StartOptions {
  /** Fill a new instance with the demo organisation (`serve --demo`). */
  demo?: boolean;
}

/** Start-up cannot go on for a reason the operator fixes (one line, no stack trace). */
export class StartupError extends Error {
  override name = 'StartupError';
}

/**
 * Holds the port before anything is written: a start that cannot listen must not create the first
 * administrator (whose one-time password would then be shown by a process that dies at once).
 * Released just before the server itself binds it.
 */
async function holdPort(port: number, host: string): Promise<{ release(): Promise<void> }> {
  if (port === 0) return { release: async () => undefined };
  // Connections while it is held are closed at once: nothing answers until the server does.
  const probe = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    probe.once('error', (err: NodeJS.ErrnoException) => {
      const why =
        err.code === 'EADDRINUSE'
          ? 'is already in use (another Steward?); stop that process or choose another port with PORT'
          : err.code === 'EACCES'
            ? 'may not be opened by this user; choose a port above 1023 with PORT'
            : `cannot be opened (${err.code ?? err.message})`;
      reject(new StartupError(`port ${port} on ${host} ${why}`));
    });
    probe.listen({ port, host, exclusive: true }, () => resolve());
  });
  return { release: () => new Promise<void>((resolve) => probe.close(() => resolve())) };
}

/** Opens the database, applies migrations, creates the first admin if needed, and starts listening. */
export async function startServer(
  config: Config,
  onBootstrap: (r: BootstrapResult) => void = announceBootstrap,
  opts: StartOptions = {},
): Promise<RunningServer> {
  const port = await holdPort(config.port, config.host);
  let database: ReturnType<typeof openDatabase> | undefined;
  let app: App | undefined;
  let lock: ProcessLock | undefined;
  try {
    // SQLite serves one process: its caches assume this process sees every write.
    if (config.database.kind === 'sqlite' && config.database.file !== ':memory:') {
      try {
        lock = acquireProcessLock(config.database.file);
      } catch (err) {
        throw err instanceof LockedError ? new StartupError(err.message) : err;
      }
    }
    database = openDatabase(config.database);
    try {
      await migrateToLatest(database.db);
    } catch (err) {
      if (err instanceof NewerDatabaseError) throw new StartupError(err.message);
      const unusable = unusableDatabase(err, config.database);
      throw unusable ? new StartupError(unusable) : err;
    }
    const signer = loadOrCreateSigner(config.audit.keyFile, config.audit.origin);
    // The demo drives the API as the first administrator, so it needs that administrator's token.
    const bootstrapToken =
      config.bootstrapToken ?? (opts.demo ? `stw_demo_${randomBytes(24).toString('hex')}` : undefined);
    let bootstrap: BootstrapResult = { created: false };
    const tls = config.tls ? readTls(config.tls) : undefined;
    app = await buildApp({
      config,
      ...(tls ? { tls } : {}),
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
    // The demo is seeded in-process before the port opens, so /healthz never answers ready (nor
    // anyone signs in) while it is half-built.
    const seeding = opts.demo === true && bootstrap.created && bootstrapToken !== undefined;
    if (seeding) {
      const seeded = app;
      seeded.log.info('demo: seeding the demo organisation');
      await seedDemo(seeded, { token: bootstrapToken, oneTimePassword: bootstrap.oneTimePassword }, (line) =>
        seeded.log.info(line),
      );
    }
    await port.release();
    const url = await app.listen({ port: config.port, host: config.host });
    if (seeding)
      process.stderr.write(
        `\nSteward demo ready on ${url}: sign in as any demo user (admin, ${PEOPLE.map(([u]) => u).join(', ')}) with password ${DEMO_PASSWORD}\n\n`,
      );
    else if (opts.demo) process.stderr.write(demoNotSeeded(config));
    app.log.info(
      { database: config.database.kind, dataDir: config.dataDir, auditOrigin: signer.origin },
      `Steward listening on ${url}`,
    );
    const running = app;
    const opened = database;
    const reloading = config.tls ? reloadTls(running, config.tls) : undefined;
    const held = lock;
    return {
      app: running,
      url,
      close: async () => {
        if (reloading) clearInterval(reloading);
        await running.close();
        await opened.close();
        held?.release();
      },
    };
  } catch (err) {
    await port.release();
    await app?.close();
    await database?.close();
    lock?.release();
    throw err;
  }
}

function readTls(files: { certFile: string; keyFile: string }): { cert: Buffer; key: Buffer } {
  try {
    return { cert: readFileSync(files.certFile), key: readFileSync(files.keyFile) };
  } catch (err) {
    throw new StartupError(
      `cannot read the TLS certificate or key (${files.certFile}, ${files.keyFile}): ${(err as Error).message}`,
    );
  }
}

/**
 * Certificates are renewed in place (cert-manager rewrites the mounted secret): once a minute, a
 * changed pair is loaded into the running server; a broken one is logged and the old one kept.
 */
function reloadTls(app: App, files: { certFile: string; keyFile: string }): NodeJS.Timeout {
  const stamp = () => `${statSync(files.certFile).mtimeMs}:${statSync(files.keyFile).mtimeMs}`;
  let last = stamp();
  const timer = setInterval(() => {
    try {
      const now = stamp();
      if (now === last) return;
      (app.server as unknown as HttpsServer).setSecureContext(readTls(files));
      last = now;
      app.log.info('TLS certificate reloaded');
    } catch (err) {
      app.log.error({ err }, 'TLS certificate reload failed; the previous certificate stays in use');
    }
  }, 60_000);
  timer.unref();
  return timer;
}
