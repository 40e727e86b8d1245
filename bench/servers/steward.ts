// The real Steward server on a fresh SQLite data directory (or STEWARD_DATABASE_URL), logging at warn.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config.ts';
import { startServer } from '../../src/server.ts';

const config = loadConfig({
  ...process.env,
  PORT: '0',
  HOST: '127.0.0.1',
  STEWARD_DATA_DIR: process.env.STEWARD_DATA_DIR ?? mkdtempSync(join(tmpdir(), 'steward-bench-')),
  STEWARD_LOG_LEVEL: 'warn',
  STEWARD_BOOTSTRAP_TOKEN: process.env.STEWARD_BENCH_TOKEN ?? 'stw_bench-token-0123456789abcdefghij',
});
const server = await startServer(config, () => {});
process.stdout.write(`READY ${server.url}\n`);
process.on('SIGTERM', () => void server.close().then(() => process.exit(0)));
