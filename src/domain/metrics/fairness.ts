import { confusion, RATES, type Confusion } from './classification.ts';

/**
 * Disaggregated metrics with fairlearn 0.12's MetricFrame semantics, fairlearn's fairness
 * wrappers, and AIF360's two conventions (the scikit-learn API and the classic
 * ClassificationMetric), each to its exact edge-case behaviour.
 */
export type SensitiveFeatures = SensitiveColumn | Record<string, SensitiveColumn>;

/**
 * A categorical column as a code a row and the distinct values the codes stand for (code k is
 * `values[k]`): a large file's sensitive column without a string reference a row.
 */
export interface CodedColumn {
  codes: Uint8Array | Uint16Array | Uint32Array;
  values: string[];
}

/** A sensitive column: a value a row, or codes with their values. */
export type SensitiveColumn = (string | null)[] | CodedColumn;

/** True for a CodedColumn (a plain column is an array). */
export const isCoded = (col: unknown): col is CodedColumn =>
  col !== null &&
  typeof col === 'object' &&
  !Array.isArray(col) &&
  ArrayBuffer.isView((col as CodedColumn).codes) &&
  Array.isArray((col as CodedColumn).values);

/** The column as a value a row (a CodedColumn spelled out), for the few readers that need one. */
export function valuesOf<T extends string | null>(col: T[] | CodedColumn): (T | string)[] {
  if (!isCoded(col)) return col;
  const out = new Array<string>(col.codes.length);
  for (let i = 0; i < out.length; i++) out[i] = col.values[col.codes[i]!]!;
  return out;
}

export interface Groups {
  /** Group labels, ascending; tuples for intersectional (several) sensitive features. */
  labels: (string | string[])[];
  /** Group index of every row. */
  codes: GroupCodes;
  /** Row indexes of each group (empty for an intersection that no row falls in). */
  rows: number[][];
}

/** Strings in code-unit order, as Python's and JavaScript's default sorts put them (the groups' and categories' order). */
export const ascii = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** A group index a row, as narrow as the number of groups allows (a byte for up to 256). */
export type GroupCodes = Uint8Array | Uint16Array | Int32Array;
// At 10,000,000 rows a 32-bit code a row is 40 MiB; nearly every sensitive column fits a byte.
const codeArray = (distinct: number, n: number): GroupCodes =>
  distinct <= 256 ? new Uint8Array(n) : distinct <= 65_536 ? new Uint16Array(n) : new Int32Array(n);

/** Each row's position among the column's distinct values sorted ascending, and those values. */
function encode(col: SensitiveColumn): { values: string[]; codes: GroupCodes } {
  if (isCoded(col)) {
    // Only the values that occur, as below; codes follow their values' ascending order.
    const seen = new Uint8Array(col.values.length);
    for (let i = 0; i < col.codes.length; i++) seen[col.codes[i]!] = 1;
    const values = col.values.filter((_, k) => seen[k]).sort(ascii);
    const rank = new Int32Array(col.values.length);
    const position = new Map(values.map((v, r) => [v, r]));
    col.values.forEach((v, k) => (rank[k] = position.get(v) ?? -1));
    const codes = codeArray(values.length, col.codes.length);
    for (let i = 0; i < codes.length; i++) codes[i] = rank[col.codes[i]!]!;
    return { values, codes };
  }
  const first = new Map<string, number>();
  const raw = new Int32Array(col.length);
  for (let i = 0; i < col.length; i++) {
    const v = col[i];
    if (v === null || v === undefined)
      throw new Error('sensitive features contain missing values; map them to an explicit category');
    let c = first.get(v);
    if (c === undefined) first.set(v, (c = first.size));
    raw[i] = c;
  }
  const values = [...first.keys()].sort(ascii);
  const rank = new Int32Array(values.length);
  values.forEach((v, r) => (rank[first.get(v)!] = r));
  for (let i = 0; i < raw.length; i++) raw[i] = rank[raw[i]!]!;
  return { values, codes: raw };
}

