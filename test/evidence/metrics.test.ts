import { describe, expect, it } from 'vitest';
import { confusion, logLoss, radixArgsort, RATES, rocAuc, rocCurve } from '../../src/domain/metrics/classification.ts';
import { disaggregate, groupedConfusion, groupRows } from '../../src/domain/metrics/fairness.ts';
import { REGRESSION } from '../../src/domain/metrics/regression.ts';
import { runMetricsVectors } from '../../src/domain/metrics/vectors.ts';
import { loadVectors } from '../helpers/vectors.ts';

const metrics = loadVectors('metrics.json');

describe('performance, fairness and drift metrics against the golden vectors (../shared/vectors/metrics.json)', () => {
  it.skipIf(metrics.skip !== null)(
    metrics.skip ?? 'match fairlearn 0.12, scikit-learn, AIF360, scipy and Evidently on every case',
    () => {
      const outcomes = runMetricsVectors(metrics.doc!);
      expect(outcomes.filter((o) => o.skipped)).toEqual([]);
      expect(outcomes.filter((o) => o.name.includes('drift')).length).toBeGreaterThanOrEqual(22);
      expect(outcomes.filter((o) => !o.ok)).toEqual([]);
    },
  );
});

describe('metric edge cases', () => {
  it('follows scikit-learn where a rate divides by zero', () => {
    const c = confusion([0, 0, 0], [0, 0, 0]);
    expect([RATES.precision!(c), RATES.recall!(c), RATES.f1!(c), RATES.tpr!(c), RATES.selection_rate!(c)]).toEqual([
      0, 0, 0, 0, 0,
    ]);
    expect(rocAuc([1, 1], [0.2, 0.9])).toBeNaN();
    expect(rocAuc([0, 1, 0, 1], [0.5, 0.5, 0.1, 0.9])).toBeCloseTo(0.875, 12);
    expect(logLoss([1, 0], [1, 0])).toBeCloseTo(2.220446049250313e-16, 20);
    expect(REGRESSION.r2!([3, 3, 3], [3, 3, 3])).toBe(1);
    expect(REGRESSION.r2!([3, 3, 3], [2, 3, 4])).toBe(0);
    expect(REGRESSION.r2!([3], [2])).toBeNaN();
  });

  it('aggregates groups as MetricFrame does, keeping empty intersections as NaN', () => {
    const g = groupRows({ sex: ['F', 'M', 'F'], band: ['a', 'a', 'b'] });
    expect(g.labels).toEqual([
      ['F', 'a'],
      ['F', 'b'],
      ['M', 'a'],
      ['M', 'b'],
    ]);
    expect(g.rows).toEqual([[0], [2], [1], []]);
    const d = disaggregate(0.5, [0.2, NaN, 0.8, 0]);
    expect(d).toMatchObject({
      groupMin: 0,
      groupMax: 0.8,
      differenceBetweenGroups: 0.8,
      ratioBetweenGroups: 0,
      ratioToOverall: 0,
    });
    expect(() => groupRows(['a', null])).toThrow(/explicit category/);
  });
});

describe('multiclass metrics and NYC LL144 impact ratios', () => {
  it('averages per-class scores the scikit-learn ways', async () => {
    const { multiclass } = await import('../../src/domain/metrics/multiclass.ts');
    const m = multiclass(['cat', 'dog', 'bird', 'cat', 'dog', 'bird'], ['cat', 'cat', 'bird', 'dog', 'dog', 'cat']);
    expect(m.labels).toEqual(['bird', 'cat', 'dog']);
    expect(m.confusionMatrix).toEqual([
      [1, 1, 0],
      [0, 1, 1],
      [0, 1, 1],
    ]);
    expect(m.accuracy).toBe(0.5);
    // sklearn: precision_score(average='macro') = mean(1, 1/3, 1/2); recall all 0.5
    expect(m.macro.precision).toBeCloseTo((1 + 1 / 3 + 1 / 2) / 3, 15);
    expect(m.macro.recall).toBeCloseTo(0.5, 15);
    expect(m.micro).toEqual({ precision: 0.5, recall: 0.5, f1: 0.5 });
    expect(m.weighted.f1).toBeCloseTo((2 / 3 + 0.4 + 0.5) / 3, 15);
    const zero = multiclass(['a', 'a'], ['b', 'b']);
    expect(zero.perClass.find((c) => c.label === 'b')).toMatchObject({ precision: 0, recall: 0, f1: 0, support: 0 });
  });

  it('computes selection and scoring impact ratios, excluding categories under 2% from the comparison', async () => {
    const { selectionImpactRatios, scoringImpactRatios } = await import('../../src/domain/metrics/impact-ratio.ts');
    const cats = [...Array(60).fill('F'), ...Array(39).fill('M'), 'X'];
    const selected = cats.map((c, i) => (c === 'F' ? (i % 2 === 0 ? 1 : 0) : c === 'M' ? 1 : 1));
    const r = selectionImpactRatios(cats, selected);
    expect(r.rows).toEqual([
      { category: 'F', count: 60, rate: 0.5, impactRatio: 0.5, excluded: false },
      { category: 'M', count: 39, rate: 1, impactRatio: 1, excluded: false },
      { category: 'X', count: 1, rate: 1, impactRatio: null, excluded: true },
    ]);
    const s = scoringImpactRatios(['A', 'A', 'B', 'B'], [1, 4, 2, 3]);
    expect(s.median).toBe(2.5);
    expect(s.rows.map((x) => x.impactRatio)).toEqual([1, 1]);
  });
});

