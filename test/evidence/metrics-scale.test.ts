import { describe, expect, it } from 'vitest';
import {
  medianByClass,
  rankedByClass,
  rocAuc,
  rocAucByClass,
  rocCurve,
  rocCurveByClass,
  scoresByClass,
} from '../../src/domain/metrics/classification.ts';
import { createProfiler } from '../../src/domain/metrics/data-profile.ts';
import { evaluate } from '../../src/domain/metrics/evaluate.ts';
import { readEvaluationData } from '../../src/tabular/parse.ts';
import { isCoded, valuesOf } from '../../src/domain/metrics/fairness.ts';
import { Readable } from 'node:stream';

/** A seeded generator, so a failure is reproducible. */
function lcg(seed: number) {
  let s = seed;
  return () => (s = (s * 16807) % 2147483647) / 2147483647;
}

function sample(n: number, distinct: number, seed: number) {
  const r = lcg(seed);
  const yTrue = new Float64Array(n);
  const scores = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    yTrue[i] = r() < 0.3 ? 1 : 0;
    // Few distinct values make ties; -0 must be one threshold with +0.
    const v = Math.floor(r() * distinct) / distinct;
    scores[i] = v === 0 && r() < 0.5 ? -0 : v;
  }
  return { yTrue, scores, ones: new Float64Array(n).fill(1) };
}

describe('ROC AUC, the ROC curve and the median from scores sorted by class', () => {
  it('equal the argsort walk exactly, with ties, -0 and either class missing', () => {
    for (const [n, distinct, seed] of [
      [0, 1, 1],
      [1, 1, 2],
      [7, 3, 3],
      [50, 2, 4],
      [100, 1000, 5],
      [5_000, 37, 6],
      [20_000, 1e9, 7],
    ] as const) {
      const { yTrue, scores, ones } = sample(n, distinct, seed);
      const byClass = scoresByClass(yTrue, scores);
      // With weights the argsort path runs; weights of one make it the unweighted result.
      expect(Object.is(rocAucByClass(byClass), rocAuc(yTrue, scores, ones))).toBe(true);
      for (const maxPoints of [101, 5, 2])
        expect(rocCurveByClass(byClass, maxPoints)).toEqual(rocCurve(yTrue, scores, ones, maxPoints));
      const sorted = Float64Array.from(scores).sort();
      const mid = n / 2;
      const median = n % 2 ? sorted[Math.floor(mid)]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
      expect(medianByClass(byClass)).toEqual(median);
    }
    const allPositive = scoresByClass([1, 1], [0.2, 0.9]);
    expect(rocAucByClass(allPositive)).toBeNaN();
    expect(rocCurveByClass(allPositive)).toEqual([]);
  });

  it('are split and sorted by value buckets exactly as a native sort of each class', () => {
    const r = lcg(17);
    const shapes: Record<string, () => number> = {
      uniform: () => r(),
      'few distinct scores': () => Math.floor(r() * 7) / 7,
      'zeros of both signs': () => (r() < 0.3 ? (r() < 0.5 ? -0 : 0) : r() - 0.5),
      'a few zeros of both signs': () => (r() < 0.0005 ? (r() < 0.5 ? -0 : 0) : r() - 0.5),
      skewed: () => r() ** 12,
      'an outlier far away': () => (r() < 0.001 ? 1e300 : r()),
      'a range too narrow to scale': () => -r() * 1e-300,
      'a range too wide to scale': () => (r() - 0.5) * 3e308,
      'one value': () => 0.25,
      'NaN among them': () => (r() < 0.01 ? NaN : r()),
    };
    const native = (yTrue: Float64Array, scores: Float64Array, label: number) =>
      Float64Array.from(scores.filter((_, i) => (yTrue[i] === 1) === (label === 1))).sort();
    const same = (a: Float64Array, b: Float64Array) => a.length === b.length && a.every((x, i) => Object.is(x, b[i]));
    const wrong: string[] = [];
    for (const [shape, score] of Object.entries(shapes))
      for (const n of [0, 3, 4_095, 4_096, 30_000]) {
        const yTrue = Float64Array.from({ length: n }, () => (r() < 0.3 ? 1 : 0));
        const scores = Float64Array.from({ length: n }, score);
        const byClass = scoresByClass(yTrue, scores);
        if (!same(byClass.positive, native(yTrue, scores, 1)) || !same(byClass.negative, native(yTrue, scores, 0)))
          wrong.push(`${shape}, ${n} scores`);
      }
    expect(wrong).toEqual([]);
  });

  it('give ROC AUC, the curve and the median in two walks as the three functions do', () => {
    for (const [n, distinct, seed] of [
      [0, 1, 11],
      [1, 1, 12],
      [2, 2, 13],
      [9, 3, 14],
      [5_000, 37, 15],
      [20_001, 1e9, 16],
      [20_000, 2, 17],
    ] as const) {
      const { yTrue, scores } = sample(n, distinct, seed);
      const byClass = scoresByClass(yTrue, scores);
      for (const maxPoints of [101, 2]) {
        const ranked = rankedByClass(byClass, maxPoints);
        expect(Object.is(ranked.rocAuc, rocAucByClass(byClass))).toBe(true);
        expect(ranked.roc).toEqual(rocCurveByClass(byClass, maxPoints));
        expect(Object.is(ranked.median, medianByClass(byClass))).toBe(true);
      }
    }
    // A zero of each sign in the middle: the one the merge takes second (positives' zeros come first).
    const zeros = scoresByClass([1, 0, 0], [-0, 0, 1]);
    expect(Object.is(medianByClass(zeros), 0)).toBe(true);
    expect(Object.is(rankedByClass(zeros).median, 0)).toBe(true);
  });

  it('keep the known values of a small case', () => {
    const byClass = scoresByClass([0, 1, 0, 1], [0.5, 0.5, 0.1, 0.9]);
    expect(rocAucByClass(byClass)).toBe(0.875);
    expect(rocCurveByClass(byClass)).toEqual([
      [0, 0],
      [0, 0.5],
      [0.5, 1],
      [1, 1],
    ]);
    expect(medianByClass(byClass)).toBe(0.5);
  });
});

