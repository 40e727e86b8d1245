import { describe, expect, it } from 'vitest';
import { confusion, logLoss, RATES, rocAuc } from '../src/domain/metrics/classification.ts';
import { disaggregate, groupRows } from '../src/domain/metrics/fairness.ts';
import { REGRESSION } from '../src/domain/metrics/regression.ts';
import { runMetricsVectors } from '../src/domain/metrics/vectors.ts';
import { loadVectors } from './helpers/vectors.ts';

const metrics = loadVectors('metrics.json');

describe('performance and fairness metrics against the golden vectors (../shared/vectors/metrics.json)', () => {
  it.skipIf(metrics.skip !== null)(metrics.skip ?? 'match fairlearn 0.12, scikit-learn and AIF360 on every fairness and performance case', () => {
    const outcomes = runMetricsVectors(metrics.doc!);
    const run = outcomes.filter((o) => !o.skipped);
    expect(run.length).toBeGreaterThanOrEqual(9);
    expect(run.filter((o) => !o.ok)).toEqual([]);
  });
});

describe('metric edge cases', () => {
  it('follows scikit-learn where a rate divides by zero', () => {
    const c = confusion([0, 0, 0], [0, 0, 0]);
    expect([RATES.precision!(c), RATES.recall!(c), RATES.f1!(c), RATES.tpr!(c), RATES.selection_rate!(c)]).toEqual([0, 0, 0, 0, 0]);
    expect(rocAuc([1, 1], [0.2, 0.9])).toBeNaN();
    expect(rocAuc([0, 1, 0, 1], [0.5, 0.5, 0.1, 0.9])).toBeCloseTo(0.875, 12);
    expect(logLoss([1, 0], [1, 0])).toBeCloseTo(2.220446049250313e-16, 20);
    expect(REGRESSION.r2!([3, 3, 3], [3, 3, 3])).toBe(1);
    expect(REGRESSION.r2!([3, 3, 3], [2, 3, 4])).toBe(0);
    expect(REGRESSION.r2!([3], [2])).toBeNaN();
  });

  it('aggregates groups as MetricFrame does, keeping empty intersections as NaN', () => {
    const g = groupRows({ sex: ['F', 'M', 'F'], band: ['a', 'a', 'b'] });
    expect(g.labels).toEqual([['F', 'a'], ['F', 'b'], ['M', 'a'], ['M', 'b']]);
    expect(g.rows).toEqual([[0], [2], [1], []]);
    const d = disaggregate(0.5, [0.2, NaN, 0.8, 0]);
    expect(d).toMatchObject({ groupMin: 0, groupMax: 0.8, differenceBetweenGroups: 0.8, ratioBetweenGroups: 0, ratioToOverall: 0 });
    expect(() => groupRows(['a', null])).toThrow(/explicit category/);
  });
});