/**
 * Groups rows by sensitive feature: distinct values sorted ascending; with several features, the
 * Cartesian product of each feature's sorted values in lexicographic order, empty ones kept.
 * Missing (null) values must have been mapped to an explicit category before.
 */
export function groupRows(features: SensitiveFeatures): Groups {
  const single = Array.isArray(features) || isCoded(features);
  const columns = (single ? [features] : Object.values(features)).map(encode);
  let tuples: string[][] = [[]];
  for (const { values } of columns) tuples = tuples.flatMap((t) => values.map((v) => [...t, v]));
  // Lexicographic product order: the first column is the most significant digit.
  const n = columns[0]!.codes.length;
  // One column's codes are the groups' codes already: no second array of a code a row.
  const codes = columns.length === 1 ? columns[0]!.codes : codeArray(tuples.length, n);
  if (columns.length > 1)
    for (const { values, codes: c } of columns)
      for (let i = 0; i < n; i++) codes[i] = codes[i]! * values.length + c[i]!;
  let rows: number[][] | undefined;
  return {
    labels: single ? tuples.map((t) => t[0]!) : tuples,
    codes,
    // Index lists are built only when asked for: the binary path counts by code and never needs them.
    get rows() {
      if (!rows) {
        const counts = new Int32Array(tuples.length);
        for (let i = 0; i < n; i++) counts[codes[i]!]!++;
        const lists: number[][] = Array.from(counts, (k) => new Array<number>(k));
        const fill = new Int32Array(tuples.length);
        for (let i = 0; i < n; i++) {
          const g = codes[i]!;
          lists[g]![fill[g]!++] = i;
        }
        rows = lists;
      }
      return rows;
    },
  };
}

/** The confusion counts of all rows from those of the groups that partition them. */
export function pooledConfusion(perGroup: Confusion[]): Confusion {
  const c: Confusion = { tp: 0, fp: 0, tn: 0, fn: 0, w: 0, n: 0 };
  for (const g of perGroup) {
    c.tp += g.tp;
    c.fp += g.fp;
    c.tn += g.tn;
    c.fn += g.fn;
    c.w += g.w;
    c.n += g.n;
  }
  return c;
}

/**
 * Weighted confusion counts of every group in one pass over the rows (the bincount approach):
 * the same numbers as `confusion` over each group's rows, without per-group index lists.
 */
export function groupedConfusion(
  yTrue: ArrayLike<number>,
  yPred: ArrayLike<number>,
  codes: GroupCodes,
  groups: number,
  weights?: ArrayLike<number>,
): Confusion[] {
  // Cell index: group * 4 + truth * 2 + prediction, so tn, fp, fn, tp follow each other. The
  // index is computed without branches: labels are random, so branches would mispredict half the time.
  const counts = new Float64Array(groups * 4);
  const cells = weights ? new Float64Array(groups * 4) : counts;
  // Weight totals summed in row order, as `confusion` does, so both agree to the last bit.
  const totals = weights ? new Float64Array(groups) : undefined;
  const len = codes.length;
  if (weights) {
    for (let i = 0; i < len; i++) {
      const g = codes[i]!;
      const k = (g << 2) | (+(yTrue[i] === 1) << 1) | +(yPred[i] === 1);
      cells[k]! += weights[i]!;
      totals![g]! += weights[i]!;
      counts[k]!++;
    }
  } else {
    // Integer counts while counting (exact, and faster than adding doubles), as doubles after.
    const ints = new Uint32Array(groups * 4);
    for (let i = 0; i < len; i++) ints[(codes[i]! << 2) | (+(yTrue[i] === 1) << 1) | +(yPred[i] === 1)]!++;
    counts.set(ints);
  }
  const n = Array.from(
    { length: groups },
    (_, g) => counts[g * 4]! + counts[g * 4 + 1]! + counts[g * 4 + 2]! + counts[g * 4 + 3]!,
  );
  return Array.from({ length: groups }, (_, g) => {
    const [tn, fp, fn, tp] = [cells[g * 4]!, cells[g * 4 + 1]!, cells[g * 4 + 2]!, cells[g * 4 + 3]!];
    return { tn, fp, fn, tp, w: totals ? totals[g]! : tn + fp + fn + tp, n: n[g]! };
  });
}

