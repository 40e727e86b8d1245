import { batchRows, type FeatureMatrix, type Predictor } from './model.ts';
import { seededRandom } from './random.ts';

/** Up to this many features Shapley values are exact (2^F coalitions); above, KernelSHAP sampling. */
export const EXACT_SHAPLEY_MAX_FEATURES = 12;

export interface ShapleyResult {
  method: 'exact' | 'kernel';
  /** E[f] over the background rows: the value every explanation starts from. */
  baseValue: number;
  /** One row per explained row, one value per feature (same order as the matrix's names). */
  values: Float64Array[];
  /** f(x) of each explained row. */
  outputs: Float64Array;
  /** Coalitions evaluated (2^F when exact). */
  coalitions: number;
  /** Largest |baseValue + sum(values) - f(x)| over the explained rows: 0 up to rounding by construction. */
  additivityError: number;
}

/**
 * Interventional value of every coalition for every explained row: v(S)[r] is the mean model output
 * over the background rows with the features in S taken from row r. Coalitions are 0/1 per feature.
 */
async function coalitionValues(
  model: Predictor,
  explained: FeatureMatrix,
  background: FeatureMatrix,
  coalitions: Uint8Array[],
): Promise<Float64Array> {
  const f = explained.features;
  const R = explained.rows;
  const K = background.rows;
  const perCoalition = R * K;
  const out = new Float64Array(coalitions.length * R);
  const step = Math.max(1, Math.floor(batchRows(f) / perCoalition));
  for (let c0 = 0; c0 < coalitions.length; c0 += step) {
    const cs = coalitions.slice(c0, c0 + step);
    const x = new Float64Array(cs.length * perCoalition * f);
    let at = 0;
    for (const z of cs) {
      for (let r = 0; r < R; r++) {
        for (let k = 0; k < K; k++) {
          for (let j = 0; j < f; j++) x[at++] = z[j] ? explained.values[r * f + j]! : background.values[k * f + j]!;
        }
      }
    }
    const { output } = await model.predict(x, cs.length * perCoalition);
    for (let c = 0; c < cs.length; c++) {
      for (let r = 0; r < R; r++) {
        let s = 0;
        const base = (c * R + r) * K;
        for (let k = 0; k < K; k++) s += output[base + k]!;
        out[(c0 + c) * R + r] = s / K;
      }
    }
  }
  return out;
}

/** 1 / (F * C(F-1, s)) = s!(F-s-1)!/F!, the Shapley weight of a coalition of size s without feature i. */
function shapleyWeight(f: number, s: number): number {
  let c = 1;
  for (let k = 1; k <= s; k++) c = (c * (f - 1 - s + k)) / k;
  return 1 / (f * c);
}

const popcount = (m: number): number => {
  let c = 0;
  for (let x = m; x; x &= x - 1) c++;
  return c;
};

/** Solves G X = B in place by Gaussian elimination with partial pivoting; B holds `m` right-hand sides per row. */
function solve(G: Float64Array, B: Float64Array, n: number, m: number): void {
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(G[r * n + col]!) > Math.abs(G[pivot * n + col]!)) pivot = r;
    if (Math.abs(G[pivot * n + col]!) < 1e-12)
      throw new Error('the sampled coalitions do not determine every feature; raise the number of samples');
    if (pivot !== col) {
      for (let k = 0; k < n; k++) [G[col * n + k], G[pivot * n + k]] = [G[pivot * n + k]!, G[col * n + k]!];
      for (let k = 0; k < m; k++) [B[col * m + k], B[pivot * m + k]] = [B[pivot * m + k]!, B[col * m + k]!];
    }
    for (let r = 0; r < n; r++) {
      if (r === col) continue;
      const factor = G[r * n + col]! / G[col * n + col]!;
      if (factor === 0) continue;
      for (let k = col; k < n; k++) G[r * n + k]! -= factor * G[col * n + k]!;
      for (let k = 0; k < m; k++) B[r * m + k]! -= factor * B[col * m + k]!;
    }
  }
  for (let r = 0; r < n; r++) for (let k = 0; k < m; k++) B[r * m + k]! /= G[r * n + r]!;
}