describe('the data profile at scale', () => {
  it('counts duplicate rows exactly while its table of row hashes grows', () => {
    const profiler = createProfiler(['a', 'b']);
    // 30,000 distinct rows, then each of the first 7,000 again: the table grows past 4,096 slots.
    let row = 0;
    for (let i = 0; i < 30_000; i++) profiler.observe({ a: String(i), b: `x${i % 7}` }, ++row);
    for (let i = 0; i < 7_000; i++) profiler.observe({ a: String(i), b: `x${i % 7}` }, ++row);
    // Same text split differently across the columns is another row.
    profiler.observe({ a: '1', b: '2x' }, ++row);
    profiler.observe({ a: '12', b: 'x' }, ++row);
    profiler.observe({ a: undefined, b: 'x1' }, ++row);
    profiler.observe({ a: undefined, b: 'x1' }, ++row);
    const p = profiler.report();
    expect(p.rows).toBe(37_004);
    expect(p.duplicateRows).toBe(7_001);
    expect(p.duplicatesCheckedRows).toBe(37_004);
  });

  it('still scans cells past the distinct-value cap that a plain decimal check cannot clear', () => {
    const profiler = createProfiler(['p']);
    const r = lcg(9);
    let row = 0;
    // Scores whose fractions start 5-8: no detector can match them.
    for (let i = 0; i < 12_000; i++) profiler.observe({ p: String(0.5 + r() * 0.4) }, ++row);
    // A phone number written like a decimal (00 before the point) and a card number; a score
    // below 0.01 (00 after the point) is no phone number.
    profiler.observe({ p: '0049.301234567' }, ++row);
    profiler.observe({ p: '1.0049301234567' }, ++row);
    profiler.observe({ p: '4111111111111111' }, ++row);
    profiler.observe({ p: '-12.5' }, ++row);
    profiler.observe({ p: '.5' }, ++row);
    profiler.observe({ p: '5.' }, ++row);
    const col = profiler.report().columns[0]!;
    expect(col.distinctCapped).toBe(true);
    expect(col.type).toBe('numeric');
    expect(col.typeMismatches).toBe(0);
    expect(col.personalData).toEqual([
      { kind: 'payment-card', count: 1, sampleRows: [12_003] },
      { kind: 'phone', count: 1, sampleRows: [12_001] },
    ]);
  });
});

describe('evaluation data read into narrow columns', () => {
  it('holds binary labels as bytes and sensitive values as shared strings, with the same results', async () => {
    const rows = 70_000; // more than one chunk of 65,536 rows
    const lines = ['y,yhat,p,sex,region'];
    for (let i = 0; i < rows; i++)
      lines.push(
        `${i % 3 === 0 ? 'yes' : 'no'},${i % 5 === 0 ? 'no' : 'yes'},0.${(i * 7919) % 1000},${i % 2 ? 'f' : 'm'},${i % 7 === 0 ? '' : `r${i % 3}`}`,
      );
    const spec = {
      task: 'binary-classification' as const,
      label: 'y',
      prediction: 'yhat',
      score: 'p',
      sensitive: ['sex', 'region'],
    };
    const { data } = await readEvaluationData(Readable.from([Buffer.from(lines.join('\n'))]), 'csv', spec, {
      positiveLabel: 'yes',
      missingSensitiveAs: 'unknown',
      maxRows: rows,
      maxBytes: 1e8,
    });
    expect(data.yTrue).toBeInstanceOf(Uint8Array);
    expect(data.yPred).toBeInstanceOf(Uint8Array);
    expect(data.yTrue.length).toBe(rows);
    expect([data.yTrue[0], data.yTrue[1], data.yTrue[69_999]]).toEqual([1, 0, 1]);
    expect([data.yPred[0], data.yPred[1]]).toEqual([0, 1]);
    // Sensitive columns come as codes and their values, not a string a row.
    expect(isCoded(data.sensitive.region)).toBe(true);
    const region = valuesOf(data.sensitive.region!);
    const sex = valuesOf(data.sensitive.sex!);
    expect(region.length).toBe(rows);
    expect([region[0], region[1], sex[1]]).toEqual(['unknown', 'r1', 'f']);
    // The same evaluation from numbers in doubles and plain arrays of strings.
    const wide = {
      ...data,
      yTrue: Float64Array.from(data.yTrue),
      yPred: Float64Array.from(data.yPred),
      sensitive: { sex, region },
    };
    expect(evaluate(spec, data)).toEqual(evaluate(spec, wide));
    expect(evaluate(spec, data).rows).toBe(rows);
  });
});
