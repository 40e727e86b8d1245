// `npm run bench:healthz`: /healthz latency while evaluations run (also part of `npm run bench`).
import { cpus, totalmem } from 'node:os';
import { healthzRows, healthzRuns } from './lib/healthz-rows.ts';

const SECONDS = Number(process.env.BENCH_HEALTHZ_SECONDS ?? 20);
const rows = healthzRows(await healthzRuns('stw_bench-token-0123456789abcdefghij', SECONDS));
const machine = `${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
console.log(`\n/healthz under evaluation load (${SECONDS} s each) on ${machine}\n`);
console.log('| measure | Steward | baseline (same run) | ratio | goal |');
console.log('| --- | --- | --- | --- | --- |');
for (const r of rows) console.log(`| ${r.name} | ${r.value} | ${r.baseline} | ${r.ratio.toFixed(2)} | ${r.goal} |`);