export interface Disaggregated {
  overall: number;
  byGroup: number[];
  groupMin: number;
  groupMax: number;
  differenceBetweenGroups: number;
  differenceToOverall: number;
  ratioBetweenGroups: number;
  ratioToOverall: number;
}

const finite = (xs: number[]) => xs.filter((x) => !Number.isNaN(x));

/** MetricFrame's aggregations of one metric: NaN groups skipped, IEEE division for ratios. */
export function disaggregate(overall: number, byGroup: number[]): Disaggregated {
  const vals = finite(byGroup);
  const groupMin = vals.length ? Math.min(...vals) : NaN;
  const groupMax = vals.length ? Math.max(...vals) : NaN;
  const toOverall = finite(byGroup.map((v) => Math.abs(v - overall)));
  const ratios = finite(
    byGroup.map((v) => {
      const r = v / overall;
      return r > 1 ? 1 / r : r;
    }),
  );
  return {
    overall,
    byGroup,
    groupMin,
    groupMax,
    differenceBetweenGroups: groupMax - groupMin,
    differenceToOverall: toOverall.length ? Math.max(...toOverall) : NaN,
    ratioBetweenGroups: groupMin / groupMax,
    ratioToOverall: ratios.length ? Math.min(...ratios) : NaN,
  };
}

/** A MetricFrame over confusion-based rates (RATES names): empty groups are NaN throughout. */
export function classificationFrame(
  metrics: string[],
  overall: Confusion,
  perGroup: Confusion[],
  rates = RATES,
): Record<string, Disaggregated> {
  return Object.fromEntries(
    metrics.map((m) => {
      const f = rates[m];
      if (!f) throw new Error(`unknown metric '${m}'`);
      return [
        m,
        disaggregate(
          f(overall),
          perGroup.map((c) => (c.n === 0 ? NaN : f(c))),
        ),
      ];
    }),
  );
}

export type Method = 'between_groups' | 'to_overall';
const diff = (d: Disaggregated, m: Method) =>
  m === 'between_groups' ? d.differenceBetweenGroups : d.differenceToOverall;
const ratio = (d: Disaggregated, m: Method) => (m === 'between_groups' ? d.ratioBetweenGroups : d.ratioToOverall);

/** Python's builtin min of two numbers: the first unless the second is smaller (so NaN first wins). */
const pyMin = (a: number, b: number) => (b < a ? b : a);
/** pandas' Series.mean(): NaN values skipped; NaN when nothing is left. */
const nanMean = (...xs: number[]) => {
  const ok = xs.filter((x) => !Number.isNaN(x));
  return ok.length === 0 ? NaN : ok.reduce((a, b) => a + b, 0) / ok.length;
};

/** fairlearn's wrappers (demographic parity, equal opportunity, equalized odds) by method. */
export function fairlearnMetrics(frame: Record<string, Disaggregated>) {
  const sr = frame.selection_rate!;
  const tpr = frame.tpr!;
  const fpr = frame.fpr!;
  const both = <T>(f: (m: Method) => T) => ({ between_groups: f('between_groups'), to_overall: f('to_overall') });
  return {
    demographic_parity_difference: both((m) => diff(sr, m)),
    demographic_parity_ratio: both((m) => ratio(sr, m)),
    equal_opportunity_difference: both((m) => diff(tpr, m)),
    equal_opportunity_ratio: both((m) => ratio(tpr, m)),
    // fairlearn takes Python's builtin max/min over the (tpr, fpr) Series, so a NaN second value
    // is passed over while a NaN first one wins, and pandas' mean, which skips NaN.
    equalized_odds_difference: {
      worst_case: both((m) => pyMax(diff(tpr, m), diff(fpr, m))),
      mean: both((m) => nanMean(diff(tpr, m), diff(fpr, m))),
    },
    equalized_odds_ratio: {
      worst_case: both((m) => pyMin(ratio(tpr, m), ratio(fpr, m))),
      mean: both((m) => nanMean(ratio(tpr, m), ratio(fpr, m))),
    },
  };
}

