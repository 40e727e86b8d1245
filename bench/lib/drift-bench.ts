import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pinned } from './child.ts';

export interface DriftBench {
  n: number;
  steward: { ms: number; maxRssMiB: number; ks: number; pvalue: number; psi: number; wasserstein: number };
  scipy?: { version: string; ms: number; agrees: boolean; detail: string };
}

/** Python with scipy, when installed (Debian's python3-scipy, or any python3 on the PATH). */
function python(): string | undefined {
  for (const p of ['/usr/bin/python3', 'python3'])
    if (spawnSync(p, ['-c', 'import scipy'], { stdio: 'ignore' }).status === 0) return p;
  return undefined;
}

/** Two float64 samples of `n` values: a reference and a slightly shifted, wider current sample. */
function samples(n: number, dir: string): [string, string] {
  const files: [string, string] = [join(dir, 'ref.f64'), join(dir, 'cur.f64')];
  let s = 20_240_607;
  const uniform = () => ((s = (s * 16807) % 2147483647), s / 2147483647);
  for (const [k, file] of files.entries()) {
    const a = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      // Box-Muller normals, rounded to 1e-6 so ties occur as in real logs.
      const z = Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
      a[i] = Math.round((k === 0 ? z : 0.01 + 1.02 * z) * 1e6) / 1e6;
    }
    writeFileSync(file, new Uint8Array(a.buffer));
  }
  return files;
}

/**
 * Drift statistics of one numerical column at scale: Steward's sort + KS (with p-value) + PSI +
 * Wasserstein in its own process beside scipy's ks_2samp, numpy PSI and scipy's
 * wasserstein_distance on the same samples.
 */
export function driftBench(n: number, repeats: number): DriftBench {
  const dir = mkdtempSync(join(tmpdir(), 'steward-bench-drift-'));
  try {
    const [ref, cur] = samples(n, dir);
    const script = fileURLToPath(new URL('./drift-child.ts', import.meta.url));
    const [cmd, args] = pinned(0, process.execPath, ['--import', 'tsx', script, ref, cur, String(repeats)]);
    const r = spawnSync(cmd, args, { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`drift child failed: ${r.stderr}`);
    const steward = JSON.parse(r.stdout) as DriftBench['steward'];
    const result: DriftBench = { n, steward };
    const py = python();
    if (py) {
      const [pcmd, pargs] = pinned(0, py, [
        fileURLToPath(new URL('../python/drift_baseline.py', import.meta.url)),
        ref,
        cur,
        String(repeats),
      ]);
      const b = spawnSync(pcmd, pargs, { encoding: 'utf8' });
      if (b.status !== 0) throw new Error(`scipy baseline failed: ${b.stderr}`);
      const s = JSON.parse(b.stdout) as {
        scipy: string;
        ks_seconds: number;
        psi_seconds: number;
        wasserstein_seconds: number;
        ks: number;
        pvalue: number;
        psi: number;
        wasserstein: number;
      };
      const close = (a: number, e: number, rel: number) =>
        Math.abs(a - e) <= rel * Math.max(Math.abs(a), Math.abs(e)) || Math.abs(a - e) <= 1e-12;
      // KS statistic and PSI are exact; p-values above a million pairs differ where scipy approximates; sums differ in rounding.
      const checks = {
        ks: close(steward.ks, s.ks, 1e-12),
        pvalue: close(steward.pvalue, s.pvalue, 1e-4),
        psi: close(steward.psi, s.psi, 1e-9),
        wasserstein: close(steward.wasserstein, s.wasserstein, 1e-9),
      };
      const differ = Object.entries(checks)
        .filter(([, ok]) => !ok)
        .map(([k]) => k);
      result.scipy = {
        version: s.scipy,
        ms: (s.ks_seconds + s.psi_seconds + s.wasserstein_seconds) * 1000,
        agrees: differ.length === 0,
        detail: `ks_2samp ${(s.ks_seconds * 1000).toFixed(0)} + PSI ${(s.psi_seconds * 1000).toFixed(0)} + wasserstein ${(s.wasserstein_seconds * 1000).toFixed(0)} ms${differ.length ? ` (DIFFER: ${differ.join(', ')})` : ''}`,
      };
    }
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
