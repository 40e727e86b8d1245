// Mergeable monitoring profiles ("steward.profile/v1"): what a high-volume producer computes next
// to the model for one time window instead of sending rows. Per feature: how many values, how many
// missing, and either a histogram on fixed edges (numerical) or counts per category. Histograms
// on the same edges and category counts add exactly, so profiles of sub-windows merge into the
// profile of the whole window, and the server never needs the raw rows.

export type NumericalProfile = {
  type: 'numerical';
  /** Finite values seen. */
  count: number;
  /** Null, NaN or infinite values seen. */
  missing: number;
  /** Right-closed bins with open ends: (-inf, e0], (e0, e1], ..., (e_last, +inf); counts has edges.length + 1 entries. */
  histogram: { edges: number[]; counts: number[] };
};

export type CategoricalProfile = {
  type: 'categorical';
  count: number;
  missing: number;
  categories: Record<string, number>;
};

export type FeatureProfile = NumericalProfile | CategoricalProfile;

export interface Profile {
  format: 'steward.profile/v1';
  window: { start: string; end: string };
  /** Records summarised. */
  count: number;
  features: Record<string, FeatureProfile>;
}

/** Index of the right-closed bin of `x` among sorted `edges` (edges.length for x above the last). */
export function binOf(edges: readonly number[], x: number): number {
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (edges[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** What is wrong with a profile (empty when it is consistent): counts must add up, edges ascend. */
export function profileProblems(p: Profile): string[] {
  const problems: string[] = [];
  if (!(Date.parse(p.window.start) < Date.parse(p.window.end))) problems.push('window.start must be before window.end');
  for (const [name, f] of Object.entries(p.features)) {
    if (f.count + f.missing !== p.count)
      problems.push(
        `features.${name}: count + missing (${f.count + f.missing}) must equal the profile's count (${p.count})`,
      );
    if (f.type === 'numerical') {
      const { edges, counts } = f.histogram;
      if (edges.some((e, i) => !Number.isFinite(e) || (i > 0 && e <= edges[i - 1]!)))
        problems.push(`features.${name}: histogram edges must be finite and strictly ascending`);
      if (counts.length !== edges.length + 1)
        problems.push(
          `features.${name}: a histogram has one more count than edges (${edges.length + 1}), got ${counts.length}`,
        );
      else if (counts.reduce((a, b) => a + b, 0) !== f.count)
        problems.push(`features.${name}: histogram counts must add up to count (${f.count})`);
    } else if (Object.values(f.categories).reduce((a, b) => a + b, 0) !== f.count)
      problems.push(`features.${name}: category counts must add up to count (${f.count})`);
  }
  return problems;
}

/**
 * Merges profiles of the same features into one covering all their windows. Throws when two
 * profiles disagree on a feature's type or histogram edges (they cannot be added exactly).
 */
export function mergeProfiles(profiles: Profile[]): Profile {
  if (profiles.length === 0) throw new Error('nothing to merge');
  const out: Profile = { format: 'steward.profile/v1', window: { ...profiles[0]!.window }, count: 0, features: {} };
  for (const p of profiles) {
    if (Date.parse(p.window.start) < Date.parse(out.window.start)) out.window.start = p.window.start;
    if (Date.parse(p.window.end) > Date.parse(out.window.end)) out.window.end = p.window.end;
    out.count += p.count;
    for (const [name, f] of Object.entries(p.features)) {
      const into = out.features[name];
      if (!into) {
        out.features[name] =
          f.type === 'numerical'
            ? { ...f, histogram: { edges: [...f.histogram.edges], counts: [...f.histogram.counts] } }
            : { ...f, categories: { ...f.categories } };
        continue;
      }
      if (into.type !== f.type)
        throw new Error(`feature '${name}' is ${into.type} in one profile and ${f.type} in another`);
      into.count += f.count;
      into.missing += f.missing;
      if (into.type === 'numerical' && f.type === 'numerical') {
        const a = into.histogram.edges;
        const b = f.histogram.edges;
        if (a.length !== b.length || a.some((e, i) => e !== b[i]))
          throw new Error(`feature '${name}' has different histogram edges in two profiles`);
        f.histogram.counts.forEach((c, i) => (into.histogram.counts[i]! += c));
      } else if (into.type === 'categorical' && f.type === 'categorical') {
        for (const [k, c] of Object.entries(f.categories)) into.categories[k] = (into.categories[k] ?? 0) + c;
      }
    }
  }
  // Features some profiles lacked were missing in those records.
  for (const f of Object.values(out.features)) f.missing = out.count - f.count;
  return out;
}

export type FeatureSpec = { type: 'numerical'; edges: number[] } | { type: 'categorical' };

/**
 * Builds a profile from records, next to the model: `add` each record's features, then `build`.
 * The edges of numerical features come from the monitor (GET .../monitoring), so the server can
 * compare the histograms with its reference exactly.
 */
export function createProfileBuilder(features: Record<string, FeatureSpec>, window: { start: string; end: string }) {
  const state = Object.fromEntries(
    Object.entries(features).map(([name, spec]) => [
      name,
      spec.type === 'numerical'
        ? {
            type: 'numerical' as const,
            count: 0,
            missing: 0,
            histogram: { edges: [...spec.edges], counts: new Array<number>(spec.edges.length + 1).fill(0) },
          }
        : { type: 'categorical' as const, count: 0, missing: 0, categories: {} as Record<string, number> },
    ]),
  ) as Record<string, FeatureProfile>;
  let count = 0;
  return {
    add(record: Record<string, unknown>): void {
      count++;
      for (const [name, f] of Object.entries(state)) {
        const v = record[name];
        if (f.type === 'numerical') {
          const x = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
          if (!Number.isFinite(x)) f.missing++;
          else {
            f.count++;
            f.histogram.counts[binOf(f.histogram.edges, x)]!++;
          }
        } else if (v === null || v === undefined || v === '' || (typeof v === 'number' && !Number.isFinite(v)))
          f.missing++;
        else {
          f.count++;
          const key = String(v);
          f.categories[key] = (f.categories[key] ?? 0) + 1;
        }
      }
    },
    build(): Profile {
      return { format: 'steward.profile/v1', window: { ...window }, count, features: structuredClone(state) };
    },
  };
}
