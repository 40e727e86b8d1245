/**
 * A small seeded generator (mulberry32) so explanations are reproducible: the same data, model
 * and seed give the same permutations, samples and coalitions, hence the same evidence hash.
 */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fisher-Yates shuffle in place. */
export function shuffle<T extends { length: number; [i: number]: unknown }>(xs: T, random: () => number): T {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = xs[i];
    xs[i] = xs[j];
    xs[j] = t;
  }
  return xs;
}

/**
 * `k` distinct indices of 0..n-1 (all of them, in order, when k >= n), in ascending order, each
 * k-subset equally likely. Floyd's algorithm: k draws and memory for k indices, whatever n is (a
 * shuffle of all n indices would hold n of them).
 */
export function sampleIndices(n: number, k: number, random: () => number): Int32Array {
  if (k >= n) return Int32Array.from({ length: n }, (_, i) => i);
  const chosen = new Set<number>();
  for (let j = n - k; j < n; j++) {
    const t = Math.floor(random() * (j + 1));
    chosen.add(chosen.has(t) ? j : t);
  }
  return Int32Array.from(chosen).sort();
}
