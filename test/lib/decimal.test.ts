import { describe, expect, it } from 'vitest';
import { parseDecimal } from '../../src/lib/decimal.ts';

// parseDecimal must give Number()'s double to the bit for every text it reads, and NaN (fall back
// to Number()) for every other text.
const read = (text: string) => {
  const bytes = Buffer.from(`  ${text}  `);
  return parseDecimal(bytes, 2, bytes.length - 2);
};
const same = (a: number, b: number) => Object.is(a, b);

describe('parseDecimal', () => {
  it('reads the shortest text of 400,000 random doubles of every size back to the same double', () => {
    let seed = 7;
    const rnd = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
    const wrong: string[] = [];
    let scores = 0;
    let fallbacks = 0;
    for (let t = 0; t < 400_000; t++) {
      const scale = [1, 1e-3, 10, 1e6, 1e15, 1e-7][t % 6]!;
      const v = (rnd() + rnd() / 2 ** 30) * scale * (t % 7 === 0 ? -1 : 1);
      for (const text of [String(v), v.toFixed(t % 18), v.toPrecision(1 + (t % 17))]) {
        const got = read(text);
        // Scores as a model writes them: the shortest text of a double in [0, 1).
        if (text === String(v) && scale === 1 && v > 0) {
          scores++;
          if (Number.isNaN(got)) fallbacks++;
        }
        if (Number.isNaN(got)) {
          if (/^-?\d+(\.\d+)?$/.test(text) && text.replace(/[-.]/g, '').replace(/^0+/, '').length <= 15)
            wrong.push(`${text}: NaN for a short plain decimal`);
        } else if (!same(got, Number(text))) wrong.push(`${text}: ${got} != ${Number(text)}`);
      }
    }
    expect(wrong.slice(0, 10)).toEqual([]);
    // The fallback is for the rare text (near a tie, a power of two), not for scores.
    expect(scores).toBeGreaterThan(50_000);
    expect(fallbacks).toBeLessThan(scores * 0.001);
  });

  it('reads 17-digit texts near ties between two doubles exactly as Number(), or leaves them to it', () => {
    const wrong: string[] = [];
    let decided = 0;
    let seed = 11;
    const rnd = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
    for (let t = 0; t < 200_000; t++) {
      // The midpoint of two neighbouring doubles, printed to 17 digits and nudged by a unit.
      const a = rnd();
      const b = a + 2 ** (Math.floor(Math.log2(a)) - 52);
      const mid = ((a + b) / 2).toPrecision(17);
      const digits = mid.replace('.', '');
      for (const nudge of [-1, 0, 1]) {
        const last = BigInt(digits) + BigInt(nudge);
        const text = `0.${last
          .toString()
          .padStart(digits.length - 1, '0')
          .slice(-(mid.length - 2))}`;
        const got = read(text);
        if (Number.isNaN(got)) continue;
        decided++;
        if (!same(got, Number(text))) wrong.push(`${text}: ${got} != ${Number(text)}`);
      }
    }
    expect(wrong.slice(0, 10)).toEqual([]);
    // Most of them are decided here (a nudged midpoint is no tie), not all left to Number().
    expect(decided).toBeGreaterThan(300_000);
  });

  it.each([
    ['0', 0],
    ['-0', -0],
    ['007', 7],
    ['0.5', 0.5],
    ['-12.250', -12.25],
    ['9007199254740997.5', 9007199254740998],
    ['9007199254740993', NaN], // a tie next to a power of two: Number() decides
    ['0.30000000000000004', 0.30000000000000004],
    ['123456789012345678', NaN],
    ['1e5', NaN],
    ['+1', NaN],
    ['1.', NaN],
    ['.5', NaN],
    ['1.2.3', NaN],
    ['1..2', NaN],
    ['-.5', NaN],
    ['00.050', 0.05],
    ['0.000', 0],
    ['-0.0', -0],
    ['12345678.901234567', 12345678.901234567],
    ['-', NaN],
    ['', NaN],
    ['0x10', NaN],
    ['Infinity', NaN],
    ['0.00000000000000000000001', NaN],
  ])('reads %j as %d', (text, expected) => {
    expect(Object.is(read(text), expected)).toBe(true);
  });
});
