// One measurement in a fresh process, so its peak RSS is its own: `evaluate FILE` streams the CSV
// through Steward's evaluation (parse, profile, performance, fairness); `csv FILE` only parses it
// with csv-parse into records; `read FILE` only reads the bytes.
import { peakRssMiB } from './peak-rss.ts';
import { createReadStream } from 'node:fs';
import { parse } from 'csv-parse';
import { evaluate } from '../../src/domain/metrics/evaluate.ts';
import { readEvaluationData } from '../../src/tabular/parse.ts';
import { evaluateSpilled, releaseEvaluationData } from '../../src/tabular/spill.ts';

const [mode, file] = process.argv.slice(2) as [string, string];
const start = performance.now();
let rows = 0;
let spilled = false;
if (mode === 'evaluate') {
  const spec = {
    task: 'binary-classification' as const,
    label: 'y',
    prediction: 'yhat',
    score: 'p',
    sensitive: ['group'],
  };
  // BENCH_EVAL_MEMORY: MiB of columns held before they spill to files (default: the product's).
  const memory = process.env.BENCH_EVAL_MEMORY;
  const { data } = await readEvaluationData(createReadStream(file), 'csv', spec, {
    positiveLabel: '1',
    maxRows: 1e9,
    maxBytes: Number.MAX_SAFE_INTEGER,
    ...(memory ? { spillAfterBytes: Number(memory) * 2 ** 20 } : {}),
  });
  try {
    rows = (data.spilled ? evaluateSpilled(spec, data.spilled) : evaluate(spec, data)).rows;
    spilled = data.spilled !== undefined;
  } finally {
    releaseEvaluationData(data);
  }
} else if (mode === 'csv') {
  const parser = createReadStream(file).pipe(parse({ columns: true, trim: true }));
  for await (const _ of parser) rows++;
} else {
  for await (const chunk of createReadStream(file)) rows += (chunk as Buffer).length > 0 ? 0 : 1;
}
process.stdout.write(
  JSON.stringify({ seconds: (performance.now() - start) / 1000, rows, spilled, maxRssMiB: peakRssMiB() }),
);
