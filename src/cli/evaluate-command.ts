import { readFileSync, statSync } from 'node:fs';
import { Readable } from 'node:stream';
import type { Command } from 'commander';
import { DEFAULT_EXPLAIN } from '../domain/explain/explain.ts';
import type { EvaluationSpec } from '../domain/metrics/evaluate.ts';
import { formatOfPath, parsePairs, parseRanges, readEvaluationData } from '../tabular/parse.ts';
import { releaseEvaluationData } from '../tabular/spill.ts';
import { checkPredictionSource, openModel, runEvaluation, type ModelFile } from '../tabular/run.ts';
import { DomainError } from '../errors.ts';
import { UsageError } from './client.ts';
import { checkTable, packForChecks } from './evaluate-checks.ts';
import { counted, uploadEvaluation } from './evaluate-upload.ts';
import { progress } from './prompt.ts';

const fmt = (v: unknown) => (typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toFixed(4)) : String(v));

interface Printed {
  rows: number;
  performance: Record<string, unknown>;
  fairness: Record<string, unknown>;
  explanations: {
    available?: false;
    reason?: string;
    output?: string;
    scoring?: string;
    permutationImportance?: { baseline: number; features: { feature: string; mean: number; std: number }[] };
    shapley?: { method: string; meanAbs: { feature: string; value: number }[] };
  };
}

function explanationTable(x: Printed['explanations']): string[] {
  if (!x.permutationImportance || !x.shapley) return ['', `explanations: none (${x.reason})`];
  const shap = new Map(x.shapley.meanAbs.map((m) => [m.feature, m.value]));
  const lines = [
    '',
    `explanations (permutation importance as the drop in ${x.scoring} from ${fmt(x.permutationImportance.baseline)}; mean |Shapley| of the ${x.output}, ${x.shapley.method})`,
  ];
  lines.push(
    `  ${'feature'.padEnd(24)} ${'importance'.padStart(12)} ${'± std'.padStart(10)} ${'mean |SHAP|'.padStart(12)}`,
  );
  for (const f of [...x.permutationImportance.features].sort((a, b) => b.mean - a.mean))
    lines.push(
      `  ${f.feature.padEnd(24)} ${fmt(f.mean).padStart(12)} ${fmt(f.std).padStart(10)} ${fmt(shap.get(f.feature) ?? NaN).padStart(12)}`,
    );
  return lines;
}

/** A readable table of the headline numbers; `--json` gives everything. */
function summary(result: Printed): string {
  const lines = [`rows: ${result.rows}`, '', 'performance'];
  for (const [k, v] of Object.entries(result.performance))
    if (typeof v !== 'object') lines.push(`  ${k.padEnd(28)} ${fmt(v)}`);
  for (const [cols, f] of Object.entries(result.fairness) as [
    string,
    {
      groups: { group: unknown; rows: number }[];
      metricFrame: Record<string, { byGroup: { value: number }[] }>;
      fairlearn?: Record<string, { between_groups: number }>;
    },
  ][]) {
    lines.push('', `fairness by ${cols}`);
    const metrics = Object.keys(f.metricFrame);
    lines.push(`  ${'group'.padEnd(20)} ${'rows'.padStart(8)} ${metrics.map((m) => m.padStart(15)).join('')}`);
    f.groups.forEach((g, i) =>
      lines.push(
        `  ${String(Array.isArray(g.group) ? g.group.join('/') : g.group).padEnd(20)} ${String(g.rows).padStart(8)} ${metrics.map((m) => fmt(f.metricFrame[m]!.byGroup[i]!.value).padStart(15)).join('')}`,
      ),
    );
    if (f.fairlearn)
      for (const k of ['demographic_parity_ratio', 'demographic_parity_difference', 'equal_opportunity_difference'])
        lines.push(`  ${k.padEnd(32)} ${fmt(f.fairlearn[k]!.between_groups)}`);
  }
  lines.push(...explanationTable(result.explanations));
  return lines.join('\n');
}

/** Domain validation errors met while reading options are usage errors (exit 2). */
function asUsage<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof DomainError) throw new UsageError(err.message);
    throw err;
  }
}

function zeroDivisionOf(v: string): 0 | 1 | 'nan' {
  if (v === '0' || v === '1') return Number(v) as 0 | 1;
  if (v === 'nan') return 'nan';
  throw new UsageError(`--zero-division must be 0, 1 or nan, not '${v}'`);
}

