import { describe, expect, it } from 'vitest';
import { columnDrift, datasetDrift, defaultStatTest, isDrift } from '../../src/domain/drift/drift.ts';
import { kolmogorovSmirnovSf } from '../../src/domain/drift/kolmogorov.ts';
import { ksTwoSample } from '../../src/domain/drift/ks.ts';
import { chi2Sf, normalCdf } from '../../src/domain/drift/special.ts';
import { close } from '../../src/domain/metrics/vectors.ts';

// Reference values below were computed with scipy 1.17 (kstwo, chi2, norm, ks_2samp).
describe('drift statistics', () => {
  it('reproduces scipy on the special functions across their regimes', () => {
    expect(close(kolmogorovSmirnovSf(300, 0.05), 0.42744120502346905)).toBe(true); // Durbin matrix
    expect(close(kolmogorovSmirnovSf(300000, 0.01), 1.737424354497595e-26)).toBe(true); // 2 x Smirnov
    expect(close(kolmogorovSmirnovSf(50, 0.3), 0.00017353260202718738)).toBe(true); // n <= 140
    expect(close(chi2Sf(65.39718667790628, 4), 2.1222332749039405e-13)).toBe(true);
    expect(normalCdf(0)).toBe(0.5);
    expect(close(1 - normalCdf(3), 0.0013498980316301035)).toBe(true);
  });

  it('runs the exact two-sample KS test, locating the largest ECDF gap as scipy does', () => {
    const r = ksTwoSample([0.1, 0.2, 0.3, 0.4, 0.5], [0.35, 0.45, 0.55, 0.65, 0.75, 0.85]);
    expect(r.statistic).toBeCloseTo(2 / 3, 15);
    expect(close(r.pvalue, 0.10822510822510821)).toBe(true);
    expect([r.pvalue_method, r.statistic_location, r.statistic_sign]).toEqual(['exact', 0.5, 1]);
    const big = ksTwoSample(
      Float64Array.from({ length: 10_001 }, (_, i) => i),
      Float64Array.from({ length: 20 }, (_, i) => i * 500),
    );
    expect(big.pvalue_method).toBe('asymp');
  });

  it('drops NaN and infinities before testing and counts them', () => {
    const ref = [1, 2, 3, NaN, 4, 5, 6, 7, Infinity];
    const cur = [2, 3, -Infinity, 4, 5, 6, 7, 8, null];
    const { report } = columnDrift('numerical', ref, cur);
    expect(report).toMatchObject({ n_reference_raw: 9, n_current_raw: 9, n_reference: 7, n_current: 7 });
  });

  it('chooses Evidently default tests by size and cardinality, and honours overrides', () => {
    expect(defaultStatTest('numerical', 1000, 6)).toBe('ks');
    expect(defaultStatTest('numerical', 1001, 6)).toBe('wasserstein');
    expect(defaultStatTest('numerical', 500, 3)).toBe('chisquare');
    expect(defaultStatTest('categorical', 500, 2)).toBe('z');
    expect(defaultStatTest('categorical', 5000, 2)).toBe('jensenshannon');
    const ref = Array.from({ length: 200 }, (_, i) => i % 50);
    const cur = Array.from({ length: 200 }, (_, i) => (i % 50) + 3);
    const byDefault = columnDrift('numerical', ref, cur).decision;
    expect(byDefault.stattest).toBe('ks');
    const psi = columnDrift('numerical', ref, cur, { stattest: 'psi', threshold: 0.5 }).decision;
    expect(psi).toMatchObject({ stattest: 'psi', threshold: 0.5 });
    expect(psi.drift_detected).toBe(isDrift('psi', psi.drift_score, 0.5));
    // A test that does not apply says so instead of pretending.
    const wrong = columnDrift('categorical', ['a', 'b'], ['a', 'b'], { stattest: 'ks' }).decision;
    expect(wrong).toMatchObject({ drift_detected: false, reason: 'ks does not apply to this column' });
  });

  it('reports an empty sample instead of a statistic', () => {
    const { decision } = columnDrift('numerical', [NaN, NaN], [1, 2, 3]);
    expect(decision).toMatchObject({ drift_detected: false, reason: 'an empty sample after cleaning' });
  });

  it('treats the dataset drift share as inclusive and an empty set as no drift', () => {
    expect(datasetDrift({ a: { drift_detected: true }, b: { drift_detected: false } })).toMatchObject({
      share_of_drifted_columns: 0.5,
      dataset_drift: true,
    });
    expect(
      datasetDrift({ a: { drift_detected: true }, b: { drift_detected: false }, c: { drift_detected: false } })
        .dataset_drift,
    ).toBe(false);
    expect(datasetDrift({}).dataset_drift).toBe(false);
  });
});

describe('alert rule metrics', () => {
  it('lets a * stand for one feature or KPI name, never for a suffix', async () => {
    const { metricMatches } = await import('../../src/domain/monitoring/alerts.ts');
    expect(metricMatches('kpi.*.missed', 'kpi.approval.rate.missed')).toBe(true);
    expect(metricMatches('kpi.*', 'kpi.approval.missed')).toBe(false);
    expect(metricMatches('kpi.*', 'kpi.approval')).toBe(true);
    expect(metricMatches('performance.*', 'performance.accuracy.decay')).toBe(false);
    expect(metricMatches('performance.*.decay', 'performance.roc-auc.decay')).toBe(true);
    expect(metricMatches('drift.column.*', 'drift.column.age')).toBe(true);
    expect(metricMatches('drift.dataset', 'drift.share')).toBe(false);
  });
});
