import { describe, expect, it } from 'vitest';
import {
  binomCdfHalf,
  comparePaired,
  mcnemar,
  pairedBootstrap,
  poissonWeight,
} from '../../src/domain/monitoring/paired.ts';
import { loadVectors } from '../helpers/vectors.ts';

const vectors = loadVectors('paired.json');
// The vectors' own tolerance: relative 1e-9, or absolute 1e-12 near zero.
const close = (a: number, e: number) =>
  Math.abs(a - e) <= 1e-9 * Math.max(Math.abs(a), Math.abs(e)) || Math.abs(a - e) <= 1e-12;

interface Case {
  id: string;
  inputs: { b: number; c: number };
  expected: Record<string, number>;
}

describe("McNemar's test against scipy (../shared/vectors/paired.json)", () => {
  it.skipIf(vectors.skip !== null)(vectors.skip ?? 'matches every case, every variant', () => {
    const cases = (vectors.doc!.cases as Case[]).filter((c) => c.id.startsWith('mcnemar'));
    expect(cases.length).toBeGreaterThan(0);
    const wrong: string[] = [];
    for (const c of cases) {
      const got = mcnemar(c.inputs.b, c.inputs.c) as unknown as Record<string, number>;
      for (const [k, e] of Object.entries(c.expected))
        if (!close(got[k]!, e)) wrong.push(`${c.id} ${k}: got ${got[k]}, expected ${e}`);
    }
    expect(wrong).toEqual([]);
  });
});

describe('paired statistics', () => {
  it('sums the binomial tail of a fair coin', () => {
    expect(binomCdfHalf(0, 1)).toBe(0.5);
    expect(binomCdfHalf(2, 4)).toBeCloseTo(11 / 16, 15);
    expect(binomCdfHalf(-1, 4)).toBe(0);
  });

  it('refuses counts that are not counts', () => {
    expect(() => mcnemar(-1, 2)).toThrow(RangeError);
    expect(() => mcnemar(1.5, 2)).toThrow(RangeError);
  });

  it('compares accuracy with McNemar on the discordant records', () => {
    // 10 records: champion right on 0-6, challenger right on 2-9.
    const y = new Float64Array(10).fill(1);
    const champion = new Float64Array(10).map((_, i) => (i < 7 ? 1 : 0));
    const challenger = new Float64Array(10).map((_, i) => (i >= 2 ? 1 : 0));
    const r = comparePaired({
      task: 'multiclass-classification',
      yTrue: y,
      champion: { yPred: champion },
      challenger: { yPred: challenger },
    });
    expect(r.rows).toBe(10);
    expect(r.metrics.accuracy).toMatchObject({ champion: 0.7, challenger: 0.8, test: 'mcnemar' });
    expect(r.metrics.accuracy!.difference).toBeCloseTo(0.1, 12);
    expect(r.metrics.accuracy!.mcnemar).toMatchObject({ b: 2, c: 3 });
    expect(r.metrics.accuracy!.p).toBe(mcnemar(2, 3).exact_p);
  });

  it('bootstraps AUC and regression error reproducibly for a seed, and the difference drives the p-value', () => {
    const n = 400;
    const random = (() => {
      let s = 1;
      return () => (s = (s * 16807) % 2147483647) / 2147483647;
    })();
    const y = new Float64Array(n).map(() => (random() < 0.5 ? 1 : 0));
    const good = y.map((t) => t * 0.6 + random() * 0.5);
    const poor = y.map((t) => t * 0.1 + random() * 0.5);
    const data = {
      task: 'binary-classification' as const,
      yTrue: y,
      champion: { yPred: poor.map((s) => (s > 0.3 ? 1 : 0)), score: poor },
      challenger: { yPred: good.map((s) => (s > 0.5 ? 1 : 0)), score: good },
    };
    const a = comparePaired(data, { seed: 3, resamples: 100 });
    const b = comparePaired(data, { seed: 3, resamples: 100 });
    expect(a).toEqual(b);
    const auc = a.metrics['roc-auc']!;
    expect(auc.improvement).toBeGreaterThan(0.2);
    expect(auc.p).toBeLessThan(0.05);
    expect(auc.bootstrap!.ci[0]).toBeGreaterThan(0);
    expect(comparePaired(data, { seed: 4, resamples: 100 }).metrics['roc-auc']!.bootstrap!.ci).not.toEqual(
      auc.bootstrap!.ci,
    );
    // The same scores on both sides: nothing to tell apart.
    const same = comparePaired({ ...data, challenger: data.champion }, { seed: 3, resamples: 50 });
    expect(same.metrics['roc-auc']!.p).toBe(1);

    const truth = new Float64Array(n).map(() => random() * 10);
    const reg = comparePaired(
      {
        task: 'regression',
        yTrue: truth,
        champion: { yPred: truth.map((t) => t + 2 * (random() - 0.5)) },
        challenger: { yPred: truth.map((t) => t + 0.2 * (random() - 0.5)) },
      },
      { seed: 1, resamples: 100 },
    );
    expect(reg.metrics.mae!.improvement).toBeGreaterThan(0.3);
    expect(reg.metrics.mae!.p).toBeLessThan(0.05);
    expect(reg.metrics.rmse!.challenger).toBeLessThan(reg.metrics.rmse!.champion);
  });

  it('draws Poisson(1) resampling weights from the seed, resample and record alone', () => {
    const n = 200_000;
    const counts = new Array<number>(8).fill(0);
    let sum = 0;
    for (let i = 0; i < n; i++) {
      const w = poissonWeight(17, 3, i);
      expect(w).toBe(poissonWeight(17, 3, i));
      counts[Math.min(w, 7)]!++;
      sum += w;
    }
    expect(sum / n).toBeCloseTo(1, 2);
    // P(0) = P(1) = 1/e, P(2) = 1/(2e).
    expect(counts[0]! / n).toBeCloseTo(Math.exp(-1), 2);
    expect(counts[1]! / n).toBeCloseTo(Math.exp(-1), 2);
    expect(counts[2]! / n).toBeCloseTo(Math.exp(-1) / 2, 2);
    let same = 0;
    for (let i = 0; i < 1000; i++) if (poissonWeight(17, 3, i) === poissonWeight(17, 4, i)) same++;
    expect(same).toBeLessThan(500);
  });

  it('has nothing to say about no records', () => {
    const e = new Float64Array(0);
    expect(comparePaired({ task: 'regression', yTrue: e, champion: { yPred: e }, challenger: { yPred: e } })).toEqual({
      rows: 0,
      metrics: {},
    });
    expect(pairedBootstrap(0, () => [NaN, NaN], { resamples: 3, seed: 1 }).resamples).toBe(0);
  });
});