/**
 * Interventional Shapley values of `explained` rows against a background sample. Exact over all
 * 2^F coalitions for F <= 12; above that KernelSHAP: `samples` coalitions drawn (in complementary
 * pairs) from the Shapley kernel, solved by least squares under the efficiency constraint
 * sum(phi) = f(x) - E[f]. For an additive model both methods give the exact values.
 */
export async function shapleyValues(
  model: Predictor,
  explained: FeatureMatrix,
  background: FeatureMatrix,
  opts: { samples: number; seed: number },
): Promise<ShapleyResult> {
  const F = explained.features;
  const R = explained.rows;
  const empty = new Uint8Array(F);
  const full = new Uint8Array(F).fill(1);
  let values: Float64Array[];
  let base: number;
  let outputs: Float64Array;
  let coalitionCount: number;
  let method: ShapleyResult['method'];

  if (F <= EXACT_SHAPLEY_MAX_FEATURES) {
    method = 'exact';
    const masks = Array.from({ length: 2 ** F }, (_, m) => Uint8Array.from({ length: F }, (_, j) => (m >> j) & 1));
    const v = await coalitionValues(model, explained, background, masks);
    coalitionCount = masks.length;
    base = v[0]!;
    outputs = v.slice((2 ** F - 1) * R, 2 ** F * R);
    const weights = Array.from({ length: F }, (_, s) => shapleyWeight(F, s));
    values = Array.from({ length: R }, () => new Float64Array(F));
    for (let m = 0; m < 2 ** F; m++) {
      const w = weights[popcount(m)]!;
      for (let i = 0; i < F; i++) {
        if (m & (1 << i)) continue;
        const with_ = (m | (1 << i)) * R;
        for (let r = 0; r < R; r++) values[r]![i]! += w * (v[with_ + r]! - v[m * R + r]!);
      }
    }
  } else {
    method = 'kernel';
    const random = seededRandom(opts.seed);
    // Coalition size k is drawn with probability proportional to (F-1)/(k(F-k)), the kernel's total
    // mass at size k; each drawn coalition then carries the same weight.
    const mass = Array.from({ length: F - 1 }, (_, i) => 1 / ((i + 1) * (F - i - 1)));
    const total = mass.reduce((a, b) => a + b, 0);
    const coalitions: Uint8Array[] = [empty, full];
    const pairs = Math.max(F, Math.ceil(opts.samples / 2));
    for (let p = 0; p < pairs; p++) {
      let u = random() * total;
      let k = 1;
      while (k < F - 1 && u >= mass[k - 1]!) u -= mass[k++ - 1]!;
      const z = new Uint8Array(F);
      const order = Int32Array.from({ length: F }, (_, i) => i);
      for (let i = 0; i < k; i++) {
        const j = i + Math.floor(random() * (F - i));
        [order[i], order[j]] = [order[j]!, order[i]!];
        z[order[i]!] = 1;
      }
      coalitions.push(
        z,
        z.map((b) => 1 - b),
      );
    }
    const v = await coalitionValues(model, explained, background, coalitions);
    coalitionCount = coalitions.length;
    base = v[0]!;
    outputs = v.slice(R, 2 * R);
    const M = coalitions.length - 2;
    const n = F - 1;
    const G = new Float64Array(n * n);
    const B = new Float64Array(n * R);
    for (let s = 0; s < M; s++) {
      const z = coalitions[s + 2]!;
      const last = z[F - 1]!;
      for (let i = 0; i < n; i++) {
        const ai = z[i]! - last;
        if (ai === 0) continue;
        for (let j = 0; j < n; j++) G[i * n + j]! += ai * (z[j]! - last);
        for (let r = 0; r < R; r++) B[i * R + r]! += ai * (v[(s + 2) * R + r]! - base - last * (outputs[r]! - base));
      }
    }
    solve(G, B, n, R);
    values = Array.from({ length: R }, (_, r) => {
      const phi = new Float64Array(F);
      let sum = 0;
      for (let i = 0; i < n; i++) sum += phi[i] = B[i * R + r]!;
      phi[F - 1] = outputs[r]! - base - sum;
      return phi;
    });
  }
  let additivityError = 0;
  values.forEach((phi, r) => {
    additivityError = Math.max(additivityError, Math.abs(base + phi.reduce((a, b) => a + b, 0) - outputs[r]!));
  });
  return { method, baseValue: base, values, outputs, coalitions: coalitionCount, additivityError };
}
