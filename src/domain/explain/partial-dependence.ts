import { predictAll, type FeatureMatrix, type Predictor } from './model.ts';

export interface PartialDependence {
  feature: string;
  grid: number[];
  /** Mean model output over the rows with the feature set to each grid value. */
  average: number[];
}

/** scipy.stats.mstats.mquantiles of sorted values with its defaults (alphap = betap = 0.4), as scikit-learn calls it. */
export function mquantile(sorted: Float64Array, p: number): number {
  const n = sorted.length;
  if (n === 1) return sorted[0]!;
  const aleph = n * p + (0.4 + p * (1 - 0.4 - 0.4));
  const k = Math.floor(Math.min(Math.max(aleph, 1), n - 1));
  const gamma = Math.min(Math.max(aleph - k, 0), 1);
  return (1 - gamma) * sorted[k - 1]! + gamma * sorted[k]!;
}

/**
 * The grid scikit-learn's partial_dependence uses: the feature's distinct values when there are
 * fewer than `points` of them, otherwise `points` evenly spaced values between its 5th and 95th
 * percentiles (mquantiles).
 */
export function pdGrid(m: FeatureMatrix, j: number, points: number): number[] {
  const col = new Float64Array(m.rows);
  for (let r = 0; r < m.rows; r++) col[r] = m.values[r * m.features + j]!;
  col.sort();
  const distinct = [...new Set(col)];
  if (distinct.length < points) return distinct;
  const lo = mquantile(col, 0.05);
  const hi = mquantile(col, 0.95);
  return Array.from({ length: points }, (_, i) => lo + ((hi - lo) * i) / (points - 1));
}

/** Partial dependence of the model output on feature `j` (brute force over the rows of `m`). */
export async function partialDependence(
  model: Predictor,
  m: FeatureMatrix,
  j: number,
  points: number,
): Promise<PartialDependence> {
  const grid = pdGrid(m, j, points);
  const f = m.features;
  // One grid value at a time: memory stays at one copy of the rows whatever the grid size.
  const x = new Float64Array(m.values);
  const average: number[] = [];
  for (const g of grid) {
    for (let r = 0; r < m.rows; r++) x[r * f + j] = g;
    const { output } = await predictAll(model, x, m.rows, f);
    let s = 0;
    for (let r = 0; r < m.rows; r++) s += output[r]!;
    average.push(s / m.rows);
  }
  return { feature: m.names[j]!, grid, average };
}