/** Splits rows into the privileged group and everyone else, pooled. */
function privilegedSplit(
  yTrue: ArrayLike<number>,
  yPred: ArrayLike<number>,
  groups: string[],
  privileged: string,
  weights?: ArrayLike<number>,
) {
  const priv: number[] = [];
  const unpriv: number[] = [];
  groups.forEach((g, i) => (g === privileged ? priv : unpriv).push(i));
  return { p: confusion(yTrue, yPred, weights, priv), u: confusion(yTrue, yPred, weights, unpriv) };
}

/**
 * AIF360's scikit-learn API: rates through sklearn scorers, so 0/0 is 0.0, and FPR is
 * 1 - specificity, which makes the FPR of a side without negatives 1.0 (a quirk kept on purpose).
 */
export function aif360Sklearn(
  yTrue: ArrayLike<number>,
  yPred: ArrayLike<number>,
  groups: string[],
  privileged: string,
  weights?: ArrayLike<number>,
) {
  const { p, u } = privilegedSplit(yTrue, yPred, groups, privileged, weights);
  return aif360SklearnOf(p, u, privileged);
}

/** aif360Sklearn from the privileged side's confusion counts (`p`) and everyone else's (`u`). */
export function aif360SklearnOf(p: Confusion, u: Confusion, privileged: string) {
  const sr = (c: Confusion) => (c.w === 0 ? 0 : (c.tp + c.fp) / c.w);
  const tpr = (c: Confusion) => (c.tp + c.fn === 0 ? 0 : c.tp / (c.tp + c.fn));
  const fpr = (c: Confusion) => 1 - (c.tn + c.fp === 0 ? 0 : c.tn / (c.tn + c.fp));
  const di = sr(p) === 0 ? 0 : sr(u) / sr(p);
  return {
    privileged_group: privileged,
    statistical_parity_difference: sr(u) - sr(p),
    disparate_impact_ratio: di,
    four_fifths_rule_pass: di >= 0.8,
    equal_opportunity_difference: tpr(u) - tpr(p),
    average_odds_difference: (fpr(u) - fpr(p) + (tpr(u) - tpr(p))) / 2,
    average_odds_error: (Math.abs(fpr(u) - fpr(p)) + Math.abs(tpr(u) - tpr(p))) / 2,
  };
}

/** Python's builtin max of two numbers: the first unless the second is greater (so NaN first wins). */
const pyMax = (a: number, b: number) => (b > a ? b : a);

/** AIF360's classic ClassificationMetric: plain IEEE ratios of weighted counts (0/0 NaN, x/0 Infinity). */
export function aif360Classic(
  yTrue: ArrayLike<number>,
  yPred: ArrayLike<number>,
  groups: string[],
  privileged: string,
  weights?: ArrayLike<number>,
) {
  const { p, u } = privilegedSplit(yTrue, yPred, groups, privileged, weights);
  return aif360ClassicOf(p, u, privileged);
}

/** aif360Classic from the privileged side's confusion counts (`p`) and everyone else's (`u`). */
export function aif360ClassicOf(p: Confusion, u: Confusion, privileged: string) {
  const sr = (c: Confusion) => (c.tp + c.fp) / c.w;
  const tpr = (c: Confusion) => c.tp / (c.tp + c.fn);
  const fpr = (c: Confusion) => c.fp / (c.fp + c.tn);
  const dFpr = fpr(u) - fpr(p);
  const dTpr = tpr(u) - tpr(p);
  const di = sr(u) / sr(p);
  return {
    privileged_group: privileged,
    statistical_parity_difference: sr(u) - sr(p),
    disparate_impact: di,
    four_fifths_rule_pass: di >= 0.8,
    equal_opportunity_difference: dTpr,
    average_odds_difference: (dFpr + dTpr) / 2,
    average_abs_odds_difference: (Math.abs(dFpr) + Math.abs(dTpr)) / 2,
    equalized_odds_difference: pyMax(Math.abs(dFpr), Math.abs(dTpr)),
  };
}
