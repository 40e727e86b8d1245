// Special functions the drift tests need, written for relative accuracy near 1e-15 so that
// p-values agree with scipy's to the vectors' tolerance (1e-9 relative).

const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);
// Bernoulli-number coefficients of Stirling's series: B_2k / (2k (2k-1)).
const STIRLING = [1 / 12, -1 / 360, 1 / 1260, -1 / 1680, 1 / 1188, -691 / 360360, 1 / 156, -3617 / 122400];

/** log Γ(x) for x > 0: Stirling's series above 15, shifted there by the recurrence below it. */
export function logGamma(x: number): number {
  if (!(x > 0)) return x === 0 ? Infinity : NaN;
  let shift = 0;
  let prod = 1;
  while (x < 15) {
    prod *= x;
    x += 1;
    // Fold the product into a log before it can overflow.
    if (prod > 1e280) {
      shift += Math.log(prod);
      prod = 1;
    }
  }
  shift += Math.log(prod);
  const inv = 1 / x;
  const inv2 = inv * inv;
  let series = 0;
  for (let k = STIRLING.length - 1; k >= 0; k--) series = series * inv2 + STIRLING[k]!;
  return (x - 0.5) * Math.log(x) - x + LOG_SQRT_2PI + series * inv - shift;
}

/** log of the binomial coefficient C(n, k). */
export function logChoose(n: number, k: number): number {
  return logGamma(n + 1) - logGamma(k + 1) - logGamma(n - k + 1);
}

/**
 * Regularised upper incomplete gamma Q(a, x) = Γ(a, x) / Γ(a): the power series for P below
 * x < a + 1, Lentz's continued fraction for Q above it, each summed until it stops changing.
 */
export function gammaQ(a: number, x: number): number {
  if (Number.isNaN(a) || Number.isNaN(x) || a <= 0 || x < 0) return NaN;
  if (x === 0) return 1;
  if (x === Infinity) return 0;
  const logPrefix = a * Math.log(x) - x - logGamma(a);
  if (x < a + 1) {
    let term = 1 / a;
    let sum = term;
    for (let n = 1; n < 10_000; n++) {
      term *= x / (a + n);
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * 1e-17) break;
    }
    return 1 - sum * Math.exp(logPrefix);
  }
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 10_000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-17) break;
  }
  return Math.exp(logPrefix) * h;
}

/** Survival function of the chi-square distribution with `dof` degrees of freedom (scipy chi2.sf). */
export function chi2Sf(x: number, dof: number): number {
  if (dof <= 0 || Number.isNaN(x)) return NaN;
  if (x <= 0) return 1;
  return gammaQ(dof / 2, x / 2);
}

/** erfc(x) for x >= 0 via Q(1/2, x^2); negative x by reflection. */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x < 0) return 2 - erfc(-x);
  if (x === 0) return 1;
  if (x < 0.5) {
    // For small x the series for erf keeps full relative accuracy where 1 - P(1/2, x^2) would not.
    const x2 = x * x;
    let term = x;
    let sum = x;
    for (let n = 1; n < 60; n++) {
      term *= -x2 / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    return 1 - (2 / Math.sqrt(Math.PI)) * sum;
  }
  return gammaQ(0.5, x * x);
}

/**
 * Standard normal CDF computed the way cephes' ndtr does: 1/2 + erf/2 near zero, otherwise from
 * erfc with the upper tail taken as 1 - (tail), so the same rounding shows up in 1 - Φ(z).
 */
export function normalCdf(z: number): number {
  const x = z * Math.SQRT1_2;
  const ax = Math.abs(x);
  if (ax < Math.SQRT1_2) return 0.5 + 0.5 * (1 - erfc(x));
  const y = 0.5 * erfc(ax);
  return x > 0 ? 1 - y : y;
}

/** Kolmogorov's limiting distribution, survival function (scipy kstwobign.sf). */
export function kolmogorovSf(z: number): number {
  if (Number.isNaN(z)) return NaN;
  if (z <= 0) return 1;
  if (z < 0.3) {
    // Near zero the alternating series converges too slowly; use the theta-function form of the CDF.
    const w = (Math.PI * Math.PI) / (8 * z * z);
    let cdf = 0;
    for (let k = 1; k < 40; k += 2) cdf += Math.exp(-k * k * w);
    return 1 - (Math.sqrt(2 * Math.PI) / z) * cdf;
  }
  let sum = 0;
  for (let k = 1; k < 200; k++) {
    const term = Math.exp(-2 * k * k * z * z);
    sum += k % 2 === 1 ? term : -term;
    if (term < 1e-18) break;
  }
  return Math.min(1, Math.max(0, 2 * sum));
}