describe('multiclass probabilities', () => {
  it('log loss and ROC AUC (one-vs-rest macro/weighted, one-vs-one) match scikit-learn 1.2', async () => {
    const { multiclassProbabilistic } = await import('../../src/domain/metrics/multiclass.ts');
    const n = 60;
    const y = Array.from({ length: n }, (_, i) => ['a', 'b', 'c'][i % 3]!);
    const raw = Array.from({ length: n }, (_, i) => [
      ((i * 7) % 10) + 1 + (i % 3 === 0 ? 5 : 0),
      ((i * 3) % 10) + 1 + (i % 3 === 1 ? 5 : 0),
      ((i * 11) % 10) + 1 + (i % 3 === 2 ? 5 : 0),
    ]);
    const p = Object.fromEntries(['a', 'b', 'c'].map((c, k) => [c, raw.map((r) => r[k]! / (r[0]! + r[1]! + r[2]!))]));
    const w = Array.from({ length: n }, (_, i) => 1 + (i % 4) / 2);
    const plain = multiclassProbabilistic(y, p);
    expect(plain.logLoss).toBeCloseTo(0.7129755319594266, 12);
    expect(plain.rocAuc.ovrMacro).toBeCloseTo(0.94, 12);
    expect(plain.rocAuc.ovrWeighted).toBeCloseTo(0.94, 12);
    expect(plain.rocAuc.ovoMacro).toBeCloseTo(0.94, 12);
    const weighted = multiclassProbabilistic(y, p, w);
    expect(weighted.logLoss).toBeCloseTo(0.7204115635634484, 12);
    expect(weighted.rocAuc.ovrMacro).toBeCloseTo(0.9341496598639455, 12);
    expect(weighted.rocAuc.ovrWeighted).toBeCloseTo(0.9341496598639456, 12);
    expect(weighted.rocAuc.ovoMacro).toBeNaN();
  });
});

describe('fairlearn and vector-runner edge cases', () => {
  it('equalized odds skips a 0/0 second rate as fairlearn does (builtin min/max, pandas mean)', async () => {
    const { classificationFrame, fairlearnMetrics } = await import('../../src/domain/metrics/fairness.ts');
    const y = [1, 1, 0, 0, 1, 1, 0, 0];
    const p = [1, 0, 0, 0, 1, 1, 0, 0];
    const groups = groupRows(['a', 'a', 'a', 'a', 'b', 'b', 'b', 'b']);
    const perGroup = groupedConfusion(y, p, groups.codes, 2);
    const fl = fairlearnMetrics(classificationFrame(['selection_rate', 'tpr', 'fpr'], confusion(y, p), perGroup));
    // TPR ratio 0.5, FPR ratio 0/0.
    expect(fl.equalized_odds_ratio.worst_case.between_groups).toBe(0.5);
    expect(fl.equalized_odds_ratio.mean.between_groups).toBe(0.5);
    expect(fl.equalized_odds_difference.worst_case.between_groups).toBe(0.5);
    expect(fl.equalized_odds_difference.mean.between_groups).toBe(0.25);
  });

  it("honours a case's pos_label and reports a case it cannot compute as failed without stopping", () => {
    const base = {
      kind: 'fairness_binary_classification',
      params: { metric_frame_metrics: ['selection_rate'], pos_label: 'yes' },
      inputs: {
        y_true: ['yes', 'no', 'yes', 'no'],
        y_pred: ['yes', 'yes', 'no', 'no'],
        sensitive_features: ['a', 'a', 'b', 'b'],
      },
    };
    const [flipped, unknown] = runMetricsVectors({
      cases: [
        {
          ...base,
          id: 'strings',
          expected: { metric_frame: { overall: { selection_rate: 0.5 }, by_group: { selection_rate: [1, 0] } } },
        },
        { ...base, id: 'unknown', params: { ...base.params, metric_frame_metrics: ['nonsense'] }, expected: {} },
      ],
    });
    expect(flipped).toMatchObject({ ok: true });
    expect(unknown).toMatchObject({ ok: false, detail: expect.stringMatching(/unknown metric 'nonsense'/) });
  });
});

