import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { explainModel, DEFAULT_EXPLAIN } from '../../src/domain/explain/explain.ts';
import { permutationImportance } from '../../src/domain/explain/importance.ts';
import { featureRows, type FeatureMatrix, type Predictor } from '../../src/domain/explain/model.ts';
import { partialDependence, pdGrid } from '../../src/domain/explain/partial-dependence.ts';
import { sampleIndices, seededRandom } from '../../src/domain/explain/random.ts';
import { shapleyValues } from '../../src/domain/explain/shapley.ts';
import { linearOnnxModel } from '../helpers/onnx-model.ts';

const matrix = (rows: number, f: number, seed: number): FeatureMatrix => {
  const r = seededRandom(seed);
  return {
    values: Float64Array.from({ length: rows * f }, () => Math.round((r() * 4 - 2) * 100) / 100),
    rows,
    features: f,
    names: Array.from({ length: f }, (_, j) => `x${j}`),
  };
};

/** A model written in TypeScript, for shapes ONNX test models do not cover. */
const jsModel = (fn: (x: Float64Array, at: number) => number, f: number): Predictor => ({
  async predict(x, rows) {
    const output = Float64Array.from({ length: rows }, (_, r) => fn(x, r * f));
    return { output, target: output };
  },
});

/** The ONNX model run by onnxruntime-node, output = the regression value or P(class 1). */
async function onnxModel(weights: number[], bias: number, kind: 'regression' | 'logistic'): Promise<Predictor> {
  const session = await ort.InferenceSession.create(linearOnnxModel({ weights, bias, kind }));
  const f = weights.length;
  return {
    async predict(x, rows) {
      const out = await session.run({ features: new ort.Tensor('float32', Float32Array.from(x), [rows, f]) });
      const data = out[kind === 'regression' ? 'variable' : 'probabilities']!.data as Float32Array;
      const output = Float64Array.from({ length: rows }, (_, r) => data[kind === 'regression' ? r : r * 2 + 1]!);
      return { output, target: kind === 'regression' ? output : output.map((p) => (p >= 0.5 ? 1 : 0)) };
    },
  };
}

const rows = (m: FeatureMatrix, from: number, to: number): FeatureMatrix => ({
  ...m,
  values: m.values.slice(from * m.features, to * m.features),
  rows: to - from,
});
const columnMean = (m: FeatureMatrix, j: number) =>
  Array.from({ length: m.rows }, (_, r) => m.values[r * m.features + j]!).reduce((a, b) => a + b, 0) / m.rows;

