import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { close } from '../../src/domain/metrics/vectors.ts';
import { runCli } from '../helpers/cli.ts';
import { loadVectors } from '../helpers/vectors.ts';

const dir = mkdtempSync(join(tmpdir(), 'steward-drift-'));
const metrics = loadVectors('metrics.json');

/** Columns of unequal length as one CSV: shorter columns end in empty (missing) cells. */
function csv(columns: Record<string, unknown[]>): string {
  const names = Object.keys(columns);
  const n = Math.max(...names.map((c) => columns[c]!.length));
  const cell = (v: unknown) => (v === undefined || v === null ? '' : v === 'NaN' ? 'NaN' : String(v));
  return `${names.join(',')}\n${Array.from({ length: n }, (_, i) => names.map((c) => cell(columns[c]![i])).join(',')).join('\n')}\n`;
}

describe('steward drift (real process, offline)', () => {
  const ref = join(dir, 'ref.csv');
  const cur = join(dir, 'cur.csv');
  writeFileSync(
    ref,
    csv({
      x: Array.from({ length: 400 }, (_, i) => (i * 7919) % 400),
      c: Array.from({ length: 400 }, (_, i) => ['a', 'b', 'c'][i % 3]),
    }),
  );
  writeFileSync(
    cur,
    csv({
      x: Array.from({ length: 300 }, (_, i) => ((i * 7919) % 300) + 150),
      c: Array.from({ length: 300 }, (_, i) => ['a', 'b', 'c'][i % 3]),
    }),
  );

  it('prints a table per column and the dataset verdict, and fails CI on drift when asked', async () => {
    const table = await runCli(['drift', '--reference', ref, '--current', cur]);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/^x\s+numerical\s+400\/300\s+ks\s+0\.05\s+\S+\s+DRIFT$/m);
    expect(table.stdout).toMatch(/^c\s+categorical\s+400\/300\s+chisquare\s+0\.05\s+\S+\s+ok$/m);
    expect(table.stdout).toContain('dataset drift: 1 of 2 columns drifted (share 0.5000, threshold 0.5): DRIFT');
    expect(table.stderr).toBe('');
    const gated = await runCli([
      'drift',
      '--reference',
      ref,
      '--current',
      cur,
      '--fail-on-drift',
      '--progress',
      '--stattest',
      'psi',
    ]);
    expect(gated.code).toBe(1);
    expect(gated.stderr).toContain('reading reference');
    expect(gated.stdout).toMatch(/^x\s+numerical\s+400\/300\s+psi/m);
  });

  it('refuses bad usage with exit code 2', async () => {
    for (const args of [
      ['--current', cur],
      ['--reference', join(dir, 'absent.csv'), '--current', cur],
      ['--reference', ref, '--current', cur, '--stattest', 'vibes'],
      ['--reference', ref, '--current', cur, '--drift-share', '2'],
      ['--reference', join(dir, 'x.txt'), '--current', cur],
    ]) {
      const r = await runCli(['drift', ...args]);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(/error/);
    }
  });

  it.skipIf(metrics.skip !== null)(
    metrics.skip ?? 'matches the dataset-drift golden vectors through CSV files',
    async () => {
      const cases = (
        metrics.doc!.cases as {
          kind: string;
          id: string;
          inputs: { columns: Record<string, { column_type: string; reference: unknown[]; current: unknown[] }> };
          expected: {
            columns: Record<string, { stattest: string; drift_score: number; drift_detected: boolean }>;
            dataset_drift: boolean;
            share_of_drifted_columns: number;
          };
        }[]
      ).filter((c) => c.kind === 'dataset_drift');
      expect(cases.length).toBeGreaterThan(0);
      for (const c of cases) {
        const pick = (side: 'reference' | 'current') =>
          Object.fromEntries(Object.entries(c.inputs.columns).map(([k, v]) => [k, v[side]]));
        writeFileSync(join(dir, `${c.id}-ref.csv`), csv(pick('reference')));
        writeFileSync(join(dir, `${c.id}-cur.csv`), csv(pick('current')));
        const categorical = Object.entries(c.inputs.columns)
          .filter(([, v]) => v.column_type === 'categorical')
          .map(([k]) => k)
          .join(',');
        const r = await runCli([
          'drift',
          '--reference',
          join(dir, `${c.id}-ref.csv`),
          '--current',
          join(dir, `${c.id}-cur.csv`),
          '--categorical',
          categorical,
          '--json',
        ]);
        expect(r.code, r.stderr).toBe(0);
        const out = JSON.parse(r.stdout) as {
          columns: Record<
            string,
            { evidently_default: { stattest: string; drift_score: number | string; drift_detected: boolean } }
          >;
          dataset: { dataset_drift: boolean; share_of_drifted_columns: number };
        };
        expect(out.dataset.dataset_drift).toBe(c.expected.dataset_drift);
        expect(out.dataset.share_of_drifted_columns).toBe(c.expected.share_of_drifted_columns);
        for (const [name, e] of Object.entries(c.expected.columns)) {
          const got = out.columns[name]!.evidently_default;
          expect([got.stattest, got.drift_detected], `${c.id}/${name}`).toEqual([e.stattest, e.drift_detected]);
          expect(
            close(Number(got.drift_score), e.drift_score),
            `${c.id}/${name}: ${got.drift_score} vs ${e.drift_score}`,
          ).toBe(true);
        }
      }
    },
  );
});
