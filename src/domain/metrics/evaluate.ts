import {
  confusion,
  logLoss,
  medianByClass,
  ratesWith,
  rankedByClass,
  rocAuc,
  rocCurve,
  scoresByClass,
  type Confusion,
} from './classification.ts';
import {
  aif360Classic,
  aif360Sklearn,
  type aif360ClassicOf,
  type aif360SklearnOf,
  classificationFrame,
  disaggregate,
  fairlearnMetrics,
  groupedConfusion,
  groupRows,
  valuesOf,
  type CodedColumn,
  type Disaggregated,
} from './fairness.ts';
import { REGRESSION } from './regression.ts';
import {
  multiclass,
  multiclassProbabilistic,
  type multiclassProbabilisticOf,
  type MulticlassResult,
} from './multiclass.ts';
import { medianOf, scoringImpactRatios, selectionImpactRatios, type ImpactRatios } from './impact-ratio.ts';

export interface EvaluationSpec {
  task: 'binary-classification' | 'multiclass-classification' | 'regression';
  label: string;
  /** The prediction column; absent when a model produces the predictions. */
  prediction?: string;
  score?: string;
  /** Model input columns, when a model is run over the data. */
  features?: string[];
  /** Multiclass: the probability column of each class, for log loss and ROC AUC. */
  classScores?: Record<string, string>;
  weight?: string;
  sensitive: string[];
  /** Privileged group per sensitive column, for AIF360-style signed differences. */
  privileged?: Record<string, string>;
  /** scikit-learn's zero_division: what a rate with a zero denominator reads as (default 0; NaN leaves it undefined). */
  zeroDivision?: 0 | 1 | 'nan';
  /** Subpopulation analysis: the metric to rank slices by (default accuracy, or mae for regression) and the smallest slice reported. */
  slices?: { metric?: string; minRows?: number; top?: number };
}

/** Metrics where lower is better, for ranking the worst slices. */
const LOWER_IS_BETTER = new Set(['fpr', 'fnr', 'mse', 'rmse', 'mae']);

export interface Slice {
  columns: string;
  group: unknown;
  rows: number;
  value: number;
}

/**
 * The worst-performing slices for a metric among every group of every sensitive column and of
 * their intersection, ignoring slices smaller than `minRows` (their estimates are noise).
 */
export function worstSlices(fairness: Record<string, unknown>, metric: string, minRows: number, top: number): Slice[] {
  const all: Slice[] = [];
  for (const [columns, f] of Object.entries(fairness) as [
    string,
    { groups: { group: unknown; rows: number }[]; metricFrame: Record<string, { byGroup: { value: number }[] }> },
  ][]) {
    const frame = f.metricFrame[metric];
    if (!frame) continue;
    f.groups.forEach((g, i) => {
      const value = frame.byGroup[i]!.value;
      if (g.rows >= minRows && Number.isFinite(value)) all.push({ columns, group: g.group, rows: g.rows, value });
    });
  }
  const sign = LOWER_IS_BETTER.has(metric) ? -1 : 1;
  return all.sort((a, b) => sign * (a.value - b.value)).slice(0, top);
}

export interface EvaluationResultSlices {
  metric: string;
  minRows: number;
  worst: Slice[];
}

/**
 * Parsed evaluation data: numeric label/prediction/score/weight and categorical sensitive columns.
 * Read from a file, the typed arrays other than the sensitive codes may live in resizable
 * ArrayBuffers (grown in place as the rows came): they move to a worker thread by transfer, as
 * src/tabular/compute.ts moves them; Node 20 cannot copy such a buffer by structured clone.
 */
export interface EvaluationData {
  /** Binary labels are 0/1 bytes when read from data (one byte a row); numbers otherwise. */
  yTrue: Float64Array | Uint8Array;
  yPred: Float64Array | Uint8Array;
  /** Class names, for multiclass classification (yTrue/yPred then stay empty), and each class's probabilities when given. */
  classes?: { yTrue: string[]; yPred: string[]; probabilities?: Record<string, Float64Array> };
  score?: Float64Array;
  weight?: Float64Array;
  /** A value a row, or (from a CSV file) a code a row with the distinct values. */
  sensitive: Record<string, string[] | CodedColumn>;
  /** Model inputs, row-major (row r, feature j at values[r * names.length + j]). */
  features?: { names: string[]; values: Float64Array };
  /**
   * An evaluation over more rows than memory was to hold: the columns (and a model's inputs) are in
   * these files instead (src/tabular/spill.ts), and the arrays above are empty.
   */
  spilled?: SpilledRows;
}

