import { describe, expect, it } from 'vitest';
import {
  DEFAULT_ROBUSTNESS,
  parseRobustnessMetric,
  type RobustnessOptions,
} from '../../src/domain/robustness/options.ts';
import { robustnessRun, RobustnessOptionsError } from '../../src/domain/robustness/robustness.ts';
import { seededRandom } from '../../src/domain/explain/random.ts';
import { heldRows } from '../../src/domain/explain/model.ts';
import { loadOnnx } from '../../src/tabular/onnx.ts';
import { linearOnnxModel } from '../helpers/onnx-model.ts';

const WEIGHTS = [1.5, -1, 0.8];
const N = 3000;

/** Rows whose label follows the logistic model (with 5% flipped), a categorical-looking third feature, two groups. */
function data() {
  const random = seededRandom(42);
  const values = new Float64Array(N * 3);
  const yTrue = new Float64Array(N);
  const sex: string[] = [];
  for (let i = 0; i < N; i++) {
    const x = [random() * 4 - 2, random() * 4 - 2, Math.floor(random() * 4)];
    values.set(x, i * 3);
    const z = WEIGHTS.reduce((s, w, j) => s + w * x[j]!, -1.2);
    yTrue[i] = z > 0 !== random() < 0.05 ? 1 : 0;
    sex.push(i % 3 === 0 ? 'F' : 'M');
  }
  return { m: { values, rows: N, features: 3, names: ['income', 'debt', 'segment'] }, yTrue, sensitive: { sex } };
}

async function run(
  opts: Partial<RobustnessOptions>,
  model = linearOnnxModel({ weights: WEIGHTS, bias: -1.2, kind: 'logistic' }),
) {
  const loaded = await loadOnnx(model, 'binary-classification', { features: ['income', 'debt', 'segment'] });
  try {
    const d = data();
    return await robustnessRun(
      loaded.predictor('binary-classification', '1', () => 0),
      { task: 'binary-classification', ...heldRows(d.m, { yTrue: d.yTrue }, d.sensitive) },
      [],
      { ...DEFAULT_ROBUSTNESS, ...opts },
    );
  } finally {
    await loaded.release();
  }
}

