import type { FeatureMatrix } from '../explain/model.ts';
import type { Perturbation } from './options.ts';

/** How a run treats one feature, with the statistics its perturbations are drawn from (over the sampled rows). */
export interface FeaturePlan {
  name: string;
  kind: 'numerical' | 'categorical';
  /** Whether this run perturbs it at all. */
  perturbed: boolean;
  /** Numerical: the population standard deviation (noise is a fraction of it). */
  sd?: number;
  /** Categorical: the observed categories, ascending, and how many sampled rows hold each. */
  categories?: Float64Array;
  counts?: Float64Array;
  /** Whether the model can be fed a missing value (NaN) here: float inputs can, integer inputs cannot. */
  acceptsMissing: boolean;
}

/**
 * Plans each feature: numerical or categorical, perturbed or not, and its standard deviation or
 * category frequencies over the sampled rows (`rows` index into `m`). Missing cells (NaN) in the
 * data are left out of the statistics.
 */
export function planFeatures(
  m: FeatureMatrix,
  rows: Int32Array,
  categorical: Set<string>,
  perturbed: Set<string>,
  integerInputs: Set<string>,
): FeaturePlan[] {
  const f = m.features;
  return m.names.map((name, j) => {
    const base = { name, perturbed: perturbed.has(name), acceptsMissing: !integerInputs.has(name) };
    if (categorical.has(name)) {
      const counts = new Map<number, number>();
      for (let k = 0; k < rows.length; k++) {
        const v = m.values[rows[k]! * f + j]!;
        if (!Number.isNaN(v)) counts.set(v, (counts.get(v) ?? 0) + 1);
      }
      const categories = Float64Array.from(counts.keys()).sort();
      return {
        ...base,
        kind: 'categorical' as const,
        categories,
        counts: Float64Array.from(categories, (c) => counts.get(c)!),
      };
    }
    let n = 0;
    let mean = 0;
    let m2 = 0;
    // Welford: one pass, no cancellation on large values.
    for (let k = 0; k < rows.length; k++) {
      const v = m.values[rows[k]! * f + j]!;
      if (Number.isNaN(v)) continue;
      n++;
      const d = v - mean;
      mean += d / n;
      m2 += d * (v - mean);
    }
    return { ...base, kind: 'numerical' as const, sd: n === 0 ? 0 : Math.sqrt(m2 / n) };
  });
}

/** A standard normal generator over a uniform one (Box-Muller, both values of each pair used). */
export function normals(random: () => number): () => number {
  let spare: number | undefined;
  return () => {
    if (spare !== undefined) {
      const s = spare;
      spare = undefined;
      return s;
    }
    const r = Math.sqrt(-2 * Math.log(1 - random()));
    const a = 2 * Math.PI * random();
    spare = r * Math.sin(a);
    return r * Math.cos(a);
  };
}

interface Swapper {
  /** Another category than `v`, drawn by the categories' frequencies. */
  (v: number, random: () => number): number;
}

function swapper(plan: FeaturePlan): Swapper | undefined {
  const cats = plan.categories!;
  const counts = plan.counts!;
  if (cats.length < 2) return undefined;
  const cum = new Float64Array(cats.length);
  let total = 0;
  counts.forEach((c, i) => (cum[i] = total += c));
  const index = new Map<number, number>();
  cats.forEach((c, i) => index.set(c, i));
  return (v, random) => {
    const i = index.get(v);
    // A missing cell has no category to swap away from; any category may replace it.
    const own = i === undefined ? 0 : counts[i]!;
    const start = i === undefined ? 0 : cum[i]! - own;
    let u = Math.floor(random() * (total - own));
    if (i !== undefined && u >= start) u += own;
    let lo = 0;
    let hi = cats.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cum[mid]! > u) hi = mid;
      else lo = mid + 1;
    }
    return cats[lo]!;
  };
}

/**
 * A perturbation as a function over one batch of rows, laid out row-major like `FeatureMatrix`:
 * it draws from `random` row by row, feature by feature, so the same seed perturbs the same cells
 * the same way whatever the batch size.
 */
export function perturber(
  p: Perturbation,
  plans: FeaturePlan[],
  random: () => number,
): (x: Float64Array, rows: number) => void {
  const f = plans.length;
  if (p.kind === 'noise') {
    const normal = normals(random);
    const noised = plans.flatMap((pl, j) => (pl.perturbed && pl.kind === 'numerical' && pl.sd! > 0 ? [j] : []));
    // Typed arrays in the hot loop: millions of cells per level.
    const js = Int32Array.from(noised);
    const scales = Float64Array.from(noised, (j) => p.level * plans[j]!.sd!);
    return (x, rows) => {
      for (let r = 0, base = 0; r < rows; r++, base += f)
        for (let k = 0; k < js.length; k++) x[base + js[k]!]! += scales[k]! * normal();
    };
  }
  if (p.kind === 'swap') {
    const targets = plans.flatMap((pl, j) => {
      const s = pl.perturbed && pl.kind === 'categorical' ? swapper(pl) : undefined;
      return s ? [{ j, s }] : [];
    });
    return (x, rows) => {
      for (let r = 0; r < rows; r++)
        for (const { j, s } of targets) if (random() < p.level) x[r * f + j] = s(x[r * f + j]!, random);
    };
  }
  const targets = plans.flatMap((pl, j) => (pl.perturbed && pl.acceptsMissing ? [j] : []));
  return (x, rows) => {
    for (let r = 0; r < rows; r++) for (const j of targets) if (random() < p.level) x[r * f + j] = NaN;
  };
}
