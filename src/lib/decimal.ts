// Decimal numbers read straight from bytes, bit for bit as Number() reads their text, so a column
// of millions of scores needs no string per value. Only the plain form `-?digits(.digits)?` with
// at most 17 significant digits is read here; anything else (exponents, signs, spaces, hex,
// Infinity, more digits) answers NaN and the caller falls back to Number() on the text.

const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i); // exact doubles up to 10^22
const TWO53 = 2 ** 53;
const SPLIT = 134_217_729; // 2^27 + 1, Dekker's splitter
const bits = new Float64Array(1);
const words = new Uint32Array(bits.buffer);

/**
 * The double nearest to `-?digits(.digits)?` in `bytes[start, end)`, exactly as `Number(text)`,
 * or NaN when the text is not of that form or needs more care than this reader takes (then
 * `Number()` on the text is the answer).
 */
export function parseDecimal(bytes: Uint8Array, start: number, end: number): number {
  let i = start;
  const negative = i < end && bytes[i] === 45;
  if (negative) i++;
  const intStart = i;
  // m = hi * 10^lowDigits + lo: the leading 9 significant digits, then up to 8 more.
  let hi = 0;
  let lo = 0;
  let significant = 0;
  let c = 0;
  // The integer part: its leading zeros carry no digit.
  while (i < end && bytes[i] === 48) i++;
  for (; i < end; i++) {
    c = bytes[i]! - 48;
    if (c < 0 || c > 9) break;
    if (significant < 9) hi = hi * 10 + c;
    else lo = lo * 10 + c;
    significant++;
  }
  if (i === intStart) return NaN; // no digit before the point ("", "-", ".5")
  let fraction = 0;
  if (i < end) {
    if (bytes[i] !== 46) return NaN;
    const from = ++i;
    // Zeros after the point lead while no digit came before them.
    if (significant === 0) while (i < end && bytes[i] === 48) i++;
    for (; i < end; i++) {
      c = bytes[i]! - 48;
      if (c < 0 || c > 9) return NaN;
      if (significant < 9) hi = hi * 10 + c;
      else lo = lo * 10 + c;
      significant++;
    }
    fraction = i - from;
    // "1." is Number()'s business, as are fractions beyond exact powers of ten.
    if (fraction === 0 || fraction > 22) return NaN;
  }
  if (significant > 17) return NaN;
  const p = POW10[fraction]!;
  let v: number;
  if (significant <= 9) v = hi / p;
  else {
    const x = hi * POW10[significant - 9]!; // exact: under 2^30 times 5^8 times a power of two
    const m = x + lo;
    // Under 2^53 the integer is exact, and one division of two exact doubles rounds correctly.
    if (m < TWO53) v = m / p;
    else {
      v = nearest(x, lo, p);
      if (Number.isNaN(v)) return NaN;
    }
  }
  return negative ? -v : v;
}

/**
 * (x + lo) / p correctly rounded, for x + lo in [2^53, 10^17): the quotient of the rounded sum
 * is within an ulp or so, and the exact remainder x + lo - q * p (Dekker's product) says which
 * neighbour is nearest. Within a margin of a tie the answer is NaN (Number() decides).
 */
function nearest(x: number, lo: number, p: number): number {
  const q = (x + lo) / p;
  bits[0] = q;
  // A power of two has a smaller ulp below it: rare enough to leave to Number().
  if (words[0] === 0 && (words[1]! & 0xfffff) === 0) return NaN;
  const exponent = ((words[1]! >>> 20) & 0x7ff) - 1075;
  if (exponent < -1000) return NaN;
  const ulp = 2 ** exponent;
  // q * p = ph + pl exactly.
  const ph = q * p;
  const qa = SPLIT * q;
  const qh = qa - (qa - q);
  const ql = q - qh;
  const pa = SPLIT * p;
  const p1 = pa - (pa - p);
  const p2 = p - p1;
  const pl = qh * p1 - ph + qh * p2 + ql * p1 + ql * p2;
  // x and ph are within a factor of two of each other, so x - ph is exact (Sterbenz); the rest
  // is off by far less than the margin.
  const r = x - ph + (lo - pl);
  const half = (ulp / 2) * p;
  const margin = 1e-3;
  const a = Math.abs(r);
  if (a < half - margin) return q;
  if (a > half + margin && a < 3 * half - margin) return r > 0 ? q + ulp : q - ulp;
  return NaN;
}