/** Columns written to files, a value a row in row order: labels and predictions a byte or a double, scores and weights a double, sensitive codes 32 bits. */
export interface SpilledRows {
  dir: string;
  rows: number;
  /** Scores the ROC sorts in memory at once. */
  sortRows: number;
  /** Labels and predictions: a byte each (binary classification), a double (regression) or a 32-bit code into `classes` (multiclass). */
  labels: 'byte' | 'double' | 'code';
  classes?: string[];
  /** Multiclass: the class of each probability column, as `columns.classScores` lists them. */
  classScores?: string[];
  columns: {
    yTrue: string;
    yPred: string;
    score?: string;
    weight?: string;
    codes: string[];
    classScores?: string[];
    /** A model's inputs, row-major: a double a feature a row. */
    features?: string;
  };
  /** Each sensitive column's values (spec order): code k is values[k]. */
  values: string[][];
}

const CLASSIFICATION_METRICS = ['selection_rate', 'tpr', 'fpr', 'fnr', 'tnr', 'accuracy', 'precision', 'recall', 'f1'];
export const REGRESSION_METRICS = ['mse', 'rmse', 'mae', 'r2'];
const MULTICLASS_METRICS = ['accuracy', 'macroPrecision', 'macroRecall', 'macroF1', 'weightedF1'];

/** The per-group metrics each task reports (and slices can be ranked by). */
export const GROUP_METRICS: Record<EvaluationSpec['task'], string[]> = {
  'binary-classification': CLASSIFICATION_METRICS,
  'multiclass-classification': MULTICLASS_METRICS,
  regression: REGRESSION_METRICS,
};

/** What is wrong with a spec before any data is read (pointer and message each). */
export function specProblems(spec: EvaluationSpec): { pointer: string; message: string }[] {
  const problems: { pointer: string; message: string }[] = [];
  const metric = spec.slices?.metric;
  if (metric && !GROUP_METRICS[spec.task].includes(metric))
    problems.push({
      pointer: '/sliceMetric',
      message: `'${metric}' is not a ${spec.task} metric; use one of ${GROUP_METRICS[spec.task].join(', ')}`,
    });
  if (spec.privileged && spec.task !== 'binary-classification')
    problems.push({
      pointer: '/privileged',
      message: 'privileged groups (AIF360 differences) apply to binary classification only',
    });
  for (const c of Object.keys(spec.privileged ?? {}))
    if (!spec.sensitive.includes(c))
      problems.push({ pointer: '/privileged', message: `'${c}' is not a sensitive column` });
  if (spec.classScores && spec.task !== 'multiclass-classification')
    problems.push({
      pointer: '/classScores',
      message: 'class probability columns apply to multiclass classification only',
    });
  if (spec.score && spec.task !== 'binary-classification')
    problems.push({ pointer: '/score', message: 'a score column applies to binary classification only' });
  return problems;
}

/** The sensitive columns as a value a row (for the model's explanations and robustness checks). */
export const plainSensitive = (sensitive: EvaluationData['sensitive']): Record<string, string[]> =>
  Object.fromEntries(Object.entries(sensitive).map(([c, col]) => [c, valuesOf(col)]));

/** Each row's category across `cols`: the value itself, or the values joined for an intersection. */
const categoriesOf = (data: EvaluationData, cols: string[]): string[] | CodedColumn => {
  if (cols.length === 1) return data.sensitive[cols[0]!]!;
  const columns = cols.map((c) => valuesOf(data.sensitive[c]!));
  return Array.from(columns[0]!, (_, i) => columns.map((c) => c[i]!).join(' / '));
};

const frameJson = (d: Disaggregated, labels: unknown[]) => ({
  overall: d.overall,
  byGroup: labels.map((g, i) => ({ group: g, value: d.byGroup[i]! })),
  groupMin: d.groupMin,
  groupMax: d.groupMax,
  differenceBetweenGroups: d.differenceBetweenGroups,
  differenceToOverall: d.differenceToOverall,
  ratioBetweenGroups: d.ratioBetweenGroups,
  ratioToOverall: d.ratioToOverall,
});

