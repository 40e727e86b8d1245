import { evaluate } from '../../src/domain/metrics/evaluate.ts';
import { comparePaired, type PairedData } from '../../src/domain/monitoring/paired.ts';

export interface ChampionBench {
  n: number;
  resamples: number;
  /** Accuracy with McNemar's test only. */
  mcnemarMs: number;
  /** Accuracy with McNemar plus ROC AUC with the seeded paired bootstrap. */
  fullMs: number;
  /** The plain evaluation (every binary metric) of each version on the same rows, one after the other. */
  evaluateMs: number;
  p: { accuracy: number; auc: number };
}

/** `n` jointly labelled records: truth, and the champion's and a slightly better challenger's scores. */
function joint(n: number): PairedData {
  let s = 20_261_205;
  const u = () => ((s = (s * 16807) % 2147483647), s / 2147483647);
  const y = new Float64Array(n);
  const s1 = new Float64Array(n);
  const s2 = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = u() < 0.3 ? 1 : 0;
    const noise = u();
    s1[i] = Math.round(Math.min(1, Math.max(0, 0.35 + 0.25 * y[i]! + 0.4 * (noise - 0.5))) * 1e4) / 1e4;
    s2[i] = Math.round(Math.min(1, Math.max(0, 0.34 + 0.28 * y[i]! + 0.4 * (u() - 0.5))) * 1e4) / 1e4;
  }
  return {
    task: 'binary-classification',
    yTrue: y,
    champion: { yPred: s1.map((x) => (x >= 0.5 ? 1 : 0)), score: s1 },
    challenger: { yPred: s2.map((x) => (x >= 0.5 ? 1 : 0)), score: s2 },
  };
}

const time = (f: () => void, repeats: number) => {
  const out: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const t0 = performance.now();
    f();
    out.push(performance.now() - t0);
  }
  return out.sort((a, b) => a - b)[Math.floor(repeats / 2)]!;
};

/**
 * Champion/challenger over `n` jointly labelled records beside the plain evaluation of the same
 * rows (each version evaluated on its own, as one would without a paired comparison).
 */
export function championBench(n: number, repeats = 3, resamples = 200): ChampionBench {
  const d = joint(n);
  const spec = {
    task: 'binary-classification' as const,
    label: 'y',
    score: 'p',
    sensitive: [],
    slices: { minRows: 30 },
  };
  const evaluateMs = time(() => {
    for (const v of [d.champion, d.challenger])
      evaluate(spec, { yTrue: d.yTrue, yPred: v.yPred, score: v.score!, sensitive: {} });
  }, repeats);
  const mcnemarMs = time(() => comparePaired(d, { metrics: ['accuracy'] }), repeats);
  let p = { accuracy: NaN, auc: NaN };
  const fullMs = time(() => {
    const r = comparePaired(d, { resamples, seed: 17 });
    p = { accuracy: r.metrics.accuracy!.p, auc: r.metrics['roc-auc']!.p };
  }, repeats);
  return { n, resamples, mcnemarMs, fullMs, evaluateMs, p };
}
