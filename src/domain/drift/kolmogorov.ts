// Distribution of the two-sided one-sample Kolmogorov-Smirnov statistic D_n (scipy.stats.kstwo),
// following Simard & L'Ecuyer (2011): each region of (n, x) uses the method they recommend —
// Ruben-Gambino closed forms at the edges, Durbin's matrix (Marsaglia-Tsang-Wang) where it is
// exact and cheap, Pelz-Good's asymptotic series for large n, and 2 x Smirnov's one-sided tail
// in the far tail. The region boundaries are the ones scipy uses, so its answers are reproduced.

const LOG_2PI = Math.log(2 * Math.PI);
const SQRT_2PI = Math.sqrt(2 * Math.PI);
const PI2 = Math.PI ** 2;
const PI4 = Math.PI ** 4;
const PI6 = Math.PI ** 6;

const clip = (p: number) => Math.min(1, Math.max(0, p));

/** log(n! / n^n) by Stirling's series with n log n removed up front (no cancellation). */
function logFactorialOverPower(n: number): number {
  const coeffs = [
    -2.955065359477124183e-2, 6.4102564102564102564e-3, -1.9175269175269175269e-3, 8.4175084175084175084e-4,
    -5.952380952380952381e-4, 7.9365079365079365079e-4, -2.7777777777777777778e-3, 8.3333333333333333333e-2,
  ];
  const r = 1 / n;
  let poly = 0;
  for (const c of coeffs) poly = poly * (r / n) + c;
  return Math.log(n) / 2 - n + LOG_2PI / 2 + r * poly;
}

/**
 * Smirnov's one-sided tail P(D+_n >= x), exactly, by the Birnbaum-Tingey sum
 * x * sum_j C(n,j) (1-x-j/n)^(n-j) (x+j/n)^(j-1). Every term is positive, so summing in
 * logarithms keeps relative accuracy even deep in the tail.
 */
export function smirnovSf(n: number, x: number): number {
  if (x <= 0) return 1;
  if (x >= 1) return 0;
  const jMax = Math.floor(n * (1 - x));
  // One pass with a running log-sum-exp; log C(n, j) by its recurrence from log C(n, 0) = 0. The
  // terms rise to one peak and fall: past it, once they are 1e-30 of the largest, the rest cannot
  // move the sum.
  let top = -Infinity;
  let sum = 0;
  let logBinom = 0;
  // Kahan-compensated: millions of steps would otherwise drift the binomial's logarithm.
  let carry = 0;
  let prev = -Infinity;
  for (let j = 0; j <= jMax; j++) {
    if (j > 0) {
      const y = Math.log1p((n - 2 * j + 1) / j) - carry;
      const t = logBinom + y;
      carry = t - logBinom - y;
      logBinom = t;
    }
    const a = (n - n * x - j) / n;
    if (a <= 0) break;
    const l = logBinom + (n - j) * Math.log(a) + (j - 1) * Math.log(x + j / n);
    if (l > top) {
      sum = sum * Math.exp(top - l) + 1;
      top = l;
    } else sum += Math.exp(l - top);
    if (l < prev && l < top - 69) break;
    prev = l;
  }
  return clip(x * Math.exp(top) * sum);
}

/** Durbin's matrix method for P(D_n <= d) (exact), with the matrix power scaled to avoid overflow. */
function durbinCdf(n: number, d: number): number {
  const nd = n * d;
  if (nd <= 0.5) return 0;
  const k = Math.ceil(nd);
  const h = k - nd;
  const m = 2 * k - 1;
  let H: Float64Array = new Float64Array(m * m);
  const v = new Float64Array(m);
  const w = new Float64Array(m);
  let fac = 1;
  for (let j = 1; j <= m; j++) {
    w[j - 1] = fac;
    fac /= j;
    v[j - 1] = (1 - h ** j) * fac;
  }
  v[m - 1] = (1 + Math.max(2 * h - 1, 0) ** m - 2 * h ** m) * fac;
  for (let i = 1; i < m; i++) for (let r = i - 1; r < m; r++) H[r * m + i] = w[r - i + 1]!;
  for (let r = 0; r < m; r++) H[r * m] = v[r]!;
  for (let c = 0; c < m; c++) H[(m - 1) * m + c] = v[m - 1 - c]!;

  const multiply = (a: Float64Array, b: Float64Array): Float64Array => {
    const out = new Float64Array(m * m);
    for (let i = 0; i < m; i++) {
      for (let l = 0; l < m; l++) {
        const ail = a[i * m + l]!;
        if (ail === 0) continue;
        const row = l * m;
        const o = i * m;
        for (let j = 0; j < m; j++) out[o + j] = out[o + j]! + ail * b[row + j]!;
      }
    }
    return out;
  };
  let power: Float64Array | undefined;
  let exponent = 0;
  let hExponent = 0;
  let nn = n;
  const SCALE = 2 ** 128;
  while (nn > 0) {
    if (nn % 2) {
      power = power ? multiply(power, H) : H.slice();
      exponent += hExponent;
    }
    nn = Math.floor(nn / 2);
    if (nn === 0) break;
    H = multiply(H, H);
    hExponent *= 2;
    if (Math.abs(H[(k - 1) * m + (k - 1)]!) > SCALE) {
      for (let i = 0; i < H.length; i++) H[i]! /= SCALE;
      hExponent += 128;
    }
  }
  let p = power![(k - 1) * m + (k - 1)]!;
  for (let i = 1; i <= n; i++) {
    p = (i * p) / n;
    if (Math.abs(p) < 2 ** -128) {
      p *= SCALE;
      exponent -= 128;
    }
  }
  return clip(p * 2 ** exponent);
}

