import { createReadStream, statSync } from 'node:fs';
import type { Command } from 'commander';
import { evaluate, type EvaluationSpec } from '../domain/metrics/evaluate.ts';
import { jsonSafe } from '../features/evidence/evidence.service.ts';
import { readEvaluationData } from '../features/evidence/parse.ts';
import { DomainError } from '../errors.ts';
import { UsageError } from './client.ts';

const fmt = (v: unknown) => (typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toFixed(4)) : String(v));

/** A readable table of the headline numbers; `--json` gives everything. */
function summary(result: ReturnType<typeof evaluate>): string {
  const lines = [`rows: ${result.rows}`, '', 'performance'];
  for (const [k, v] of Object.entries(result.performance)) if (typeof v !== 'object') lines.push(`  ${k.padEnd(28)} ${fmt(v)}`);
  for (const [cols, f] of Object.entries(result.fairness) as [string, { groups: { group: unknown; rows: number }[]; metricFrame: Record<string, { byGroup: { value: number }[] }>; fairlearn?: Record<string, { between_groups: number }> }][]) {
    lines.push('', `fairness by ${cols}`);
    const metrics = Object.keys(f.metricFrame);
    lines.push(`  ${'group'.padEnd(20)} ${'rows'.padStart(8)} ${metrics.map((m) => m.padStart(15)).join('')}`);
    f.groups.forEach((g, i) => lines.push(`  ${String(Array.isArray(g.group) ? g.group.join('/') : g.group).padEnd(20)} ${String(g.rows).padStart(8)} ${metrics.map((m) => fmt(f.metricFrame[m]!.byGroup[i]!.value).padStart(15)).join('')}`));
    if (f.fairlearn) for (const k of ['demographic_parity_ratio', 'demographic_parity_difference', 'equal_opportunity_difference']) lines.push(`  ${k.padEnd(32)} ${fmt(f.fairlearn[k]!.between_groups)}`);
  }
  return lines.join('\n');
}

export function evaluateCommand(program: Command): void {
  program
    .command('evaluate')
    .description('evaluate predictions offline with the same engine as the server (performance and fairness)')
    .requiredOption('--data <file>', 'CSV with a header row, JSON Lines (.jsonl/.ndjson) or Parquet (.parquet)')
    .requiredOption('--task <task>', 'binary-classification | multiclass-classification | regression')
    .requiredOption('--label <column>')
    .requiredOption('--prediction <column>')
    .option('--score <column>', 'predicted probability of the positive class')
    .option('--weight <column>', 'sample weight')
    .option('--sensitive <columns>', 'comma-separated sensitive columns', '')
    .option('--privileged <pairs>', 'comma-separated column:value')
    .option('--positive-label <value>', 'label value of the positive class', '1')
    .option('--missing-sensitive-as <category>')
    .option('--json', 'print the full result as JSON', false)
    .action(async (o) => {
      if (!['binary-classification', 'multiclass-classification', 'regression'].includes(o.task)) throw new UsageError(`--task must be binary-classification, multiclass-classification or regression, not '${o.task}'`);
      const sensitive = String(o.sensitive).split(',').map((s) => s.trim()).filter(Boolean);
      const privileged = Object.fromEntries(
        (o.privileged ? String(o.privileged).split(',') : []).map((p) => {
          const i = p.indexOf(':');
          if (i <= 0) throw new UsageError(`--privileged '${p}' is not column:value`);
          return [p.slice(0, i), p.slice(i + 1)];
        }),
      );
      const spec: EvaluationSpec = { task: o.task, label: o.label, prediction: o.prediction, ...(o.score ? { score: o.score } : {}), ...(o.weight ? { weight: o.weight } : {}), sensitive, ...(Object.keys(privileged).length ? { privileged } : {}) };
      let size: number;
      try {
        size = statSync(o.data).size;
      } catch (err) {
        throw new UsageError(`cannot read ${o.data}: ${(err as NodeJS.ErrnoException).code}`);
      }
      const input = createReadStream(o.data);
      // Progress on large files, on stderr so --json output stays clean.
      let read = 0;
      let shown = 0;
      if (size > 50 * 1024 * 1024 && process.stderr.isTTY) {
        input.on('data', (c) => {
          read += (c as Buffer).length;
          const pct = Math.floor((read / size) * 100);
          if (pct >= shown + 5) process.stderr.write(`\rreading ${(shown = pct)}%`);
        });
        input.on('end', () => process.stderr.write('\r              \r'));
      }
      const format = /\.(jsonl|ndjson)$/i.test(o.data) ? 'jsonl' : /\.parquet$/i.test(o.data) ? 'parquet' : 'csv';
      try {
        const { data, digest, profile } = await readEvaluationData(input, format, spec, { positiveLabel: o.positiveLabel, missingSensitiveAs: o.missingSensitiveAs, maxRows: 100_000_000, maxBytes: Number.MAX_SAFE_INTEGER });
        const result = evaluate(spec, data);
        const pii = profile.columns.flatMap((c) => c.personalData.map((p) => `  ${c.column}: ${p.count} ${p.kind} (rows ${p.sampleRows.join(', ')}${p.count > p.sampleRows.length ? ', ...' : ''})`));
        const quality = [
          '',
          'data quality',
          `  missing cells ${(profile.missingRate * 100).toFixed(2)}%, duplicate rows ${profile.duplicateRows}, constant columns: ${profile.columns.filter((c) => c.constant).map((c) => c.column).join(', ') || 'none'}`,
          ...(pii.length ? ['  personal data found:', ...pii] : ['  no personal data patterns found']),
        ].join('\n');
        process.stdout.write(o.json ? `${JSON.stringify({ dataDigest: digest, ...(jsonSafe(result) as object), dataQuality: jsonSafe(profile) }, null, 2)}\n` : `${summary(result)}\n${quality}\n`);
      } catch (err) {
        if (err instanceof DomainError) throw new UsageError(`${o.data}: ${err.message}`);
        throw err;
      }
    });
}
