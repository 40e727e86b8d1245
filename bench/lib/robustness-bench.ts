import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { pinned } from './child.ts';

interface Measured {
  seconds: number;
  accuracy: number;
  maxRssMiB: number;
}

export interface RobustnessBench {
  rows: number;
  levels: number;
  robustness: Measured;
  evaluation: Measured;
}

function measure(args: string[]): Measured {
  const script = fileURLToPath(new URL('./robustness-child.ts', import.meta.url));
  const [cmd, argv] = pinned(0, process.execPath, ['--import', 'tsx', script, ...args]);
  const r = spawnSync(cmd, argv, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`robustness child failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as Measured;
}

/**
 * A robustness run of a 20-feature logistic ONNX model over `rows` rows at `levels` Gaussian noise
 * levels (one model pass per level plus the baseline, each metric overall and per group), beside
 * the plain evaluation of the same model on the same rows (one pass, performance and fairness),
 * each in its own pinned process; both must agree on the unperturbed accuracy.
 */
export function robustnessBench(rows: number, levels: number, repeats: number): RobustnessBench {
  const evaluation = measure(['evaluate', String(rows), '0', String(repeats)]);
  const robustness = measure(['robustness', String(rows), String(levels), String(repeats)]);
  if (Math.abs(evaluation.accuracy - robustness.accuracy) > 1e-12)
    throw new Error(`robustness baseline accuracy ${robustness.accuracy} != evaluation ${evaluation.accuracy}`);
  return { rows, levels, robustness, evaluation };
}
