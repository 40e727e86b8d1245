// `npm run bench:cli`: the CLI start-up rows of the benchmark alone (the server in its own process).
import { cliBench } from './lib/cli-bench.ts';
import { startChild } from './lib/child.ts';
import { cliRows } from './lib/cli-rows.ts';

const TOKEN = 'stw_bench-token-0123456789abcdefghij';
const steward = await startChild('steward.ts', { STEWARD_BENCH_TOKEN: TOKEN });
try {
  const rows = cliRows(cliBench(steward.url, TOKEN));
  console.log('| measure | Steward | baseline (same run) | ratio | goal |');
  console.log('| --- | --- | --- | --- | --- |');
  for (const r of rows) console.log(`| ${r.name} | ${r.value} | ${r.baseline} | ${r.ratio.toFixed(2)} | ${r.goal} |`);
} finally {
  await steward.stop();
}
