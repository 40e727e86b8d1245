/**
 * Regression metrics with scikit-learn's conventions and optional sample weights. R² follows
 * r2_score(force_finite=True): a perfect fit is 1.0, a constant target fitted imperfectly 0.0,
 * fewer than two rows NaN.
 */
export const REGRESSION: Record<
  string,
  (y: ArrayLike<number>, yhat: ArrayLike<number>, w?: ArrayLike<number>) => number
> = {
  mse: (y, yhat, w) =>
    weightedMean(
      Array.from(y, (v, i) => (v - yhat[i]!) ** 2),
      w,
    ),
  rmse: (y, yhat, w) => Math.sqrt(REGRESSION.mse!(y, yhat, w)),
  mae: (y, yhat, w) =>
    weightedMean(
      Array.from(y, (v, i) => Math.abs(v - yhat[i]!)),
      w,
    ),
  r2: (y, yhat, w) => {
    if (y.length < 2) return NaN;
    const mean = weightedMean(y, w);
    let res = 0;
    let tot = 0;
    for (let i = 0; i < y.length; i++) {
      const wi = w ? w[i]! : 1;
      res += wi * (y[i]! - yhat[i]!) ** 2;
      tot += wi * (y[i]! - mean) ** 2;
    }
    if (res === 0) return 1;
    if (tot === 0) return 0;
    return 1 - res / tot;
  },
};

function weightedMean(values: ArrayLike<number>, w?: ArrayLike<number>): number {
  let s = 0;
  let ws = 0;
  for (let i = 0; i < values.length; i++) {
    const wi = w ? w[i]! : 1;
    s += wi * values[i]!;
    ws += wi;
  }
  return ws === 0 ? NaN : s / ws;
}
