import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { describe, expect, it } from 'vitest';
import { runCli, STEWARD_BIN } from '../helpers/cli.ts';
import { linearOnnxModel } from '../helpers/onnx-model.ts';

describe('steward evaluate (real process, offline)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'steward-evaluate-'));
  const file = join(dir, 'preds.csv');
  writeFileSync(
    file,
    [
      'y,yhat,p,sex',
      ...Array.from(
        { length: 40 },
        (_, i) => `${i % 3 === 0 ? 1 : 0},${i % 2},${((i % 10) / 10).toFixed(1)},${i % 4 < 2 ? 'F' : 'M'}`,
      ),
    ].join('\n'),
  );

  /** `steward evaluate` of `data` as binary classification of y by yhat, and `more`. */
  const binary = (data: string, ...more: string[]) => [
    'evaluate',
    '--data',
    data,
    '--task',
    'binary-classification',
    '--label',
    'y',
    '--prediction',
    'yhat',
    ...more,
  ];

  it('prints a summary table, or everything as JSON, and fails clearly on bad input', async () => {
    const table = await runCli(binary(file, '--score', 'p', '--sensitive', 'sex'));
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/rows: 40/);
    expect(table.stdout).toMatch(/fairness by sex/);
    const json = await runCli(binary(file, '--sensitive', 'sex', '--privileged', 'sex:M', '--json'));
    const parsed = JSON.parse(json.stdout);
    expect(parsed).toMatchObject({ rows: 40, dataDigest: expect.stringMatching(/^sha256:/) });
    expect(parsed.fairness.sex.aif360.privileged_group).toBe('M');
    const bad = await runCli([
      'evaluate',
      '--data',
      file,
      '--task',
      'binary-classification',
      '--label',
      'y',
      '--prediction',
      'missing',
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/no column 'missing'/);
    expect(
      (await runCli(['evaluate', '--data', file, '--task', 'clustering', '--label', 'y', '--prediction', 'yhat'])).code,
    ).toBe(2);
  });

  it("flags the pack's failed checks: the four-fifths rule on demographic parity", async () => {
    // Women are selected at half the rate of men: a demographic parity ratio of 0.5.
    const biased = join(dir, 'biased.csv');
    writeFileSync(
      biased,
      [
        'y,yhat,sex',
        ...Array.from(
          { length: 80 },
          (_, i) => `${i % 2},${i < 40 ? Number(i % 4 === 0) : Number(i % 2 === 0)},${i < 40 ? 'F' : 'M'}`,
        ),
      ].join('\n'),
    );
    const args = [
      'evaluate',
      '--data',
      biased,
      '--task',
      'binary-classification',
      '--label',
      'y',
      '--prediction',
      'yhat',
      '--sensitive',
      'sex',
    ];
    const table = await runCli(args);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/policy checks \(default \d+\.\d+\.\d+\)/);
    expect(table.stdout).toMatch(/FAILED\s+bias-subgroup-parity\s+demographic-parity-ratio\s+0\.5000 >= 0\.8/);
    const parsed = JSON.parse((await runCli([...args, '--json'])).stdout);
    expect(parsed.policyChecks).toContainEqual({
      measure: 'bias-subgroup-parity',
      metric: 'demographic-parity-ratio',
      observed: 0.5,
      comparator: '>=',
      threshold: 0.8,
      holds: false,
    });
    // A fair evaluation passes the same check.
    expect(
      (
        await runCli([
          'evaluate',
          '--data',
          file,
          '--task',
          'binary-classification',
          '--label',
          'y',
          '--prediction',
          'yhat',
          '--sensitive',
          'sex',
        ])
      ).stdout,
    ).toMatch(/ok\s+bias-subgroup-parity/);
    // A pack that is not one is a usage error naming the problem.
    const notPack = join(dir, 'not-a-pack.yaml');
    writeFileSync(notPack, 'name: nothing\n');
    const bad = await runCli([...args, '--pack', notPack]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/not a valid policy pack/);
  });

  it('reads a .parquet file with the same results as the CSV', async () => {
    const rows = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.split(','));
    const pq = join(dir, 'preds.parquet');
    writeFileSync(
      pq,
      Buffer.from(
        parquetWriteBuffer({
          columnData: [
            { name: 'y', data: rows.map((r) => Number(r[0])), type: 'INT32' },
            { name: 'yhat', data: rows.map((r) => Number(r[1])), type: 'INT32' },
            { name: 'sex', data: rows.map((r) => r[3]!), type: 'STRING' },
          ],
        }),
      ),
    );
    const args = [
      '--task',
      'binary-classification',
      '--label',
      'y',
      '--prediction',
      'yhat',
      '--sensitive',
      'sex',
      '--json',
    ];
    const fromParquet = await runCli(['evaluate', '--data', pq, ...args]);
    expect(fromParquet.code, fromParquet.stderr).toBe(0);
    const a = JSON.parse(fromParquet.stdout);
    const b = JSON.parse((await runCli(['evaluate', '--data', file, ...args])).stdout);
    expect(a.rows).toBe(40);
    expect(a.fairness).toEqual(b.fairness);
    expect(a.performance).toEqual(b.performance);
    // The same metrics the server stores as evidence, data quality included.
    expect(a.metrics).toMatchObject({ 'missing-rate': 0, 'duplicate-rows': expect.any(Number) });
  });

  it('runs an ONNX model, explains it, and names missing features', async () => {
    const model = join(dir, 'model.onnx');
    writeFileSync(model, linearOnnxModel({ weights: [2, -1], bias: 0, kind: 'logistic' }));
    const data = join(dir, 'features.csv');
    writeFileSync(
      data,
      [
        'a,b,y,g',
        ...Array.from(
          { length: 60 },
          (_, i) =>
            `${(i % 7) - 3},${(i % 5) - 2},${2 * ((i % 7) - 3) - ((i % 5) - 2) > 0 ? 1 : 0},${i % 2 ? 'p' : 'q'}`,
        ),
      ].join('\n'),
    );
    const table = await runCli([
      'evaluate',
      '--data',
      data,
      '--task',
      'binary-classification',
      '--label',
      'y',
      '--sensitive',
      'g',
      '--onnx',
      model,
      '--features',
      'a,b',
    ]);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/accuracy\s+1\n/);
    expect(table.stdout).toMatch(/explanations \(permutation importance as the drop in accuracy/);
    expect(table.stdout).toMatch(/\n {2}a\s+0\.\d+/);
    const json = JSON.parse(
      (
        await runCli([
          'evaluate',
          '--data',
          data,
          '--task',
          'binary-classification',
          '--label',
          'y',
          '--onnx',
          model,
          '--features',
          'a,b',
          '--json',
          '--seed',
          '3',
        ])
      ).stdout,
    );
    expect(json.model).toMatchObject({ features: ['a', 'b'], source: model });
    expect(json.explanations.shapley).toMatchObject({ method: 'exact', coalitions: 4 });
    expect(json.explanations.options.seed).toBe(3);
    // The positive class's probability is the last column; naming column 0 scores the other class.
    const flipped = JSON.parse(
      (
        await runCli([
          'evaluate',
          '--data',
          data,
          '--task',
          'binary-classification',
          '--label',
          'y',
          '--onnx',
          model,
          '--features',
          'a,b',
          '--json',
          '--no-explain',
          '--class-index',
          '0',
        ])
      ).stdout,
    );
    expect(flipped.performance.rocAuc).toBeCloseTo(1 - json.performance.rocAuc, 12);
    expect(flipped.explanations).toEqual({ available: false, reason: 'explanations were not requested' });
    for (const bad of [
      ['--threshold', '2'],
      ['--class-index', '-1'],
      ['--zero-division', 'maybe'],
    ]) {
      const r = await runCli([
        'evaluate',
        '--data',
        data,
        '--task',
        'binary-classification',
        '--label',
        'y',
        '--onnx',
        model,
        '--features',
        'a,b',
        ...bad,
      ]);
      expect(r.code, bad.join(' ')).toBe(2);
    }
    const noFeatures = await runCli([
      'evaluate',
      '--data',
      data,
      '--task',
      'binary-classification',
      '--label',
      'y',
      '--onnx',
      model,
    ]);
    expect(noFeatures.code).toBe(2);
    expect(noFeatures.stderr).toMatch(/the model takes 2 features/);
    const both = await runCli([
      'evaluate',
      '--data',
      data,
      '--task',
      'binary-classification',
      '--label',
      'y',
      '--prediction',
      'y',
      '--onnx',
      model,
      '--features',
      'a,b',
    ]);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/leave out prediction/);
  });

  it('evaluates past --memory from files under TMPDIR, with the same JSON, and removes them', async () => {
    const big = join(dir, 'big.csv');
    let seed = 3;
    const r = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
    writeFileSync(
      big,
      [
        'y,yhat,p,w,sex',
        ...Array.from(
          { length: 30_000 },
          () =>
            `${+(r() < 0.3)},${+(r() < 0.4)},${r() < 0.5 ? Math.floor(r() * 20) / 20 : r()},${r()},${r() < 0.5 ? 'F' : 'M'}`,
        ),
      ].join('\n'),
    );
    const temp = mkdtempSync(join(tmpdir(), 'steward-evaluate-spill-'));
    const args = (memory: string) =>
      binary(big, '--score', 'p', '--weight', 'w', '--sensitive', 'sex', '--memory', memory, '--json');
    const held = await runCli(args('128'), { TMPDIR: temp });
    const spilled = await runCli(args('0'), { TMPDIR: temp });
    expect(held.code, held.stderr).toBe(0);
    expect(spilled.code, spilled.stderr).toBe(0);
    expect(JSON.parse(spilled.stdout)).toMatchObject({ rows: 30_000 });
    expect(spilled.stdout).toBe(held.stdout);
    expect(readdirSync(temp).filter((f) => f.startsWith('steward-eval-'))).toEqual([]);
    const bad = await runCli(args('lots'));
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--memory must be a number of MiB, 0 or more, not 'lots'/);
  });

  it('removes its spilled columns when interrupted part way', async () => {
    const big = join(dir, 'interrupted.csv');
    let seed = 5;
    const r = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
    const lines = ['y,yhat,p,sex'];
    for (let i = 0; i < 2_000_000; i++) lines.push(`${+(r() < 0.3)},${+(r() < 0.4)},${r()},${r() < 0.5 ? 'F' : 'M'}`);
    writeFileSync(big, lines.join('\n'));
    const temp = mkdtempSync(join(tmpdir(), 'steward-evaluate-interrupt-'));
    const child = spawn(
      process.execPath,
      [STEWARD_BIN, ...binary(big, '--score', 'p', '--sensitive', 'sex', '--memory', '0')],
      { env: { ...process.env, TMPDIR: temp }, stdio: 'ignore' },
    );
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    // Interrupted once its columns are in a spill directory.
    const spilling = () => readdirSync(temp).some((f) => f.startsWith('steward-eval-'));
    for (let waited = 0; !spilling() && waited < 30_000; waited += 10) await new Promise((r) => setTimeout(r, 10));
    expect(spilling()).toBe(true);
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(readdirSync(temp).filter((f) => f.startsWith('steward-eval-'))).toEqual([]);
  }, 60_000);
});