describe('the fast paths agree with the plain definitions', () => {
  it('radix argsort orders any finite doubles stably, -0 with +0', () => {
    const values = [3.5, -1, 0, -0, 1e-300, -1e300, 2, 3.5, -Infinity, Infinity, 0.1, 1e300, -2.5e-10];
    const idx = Array.from(radixArgsort(values));
    const expected = values
      .map((v, i) => ({ v: v + 0, i }))
      .sort((a, b) => a.v - b.v || a.i - b.i)
      .map((x) => x.i);
    expect(idx).toEqual(expected);
    const big = Array.from({ length: 5000 }, (_, i) => Math.sin(i) * 1000);
    const sorted = Array.from(radixArgsort(big), (i) => big[i]!);
    expect(sorted).toEqual([...big].sort((a, b) => a - b));
  });

  it('ROC AUC equals the pair-counting definition, ties counted one half', () => {
    const y = Array.from({ length: 400 }, (_, i) => ((i * 7) % 3 === 0 ? 1 : 0));
    const s = Array.from({ length: 400 }, (_, i) => Math.round(Math.cos(i) * 10) / 10);
    let pairs = 0;
    let total = 0;
    for (let i = 0; i < 400; i++)
      for (let j = 0; j < 400; j++)
        if (y[i] === 1 && y[j] === 0) {
          total++;
          pairs += s[i]! > s[j]! ? 1 : s[i] === s[j] ? 0.5 : 0;
        }
    expect(rocAuc(y, s)).toBeCloseTo(pairs / total, 12);
  });

  it('grouped confusion counts equal per-group confusion, weighted or not, intersections included', () => {
    const n = 300;
    const y = Array.from({ length: n }, (_, i) => (i % 3 === 0 ? 1 : 0));
    const p = Array.from({ length: n }, (_, i) => (i % 5 < 2 ? 1 : 0));
    const w = Array.from({ length: n }, (_, i) => 1 + (i % 4) / 2);
    const groups = groupRows({
      a: Array.from({ length: n }, (_, i) => (i % 2 ? 'x' : 'y')),
      b: Array.from({ length: n }, (_, i) => (i % 7 === 0 ? 'z' : i % 2 ? 'u' : 'v')),
    });
    expect(groups.labels).toEqual([
      ['x', 'u'],
      ['x', 'v'],
      ['x', 'z'],
      ['y', 'u'],
      ['y', 'v'],
      ['y', 'z'],
    ]);
    expect(groups.rows[1]).toEqual([]);
    for (const weights of [undefined, w])
      expect(groupedConfusion(y, p, groups.codes, groups.labels.length, weights)).toEqual(
        groups.rows.map((rows) => confusion(y, p, weights, rows)),
      );
  });
});

