// `steward drift`: the monitoring drift engine, offline, on two files.

import { createReadStream, statSync } from 'node:fs';
import type { Command } from 'commander';
import { columnDrift, datasetDrift, STAT_TESTS, type ColumnDecision, type StatTest } from '../domain/drift/drift.ts';
import { formatOfPath, readRecords, type DataFormat } from '../tabular/parse.ts';
import { DomainError } from '../errors.ts';
import { UsageError } from './client.ts';

/** One column as read: numbers while every value is one, text once any is not. */
class Column {
  nums: number[] = [];
  strs: (string | null)[] | null = null;

  push(v: unknown): void {
    const missing = v === undefined || v === null || (typeof v === 'string' && v.trim() === '');
    if (this.strs) {
      this.strs.push(missing ? null : String(v));
      return;
    }
    if (missing) return void this.nums.push(NaN);
    const n = typeof v === 'number' ? v : Number(String(v).trim());
    if (typeof v === 'boolean' || (Number.isNaN(n) && !/^\s*nan\s*$/i.test(String(v)))) {
      this.strs = this.nums.map((x) => (Number.isNaN(x) ? null : String(x)));
      this.nums = [];
      this.strs.push(String(v));
    } else this.nums.push(n);
  }

  get length(): number {
    return this.strs ? this.strs.length : this.nums.length;
  }
}

/** A progress bar on stderr, redrawn in place. */
function progressBar(enabled: boolean) {
  let last = '';
  return {
    update(label: string, done: number, total: number) {
      if (!enabled) return;
      const width = 30;
      const frac = total > 0 ? Math.min(1, done / total) : 1;
      const line = `${label.padEnd(24).slice(0, 24)} [${'#'.repeat(Math.round(frac * width)).padEnd(width, '.')}] ${(frac * 100).toFixed(0).padStart(3)}%`;
      if (line !== last) process.stderr.write(`\r${line}`);
      last = line;
    },
    done() {
      if (enabled && last) process.stderr.write('\n');
      last = '';
    },
  };
}

async function readColumns(
  file: string,
  format: DataFormat,
  wanted: string[] | undefined,
  bar: ReturnType<typeof progressBar>,
  label: string,
): Promise<Map<string, Column>> {
  const size = statSync(file).size;
  const columns = new Map<string, Column>();
  const stream = createReadStream(file);
  let read = 0;
  stream.on('data', (chunk) => {
    read += chunk.length;
    bar.update(label, read, size);
  });
  let rows = 0;
  await readRecords(stream, format, { maxBytes: Number.MAX_SAFE_INTEGER, what: file }, (record) => {
    if (rows === 0) for (const k of wanted ?? Object.keys(record)) columns.set(k, new Column());
    rows++;
    for (const [k, c] of columns) c.push(record[k]);
  });
  bar.done();
  return columns;
}

const fmt = (v: number) =>
  Number.isNaN(v) ? 'n/a' : Math.abs(v) < 1e-4 && v !== 0 ? v.toExponential(2) : v.toFixed(4);

