import { createReadStream, readFileSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import type { Command } from 'commander';
import type { EvaluationSpec } from '../domain/metrics/evaluate.ts';
import { DEFAULT_ROBUSTNESS, robustnessProblems, type RobustnessOptions } from '../domain/robustness/options.ts';
import { DomainError } from '../errors.ts';
import { formatOfPath, readEvaluationData } from '../tabular/parse.ts';
import { runRobustness } from '../tabular/robustness.ts';
import { openModel, type ModelFile } from '../tabular/run.ts';
import { releaseEvaluationData } from '../tabular/spill.ts';
import { createClient, UsageError } from './client.ts';
import { print } from './output.ts';
import { versionPath } from './version-commands.ts';

const MEDIA_TYPES = { csv: 'text/csv', jsonl: 'application/x-ndjson', parquet: 'application/vnd.apache.parquet' };
const fmt = (v: unknown) => (typeof v === 'number' ? v.toFixed(4) : v === null || v === undefined ? '—' : String(v));
const names = (s: string | undefined) =>
  (s ?? '')
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);

/** The option names of the CLI, for problems the domain reports with pointers like `/swapRates`. */
const FLAG: Record<string, string> = {
  noise: '--noise',
  swapRates: '--swap-rates',
  missingRates: '--missing-rates',
  categorical: '--categorical',
  perturb: '--perturb',
  rows: '--rows',
  minGroupRows: '--min-group-rows',
  seed: '--seed',
  output: '--output',
};

const usage = (problems: { pointer: string; message: string }[]) =>
  new UsageError(problems.map((p) => `${FLAG[p.pointer.split('/').pop()!] ?? p.pointer}: ${p.message}`).join('\n'));

function levels(text: string | undefined, flag: string, fallback: number[]): number[] {
  if (text === undefined) return fallback;
  return names(text).map((x) => {
    const n = Number(x);
    if (!Number.isFinite(n)) throw new UsageError(`${flag}: '${x}' is not a number`);
    return n;
  });
}

function integer(text: string, flag: string): number {
  const n = Number(text);
  if (!Number.isInteger(n)) throw new UsageError(`${flag} must be an integer, not '${text}'`);
  return n;
}

interface Printed {
  rows: number;
  dataRows: number;
  baseline: { metrics: Record<string, number> };
  levels: {
    key: string;
    metrics: Record<string, number>;
    drop: Record<string, number>;
    worstGroup: Record<string, { column: string; group: string; drop: number } | null>;
  }[];
  missing: { injected: boolean; accepted?: boolean; reason?: string };
}

/** The degradation curves as a table: one row per level, each metric's value and drop, and the worst group. */
function table(r: Printed): string {
  const metrics = Object.keys(r.baseline.metrics);
  const lines = [`rows: ${r.rows} sampled of ${r.dataRows}`, ''];
  lines.push(`  ${'level'.padEnd(14)}${metrics.map((m) => `${m.padStart(12)}${'drop'.padStart(9)}`).join('')}`);
  lines.push(
    `  ${'baseline'.padEnd(14)}${metrics.map((m) => `${fmt(r.baseline.metrics[m]).padStart(12)}${''.padStart(9)}`).join('')}`,
  );
  for (const l of r.levels)
    lines.push(
      `  ${l.key.padEnd(14)}${metrics.map((m) => `${fmt(l.metrics[m]).padStart(12)}${fmt(l.drop[m]).padStart(9)}`).join('')}`,
    );
  const worst = r.levels.flatMap((l) =>
    metrics.flatMap((m) => {
      const w = l.worstGroup[m];
      return w ? [`  ${l.key.padEnd(14)}${m.padEnd(12)}${`${w.column}=${w.group}`.padEnd(24)}${fmt(w.drop)}`] : [];
    }),
  );
  if (worst.length) lines.push('', 'worst subgroup per level and metric (drop)', ...worst);
  if (r.missing.injected && r.missing.accepted === false) lines.push('', `missing values: ${r.missing.reason}`);
  return lines.join('\n');
}