/** Non-finite numbers have no JSON form; evidence records them as null with the reason in the metric's place. */
const finiteOrNull = (x: number): number | null => (Number.isFinite(x) ? x : null);

export interface EvaluationResult {
  task: EvaluationSpec['task'];
  rows: number;
  performance: Record<string, unknown>;
  fairness: Record<string, unknown>;
  /** Flat metrics policy `check` measures read (kebab-case names). */
  metrics: Record<string, number | null>;
  slices: EvaluationResultSlices;
}

/**
 * Evaluates predictions against labels: performance, and fairness per sensitive column (and
 * across all of them at once when there are several, intersectionally), with the same engine the
 * golden vectors test.
 */
export function evaluate(spec: EvaluationSpec, data: EvaluationData): EvaluationResult {
  const w = data.weight;
  const metrics: Record<string, number | null> = {};
  const columns = columnSets(spec);
  const fairness: Record<string, unknown> = {};
  let performance: Record<string, unknown>;

  if (spec.task === 'multiclass-classification') {
    const { yTrue, yPred } = data.classes!;
    const m = multiclass(yTrue, yPred, w);
    const probabilistic = data.classes!.probabilities
      ? multiclassProbabilistic(yTrue, data.classes!.probabilities, w)
      : undefined;
    performance = multiclassPerformance(m, probabilistic, metrics);
    for (const cols of columns) {
      const groups = groupRows(
        cols.length === 1 ? data.sensitive[cols[0]!]! : Object.fromEntries(cols.map((c) => [c, data.sensitive[c]!])),
      );
      const byGroup = groups.rows.map((rows) =>
        rows.length === 0
          ? undefined
          : multiclass(
              rows.map((i) => yTrue[i]!),
              rows.map((i) => yPred[i]!),
              w && rows.map((i) => w[i]!),
            ),
      );
      fairness[cols.join(' x ')] = multiclassFairness(
        groups.labels,
        groups.rows.map((rows) => rows.length),
        m,
        byGroup,
      );
    }
  } else if (spec.task === 'binary-classification') {
    const overall = confusion(data.yTrue, data.yPred, w);
    // Scores sorted once for ROC AUC, the ROC curve and the median every scoring impact ratio uses.
    let byClass = data.score ? scoresByClass(data.yTrue, data.score) : undefined;
    const ranked = byClass && !w ? rankedByClass(byClass) : undefined;
    const median = ranked ? ranked.median : byClass && medianByClass(byClass);
    const rates = ratesOf(spec);
    performance = binaryPerformance(
      overall,
      rates,
      data.score && {
        rocAuc: w ? rocAuc(data.yTrue, data.score, w) : ranked!.rocAuc,
        logLoss: logLoss(data.yTrue, data.score, w),
        roc: w ? rocCurve(data.yTrue, data.score, w) : ranked!.roc,
      },
      metrics,
    );
    // A double a row, not needed for the fairness below.
    byClass = undefined;
    binaryFairness(spec, overall, rates, metrics, fairness, (cols) => {
      const groups = groupRows(
        cols.length === 1 ? data.sensitive[cols[0]!]! : Object.fromEntries(cols.map((c) => [c, data.sensitive[c]!])),
      );
      const privileged = cols.length === 1 ? spec.privileged?.[cols[0]!] : undefined;
      // NYC LL144 asks for intersectional categories too (sex x race/ethnicity), so every key gets them.
      const categories = categoriesOf(data, cols);
      return {
        labels: groups.labels,
        perGroup: groupedConfusion(data.yTrue, data.yPred, groups.codes, groups.labels.length, w),
        selection: selectionImpactRatios(categories, data.yPred),
        ...(data.score ? { scoring: scoringImpactRatios(categories, data.score, median) } : {}),
        ...(privileged !== undefined
          ? {
              aif360: aif360Sklearn(data.yTrue, data.yPred, valuesOf(data.sensitive[cols[0]!]!), privileged, w),
              aif360Classic: aif360Classic(data.yTrue, data.yPred, valuesOf(data.sensitive[cols[0]!]!), privileged, w),
            }
          : {}),
      };
    });
  } else {
    const overall = Object.fromEntries(REGRESSION_METRICS.map((m) => [m, REGRESSION[m]!(data.yTrue, data.yPred, w)]));
    performance = overall;
    for (const [k, v] of Object.entries(overall)) metrics[k] = finiteOrNull(v);
    // LL144's scoring rate for regression-like outputs: the share of each category predicted above
    // the median, sorted for once the first column set needs it.
    let median: number | undefined;
    for (const cols of columns) {
      const groups = groupRows(
        cols.length === 1 ? data.sensitive[cols[0]!]! : Object.fromEntries(cols.map((c) => [c, data.sensitive[c]!])),
      );
      const sub = (xs: Float64Array | Uint8Array | undefined, rows: number[]) => xs && rows.map((i) => xs[i]!);
      const byGroup: Record<string, number[]> = {};
      for (const m of REGRESSION_METRICS) {
        const f = REGRESSION[m]!;
        byGroup[m] = groups.rows.map((rows) =>
          rows.length === 0 ? NaN : f(sub(data.yTrue, rows)!, sub(data.yPred, rows)!, sub(w, rows)),
        );
      }
      fairness[cols.join(' x ')] = regressionFairness(
        groups.labels,
        groups.rows.map((rows) => rows.length),
        overall,
        byGroup,
        scoringImpactRatios(categoriesOf(data, cols), data.yPred, (median ??= medianOf(data.yPred))),
      );
    }
  }
  return evaluationResult(spec, data.classes?.yTrue.length ?? data.yTrue.length, performance, fairness, metrics);
}

