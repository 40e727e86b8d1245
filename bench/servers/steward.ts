// The real Steward server on a fresh SQLite data directory (or STEWARD_DATABASE_URL), logging at warn.
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// The server as it ships: compiled JavaScript (`npm run bench` builds it first). Without a build
// (a bench file run by hand), the sources through tsx, which the first line of output says.
const compiled = new URL('../../dist/server.js', import.meta.url);
const built = existsSync(compiled);
if (!built) process.stderr.write('bench server: no build in dist/, running the sources through tsx\n');
const root = built ? '../../dist' : '../../src';
const ext = built ? 'js' : 'ts';
const { loadConfig } = (await import(`${root}/config.${ext}`)) as typeof import('../../src/config.ts');
const { startServer } = (await import(`${root}/server.${ext}`)) as typeof import('../../src/server.ts');

// A server standing for another system (the external MLflow registry of the discovery rows) keeps
// a SQLite file of its own even when the measured server runs on STEWARD_DATABASE_URL.
const { STEWARD_DATABASE_URL, ...env } = process.env;
const config = loadConfig({
  ...env,
  ...(STEWARD_DATABASE_URL !== undefined && !process.env.BENCH_OWN_SQLITE && { STEWARD_DATABASE_URL }),
  PORT: '0',
  HOST: '127.0.0.1',
  STEWARD_DATA_DIR: process.env.STEWARD_DATA_DIR ?? mkdtempSync(join(tmpdir(), 'steward-bench-')),
  STEWARD_LOG_LEVEL: 'warn',
  STEWARD_BOOTSTRAP_TOKEN: process.env.STEWARD_BENCH_TOKEN ?? 'stw_bench-token-0123456789abcdefghij',
});
const server = await startServer(config, () => {});
process.stdout.write(`READY ${server.url}\n`);
process.on('SIGTERM', () => void server.close().then(() => process.exit(0)));