describe('data profile and personal-data scan', () => {
  it('counts missing, duplicate, constant and mistyped values and finds personal data by row, never by value', async () => {
    const { createProfiler } = await import('../../src/domain/metrics/data-profile.ts');
    const p = createProfiler(['id', 'amount', 'note', 'flag']);
    const rows = [
      { id: '1', amount: '10.5', note: 'mail me at jane.doe@example.com', flag: 'x' },
      { id: '2', amount: 'n/a', note: 'card 4111-1111-1111-1111 and 4111-1111-1111-1112', flag: 'x' },
      { id: '3', amount: '', note: 'IBAN DE89 3704 0044 0532 0130 00, NI AB 12 34 56 C', flag: 'x' },
      { id: '3', amount: '', note: 'IBAN DE89 3704 0044 0532 0130 00, NI AB 12 34 56 C', flag: 'x' },
      { id: '5', amount: '7', note: '+1 (212) 555-0142 or 2001:db8:0:0:0:0:2:1', flag: 'x' },
    ];
    rows.forEach((r, i) => p.observe(r, i + 1));
    const report = p.report();
    expect(report).toMatchObject({ rows: 5, duplicateRows: 1, missingRate: 2 / 20 });
    const amount = report.columns.find((c) => c.column === 'amount')!;
    expect(amount).toMatchObject({ type: 'numeric', typeMismatches: 1, missing: 2, min: 7, max: 10.5 });
    expect(report.columns.find((c) => c.column === 'flag')!.constant).toBe(true);
    const note = report.columns.find((c) => c.column === 'note')!;
    expect(Object.fromEntries(note.personalData.map((d) => [d.kind, d.sampleRows]))).toEqual({
      email: [1],
      'payment-card': [2],
      iban: [3, 4],
      'uk-nino': [3, 4],
      phone: [5],
      ipv6: [5],
    });
    expect(JSON.stringify(report)).not.toMatch(/jane|4111|DE89|AB 12/);
  });

  it('does not take the digits of a decimal number for a payment card', async () => {
    const { createProfiler } = await import('../../src/domain/metrics/data-profile.ts');
    const p = createProfiler(['x']);
    // 2400000000000002 and 4111111111111111 pass the Luhn check, but here they are fractions.
    ['0.2400000000000002', '-0.4111111111111111', '4111111111111111.5', '4111111111111111'].forEach((x, i) =>
      p.observe({ x }, i + 1),
    );
    expect(p.report().columns[0]!.personalData).toEqual([{ kind: 'payment-card', count: 1, sampleRows: [4] }]);
  });

  it('does not take a small score for a phone number dialled from abroad, in text or as a decimal', async () => {
    const { createProfiler } = await import('../../src/domain/metrics/data-profile.ts');
    const p = createProfiler(['x', 'note']);
    // Full-precision scores below 0.01 start 00 after the point, as 0049 30 1234567 does after a space.
    ['0.0049301234567', '0.00123456789012', '-0.0031234567891', '1.0049301234567'].forEach((x, i) =>
      p.observe({ x, note: `score ${x}` }, i + 1),
    );
    p.observe({ x: '0.5', note: 'call 0049 30 1234567' }, 5);
    p.observe({ x: '0049301234567', note: 'v1.0049301234567' }, 6);
    const [x, note] = p.report().columns;
    expect(x!.personalData).toEqual([{ kind: 'phone', count: 1, sampleRows: [6] }]);
    expect(note!.personalData).toEqual([{ kind: 'phone', count: 1, sampleRows: [5] }]);
  });
});

describe('ROC curve points', () => {
  it('steps through each distinct threshold from the highest score (sklearn roc_curve without drop_intermediate)', () => {
    // sklearn: roc_curve([0,0,1,1], [0.1,0.4,0.35,0.8], drop_intermediate=False) -> fpr [0,0,.5,.5,1], tpr [0,.5,.5,1,1]
    expect(rocCurve([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])).toEqual([
      [0, 0],
      [0, 0.5],
      [0.5, 0.5],
      [0.5, 1],
      [1, 1],
    ]);
    // Tied scores form one threshold.
    expect(rocCurve([0, 1, 1, 0], [0.5, 0.5, 0.9, 0.1])).toEqual([
      [0, 0],
      [0, 0.5],
      [0.5, 1],
      [1, 1],
    ]);
    expect(rocCurve([1, 1], [0.2, 0.3])).toEqual([]);
  });

  it('is thinned for display to at most maxPoints, keeping both ends, and its area matches rocAuc', () => {
    const n = 5000;
    const y = Array.from({ length: n }, (_, i) => ((i * 7919) % 3 === 0 ? 1 : 0));
    const s = y.map((v, i) => ((i * 104729) % 1000) / 1000 + v * 0.3);
    const full = rocCurve(y, s, undefined, Number.MAX_SAFE_INTEGER);
    let area = 0;
    for (let i = 1; i < full.length; i++)
      area += ((full[i]![0] - full[i - 1]![0]) * (full[i]![1] + full[i - 1]![1])) / 2;
    expect(area).toBeCloseTo(rocAuc(y, s), 12);
    const thin = rocCurve(y, s, undefined, 51);
    expect(thin).toHaveLength(51);
    expect(thin[0]).toEqual([0, 0]);
    expect(thin.at(-1)).toEqual([1, 1]);
  });
});
