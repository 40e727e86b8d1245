import { spawnSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { rocAuc } from '../../src/domain/metrics/classification.ts';
import { classificationFrame, groupedConfusion, pooledConfusion } from '../../src/domain/metrics/fairness.ts';
import { pinned } from './child.ts';
import { median } from './load.ts';

export interface EvidenceBench {
  rows: number;
  frameMs: number;
  aucMs: number;
  numpy?: { version: string; frameMs: number; sklearn?: string; aucMs?: number; agrees: boolean };
  file: {
    bytes: number;
    evaluateSeconds: number;
    maxRssMiB: number;
    csvParseSeconds: number;
    readSeconds: number;
    /** pandas read_csv plus scikit-learn's AUC, accuracy and per-group selection rates, when installed. */
    pandas?: { version: string; sklearn: string; seconds: number; maxRssMiB: number };
    /** Whether the columns went to files (past the memory budget). */
    spilled: boolean;
  };
}

const timed = <T>(fn: () => T, k: number): { ms: number; out: T } => {
  let out!: T;
  const times: number[] = [];
  for (let i = 0; i < k; i++) {
    const t = performance.now();
    out = fn();
    times.push(performance.now() - t);
  }
  return { ms: median(times), out };
};

/** Python with numpy from Debian's packages (python3-numpy, python3-sklearn), when installed. */
function python(): string | undefined {
  for (const p of ['/usr/bin/python3', 'python3'])
    if (spawnSync(p, ['-c', 'import numpy'], { stdio: 'ignore' }).status === 0) return p;
  return undefined;
}

function child(mode: string, file: string): { seconds: number; maxRssMiB: number; spilled?: boolean } {
  const script = fileURLToPath(new URL('./csv-parse-child.ts', import.meta.url));
  const [cmd, args] = pinned(0, process.execPath, ['--import', 'tsx', script, mode, file]);
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(`${mode} child failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

function pandasBaseline(
  py: string,
  file: string,
): { version: string; sklearn: string; seconds: number; maxRssMiB: number } {
  const [cmd, args] = pinned(0, py, [fileURLToPath(new URL('../python/pandas_baseline.py', import.meta.url)), file]);
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(`pandas baseline failed: ${r.stderr}`);
  const b = JSON.parse(r.stdout) as { pandas: string; sklearn: string; seconds: number; max_rss_mib: number };
  return { version: b.pandas, sklearn: b.sklearn, seconds: b.seconds, maxRssMiB: b.max_rss_mib };
}

/**
 * The evidence engine at scale: the fairness MetricFrame (selection rate, TPR, FPR over 4 groups)
 * and ROC AUC on `rows` rows in memory beside numpy's bincount and scikit-learn's roc_auc_score on
 * the same arrays; then a CSV file of those rows evaluated end to end in its own process.
 */
export async function evidenceBench(rows: number): Promise<EvidenceBench> {
  const dir = mkdtempSync(join(tmpdir(), 'steward-bench-evidence-'));
  try {
    const yTrue = new Float64Array(rows);
    const yPred = new Float64Array(rows);
    const score = new Float64Array(rows);
    const codes = new Int32Array(rows);
    // The file holds each score at full precision (17 significant digits, as a model writes
    // them), the shape issue 21 measured; the in-memory comparisons use them rounded.
    const fullScore = new Float64Array(rows);
    let s = 12345;
    for (let i = 0; i < rows; i++) {
      s = (s * 16807) % 2147483647;
      const u = s / 2147483647;
      const g = i & 3;
      codes[i] = g;
      yTrue[i] = u < 0.25 + g * 0.05 ? 1 : 0;
      fullScore[i] = (u * 0.6 + (yTrue[i] ? 0.35 : 0.05) + g * 0.01) % 1;
      score[i] = Math.round(fullScore[i]! * 1e6) / 1e6;
      yPred[i] = score[i]! >= 0.5 ? 1 : 0;
    }
    // What MetricFrame computes: per-group and overall rates, with their aggregations.
    const frame = () => {
      const perGroup = groupedConfusion(yTrue, yPred, codes, 4);
      return classificationFrame(['selection_rate', 'tpr', 'fpr'], pooledConfusion(perGroup), perGroup);
    };
    frame();
    const f = timed(frame, 5);
    const auc = timed(() => rocAuc(yTrue, score), 3);

    const result: EvidenceBench = {
      rows,
      frameMs: f.ms,
      aucMs: auc.ms,
      file: { bytes: 0, evaluateSeconds: 0, maxRssMiB: 0, csvParseSeconds: 0, readSeconds: 0, spilled: false },
    };
    const py = python();
    if (py) {
      writeFileSync(join(dir, 'y.u8'), Uint8Array.from(yTrue));
      writeFileSync(join(dir, 'p.u8'), Uint8Array.from(yPred));
      writeFileSync(join(dir, 'g.i32'), new Uint8Array(codes.buffer));
      writeFileSync(join(dir, 's.f64'), new Uint8Array(score.buffer));
      const [cmd, args] = pinned(0, py, [
        fileURLToPath(new URL('../python/metrics_baseline.py', import.meta.url)),
        dir,
        '5',
      ]);
      const r = spawnSync(cmd, args, { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`numpy baseline failed: ${r.stderr}`);
      const b = JSON.parse(r.stdout) as {
        numpy: string;
        frame_seconds: number;
        frame: Record<string, number[]>;
        sklearn?: string;
        auc_seconds?: number;
        auc?: number;
      };
      const close = (a: number, e: number) => Math.abs(a - e) <= 1e-9 * Math.max(1, Math.abs(e));
      const agrees =
        Object.entries(b.frame).every(([m, vs]) => vs.every((v, i) => close(f.out[m]!.byGroup[i]!, v))) &&
        (b.auc === undefined || close(auc.out, b.auc));
      result.numpy = {
        version: b.numpy,
        frameMs: b.frame_seconds * 1000,
        agrees,
        ...(b.sklearn ? { sklearn: b.sklearn, aucMs: b.auc_seconds! * 1000 } : {}),
      };
    }

    const file = join(dir, 'eval.csv');
    const out = createWriteStream(file);
    out.write('y,yhat,p,group\n');
    const names = ['a', 'b', 'c', 'd'];
    let buf = '';
    for (let i = 0; i < rows; i++) {
      buf += `${yTrue[i]},${yPred[i]},${fullScore[i]},${names[codes[i]!]}\n`;
      if (buf.length > 1 << 16) {
        if (!out.write(buf)) await once(out, 'drain');
        buf = '';
      }
    }
    out.end(buf);
    await once(out, 'finish');
    const evaluated = child('evaluate', file);
    result.file = {
      bytes: statSync(file).size,
      evaluateSeconds: evaluated.seconds,
      maxRssMiB: evaluated.maxRssMiB,
      spilled: evaluated.spilled === true,
      csvParseSeconds: child('csv', file).seconds,
      readSeconds: child('read', file).seconds,
      ...(py && spawnSync(py, ['-c', 'import pandas, sklearn'], { stdio: 'ignore' }).status === 0
        ? { pandas: pandasBaseline(py, file) }
        : {}),
    };
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
