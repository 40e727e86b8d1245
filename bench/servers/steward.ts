// The real Steward server on a fresh SQLite data directory (or STEWARD_DATABASE_URL), logging at warn.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config.ts';
import { startServer } from '../../src/server.ts';

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
