import { permutationImportance, type PermutationImportance, type Scorer } from './importance.ts';
import type { FeatureRows, Predictor } from './model.ts';
import { partialDependence, type PartialDependence } from './partial-dependence.ts';
import { sampleIndices, seededRandom } from './random.ts';
import { shapleyValues } from './shapley.ts';

export interface ExplainOptions {
  /** Rows (sampled) permutation importance is computed on. */
  importanceRows: number;
  repeats: number;
  /** Rows whose Shapley values are reported, and background rows the absent features are drawn from. */
  explainRows: number;
  backgroundRows: number;
  /** Coalitions sampled by KernelSHAP (above 12 features). */
  samples: number;
  /** Features (by permutation importance) with a partial dependence curve, its grid size and rows. */
  topFeatures: number;
  gridPoints: number;
  pdRows: number;
  seed: number;
}

export const DEFAULT_EXPLAIN: ExplainOptions = {
  importanceRows: 10_000,
  repeats: 5,
  explainRows: 50,
  backgroundRows: 20,
  samples: 2048,
  topFeatures: 3,
  gridPoints: 20,
  pdRows: 1000,
  seed: 0,
};

export interface Explanation {
  /** What the Shapley values and partial dependence explain. */
  output: string;
  scoring: string;
  options: ExplainOptions;
  permutationImportance: PermutationImportance & { rows: number };
  shapley: {
    method: 'exact' | 'kernel';
    coalitions: number;
    baseValue: number;
    additivityError: number;
    /** Mean |phi| per feature over the explained rows: the global view of the local explanations. */
    meanAbs: { feature: string; value: number }[];
    rows: { row: number; output: number; values: Record<string, number> }[];
  };
  partialDependence: PartialDependence[];
}

/** Each sensitive column's groups among the sampled rows, `values` the sampled rows' values. */
function groupsOf(sampled: Record<string, string[]>) {
  return Object.entries(sampled).map(([column, values]) => {
    const by = new Map<string, number[]>();
    values.forEach((g, k) => {
      let list = by.get(g);
      if (!list) by.set(g, (list = []));
      list.push(k);
    });
    const labels = [...by.keys()].sort();
    return { column, labels, rows: labels.map((l) => Int32Array.from(by.get(l)!)) };
  });
}

/**
 * Explains a model on evaluation rows: permutation importance (overall and per subgroup of each
 * sensitive column), Shapley values for a sample of rows, and partial dependence for the most
 * important features. Every sample is drawn from `opts.seed`, so the result is reproducible.
 * `scorerFor(rows)` scores predictions made for those rows (indices into `m`); `sensitiveOf(rows)`
 * gives each sensitive column's values of those rows.
 */
export async function explainModel(
  model: Predictor,
  m: FeatureRows,
  scorerFor: (rows: Int32Array) => Scorer,
  sensitiveOf: (rows: Int32Array) => Record<string, string[]>,
  describe: { output: string; scoring: string },
  opts: ExplainOptions = DEFAULT_EXPLAIN,
): Promise<Explanation> {
  const random = seededRandom(opts.seed);
  const importanceRows = sampleIndices(m.rows, opts.importanceRows, random);
  const pi = await permutationImportance(model, m.select(importanceRows), scorerFor(importanceRows), {
    repeats: opts.repeats,
    seed: opts.seed,
    groups: groupsOf(sensitiveOf(importanceRows)),
  });

  const explainedRows = sampleIndices(m.rows, opts.explainRows, random);
  const backgroundRows = sampleIndices(m.rows, opts.backgroundRows, random);
  const sh = await shapleyValues(model, m.select(explainedRows), m.select(backgroundRows), {
    samples: opts.samples,
    seed: opts.seed,
  });

  const ranked = pi.features.map((f, j) => ({ j, mean: f.mean })).sort((a, b) => b.mean - a.mean || a.j - b.j);
  const pdSample = m.select(sampleIndices(m.rows, opts.pdRows, random));
  const partial: PartialDependence[] = [];
  for (const { j } of ranked.slice(0, opts.topFeatures))
    partial.push(await partialDependence(model, pdSample, j, opts.gridPoints));

  return {
    ...describe,
    options: opts,
    permutationImportance: { ...pi, rows: importanceRows.length },
    shapley: {
      method: sh.method,
      coalitions: sh.coalitions,
      baseValue: sh.baseValue,
      additivityError: sh.additivityError,
      meanAbs: m.names.map((feature, j) => ({
        feature,
        value: sh.values.reduce((s, phi) => s + Math.abs(phi[j]!), 0) / sh.values.length,
      })),
      // Row numbers are 1-based like every other row reference in evaluation results.
      rows: sh.values.map((phi, k) => ({
        row: explainedRows[k]! + 1,
        output: sh.outputs[k]!,
        values: Object.fromEntries(m.names.map((n, j) => [n, phi[j]!])),
      })),
    },
    partialDependence: partial,
  };
}
