import type { VectorOutcome } from '../merkle-vectors.ts';
import { confusion, logLoss, RATES, rocAuc } from './classification.ts';
import {
  aif360Classic,
  aif360Sklearn,
  classificationFrame,
  disaggregate,
  fairlearnMetrics,
  groupedConfusion,
  groupRows,
  type Disaggregated,
  type SensitiveFeatures,
} from './fairness.ts';
import { REGRESSION } from './regression.ts';
import { runDriftCase } from '../drift/vectors.ts';

/** The vector file's number encoding: non-finite numbers are the strings "NaN", "Infinity", "-Infinity". */
const decode = (v: unknown): unknown =>
  v === 'NaN' ? NaN : v === 'Infinity' ? Infinity : v === '-Infinity' ? -Infinity : v;
const nums = (xs: unknown[]): number[] => xs.map((x) => decode(x) as number);

/** The file's tolerance: both NaN, the same infinity, or |a-e| <= 1e-9 max(|a|,|e|), or <= 1e-12. */
export function close(actual: number, expected: number): boolean {
  if (Number.isNaN(expected) || Number.isNaN(actual)) return Number.isNaN(expected) && Number.isNaN(actual);
  if (!Number.isFinite(expected) || !Number.isFinite(actual)) return actual === expected;
  const d = Math.abs(actual - expected);
  return d <= 1e-9 * Math.max(Math.abs(actual), Math.abs(expected)) || d <= 1e-12;
}

/** Every place where `actual` departs from `expected` (expected's keys decide what is compared). */
export function differences(actual: unknown, expected: unknown, path = ''): string[] {
  const e = decode(expected);
  if (typeof e === 'number')
    return typeof actual === 'number' && close(actual, e) ? [] : [`${path}: got ${String(actual)}, want ${String(e)}`];
  if (Array.isArray(e)) {
    if (!Array.isArray(actual) || actual.length !== e.length)
      return [`${path}: got ${JSON.stringify(actual)?.slice(0, 200)}, want ${e.length} items`];
    return e.flatMap((x, i) => differences(actual[i], x, `${path}/${i}`));
  }
  if (e !== null && typeof e === 'object') {
    if (actual === null || typeof actual !== 'object') return [`${path}: missing`];
    return Object.entries(e).flatMap(([k, v]) =>
      differences((actual as Record<string, unknown>)[k], v, `${path}/${k}`),
    );
  }
  return actual === e ? [] : [`${path}: got ${JSON.stringify(actual)}, want ${JSON.stringify(e)}`];
}

const frameOut = (frame: Record<string, Disaggregated>) => {
  const pick = (f: (d: Disaggregated) => unknown) =>
    Object.fromEntries(Object.entries(frame).map(([m, d]) => [m, f(d)]));
  return {
    overall: pick((d) => d.overall),
    by_group: pick((d) => d.byGroup),
    group_min: pick((d) => d.groupMin),
    group_max: pick((d) => d.groupMax),
    difference_between_groups: pick((d) => d.differenceBetweenGroups),
    difference_to_overall: pick((d) => d.differenceToOverall),
    ratio_between_groups: pick((d) => d.ratioBetweenGroups),
    ratio_to_overall: pick((d) => d.ratioToOverall),
  };
};

interface Case {
  id: string;
  kind: string;
  params: Record<string, unknown>;
  inputs: Record<string, unknown>;
  expected: Record<string, unknown>;
}

