import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface ChildResult {
  seconds: number;
  maxRssMiB: number;
  bytes?: number;
  events?: number;
}

function child(args: string[]): ChildResult {
  const script = fileURLToPath(new URL('./examination-child.ts', import.meta.url));
  const r = spawnSync(process.execPath, ['--import', 'tsx', script, ...args], {
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  });
  if (r.status !== 0) throw new Error(`examination child ${args[0]} failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as ChildResult;
}

/**
 * An examination pack of a whole organisation (`useCases` use cases with a model each, `versions`
 * versions, `events` audit events in all) beside `steward audit export` of the same store, each in a
 * fresh process of its own (time and peak RSS).
 */
export function examinationBench(useCases: number, versions: number, events: number) {
  const dir = mkdtempSync(join(tmpdir(), 'steward-exam-bench-'));
  try {
    const seed = child(['seed', dir, String(useCases), String(versions), String(events)]);
    const pack = child(['pack', dir]);
    const exported = child(['export', dir]);
    return { events: seed.events ?? events, seedSeconds: seed.seconds, pack, exported };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
