/**
 * Drift on one scale where higher is worse and 1 is the threshold, whatever the test: a p-value
 * test (ks, chisquare, z: drift when the p-value falls to the threshold) is read as
 * log(p) / log(threshold), a distance (psi, wasserstein, jensenshannon…: drift when it reaches the
 * threshold) as distance / threshold. So a stable feature sits low, and drift shows above the line.
 */
const P_VALUE_TESTS = new Set(['ks', 'chisquare', 'z']);

export interface DriftDecision {
  drift_score: number | null;
  stattest: string | null;
  threshold: number | null;
}

/** The decision's drift relative to its threshold (1 = at the threshold, higher is worse), or null. */
export function driftSeverity(d: DriftDecision | undefined): number | null {
  if (!d || d.drift_score === null || d.threshold === null || !Number.isFinite(d.drift_score)) return null;
  const { drift_score: score, threshold } = d;
  if (P_VALUE_TESTS.has(d.stattest ?? '')) {
    if (!(threshold > 0 && threshold < 1)) return null;
    // A p-value of 0 is as far past the threshold as a double can say.
    const p = Math.max(score, Number.MIN_VALUE);
    return Math.log(p) / Math.log(threshold);
  }
  return threshold > 0 ? score / threshold : null;
}
