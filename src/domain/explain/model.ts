/** Feature rows laid out row-major: row r, feature j at `values[r * features + j]`. */
export interface FeatureMatrix {
  values: Float64Array;
  rows: number;
  features: number;
  names: string[];
}

/**
 * A model as explanations see it. `output` is the scalar being explained (the probability of the
 * positive or chosen class, or the regression value); `target` is the prediction the evaluation
 * scores (class code or value).
 */
export interface Predictor {
  predict(x: Float64Array, rows: number): Promise<{ output: Float64Array; target: Float64Array }>;
}

/** Cells (rows x features) per model call: bounds the memory of synthetic batches (coalitions, grids, permutations). */
export const BATCH_CELLS = 4_194_304;

/** Rows per model call for `features` features: at most 65,536, and within BATCH_CELLS. */
export const batchRows = (features: number): number =>
  Math.max(1, Math.min(65_536, Math.floor(BATCH_CELLS / Math.max(1, features))));

/**
 * Rows a model can be run on, handed over a selection at a time: held in memory (`featureRows`),
 * or read from a file when there are too many to hold.
 */
export interface FeatureRows {
  rows: number;
  features: number;
  names: string[];
  /** The rows `rows` (ascending indices), as a new matrix. */
  select(rows: ArrayLike<number>): FeatureMatrix;
}

/** A matrix in memory as FeatureRows; selecting every row gives the matrix itself, not a copy. */
export const featureRows = (m: FeatureMatrix): FeatureRows => ({
  rows: m.rows,
  features: m.features,
  names: m.names,
  // Ascending distinct indices as many as the rows are every row in order.
  select: (rows) => (rows.length === m.rows ? m : selectRows(m, rows)),
});

/**
 * Rows a model runs on, with what a sample of them needs besides its features: the sampled rows'
 * labels (as numbers) and weights, and their sensitive values, the k-th value for the k-th row.
 */
export interface SampledRows {
  features: FeatureRows;
  truthOf(sample: Int32Array): { yTrue: Float64Array; weight?: Float64Array };
  sensitiveOf(sample: Int32Array): Record<string, string[]>;
}

/** Rows held in memory as SampledRows. */
export function heldRows(
  m: FeatureMatrix,
  truth: { yTrue: ArrayLike<number>; weight?: ArrayLike<number> | undefined },
  sensitive: Record<string, string[]>,
): SampledRows {
  const { yTrue, weight } = truth;
  return {
    features: featureRows(m),
    truthOf: (sample) => ({
      yTrue: Float64Array.from(sample, (i) => yTrue[i]!),
      ...(weight ? { weight: Float64Array.from(sample, (i) => weight[i]!) } : {}),
    }),
    sensitiveOf: (sample) =>
      Object.fromEntries(Object.entries(sensitive).map(([c, values]) => [c, Array.from(sample, (i) => values[i]!)])),
  };
}

/** The rows of `m` selected by `rows`, as a new matrix. */
export function selectRows(m: FeatureMatrix, rows: ArrayLike<number>): FeatureMatrix {
  const f = m.features;
  const values = new Float64Array(rows.length * f);
  for (let k = 0; k < rows.length; k++) values.set(m.values.subarray(rows[k]! * f, rows[k]! * f + f), k * f);
  return { values, rows: rows.length, features: f, names: m.names };
}

/** Predicts any number of rows in batches of at most BATCH_ROWS. */
export async function predictAll(
  model: Predictor,
  x: Float64Array,
  rows: number,
  features: number,
): Promise<{ output: Float64Array; target: Float64Array }> {
  const output = new Float64Array(rows);
  const target = new Float64Array(rows);
  const step = batchRows(features);
  for (let start = 0; start < rows; start += step) {
    const n = Math.min(step, rows - start);
    const r = await model.predict(x.subarray(start * features, (start + n) * features), n);
    output.set(r.output, start);
    target.set(r.target, start);
  }
  return { output, target };
}
