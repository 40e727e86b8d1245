import { columnDrift, datasetDrift, type ColumnType, type DriftOptions, type StatTest } from './drift.ts';

const decode = (v: unknown): unknown =>
  v === 'NaN' ? NaN : v === 'Infinity' ? Infinity : v === '-Infinity' ? -Infinity : v;

interface DriftCase {
  kind: string;
  params: Record<string, unknown>;
  inputs: Record<string, unknown>;
}

interface ColumnInput {
  column_type: ColumnType;
  reference: unknown[];
  current: unknown[];
  stattest?: StatTest;
  threshold?: number;
}

const column = (c: ColumnInput, options: DriftOptions) =>
  columnDrift(
    c.column_type,
    c.reference.map(decode) as (number | string | null)[],
    c.current.map(decode) as (number | string | null)[],
    {
      ...options,
      ...(c.stattest ? { stattest: c.stattest } : {}),
      ...(c.threshold !== undefined ? { threshold: c.threshold } : {}),
    },
  );

/** Runs one drift golden case (kinds drift_numerical, drift_categorical, dataset_drift). */
export function runDriftCase(c: DriftCase): Record<string, unknown> | undefined {
  const options: DriftOptions = { thresholds: (c.params.default_thresholds ?? {}) as DriftOptions['thresholds'] };
  if (c.kind === 'drift_numerical' || c.kind === 'drift_categorical')
    return column(c.inputs as unknown as ColumnInput, options).report;
  if (c.kind === 'dataset_drift') {
    const columns = Object.fromEntries(
      Object.entries(c.inputs.columns as Record<string, ColumnInput>).map(([name, col]) => [
        name,
        column(col, options).decision,
      ]),
    );
    return { columns, ...datasetDrift(columns, (c.params.drift_share as number | undefined) ?? 0.5) };
  }
  return undefined;
}