describe('Shapley values', () => {
  it('are exact for a linear model: phi_j = w_j (x_j - E[x_j]) over the background (ONNX, 4 features)', async () => {
    const w = [1.5, -2, 0.25, 0];
    const model = await onnxModel(w, 0.5, 'regression');
    const data = matrix(30, 4, 1);
    const explained = rows(data, 0, 10);
    const background = rows(data, 10, 30);
    const sh = await shapleyValues(model, explained, background, { samples: 0, seed: 0 });
    expect(sh.method).toBe('exact');
    expect(sh.coalitions).toBe(16);
    sh.values.forEach((phi, r) =>
      w.forEach((wj, j) =>
        expect(phi[j]).toBeCloseTo(wj * (explained.values[r * 4 + j]! - columnMean(background, j)), 5),
      ),
    );
    expect(sh.additivityError).toBeLessThan(1e-5);
  });

  it('match the definition for an interaction (x0 * x1 against one background row)', async () => {
    const model = jsModel((x, at) => x[at]! * x[at + 1]! + x[at + 2]!, 3);
    const explained: FeatureMatrix = {
      values: Float64Array.from([2, 3, 1]),
      rows: 1,
      features: 3,
      names: ['a', 'b', 'c'],
    };
    const background: FeatureMatrix = {
      values: Float64Array.from([1, -1, 0]),
      rows: 1,
      features: 3,
      names: ['a', 'b', 'c'],
    };
    const sh = await shapleyValues(model, explained, background, { samples: 0, seed: 0 });
    // v(empty) = -1, v(a) = -2, v(b) = 3, v(ab) = 6: phi_a = ((-2 - -1) + (6 - 3)) / 2 = 1, phi_b = ((3 - -1) + (6 - -2)) / 2 = 6.
    expect(Array.from(sh.values[0]!)).toEqual([1, 6, 1]);
    expect(sh.baseValue).toBe(-1);
  });

  it('use KernelSHAP above 12 features and still recover a linear model exactly (ONNX, 14 features)', async () => {
    const w = Array.from({ length: 14 }, (_, j) => (j % 3) - 1 + j / 10);
    const model = await onnxModel(w, -0.3, 'regression');
    const data = matrix(25, 14, 2);
    const explained = rows(data, 0, 5);
    const background = rows(data, 5, 25);
    const sh = await shapleyValues(model, explained, background, { samples: 256, seed: 7 });
    expect(sh.method).toBe('kernel');
    expect(sh.coalitions).toBe(258);
    sh.values.forEach((phi, r) =>
      w.forEach((wj, j) =>
        expect(phi[j]).toBeCloseTo(wj * (explained.values[r * 14 + j]! - columnMean(background, j)), 4),
      ),
    );
    expect(sh.additivityError).toBeLessThan(1e-9);
  });

  it('are reproducible for a seed and add up to f(x) - E[f] for a logistic model', async () => {
    const w = Array.from({ length: 13 }, (_, j) => Math.sin(j + 1));
    const model = await onnxModel(w, 0.2, 'logistic');
    const data = matrix(40, 13, 3);
    const a = await shapleyValues(model, rows(data, 0, 8), rows(data, 8, 40), { samples: 512, seed: 11 });
    const b = await shapleyValues(model, rows(data, 0, 8), rows(data, 8, 40), { samples: 512, seed: 11 });
    expect(a.values.map((v) => Array.from(v))).toEqual(b.values.map((v) => Array.from(v)));
    expect(a.additivityError).toBeLessThan(1e-9);
    a.outputs.forEach((o) => expect(o).toBeGreaterThan(0));
  });
});