/** Pelz-Good's asymptotic series for P(D_n <= x) (four terms in 1/sqrt(n)). */
function pelzGoodCdf(n: number, x: number): number {
  const z = Math.sqrt(n) * x;
  const z2 = z * z;
  const z3 = z2 * z;
  const z4 = z2 * z2;
  const z6 = z4 * z2;
  const qlog = -PI2 / 8 / z2;
  if (qlog < -708) return 0;
  let q = Math.exp(qlog);
  const k1a = -z2;
  const k1b = PI2 / 4;
  const k2a = 6 * z6 + 2 * z4;
  const k2b = ((2 * z4 - 5 * z2) * PI2) / 4;
  const k2c = (PI4 * (1 - 2 * z2)) / 16;
  const k3d = (PI6 * (5 - 30 * z2)) / 64;
  const k3c = (PI4 * (-60 * z2 + 212 * z4)) / 16;
  const k3b = (PI2 * (135 * z4 - 96 * z6)) / 4;
  const k3a = -30 * z6 - 90 * z4 * z4;
  const K = [0, 0, 0, 0];
  const maxk = Math.ceil((16 * z) / Math.PI);
  // Horner over the odd terms: sum_k c_k q^((2k-1)^2).
  for (let k = maxk; k >= 1; k--) {
    const m2 = (2 * k - 1) ** 2;
    const qp = q ** (8 * k);
    K[0] = K[0]! * qp + 1;
    K[1] = K[1]! * qp + (k1a + k1b * m2);
    K[2] = K[2]! * qp + (k2a + k2b * m2 + k2c * m2 * m2);
    K[3] = K[3]! * qp + (k3a + k3b * m2 + k3c * m2 * m2 + k3d * m2 * m2 * m2);
  }
  const denominators = [z, 6 * z4, 72 * z ** 7, 6480 * z ** 10];
  for (let i = 0; i < 4; i++) K[i] = (K[i]! * q * SQRT_2PI) / denominators[i]!;
  q = Math.exp(-PI2 / 2 / z2);
  let extra2 = 0;
  let extra3 = 0;
  const s3z = Math.sqrt(3) * z;
  for (let k = maxk; k >= 1; k--) {
    const k2 = k * k;
    const qk = q ** k2;
    extra2 += k2 * qk;
    extra3 += (s3z + Math.PI * k) * (s3z - Math.PI * k) * k2 * qk;
  }
  K[2] = K[2]! + (extra2 * PI2 * SQRT_2PI) / (-36 * z3);
  K[3] = K[3]! + (extra3 * PI2 * SQRT_2PI) / (216 * z6);
  let sum = 0;
  for (let i = 0; i < 4; i++) sum += K[i]! / n ** (i / 2);
  return sum;
}

/**
 * Survival function of the two-sided one-sample KS statistic, P(D_n >= x) (scipy kstwo.sf).
 * @param n sample size (positive integer)
 * @param x statistic value
 */
export function kolmogorovSmirnovSf(n: number, x: number): number {
  if (!Number.isInteger(n) || n <= 0 || Number.isNaN(x)) return NaN;
  if (x >= 1) return 0;
  if (x <= 0) return 1;
  const t = n * x;
  if (t <= 1) {
    if (t <= 0.5) return 1;
    let cdf: number;
    if (n <= 140) {
      cdf = 1;
      for (let i = 1; i <= n; i++) cdf *= i * (1 / n) * (2 * t - 1);
    } else cdf = Math.exp(logFactorialOverPower(n) + n * Math.log(2 * t - 1));
    return clip(1 - cdf);
  }
  if (t >= n - 1) return clip(2 * (1 - x) ** n);
  if (x >= 0.5) return clip(2 * smirnovSf(n, x));
  const nx2 = t * x;
  if (n <= 140) {
    // Pomeranz's recursion and Durbin's matrix are both exact here; Durbin's serves both ranges.
    if (nx2 <= 4) return clip(1 - durbinCdf(n, x));
    return clip(2 * smirnovSf(n, x));
  }
  if (nx2 >= 370) return 0;
  if (nx2 >= 2.2) return clip(2 * smirnovSf(n, x));
  const cdf = n <= 100_000 && n * x ** 1.5 <= 1.4 ? durbinCdf(n, x) : pelzGoodCdf(n, x);
  return clip(1 - cdf);
}