export function driftCommand(program: Command): void {
  program
    .command('drift')
    .description(
      "Compare a current sample with a reference, per column and for the whole dataset, with the drift tests production monitoring uses (Evidently's default test choice and thresholds)",
    )
    .requiredOption('--reference <file>', 'reference data: CSV (header row), JSON Lines or Parquet')
    .requiredOption('--current <file>', 'current data, same format')
    .option('--format <format>', 'csv, jsonl or parquet (default: from the file names)')
    .option('--columns <list>', 'comma-separated columns to compare (default: every column of the reference)')
    .option('--categorical <list>', 'comma-separated columns to treat as categories even when numeric')
    .option('--stattest <test>', `force one test for every column: ${STAT_TESTS.join(', ')}`)
    .option('--threshold <number>', 'threshold of the forced or default test')
    .option('--drift-share <number>', 'share of drifted columns from which the dataset drifted', '0.5')
    .option('--fail-on-drift', 'exit 1 when the dataset drifted (for CI)')
    .option('--progress', 'show progress even when stderr is not a terminal')
    .option('--json', 'print the full result as JSON')
    .action(async (o) => {
      const format = (o.format ?? formatOfPath(o.reference)) as DataFormat | undefined;
      if (!format || !['csv', 'jsonl', 'parquet'].includes(format))
        throw new UsageError('cannot tell the data format from the file name; give --format csv|jsonl|parquet');
      if (o.stattest !== undefined && !(STAT_TESTS as readonly string[]).includes(o.stattest))
        throw new UsageError(`--stattest must be one of ${STAT_TESTS.join(', ')}`);
      const threshold = o.threshold === undefined ? undefined : Number(o.threshold);
      if (threshold !== undefined && !Number.isFinite(threshold)) throw new UsageError('--threshold must be a number');
      const share = Number(o.driftShare);
      if (!(share > 0 && share <= 1)) throw new UsageError('--drift-share must be in (0, 1]');
      const list = (s: string | undefined) =>
        s
          ? s
              .split(',')
              .map((x) => x.trim())
              .filter(Boolean)
          : undefined;
      const categorical = new Set(list(o.categorical) ?? []);
      const bar = progressBar(Boolean(o.progress) || process.stderr.isTTY === true);
      let reference: Map<string, Column>;
      let current: Map<string, Column>;
      try {
        for (const f of [o.reference, o.current])
          if (!statSync(f, { throwIfNoEntry: false })?.isFile()) throw new UsageError(`${f} is not a readable file`);
        reference = await readColumns(o.reference, format, list(o.columns), bar, 'reading reference');
        current = await readColumns(o.current, format, [...reference.keys()], bar, 'reading current');
      } catch (err) {
        if (err instanceof DomainError) throw new UsageError(err.message);
        throw err;
      }
      if (reference.size === 0) throw new UsageError(`${o.reference} has no rows`);
      const columns: Record<string, unknown> = {};
      const decisions: Record<string, ColumnDecision> = {};
      let i = 0;
      for (const [name, ref] of reference) {
        bar.update('testing columns', i++, reference.size);
        const cur = current.get(name)!;
        const numerical = !categorical.has(name) && !ref.strs && !cur.strs;
        const options = {
          ...(o.stattest ? { stattest: o.stattest as StatTest } : {}),
          ...(threshold !== undefined ? { threshold } : {}),
        };
        const r = numerical
          ? columnDrift('numerical', ref.nums, cur.nums, options)
          : columnDrift(
              'categorical',
              ref.strs ?? ref.nums.map((x) => (Number.isNaN(x) ? null : String(x))),
              cur.strs ?? cur.nums.map((x) => (Number.isNaN(x) ? null : String(x))),
              options,
            );
        columns[name] = { type: numerical ? 'numerical' : 'categorical', ...r.report };
        decisions[name] = r.decision;
      }
      bar.update('testing columns', reference.size, reference.size);
      bar.done();
      const dataset = datasetDrift(decisions, share);
      if (o.json)
        process.stdout.write(
          `${JSON.stringify({ columns, dataset }, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v), 2)}\n`,
        );
      else {
        const lines = [
          `${'column'.padEnd(24)} ${'type'.padEnd(12)} ${'rows ref/cur'.padEnd(16)} ${'test'.padEnd(14)} ${'threshold'.padStart(9)} ${'score'.padStart(10)}  drift`,
        ];
        for (const [name, d] of Object.entries(decisions)) {
          const c = columns[name] as { type: string; n_reference: number; n_current: number };
          lines.push(
            `${name.padEnd(24).slice(0, 24)} ${c.type.padEnd(12)} ${`${c.n_reference}/${c.n_current}`.padEnd(16)} ${String(d.stattest ?? '-').padEnd(14)} ${String(d.threshold ?? '-').padStart(9)} ${fmt(d.drift_score).padStart(10)}  ${d.drift_detected ? 'DRIFT' : 'ok'}${'reason' in d && d.reason ? ` (${d.reason})` : ''}`,
          );
        }
        lines.push(
          '',
          `dataset drift: ${dataset.number_of_drifted_columns} of ${dataset.number_of_columns} columns drifted (share ${fmt(dataset.share_of_drifted_columns)}, threshold ${share}): ${dataset.dataset_drift ? 'DRIFT' : 'no drift'}`,
        );
        process.stdout.write(`${lines.join('\n')}\n`);
      }
      if (o.failOnDrift && dataset.dataset_drift) process.exitCode = 1;
    });
}
