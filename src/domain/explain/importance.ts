import { predictAll, type FeatureMatrix, type Predictor } from './model.ts';
import { seededRandom, shuffle } from './random.ts';

/** Scores predictions (higher is better) over all rows, or over the rows listed. */
export type Scorer = (target: Float64Array, rows?: Int32Array) => number;

export interface FeatureImportance {
  feature: string;
  /** Mean drop of the score when the feature is permuted (baseline - permuted), over the repeats. */
  mean: number;
  /** Population standard deviation of the drop, as scikit-learn reports it. */
  std: number;
}

export interface GroupImportance {
  column: string;
  group: string;
  rows: number;
  baseline: number;
  features: { feature: string; mean: number }[];
}

export interface PermutationImportance {
  baseline: number;
  repeats: number;
  features: FeatureImportance[];
  bySubgroup: GroupImportance[];
}

const meanStd = (xs: number[]) => {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  return { mean, std: Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length) };
};

/**
 * Permutation feature importance with scikit-learn's semantics: for each feature and repeat, the
 * column is shuffled and the score's drop from the baseline recorded. The same shuffled
 * predictions also score each subgroup of each sensitive column, giving per-subgroup importance
 * at no extra model cost.
 */
export async function permutationImportance(
  model: Predictor,
  m: FeatureMatrix,
  score: Scorer,
  opts: { repeats: number; seed: number; groups?: { column: string; labels: string[]; rows: Int32Array[] }[] },
): Promise<PermutationImportance> {
  const random = seededRandom(opts.seed);
  const f = m.features;
  const base = await predictAll(model, m.values, m.rows, f);
  const baseline = score(base.target);
  const groups = (opts.groups ?? []).flatMap((g) =>
    g.labels.map((label, i) => ({
      column: g.column,
      group: label,
      rows: g.rows[i]!,
      baseline: score(base.target, g.rows[i]!),
      drops: Array.from({ length: f }, () => [] as number[]),
    })),
  );
  const drops = Array.from({ length: f }, () => [] as number[]);
  const x = new Float64Array(m.values);
  const column = new Float64Array(m.rows);
  for (let j = 0; j < f; j++) {
    for (let r = 0; r < m.rows; r++) column[r] = m.values[r * f + j]!;
    for (let rep = 0; rep < opts.repeats; rep++) {
      const shuffled = shuffle(column.slice(), random);
      for (let r = 0; r < m.rows; r++) x[r * f + j] = shuffled[r]!;
      const { target } = await predictAll(model, x, m.rows, f);
      drops[j]!.push(baseline - score(target));
      for (const g of groups) g.drops[j]!.push(g.baseline - score(target, g.rows));
    }
    for (let r = 0; r < m.rows; r++) x[r * f + j] = column[r]!;
  }
  return {
    baseline,
    repeats: opts.repeats,
    features: drops.map((d, j) => ({ feature: m.names[j]!, ...meanStd(d) })),
    bySubgroup: groups.map((g) => ({
      column: g.column,
      group: g.group,
      rows: g.rows.length,
      baseline: g.baseline,
      features: g.drops.map((d, j) => ({ feature: m.names[j]!, mean: meanStd(d).mean })),
    })),
  };
}
