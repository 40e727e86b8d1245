import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { pinned } from './child.ts';

const BIN = fileURLToPath(new URL('../../bin/steward.js', import.meta.url));
const BUILT = fileURLToPath(new URL('../../dist/cli/manifest.json', import.meta.url));

/** Median wall-clock milliseconds of `node <args>`, after one warm-up run (file cache). */
function medianMs(args: string[], env: Record<string, string>, runs: number): number {
  const times: number[] = [];
  for (let i = 0; i <= runs; i++) {
    const [cmd, argv] = pinned(1, process.execPath, args);
    const start = performance.now();
    const r = spawnSync(cmd, argv, { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    const ms = performance.now() - start;
    if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
    if (i > 0) times.push(ms);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

/**
 * Start-up of the compiled CLI beside an empty Node process, measured in the same run: `steward
 * --help` (no command group loaded) and `steward models list` against a live server.
 */
export function cliBench(url: string, token: string, runs = 15): { nodeMs: number; helpMs: number; listMs: number } {
  if (!existsSync(BUILT)) throw new Error('the CLI is not built: run npm run build first');
  const env = { STEWARD_URL: url, STEWARD_TOKEN: token, XDG_CONFIG_HOME: '/nonexistent' };
  return {
    nodeMs: medianMs(['-e', '0'], env, runs),
    helpMs: medianMs([BIN, '--help'], env, runs),
    listMs: medianMs([BIN, 'models', 'list'], env, runs),
  };
}