describe('permutation importance and partial dependence', () => {
  it('gives an unused feature exactly zero importance and ranks the weights', async () => {
    const model = await onnxModel([3, 0, -1], 0, 'regression');
    const data = matrix(200, 3, 4);
    const truth = new Float64Array(200);
    for (let r = 0; r < 200; r++) truth[r] = 3 * data.values[r * 3]! - data.values[r * 3 + 2]!;
    const r2 = (target: Float64Array, rowsOf?: Int32Array) => {
      const idx = rowsOf ?? Int32Array.from({ length: target.length }, (_, i) => i);
      const mean = idx.reduce((s, i) => s + truth[i]!, 0) / idx.length;
      let res = 0;
      let tot = 0;
      for (const i of idx) {
        res += (truth[i]! - target[i]!) ** 2;
        tot += (truth[i]! - mean) ** 2;
      }
      return 1 - res / tot;
    };
    const groups = [
      {
        column: 'g',
        labels: ['a', 'b'],
        rows: [
          Int32Array.from({ length: 100 }, (_, i) => i * 2),
          Int32Array.from({ length: 100 }, (_, i) => i * 2 + 1),
        ],
      },
    ];
    const pi = await permutationImportance(model, data, r2, { repeats: 4, seed: 5, groups });
    expect(pi.baseline).toBeCloseTo(1, 5);
    expect(pi.features[1]).toEqual({ feature: 'x1', mean: 0, std: 0 });
    expect(pi.features[0]!.mean).toBeGreaterThan(pi.features[2]!.mean);
    expect(pi.features[2]!.mean).toBeGreaterThan(0.1);
    expect(pi.bySubgroup.map((g) => [g.group, g.rows])).toEqual([
      ['a', 100],
      ['b', 100],
    ]);
    expect(pi.bySubgroup[0]!.features[1]!.mean).toBe(0);
    const again = await permutationImportance(model, data, r2, { repeats: 4, seed: 5, groups });
    expect(again).toEqual(pi);
  });

  it("follows a linear model with slope w_j over sklearn's grid", async () => {
    const model = await onnxModel([2, -0.5], 1, 'regression');
    const data = matrix(100, 2, 6);
    const pd = await partialDependence(model, data, 0, 10);
    expect(pd.grid).toHaveLength(10);
    const slope = (pd.average[9]! - pd.average[0]!) / (pd.grid[9]! - pd.grid[0]!);
    expect(slope).toBeCloseTo(2, 4);
    expect(pd.average[0]).toBeCloseTo(1 + 2 * pd.grid[0]! - 0.5 * columnMean(data, 1), 4);
    // scikit-learn's grid: mquantiles (scipy, alphap = betap = 0.4) at 5% and 95%, checked against scipy 1.10.
    const spread: FeatureMatrix = {
      values: Float64Array.from({ length: 50 }, (_, i) => ((i * 37) % 101) / 7),
      rows: 50,
      features: 1,
      names: ['x'],
    };
    const g = pdGrid(spread, 0, 20);
    expect(g).toHaveLength(20);
    expect(g[0]).toBeCloseTo(0.4157142857142857, 12);
    expect(g[19]).toBeCloseTo(13.727142857142857, 12);
    const seventeen: FeatureMatrix = {
      values: Float64Array.from({ length: 40 }, (_, i) => (i * 13) % 17),
      rows: 40,
      features: 1,
      names: ['x'],
    };
    expect(pdGrid(seventeen, 0, 17).at(-1)).toBeCloseTo(15.59, 12);
    expect(pdGrid(seventeen, 0, 18)).toHaveLength(17);
    // Few distinct values: the grid is the values themselves.
    const binary: FeatureMatrix = {
      values: Float64Array.from([0, 1, 1, 0, 1, 1]),
      rows: 3,
      features: 2,
      names: ['a', 'b'],
    };
    expect(pdGrid(binary, 0, 10)).toEqual([0, 1]);
  });

  it('puts it together, reproducibly, with per-subgroup importance', async () => {
    const model = await onnxModel([1, -1, 0.5], 0, 'logistic');
    const data = matrix(300, 3, 8);
    const truth = new Float64Array(300);
    for (let r = 0; r < 300; r++) truth[r] = data.values[r * 3]! - data.values[r * 3 + 1]! > 0 ? 1 : 0;
    const scorer = (sample: Int32Array) => (target: Float64Array, rowsOf?: Int32Array) => {
      const idx = rowsOf ?? Int32Array.from({ length: sample.length }, (_, i) => i);
      return idx.reduce((s, k) => s + (target[k] === truth[sample[k]!] ? 1 : 0), 0) / idx.length;
    };
    const sensitive = (rows: Int32Array) => ({ g: Array.from(rows, (i) => (i % 3 === 0 ? 'p' : 'q')) });
    const opts = { ...DEFAULT_EXPLAIN, explainRows: 5, backgroundRows: 10 };
    const rows = featureRows(data);
    const e = await explainModel(model, rows, scorer, sensitive, { output: 'P(1)', scoring: 'accuracy' }, opts);
    expect(e.shapley.method).toBe('exact');
    expect(e.shapley.rows).toHaveLength(5);
    expect(e.permutationImportance.bySubgroup.map((g) => g.group)).toEqual(['p', 'q']);
    expect(e.partialDependence.map((p) => p.feature)).toHaveLength(3);
    expect(e.partialDependence[2]!.feature).toBe('x2');
    expect(await explainModel(model, rows, scorer, sensitive, { output: 'P(1)', scoring: 'accuracy' }, opts)).toEqual(
      e,
    );
  });
});

describe('sampleIndices', () => {
  it('draws k distinct ascending indices, each row about equally often, holding only k', () => {
    const random = seededRandom(3);
    expect(Array.from(sampleIndices(5, 9, random))).toEqual([0, 1, 2, 3, 4]);
    const hits = new Float64Array(100);
    for (let t = 0; t < 4000; t++) {
      const s = sampleIndices(100, 10, random);
      expect(s).toHaveLength(10);
      for (let k = 1; k < s.length; k++) expect(s[k]!).toBeGreaterThan(s[k - 1]!);
      for (const i of s) hits[i]!++;
    }
    // 400 expected a row; a biased draw (the last rows favoured, say) would leave this band.
    for (const h of hits) {
      expect(h).toBeGreaterThan(310);
      expect(h).toBeLessThan(490);
    }
    // A billion rows cost no more than ten: nothing the size of n is allocated.
    expect(sampleIndices(1e9, 10, random)).toHaveLength(10);
  });
});
