import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface KpiChildResult {
  seconds: number;
  requestSeconds?: number;
  maxRssMiB: number;
  events?: number;
  rows?: number;
  total?: number;
}

function child(args: string[]): KpiChildResult {
  const script = fileURLToPath(new URL('./kpi-child.ts', import.meta.url));
  const r = spawnSync(process.execPath, ['--import', 'tsx', script, ...args], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(`kpi child ${args[0]} failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as KpiChildResult;
}

/**
 * The governance KPI snapshot over `useCases` assessed use cases, `versions` versions in their
 * process and `events` audit events, beside a plain inventory count over the same store, each in a
 * fresh process (request time and peak RSS).
 */
export function kpiBench(useCases: number, versions: number, events: number) {
  const dir = mkdtempSync(join(tmpdir(), 'steward-kpi-bench-'));
  try {
    const seed = child(['seed', dir, String(useCases), String(versions), String(events)]);
    const snapshot = child(['snapshot', dir]);
    const count = child(['count', dir]);
    return { events: seed.events ?? events, seedSeconds: seed.seconds, snapshot, count };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