/** The result from its parts, with the worst slices ranked among the fairness groups. */
export function evaluationResult(
  spec: EvaluationSpec,
  rows: number,
  performance: Record<string, unknown>,
  fairness: Record<string, unknown>,
  metrics: Record<string, number | null>,
): EvaluationResult {
  const metric = spec.slices?.metric ?? (spec.task === 'regression' ? 'mae' : 'accuracy');
  const minRows = spec.slices?.minRows ?? 30;
  return {
    task: spec.task,
    rows,
    performance,
    fairness,
    metrics,
    slices: { metric, minRows, worst: worstSlices(fairness, metric, minRows, spec.slices?.top ?? 5) },
  };
}

/**
 * Multiclass performance from the confusion-matrix metrics and, with class probabilities, the
 * probabilistic ones; the flat metrics are added to `metrics` in the order policies see them.
 */
export function multiclassPerformance(
  m: MulticlassResult,
  probabilistic: ReturnType<typeof multiclassProbabilisticOf> | undefined,
  metrics: Record<string, number | null>,
): Record<string, unknown> {
  metrics.accuracy = m.accuracy;
  if (probabilistic) {
    metrics['log-loss'] = finiteOrNull(probabilistic.logLoss);
    metrics['roc-auc'] = finiteOrNull(probabilistic.rocAuc.ovrMacro);
  }
  metrics['macro-f1'] = m.macro.f1;
  metrics['weighted-f1'] = m.weighted.f1;
  return {
    ...m,
    ...(probabilistic ? { logLoss: finiteOrNull(probabilistic.logLoss), rocAuc: probabilistic.rocAuc } : {}),
  };
}

/** The rates of binary classification, with the spec's zero_division. */
export const ratesOf = (spec: EvaluationSpec) =>
  ratesWith(spec.zeroDivision === 'nan' ? NaN : (spec.zeroDivision ?? 0));

/** What the scores give binary classification, however they were ranked. */
export interface ScoreMetrics {
  rocAuc: number;
  logLoss: number;
  roc: [number, number][];
}

/** The performance of binary classification from the overall confusion counts and the score metrics, its numbers also into `metrics`. */
export function binaryPerformance(
  overall: Confusion,
  rates: Record<string, (c: Confusion) => number>,
  scored: ScoreMetrics | undefined,
  metrics: Record<string, number | null>,
): Record<string, unknown> {
  const performance = {
    accuracy: rates.accuracy!(overall),
    precision: rates.precision!(overall),
    recall: rates.recall!(overall),
    f1: rates.f1!(overall),
    confusion: { tn: overall.tn, fp: overall.fp, fn: overall.fn, tp: overall.tp },
    ...(scored ? { rocAuc: finiteOrNull(scored.rocAuc), logLoss: scored.logLoss, roc: scored.roc } : {}),
  };
  for (const [k, v] of Object.entries(performance))
    if (typeof v === 'number') metrics[k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)] = finiteOrNull(v);
  return performance;
}

