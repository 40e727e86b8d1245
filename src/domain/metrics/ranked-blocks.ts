/**
 * ROC AUC, the ROC curve and the median of scores too many to hold, walked from blocks of the
 * scores sorted ascending (stably: rows with equal scores in row order), read from the lowest
 * block up and then from the highest down. The sums are those of `rankedByClass` (unweighted) and
 * of `rocAuc`/`rocCurve`/`medianByClass` (weighted), added in the same order, so every figure is
 * the same double as the in-memory path gives.
 */

/** Consecutive scores in ascending order with each one's label (1 positive, or a multiclass code) and weight. */
export interface SortedBlock {
  length: number;
  score: Float64Array;
  label: Uint8Array | Uint32Array;
  /** Absent when the rows are unweighted (each weighs 1). */
  weight?: Float64Array | undefined;
}

export interface RankedScores {
  rocAuc: number;
  roc: [number, number][];
  median: number;
}

/**
 * Walks the `rows` sorted scores twice: `up()` gives the blocks from the lowest scores to the
 * highest (each block ascending), `down()` the same blocks from the highest to the lowest (each
 * block still ascending within). `maxPoints` thins the curve as rocCurve does.
 */
export function rankSortedBlocks(
  rows: number,
  up: () => Iterable<SortedBlock>,
  down: () => Iterable<SortedBlock>,
  maxPoints = 101,
): RankedScores {
  const { rocAuc, median, thresholds } = walkUp(rows, up());
  let current = NaN;

  // The walk down: the running (fp, tp) after each threshold from the top, kept only where a point
  // is drawn (index 0 is the origin), then as rates of the totals that walk reaches.
  const total = thresholds + 1;
  const step = (total - 1) / (maxPoints - 1);
  const drawn = total <= maxPoints ? Array.from({ length: total }, (_, j) => j) : [];
  if (total > maxPoints) for (let j = 0; j < maxPoints; j++) drawn.push(Math.round(j * step));
  const counts: [number, number][] = [];
  let next = 0;
  let k = 0;
  let fp = 0;
  let tp = 0;
  const keep = () => {
    for (; next < drawn.length && drawn[next] === k; next++) counts.push([fp, tp]);
  };
  keep();
  let started = false;
  for (const b of down()) {
    const { score, label, weight } = b;
    for (let i = b.length - 1; i >= 0; i--) {
      const v = score[i]!;
      if (v !== current) {
        if (started) {
          k++;
          keep();
        }
        current = v;
        started = true;
      }
      const w = weight ? weight[i]! : 1;
      if (label[i] === 1) tp += w;
      else fp += w;
    }
  }
  if (started) {
    k++;
    keep();
  }
  const roc: [number, number][] = tp === 0 || fp === 0 ? [] : counts.map(([f, t]) => [f / fp, t / tp]);
  return { rocAuc, roc, median };
}

/** The median of `rows` sorted values, given as blocks from the lowest up (the walk down is not needed). */
export const medianOfSorted = (rows: number, up: Iterable<SortedBlock>): number => walkUp(rows, up).median;

/** The walk up: ROC AUC, the median and the number of distinct scores (thresholds). */
function walkUp(rows: number, blocks: Iterable<SortedBlock>): { rocAuc: number; median: number; thresholds: number } {
  // The AUC's pairs threshold by threshold, how many thresholds, the middle scores.
  const upper = Math.floor(rows / 2);
  const lower = rows % 2 ? upper : upper - 1;
  let low = NaN;
  let high = NaN;
  let seen = 0;
  let current = NaN;
  let posHere = 0;
  let negHere = 0;
  let negBelow = 0;
  let pairs = 0;
  let pos = 0;
  let neg = 0;
  let thresholds = 0;
  const close = () => {
    pairs += posHere * negBelow + 0.5 * posHere * negHere;
    negBelow += negHere;
    pos += posHere;
    neg += negHere;
    thresholds++;
    posHere = 0;
    negHere = 0;
  };
  for (const b of blocks) {
    const { score, label, weight } = b;
    for (let i = 0; i < b.length; i++) {
      const v = score[i]!;
      // Equal scores, -0 and +0 among them, are one threshold.
      if (v !== current) {
        if (seen > 0) close();
        current = v;
      }
      const w = weight ? weight[i]! : 1;
      if (label[i] === 1) posHere += w;
      else negHere += w;
      if (seen === lower) low = v;
      if (seen === upper) high = v;
      seen++;
    }
  }
  if (seen > 0) close();
  const rocAuc = pos === 0 || neg === 0 ? NaN : pairs / (pos * neg);
  const median = rows === 0 ? NaN : rows % 2 ? high : (low + high) / 2;
  return { rocAuc, median, thresholds };
}
