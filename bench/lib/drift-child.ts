// One drift measurement in its own process (so its peak RSS is its own): reads two float64
// samples, sorts them, and computes KS (statistic and p-value), PSI on reference deciles and the
// Wasserstein distance, as monitoring does for a numerical column. Prints JSON.
import { peakRssMiB } from './peak-rss.ts';
import { readFileSync } from 'node:fs';
import { ksTwoSample } from '../../src/domain/drift/ks.ts';
import { psiQuantile10, wasserstein } from '../../src/domain/drift/stattests.ts';

const [refFile, curFile, repeatsArg] = process.argv.slice(2);
const load = (f: string) => {
  const b = readFileSync(f);
  return new Float64Array(b.buffer, b.byteOffset, b.byteLength / 8);
};
const ref = load(refFile!);
const cur = load(curFile!);
const repeats = Number(repeatsArg ?? 1);
const times: number[] = [];
let out: Record<string, number> = {};
for (let k = 0; k < repeats; k++) {
  // The last run sorts the loaded arrays in place; earlier ones sort copies, so each run sorts unsorted data.
  const r = k === repeats - 1 ? ref : ref.slice();
  const c = k === repeats - 1 ? cur : cur.slice();
  const t = performance.now();
  r.sort();
  c.sort();
  const ks = ksTwoSample(r, c);
  const psi = psiQuantile10(r, c).value;
  const w = wasserstein(r, c);
  times.push(performance.now() - t);
  out = { ks: ks.statistic, pvalue: ks.pvalue, psi, wasserstein: w };
}
const ms = [...times].sort((a, b) => a - b)[Math.floor(times.length / 2)]!;
process.stdout.write(JSON.stringify({ ms, maxRssMiB: peakRssMiB(), ...out }));