/** What one set of sensitive columns (one, or all of them as an intersection) counted. */
export interface BinaryGroupCounts {
  /** Group labels in groupRows' order, and each group's confusion counts. */
  labels: (string | string[])[];
  perGroup: Confusion[];
  selection: ImpactRatios;
  scoring?: ImpactRatios;
  aif360?: ReturnType<typeof aif360SklearnOf>;
  aif360Classic?: ReturnType<typeof aif360ClassicOf>;
}

/**
 * Fills `fairness` and `metrics` for binary classification: each sensitive column, and all of them
 * as an intersection when there are several, from the counts `count` gives for that column set.
 */
export function binaryFairness(
  spec: EvaluationSpec,
  overall: Confusion,
  rates: Record<string, (c: Confusion) => number>,
  metrics: Record<string, number | null>,
  fairness: Record<string, unknown>,
  count: (cols: string[]) => BinaryGroupCounts,
): void {
  let worstParity = Infinity;
  let worstOdds = -Infinity;
  for (const cols of columnSets(spec)) {
    const c = count(cols);
    const frame = classificationFrame(CLASSIFICATION_METRICS, overall, c.perGroup, rates);
    const fl = fairlearnMetrics(frame);
    fairness[cols.join(' x ')] = {
      groups: c.labels.map((g, i) => ({ group: g, rows: c.perGroup[i]!.n })),
      metricFrame: Object.fromEntries(Object.entries(frame).map(([m, d]) => [m, frameJson(d, c.labels)])),
      fairlearn: fl,
      nycLl144: { selection: c.selection, ...(c.scoring ? { scoring: c.scoring } : {}) },
      ...(c.aif360 ? { aif360: c.aif360, aif360Classic: c.aif360Classic } : {}),
    };
    if (cols.length === 1) {
      worstParity = Math.min(worstParity, fl.demographic_parity_ratio.between_groups);
      worstOdds = Math.max(worstOdds, fl.equalized_odds_difference.worst_case.between_groups);
    }
  }
  if (spec.sensitive.length > 0) {
    metrics['demographic-parity-ratio'] = finiteOrNull(worstParity);
    metrics['equalized-odds-difference'] = finiteOrNull(worstOdds);
  }
}

/** One column set's regression fairness: each group's rows and metrics beside the overall ones, and LL144's scoring rates. */
export function regressionFairness(
  labels: (string | string[])[],
  rows: number[],
  overall: Record<string, number>,
  byGroup: Record<string, number[]>,
  scoring: ImpactRatios,
) {
  return {
    groups: labels.map((g, i) => ({ group: g, rows: rows[i]! })),
    metricFrame: Object.fromEntries(
      REGRESSION_METRICS.map((m) => [m, frameJson(disaggregate(overall[m]!, byGroup[m]!), labels)]),
    ),
    nycLl144: { scoring },
  };
}

/** One column set's multiclass fairness: each group's rows and metrics (undefined for no rows) beside the overall ones. */
export function multiclassFairness(
  labels: (string | string[])[],
  rows: number[],
  overall: MulticlassResult,
  byGroup: (MulticlassResult | undefined)[],
) {
  const frame = (pick: (r: MulticlassResult) => number) =>
    frameJson(
      disaggregate(
        pick(overall),
        byGroup.map((r) => (r ? pick(r) : NaN)),
      ),
      labels,
    );
  return {
    groups: labels.map((g, i) => ({ group: g, rows: rows[i]! })),
    metricFrame: {
      accuracy: frame((r) => r.accuracy),
      macroPrecision: frame((r) => r.macro.precision),
      macroRecall: frame((r) => r.macro.recall),
      macroF1: frame((r) => r.macro.f1),
      weightedF1: frame((r) => r.weighted.f1),
    },
  };
}

/** Each sensitive column alone, then all of them together when there are several. */
export const columnSets = (spec: EvaluationSpec): string[][] => [
  ...spec.sensitive.map((c) => [c]),
  ...(spec.sensitive.length > 1 ? [spec.sensitive] : []),
];