describe('robustness runs over a real ONNX model', () => {
  it('are reproducible for a seed, and differ for another', async () => {
    const opts = { noise: [0.1, 0.5], swapRates: [0.2], categorical: ['segment'], rows: 1000, seed: 7 };
    const a = await run(opts);
    const b = await run(opts);
    expect(b).toEqual(a);
    expect(a.rows).toBe(1000);
    const c = await run({ ...opts, seed: 8 });
    expect(c.checks['robustness.auc@0.5sd']).not.toBe(a.checks['robustness.auc@0.5sd']);
    // A level draws from its own stream: dropping another level leaves its curve point alone.
    const alone = await run({ ...opts, noise: [0.5] });
    expect(alone.levels.find((l) => l.key === '0.5sd')!.metrics).toEqual(
      a.levels.find((l) => l.key === '0.5sd')!.metrics,
    );
  });

  it('degrades more under larger noise, overall and in each group', async () => {
    const r = await run({ noise: [0.05, 0.25, 1, 3] });
    const drops = r.levels.map((l) => l.drop.auc!);
    expect(r.levels.map((l) => l.key)).toEqual(['0.05sd', '0.25sd', '1sd', '3sd']);
    for (let k = 1; k < drops.length; k++) expect(drops[k]!).toBeGreaterThan(drops[k - 1]!);
    expect(drops[0]!).toBeLessThan(0.02);
    expect(drops[3]!).toBeGreaterThan(0.1);
    expect(r.baseline.metrics.auc).toBeGreaterThan(0.9);
    expect(r.checks['robustness.auc-drop@3sd']).toBeCloseTo(
      r.baseline.metrics.auc! - r.checks['robustness.auc@3sd']!,
      12,
    );
    // Log loss is lower-is-better: its drop is its rise.
    expect(r.checks['robustness.log-loss-drop@3sd']).toBeCloseTo(
      r.levels[3]!.metrics['log-loss']! - r.baseline.metrics['log-loss']!,
      12,
    );
    for (const g of ['F', 'M']) {
      const at = (k: number) => r.levels[k]!.groups.find((x) => x.group === g)!.drop.auc!;
      expect(at(3)).toBeGreaterThan(at(0));
    }
    const worst = r.levels[3]!.worstGroup.auc!;
    expect(worst.column).toBe('sex');
    expect(r.checks['robustness.worst-group.auc-drop@3sd']).toBe(
      Math.max(...r.levels[3]!.groups.map((g) => g.drop.auc!)),
    );
    expect(r.features.map((f) => [f.name, f.kind])).toEqual([
      ['income', 'numerical'],
      ['debt', 'numerical'],
      ['segment', 'numerical'],
    ]);
  });

  it('swaps categories at the rates given and leaves them out of the noise', async () => {
    const r = await run({ noise: [1], swapRates: [0.1, 0.9], categorical: ['segment'] });
    const segment = r.features.find((f) => f.name === 'segment')!;
    expect(segment).toMatchObject({ kind: 'categorical', categories: 4 });
    const swap = r.levels.filter((l) => l.kind === 'swap');
    expect(swap.map((l) => l.key)).toEqual(['swap0.1', 'swap0.9']);
    expect(swap[1]!.drop.accuracy!).toBeGreaterThan(swap[0]!.drop.accuracy!);
    expect(swap[0]!.drop.accuracy!).toBeGreaterThan(0);
    // Only income and debt are noised: noising segment too would degrade further.
    const all = await run({ noise: [1] });
    expect(all.checks['robustness.auc-drop@1sd']!).toBeGreaterThan(r.checks['robustness.auc-drop@1sd']!);
  });

  it('injects missing values only where the model accepts them', async () => {
    const plain = await run({ noise: [], missingRates: [0.1] });
    expect(plain.missing).toMatchObject({ injected: true, accepted: false });
    expect(plain.missing.reason).toMatch(/does not accept missing values/);
    expect(plain.levels).toEqual([]);
    expect(plain.checks).toEqual({});
    const imputing = linearOnnxModel({ weights: WEIGHTS, bias: -1.2, kind: 'logistic', imputeMissing: true });
    const r = await run({ noise: [], missingRates: [0.05, 0.5] }, imputing);
    expect(r.missing).toEqual({ injected: true, accepted: true });
    expect(r.levels.map((l) => l.key)).toEqual(['missing0.05', 'missing0.5']);
    expect(r.checks['robustness.accuracy-drop@missing0.5']!).toBeGreaterThan(
      r.checks['robustness.accuracy-drop@missing0.05']!,
    );
  });

  it('reports a model that refuses missing values outright as not accepting them', async () => {
    const d = data();
    // A predictor that validates its input, as some runtimes do, instead of answering NaN.
    const strict = {
      async predict(x: Float64Array, rows: number) {
        if (x.some(Number.isNaN)) throw new Error('input holds NaN');
        const output = new Float64Array(rows);
        for (let r = 0; r < rows; r++) output[r] = 1 / (1 + Math.exp(-(1.5 * x[r * 3]! - x[r * 3 + 1]!)));
        return { output, target: output.map((p) => (p >= 0.5 ? 1 : 0)) };
      },
    };
    const r = await robustnessRun(
      strict,
      { task: 'binary-classification', ...heldRows(d.m, { yTrue: d.yTrue }, d.sensitive) },
      [],
      {
        ...DEFAULT_ROBUSTNESS,
        noise: [0.5],
        missingRates: [0.1, 0.2],
      },
    );
    expect(r.missing).toEqual({
      injected: true,
      accepted: false,
      reason: 'with missing values the model failed to run (input holds NaN): it does not accept missing values',
    });
    expect(r.levels.map((l) => l.key)).toEqual(['0.5sd']);
  });

  it('refuses options out of bounds, naming each', async () => {
    const problems = async (opts: Partial<RobustnessOptions>) => {
      const err = await run(opts).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RobustnessOptionsError);
      return (err as RobustnessOptionsError).problems.map((p) => p.pointer);
    };
    expect(await problems({ noise: [0] })).toEqual(['/noise']);
    expect(await problems({ noise: [6] })).toEqual(['/noise']);
    expect(await problems({ noise: Array.from({ length: 11 }, (_, i) => (i + 1) / 10) })).toEqual(['/noise']);
    expect(await problems({ noise: [0.1, 0.1] })).toEqual(['/noise']);
    expect(await problems({ swapRates: [1.5], categorical: ['segment'] })).toEqual(['/swapRates']);
    expect(await problems({ missingRates: [-0.1] })).toEqual(['/missingRates']);
    expect(await problems({ categorical: ['age'] })).toEqual(['/categorical']);
    expect(await problems({ perturb: ['income', 'nope'] })).toEqual(['/perturb']);
    expect(await problems({ swapRates: [0.1] })).toEqual(['/swapRates']);
    expect(await problems({ noise: [], swapRates: [], missingRates: [] })).toEqual(['/noise']);
    expect(
      await problems({
        rows: 1_000_000,
        noise: [0.1, 0.2, 0.3, 0.4, 0.5, 1, 2, 3, 4, 5],
        swapRates: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1],
        categorical: ['segment'],
      }),
    ).toEqual(['/rows']);
  });
});

describe('robustness metric names', () => {
  it('reads the names runs record', () => {
    expect(parseRobustnessMetric('robustness.auc-drop@0.1sd')).toEqual({
      ok: true,
      metric: 'auc',
      drop: true,
      worstGroup: false,
      kind: 'noise',
      level: 0.1,
    });
    expect(parseRobustnessMetric('robustness.worst-group.log-loss-drop@swap0.05')).toMatchObject({
      ok: true,
      metric: 'log-loss',
      worstGroup: true,
      kind: 'swap',
    });
    expect(parseRobustnessMetric('robustness.mae@missing1')).toMatchObject({ ok: true, kind: 'missing', level: 1 });
  });

  it('refuses malformed ones, saying why', () => {
    const why = (name: string) => {
      const r = parseRobustnessMetric(name);
      return r.ok ? 'accepted' : r.message;
    };
    expect(why('robustness.auc-drop')).toMatch(/robustness\.\[worst-group\.\]<metric>\[-drop\]@<level>/);
    expect(why('robustness.precision-drop@0.1sd')).toMatch(/'precision'.*not a metric robustness runs record/);
    expect(why('robustness.auc-drop@0.10sd')).toMatch(/plain decimal without trailing zeros/);
    expect(why('robustness.auc-drop@.1sd')).toMatch(/plain decimal/);
    expect(why('robustness.auc-drop@0.1')).toMatch(/not a perturbation level/);
    expect(why('robustness.auc-drop@swap2')).toMatch(/outside/);
    expect(why('robustness.auc-drop@9sd')).toMatch(/outside/);
  });
});