function modelOptions(o: { output?: string; labelOutput?: string; classIndex?: string; threshold?: string }) {
  const classIndex = o.classIndex === undefined ? undefined : Number(o.classIndex);
  if (classIndex !== undefined && !(Number.isInteger(classIndex) && classIndex >= 0))
    throw new UsageError(`--class-index must be a non-negative integer, not '${o.classIndex}'`);
  const threshold = o.threshold === undefined ? undefined : Number(o.threshold);
  if (threshold !== undefined && !(threshold >= 0 && threshold <= 1))
    throw new UsageError(`--threshold must be between 0 and 1, not '${o.threshold}'`);
  return {
    ...(o.output ? { output: o.output } : {}),
    ...(o.labelOutput ? { labelOutput: o.labelOutput } : {}),
    ...(classIndex !== undefined ? { classIndex } : {}),
    ...(threshold !== undefined ? { threshold } : {}),
  };
}

export function evaluateCommand(program: Command): void {
  program
    .command('evaluate')
    .description(
      'evaluate predictions with the same engine as the server (performance, fairness, explanations): offline, or with --upload as evidence of a version',
    )
    .requiredOption('--data <file>', 'CSV with a header row, JSON Lines (.jsonl/.ndjson) or Parquet (.parquet)')
    .requiredOption('--task <task>', 'binary-classification | multiclass-classification | regression')
    .requiredOption('--label <column>')
    .option('--prediction <column>', 'predicted label column (or give --onnx)')
    .option(
      '--onnx <file>',
      'an ONNX model to produce the predictions and explain (Shapley values, permutation importance, partial dependence)',
    )
    .option(
      '--features <columns>',
      "comma-separated model input columns, in input order (default: the model's input names)",
    )
    .option('--output <name>', 'model output holding the probability or value')
    .option('--label-output <name>', 'model output holding the predicted label')
    .option(
      '--class-index <n>',
      'probability column of the positive class (binary, default last) or of the class explained (multiclass, default 0)',
    )
    .option('--threshold <p>', 'binary models without a label output: positive when probability >= p (default 0.5)')
    .option(
      '--class-scores <pairs>',
      'multiclass: class:column pairs naming each class probability column (log loss, ROC AUC)',
    )
    .option(
      '--zero-division <value>',
      "scikit-learn's zero_division for rates with a zero denominator: 0 (default), 1 or nan",
    )
    .option('--no-explain', 'with --onnx: skip explanations')
    .option('--seed <n>', "seed for the explanations' sampling", '0')
    .option('--score <column>', 'predicted probability of the positive class')
    .option('--weight <column>', 'sample weight')
    .option('--sensitive <columns>', 'comma-separated sensitive columns', '')
    .option('--privileged <pairs>', 'comma-separated column:value')
    .option('--positive-label <value>', 'label value of the positive class', '1')
    .option('--missing-sensitive-as <category>')
    .option('--ranges <ranges>', 'expected column:min:max ranges, comma-separated; values outside are counted')
    .option('--upload', 'send the data (and --onnx model) to the server, which records the evaluation', false)
    .option('--model <name>', 'with --upload: the registered model')
    .option('--version <n>', 'with --upload: its version')
    .option(
      '--pack <file>',
      "offline: the policy pack whose checks the metrics are judged against (default: Steward's shipped pack)",
    )
    .option(
      '--memory <MiB>',
      "MiB the evaluation may take in memory; past them its columns (and a model's inputs) go to files under TMPDIR (same result)",
      '128',
    )
    .option('--json', 'print the full result as JSON', false)
    .action(async (o) => {
      if (!o.upload && (o.model !== undefined || o.version !== undefined))
        throw new UsageError(
          '--model and --version name the version for --upload; an ONNX file to run is given with --onnx',
        );
      if (!['binary-classification', 'multiclass-classification', 'regression'].includes(o.task))
        throw new UsageError(
          `--task must be binary-classification, multiclass-classification or regression, not '${o.task}'`,
        );
      const sensitive = String(o.sensitive)
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      const privileged = Object.fromEntries(
        (o.privileged ? String(o.privileged).split(',') : []).map((p) => {
          const i = p.indexOf(':');
          if (i <= 0) throw new UsageError(`--privileged '${p}' is not column:value`);
          return [p.slice(0, i), p.slice(i + 1)];
        }),
      );
      const features = o.features
        ? String(o.features)
            .split(',')
            .map((s: string) => s.trim())
            .filter(Boolean)
        : [];
      let spec: EvaluationSpec = {
        task: o.task,
        label: o.label,
        ...(o.prediction ? { prediction: o.prediction } : {}),
        ...(features.length ? { features } : {}),
        ...(o.score ? { score: o.score } : {}),
        ...(o.weight ? { weight: o.weight } : {}),
        sensitive,
        ...(Object.keys(privileged).length ? { privileged } : {}),
        ...(o.zeroDivision !== undefined ? { zeroDivision: zeroDivisionOf(o.zeroDivision) } : {}),
        ...(o.classScores ? { classScores: asUsage(() => parsePairs(o.classScores, 'class-scores')) } : {}),
      };
      let size: number;
      try {
        size = statSync(o.data).size;
      } catch (err) {
        throw new UsageError(`cannot read ${o.data}: ${(err as NodeJS.ErrnoException).code}`);
      }
      const memory = Number(o.memory);
      if (!(memory >= 0) || !Number.isFinite(memory))
        throw new UsageError(`--memory must be a number of MiB, 0 or more, not '${o.memory}'`);
      const seed = Number(o.seed);
      if (!Number.isInteger(seed) || seed < 0)
        throw new UsageError(`--seed must be a non-negative integer, not '${o.seed}'`);
      const explain = o.explain ? { ...DEFAULT_EXPLAIN, seed } : (false as const);
      let file: ModelFile | undefined;
      // Anything not named .jsonl/.ndjson or .parquet is read as CSV, as before.
      const format = formatOfPath(o.data) ?? 'csv';
      if (o.upload) {
        if (o.pack !== undefined)
          throw new UsageError(
            "--pack judges offline results; with --upload the server judges against the use case's pack",
          );
        return uploadEvaluation(o, format, size);
      }
      const pack = packForChecks(o.pack);
      if (o.onnx) {
        try {
          file = { bytes: readFileSync(o.onnx), source: String(o.onnx), options: modelOptions(o) };
        } catch (err) {
          throw new UsageError(`cannot read ${o.onnx}: ${(err as NodeJS.ErrnoException).code}`);
        }
      }
      // Progress on large files, on stderr (a terminal only) so --json output stays clean.
      const bar = progress('reading', size > 50 * 1024 * 1024 ? size : 0, o.json);
      const input = Readable.from(
        counted(o.data, (n) => bar.add(n)),
        { objectMode: false },
      );
      input.on('end', () => bar.end());
      try {
        checkPredictionSource(spec, file !== undefined, explain);
        const opened = file ? await openModel(file, spec) : undefined;
        if (opened) spec = opened.spec;
        let evaluated;
        let digest: string;
        let profile;
        let parsed: Awaited<ReturnType<typeof readEvaluationData>> | undefined;
        // An interrupt exits (rather than killing the process outright), so that columns spilled to
        // TMPDIR are removed on the way out.
        const interrupted = (signal: NodeJS.Signals) => process.exit(signal === 'SIGINT' ? 130 : 143);
        process.once('SIGINT', interrupted);
        process.once('SIGTERM', interrupted);
        try {
          parsed = await readEvaluationData(input, format, spec, {
            positiveLabel: o.positiveLabel,
            missingSensitiveAs: o.missingSensitiveAs,
            maxRows: 100_000_000,
            maxBytes: Number.MAX_SAFE_INTEGER,
            spillAfterBytes: memory * 1024 * 1024,
            ...(o.ranges ? { ranges: parseRanges(o.ranges) } : {}),
          });
          ({ digest, profile } = parsed);
          evaluated = await runEvaluation(
            spec,
            parsed.data,
            parsed.profile,
            opened && file && { loaded: opened.loaded, file },
            explain,
            o.positiveLabel,
          );
        } finally {
          process.off('SIGINT', interrupted);
          process.off('SIGTERM', interrupted);
          await opened?.loaded.release();
          // The columns of a file too large for memory were written to a temporary directory.
          releaseEvaluationData(parsed?.data);
        }
        const pii = profile.columns.flatMap((c) =>
          c.personalData.map(
            (p) =>
              `  ${c.column}: ${p.count} ${p.kind} (rows ${p.sampleRows.join(', ')}${p.count > p.sampleRows.length ? ', ...' : ''})`,
          ),
        );
        const quality = [
          '',
          'data quality',
          ...profile.columns
            .filter((c) => c.range)
            .map(
              (c) =>
                `  ${c.column}: ${c.range!.outside} value(s) outside [${c.range!.min}, ${c.range!.max}]${c.range!.outside ? ` (rows ${c.range!.sampleRows.join(', ')}${c.range!.outside > c.range!.sampleRows.length ? ', ...' : ''})` : ''}`,
            ),
          `  missing cells ${(profile.missingRate * 100).toFixed(2)}%, duplicate rows ${profile.duplicateRows}, constant columns: ${
            profile.columns
              .filter((c) => c.constant)
              .map((c) => c.column)
              .join(', ') || 'none'
          }`,
          ...(pii.length ? ['  personal data found:', ...pii] : ['  no personal data patterns found']),
        ].join('\n');
        // The pack's checks these metrics speak to, flagged when they fail (e.g. the four-fifths rule).
        const checks = checkTable(pack, evaluated.metrics);
        process.stdout.write(
          o.json
            ? `${JSON.stringify({ dataDigest: digest, ...evaluated, policyChecks: checks.rows }, null, 2)}\n`
            : `${summary(evaluated as unknown as Printed)}\n${checks.lines.join('\n')}\n${quality}\n`,
        );
      } catch (err) {
        if (err instanceof DomainError) throw new UsageError(`${o.data}: ${err.message}`);
        throw err;
      }
    });
}
