import { predictAll, type FeatureMatrix, type Predictor } from './model.ts';

export interface PartialDependence {
  feature: string;
  grid: number[];
  /** Mean model output over the rows with the feature set to each grid value. */
  average: number[];
}

/** numpy's default (linear) percentile of sorted values. */
function percentile(sorted: Float64Array, q: number): number {
  const at = (sorted.length - 1) * q;
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (at - lo);
}

/**
 * The grid scikit-learn's partial_dependence uses: the feature's distinct values when there are at
 * most `points` of them, otherwise `points` evenly spaced values between its 5th and 95th percentiles.
 */
export function pdGrid(m: FeatureMatrix, j: number, points: number): number[] {
  const col = new Float64Array(m.rows);
  for (let r = 0; r < m.rows; r++) col[r] = m.values[r * m.features + j]!;
  col.sort();
  const distinct = [...new Set(col)];
  if (distinct.length <= points) return distinct;
  const lo = percentile(col, 0.05);
  const hi = percentile(col, 0.95);
  return Array.from({ length: points }, (_, i) => lo + ((hi - lo) * i) / (points - 1));
}

/** Partial dependence of the model output on feature `j` (brute force over the rows of `m`). */
export async function partialDependence(model: Predictor, m: FeatureMatrix, j: number, points: number): Promise<PartialDependence> {
  const grid = pdGrid(m, j, points);
  const f = m.features;
  const x = new Float64Array(grid.length * m.values.length);
  grid.forEach((g, k) => {
    x.set(m.values, k * m.values.length);
    for (let r = 0; r < m.rows; r++) x[k * m.values.length + r * f + j] = g;
  });
  const { output } = await predictAll(model, x, grid.length * m.rows, f);
  const average = grid.map((_, k) => {
    let s = 0;
    for (let r = 0; r < m.rows; r++) s += output[k * m.rows + r]!;
    return s / m.rows;
  });
  return { feature: m.names[j]!, grid, average };
}