/** `steward robustness`: perturb an ONNX model's inputs and show how its metrics degrade; --upload records it. */
export function robustnessCommand(program: Command): void {
  program
    .command('robustness')
    .description(
      "perturb an ONNX model's inputs (Gaussian noise, category swaps, missing values) and show each metric's degradation, overall and per subgroup: offline, or with --upload as evidence of a version",
    )
    .requiredOption('--data <file>', 'labelled rows: CSV with a header row, JSON Lines (.jsonl/.ndjson) or Parquet')
    .requiredOption('--task <task>', 'binary-classification | multiclass-classification | regression')
    .requiredOption('--label <column>')
    .option('--onnx <file>', 'the ONNX model (with --upload, or --use-artifact to run the registered artefact)')
    .option(
      '--features <columns>',
      "comma-separated model input columns, in input order (default: the model's input names)",
    )
    .option('--output <name>', 'model output holding the probability or value')
    .option('--label-output <name>', 'model output holding the predicted label')
    .option('--class-index <n>', 'probability column of the positive class (binary, default last)')
    .option('--threshold <p>', 'binary models without a label output: positive when probability >= p')
    .option('--weight <column>', 'sample weight')
    .option('--sensitive <columns>', 'comma-separated sensitive columns: each metric is also scored per subgroup', '')
    .option('--positive-label <value>', 'label value of the positive class', '1')
    .option('--missing-sensitive-as <category>')
    .option(
      '--noise <levels>',
      "Gaussian noise levels, as fractions of each numerical feature's standard deviation (empty for none)",
      DEFAULT_ROBUSTNESS.noise.join(','),
    )
    .option('--swap-rates <rates>', 'category swap rates in (0, 1]')
    .option('--missing-rates <rates>', 'missing-value rates in (0, 1], where the model accepts missing values')
    .option('--categorical <features>', 'features treated as categories (default: those fed to integer inputs)')
    .option('--perturb <features>', "features perturbed (default: all the model's)")
    .option('--rows <n>', 'rows sampled from the data', String(DEFAULT_ROBUSTNESS.rows))
    .option(
      '--min-group-rows <n>',
      'smallest subgroup counted in the worst-group metrics',
      String(DEFAULT_ROBUSTNESS.minGroupRows),
    )
    .option('--seed <n>', 'seed of the sampling and the perturbations', String(DEFAULT_ROBUSTNESS.seed))
    .option('--upload', 'have the server run it and record the result as evidence of --model/--version', false)
    .option('--use-artifact', "with --upload: run the version's registered artefact instead of --onnx", false)
    .option('--model <name>', 'with --upload: the registered model')
    .option('--version <n>', 'with --upload: its version')
    .option('--json', 'print the full result as JSON', false)
    .action(async (o) => {
      if (!['binary-classification', 'multiclass-classification', 'regression'].includes(o.task))
        throw new UsageError(
          `--task must be binary-classification, multiclass-classification or regression, not '${o.task}'`,
        );
      if (!o.upload && (o.model !== undefined || o.version !== undefined || o.useArtifact))
        throw new UsageError('--model, --version and --use-artifact go with --upload');
      if (!o.onnx && !o.useArtifact)
        throw new UsageError('give the model: --onnx FILE (or --upload --use-artifact for the registered artefact)');
      if (o.onnx && o.useArtifact) throw new UsageError('give --onnx or --use-artifact, not both');
      const categorical = o.categorical === undefined ? undefined : names(o.categorical);
      const perturb = o.perturb === undefined ? undefined : names(o.perturb);
      const opts: RobustnessOptions = {
        noise: levels(o.noise, '--noise', DEFAULT_ROBUSTNESS.noise),
        swapRates: levels(o.swapRates, '--swap-rates', []),
        missingRates: levels(o.missingRates, '--missing-rates', []),
        ...(categorical ? { categorical } : {}),
        ...(perturb ? { perturb } : {}),
        rows: integer(o.rows, '--rows'),
        minGroupRows: integer(o.minGroupRows, '--min-group-rows'),
        seed: integer(o.seed, '--seed'),
      };
      const problems = robustnessProblems(opts);
      if (problems.length > 0) throw usage(problems);
      try {
        statSync(o.data);
      } catch (err) {
        throw new UsageError(`cannot read ${o.data}: ${(err as NodeJS.ErrnoException).code}`);
      }
      const format = formatOfPath(o.data) ?? 'csv';
      const modelOptions = {
        ...(o.output ? { output: o.output } : {}),
        ...(o.labelOutput ? { labelOutput: o.labelOutput } : {}),
        ...(o.classIndex !== undefined ? { classIndex: integer(o.classIndex, '--class-index') } : {}),
        ...(o.threshold !== undefined ? { threshold: Number(o.threshold) } : {}),
      };
      let bytes: Buffer | undefined;
      if (o.onnx)
        try {
          bytes = readFileSync(o.onnx);
        } catch (err) {
          throw new UsageError(`cannot read ${o.onnx}: ${(err as NodeJS.ErrnoException).code}`);
        }
      if (o.upload) return upload(o, opts, format, bytes);
      const features = names(o.features);
      let spec: EvaluationSpec = {
        task: o.task,
        label: o.label,
        ...(features.length ? { features } : {}),
        ...(o.weight ? { weight: o.weight } : {}),
        sensitive: names(o.sensitive),
      };
      const file: ModelFile = { bytes: bytes!, source: String(o.onnx), options: modelOptions };
      try {
        const opened = await openModel(file, spec);
        spec = opened.spec;
        let parsed: Awaited<ReturnType<typeof readEvaluationData>> | undefined;
        // An interrupt exits (rather than killing the process outright), so that columns spilled to
        // TMPDIR are removed on the way out.
        const interrupted = (signal: NodeJS.Signals) => process.exit(signal === 'SIGINT' ? 130 : 143);
        process.once('SIGINT', interrupted);
        process.once('SIGTERM', interrupted);
        try {
          parsed = await readEvaluationData(createReadStream(o.data), format, spec, {
            positiveLabel: o.positiveLabel,
            missingSensitiveAs: o.missingSensitiveAs,
            maxRows: 100_000_000,
            maxBytes: Number.MAX_SAFE_INTEGER,
          });
          const result = await runRobustness(
            spec,
            parsed.data,
            { loaded: opened.loaded, file },
            opts,
            o.positiveLabel,
            '',
          );
          process.stdout.write(
            o.json
              ? `${JSON.stringify({ dataDigest: parsed.digest, ...result }, null, 2)}\n`
              : `${table(result as unknown as Printed)}\n`,
          );
        } finally {
          process.off('SIGINT', interrupted);
          process.off('SIGTERM', interrupted);
          await opened.loaded.release();
          // The columns of a file too large for memory were written to a temporary directory.
          releaseEvaluationData(parsed?.data);
        }
      } catch (err) {
        if (err instanceof DomainError) {
          const errors = err.errors;
          if (errors?.some((e) => FLAG[e.pointer.split('/').pop()!])) throw usage(errors);
          throw new UsageError(`${o.data}: ${err.message}`);
        }
        throw err;
      }
    });
}

