import { ascii, isCoded, type CodedColumn } from './fairness.ts';

/**
 * NYC Local Law 144 bias-audit impact ratios (6 RCNY §5-301): per category, the selection rate
 * (classification) or scoring rate (share of the category scoring above the median score of the
 * whole sample, for regression-like scores), divided by the rate of the most selected category.
 * Categories with less than 2% of the data may be excluded from that comparison; they are still
 * reported, flagged, with their rates.
 */
export interface ImpactRatioRow {
  category: string;
  count: number;
  rate: number;
  impactRatio: number | null;
  excluded: boolean;
}

export interface ImpactRatios {
  kind: 'selection' | 'scoring';
  median?: number;
  rows: ImpactRatioRow[];
}

/**
 * Per category, its rows and its hits: the rows whose value is 1 (selection: the predictions)
 * or, with `above`, greater than it (scoring: the scores above the median).
 */
function ratios(
  categories: string[] | CodedColumn,
  values: ArrayLike<number>,
  kind: 'selection' | 'scoring',
  above?: number,
): ImpactRatios {
  const hit = above === undefined ? (i: number) => values[i] === 1 : (i: number) => values[i]! > above;
  const by = new Map<string, { count: number; hits: number }>();
  let n: number;
  if (isCoded(categories)) {
    // Counted by code, then named: no lookup by string a row, and no call a row either (each
    // kind of hit its own loop; the counts are whole numbers, exact in doubles).
    const { codes, values: names } = categories;
    n = codes.length;
    const count = new Float64Array(names.length);
    const hits = new Float64Array(names.length);
    if (above === undefined)
      for (let i = 0; i < n; i++) {
        const k = codes[i]!;
        count[k]!++;
        hits[k]! += +(values[i] === 1);
      }
    else
      for (let i = 0; i < n; i++) {
        const k = codes[i]!;
        count[k]!++;
        hits[k]! += +(values[i]! > above);
      }
    names.forEach((v, k) => {
      if (count[k]! > 0) by.set(v, { count: count[k]!, hits: hits[k]! });
    });
  } else {
    n = categories.length;
    for (let i = 0; i < n; i++) {
      const c = categories[i]!;
      let e = by.get(c);
      if (!e) by.set(c, (e = { count: 0, hits: 0 }));
      e.count++;
      if (hit(i)) e.hits++;
    }
  }
  return impactRatiosOf(by, n, kind, above);
}

/**
 * The impact ratios from each category's rows and hits (`by`) among `n` rows in all; `median`
 * for scoring rates.
 */
export function impactRatiosOf(
  by: Map<string, { count: number; hits: number }>,
  n: number,
  kind: 'selection' | 'scoring',
  median?: number,
): ImpactRatios {
  const rows = [...by.entries()]
    .sort(([a], [b]) => ascii(a, b))
    .map(([category, e]) => ({ category, count: e.count, rate: e.hits / e.count, excluded: e.count / n < 0.02 }));
  const best = Math.max(0, ...rows.filter((r) => !r.excluded).map((r) => r.rate));
  return {
    kind,
    ...(median !== undefined ? { median } : {}),
    rows: rows.map((r) => ({ ...r, impactRatio: r.excluded || best === 0 ? null : r.rate / best })),
  };
}

/** Impact ratios of selection (predicted positive) rates. */
export const selectionImpactRatios = (categories: string[] | CodedColumn, selected: ArrayLike<number>): ImpactRatios =>
  ratios(categories, selected, 'selection');

/** Impact ratios of scoring rates: the share of each category scoring above the sample's median. */
export function scoringImpactRatios(
  categories: string[] | CodedColumn,
  scores: ArrayLike<number>,
  /** The scores' median when already known (it is the same for every sensitive column). */
  known?: number,
): ImpactRatios {
  const median = known ?? medianOf(scores);
  return ratios(categories, scores, 'scoring', median);
}

/** The median of `scores` (the mean of the middle two for an even count). */
export function medianOf(scores: ArrayLike<number>): number {
  // A typed array sorts numerically without a comparator call per pair.
  const sorted = Float64Array.from(scores).sort();
  const mid = sorted.length / 2;
  return sorted.length % 2 ? sorted[Math.floor(mid)]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
