// The real Steward server with its console, on a fresh SQLite data directory filled with the demo
// organisation (`serve --demo`); it prints READY once seeded and listening.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../src/config.ts';
import { startServer } from '../../src/server.ts';

const config = loadConfig({
  ...process.env,
  PORT: '0',
  HOST: '127.0.0.1',
  STEWARD_DATA_DIR: process.env.STEWARD_DATA_DIR ?? mkdtempSync(join(tmpdir(), 'steward-bench-demo-')),
  STEWARD_LOG_LEVEL: 'error',
  STEWARD_CONSOLE_DIR: fileURLToPath(new URL('../../web/dist', import.meta.url)),
  STEWARD_BOOTSTRAP_TOKEN: process.env.STEWARD_BENCH_TOKEN ?? 'stw_bench-token-0123456789abcdefghij',
});
const server = await startServer(config, () => {}, { demo: true });
process.stdout.write(`READY ${server.url}\n`);
process.on('SIGTERM', () => void server.close().then(() => process.exit(0)));