function binaryClassification(c: Case): Record<string, unknown> {
  // Labels are coded 1 for the case's positive label (pos_label, default 1) and 0 otherwise, as the engine reads them.
  const positive = String(c.params.pos_label ?? 1);
  const coded = (xs: unknown[]) => xs.map((x) => (String(decode(x)) === positive ? 1 : 0));
  const yTrue = coded(c.inputs.y_true as unknown[]);
  const yPred = coded(c.inputs.y_pred as unknown[]);
  const w = c.inputs.sample_weight ? nums(c.inputs.sample_weight as unknown[]) : undefined;
  const scores = c.inputs.y_score ? nums(c.inputs.y_score as unknown[]) : undefined;
  const features = c.inputs.sensitive_features as SensitiveFeatures;
  const groups = groupRows(features);
  const perGroup = groupedConfusion(yTrue, yPred, groups.codes, groups.labels.length, w);
  const overall = confusion(yTrue, yPred, w);
  const frame = classificationFrame(c.params.metric_frame_metrics as string[], overall, perGroup);
  const out: Record<string, unknown> = {
    groups: groups.labels,
    group_counts: perGroup.map((g) => ({ n: g.n, w: g.w, tp: g.tp, fp: g.fp, tn: g.tn, fn: g.fn })),
    metric_frame: frameOut(frame),
    fairlearn: fairlearnMetrics(classificationFrame(['selection_rate', 'tpr', 'fpr'], overall, perGroup)),
    performance: {
      accuracy: RATES.accuracy!(overall),
      precision: RATES.precision!(overall),
      recall: RATES.recall!(overall),
      f1: RATES.f1!(overall),
      confusion: { tn: overall.tn, fp: overall.fp, fn: overall.fn, tp: overall.tp },
      ...(scores ? { roc_auc: rocAuc(yTrue, scores, w), log_loss: logLoss(yTrue, scores, w) } : {}),
    },
  };
  const privileged = c.params.privileged_group as string | undefined;
  if (privileged !== undefined && Array.isArray(features)) {
    out.aif360 = aif360Sklearn(yTrue, yPred, features as string[], privileged, w);
    out.aif360_classic = aif360Classic(yTrue, yPred, features as string[], privileged, w);
  }
  return out;
}

function regression(c: Case): Record<string, unknown> {
  const y = nums(c.inputs.y_true as unknown[]);
  const yhat = nums(c.inputs.y_pred as unknown[]);
  const w = c.inputs.sample_weight ? nums(c.inputs.sample_weight as unknown[]) : undefined;
  const groups = groupRows(c.inputs.sensitive_features as SensitiveFeatures);
  const metrics = c.params.metric_frame_metrics as string[];
  const sub = (xs: number[] | undefined, rows: number[]) => xs && rows.map((i) => xs[i]!);
  const frame = Object.fromEntries(
    metrics.map((m) => {
      const f = REGRESSION[m]!;
      return [
        m,
        disaggregate(
          f(y, yhat, w),
          groups.rows.map((rows) => (rows.length === 0 ? NaN : f(sub(y, rows)!, sub(yhat, rows)!, sub(w, rows)))),
        ),
      ];
    }),
  );
  return {
    groups: groups.labels,
    group_n: groups.rows.map((r) => r.length),
    metric_frame: frameOut(frame),
    performance: Object.fromEntries(metrics.map((m) => [m, REGRESSION[m]!(y, yhat, w)])),
  };
}

/**
 * Runs the metrics golden vectors (performance and fairness: fairlearn 0.12, scikit-learn, AIF360;
 * drift: Evidently and scipy) through Steward's implementations. A kind it does not know is skipped.
 */
export function runMetricsVectors(doc: Record<string, unknown>): VectorOutcome[] {
  return (doc.cases as Case[]).map((c) => {
    const name = `${c.kind} ${c.id}`;
    let actual: Record<string, unknown>;
    try {
      if (c.kind === 'fairness_binary_classification') actual = binaryClassification(c);
      else if (c.kind === 'fairness_regression') actual = regression(c);
      else {
        const drift = runDriftCase(c);
        if (!drift) return { name, ok: true, skipped: true, detail: `no implementation for case kind ${c.kind}` };
        actual = drift;
      }
    } catch (err) {
      // A case the engine cannot run (an unknown metric, malformed inputs) fails; the run goes on.
      return { name, ok: false, detail: `could not be computed: ${(err as Error).message}` };
    }
    const diffs = differences(actual, c.expected);
    return { name, ok: diffs.length === 0, detail: diffs.slice(0, 10).join('\n    ') };
  });
}