/** `--upload`: the server runs the same code on the same data and keeps the curves as the version's evidence. */
async function upload(
  o: Record<string, string | boolean | undefined> & { data: string; json: boolean },
  opts: RobustnessOptions,
  format: keyof typeof MEDIA_TYPES,
  model: Buffer | undefined,
): Promise<void> {
  if (o.model === undefined || o.version === undefined)
    throw new UsageError('--upload needs --model and --version: the version the run is evidence for');
  const q = new URLSearchParams();
  for (const [k, v] of [
    ['task', o.task],
    ['label', o.label],
    ['weight', o.weight],
    ['sensitive', o.sensitive || undefined],
    ['positiveLabel', o.positiveLabel],
    ['missingSensitiveAs', o.missingSensitiveAs],
    ['features', o.features],
    ['output', o.output],
    ['labelOutput', o.labelOutput],
    ['classIndex', o.classIndex],
    ['threshold', o.threshold],
    ['noise', opts.noise.join(',')],
    ['swapRates', opts.swapRates.join(',')],
    ['missingRates', opts.missingRates.join(',')],
    ['categorical', opts.categorical?.join(',')],
    ['perturb', opts.perturb?.join(',')],
    ['rows', String(opts.rows)],
    ['minGroupRows', String(opts.minGroupRows)],
    ['seed', String(opts.seed)],
  ] as [string, unknown][])
    if (v !== undefined) q.set(k, String(v));
  if (o.useArtifact) q.set('useArtifact', 'true');
  let body: RequestInit['body'];
  let contentType: string | undefined;
  if (model) {
    const form = new FormData();
    form.append('model', new Blob([model]), basename(String(o.onnx)));
    form.append('data', new Blob([readFileSync(o.data)], { type: MEDIA_TYPES[format] }), basename(o.data));
    body = form;
  } else {
    body = readFileSync(o.data);
    contentType = MEDIA_TYPES[format];
  }
  const e = await createClient().send<{ id: string; model: string; version: number; result: Printed }>(
    'POST',
    `${versionPath({ model: String(o.model), version: String(o.version) })}/robustness?${q}`,
    body,
    contentType,
  );
  print(o.json, e, `recorded robustness run ${e.id} for ${e.model} version ${e.version}\n${table(e.result)}`);
}
