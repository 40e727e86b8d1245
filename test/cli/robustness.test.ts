import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { call, seedModel, seedUseCase, useTestApp } from '../helpers/app.ts';
import { listenForCli, runCli } from '../helpers/cli.ts';
import { linearOnnxModel } from '../helpers/onnx-model.ts';

const dir = mkdtempSync(join(tmpdir(), 'steward-robustness-cli-'));
const MODEL = linearOnnxModel({ weights: [2, -1], bias: 0, kind: 'logistic' });
const model = join(dir, 'model.onnx');
const data = join(dir, 'features.csv');
writeFileSync(model, MODEL);
writeFileSync(
  data,
  [
    'a,b,y,g',
    ...Array.from({ length: 300 }, (_, i) => {
      const a = ((i * 37) % 100) / 25 - 2;
      const b = ((i * 53) % 100) / 25 - 2;
      return `${a},${b},${2 * a - b > 0 !== (i % 13 === 0) ? 1 : 0},${i % 2 ? 'p' : 'q'}`;
    }),
  ].join('\n'),
);
const base = ['robustness', '--data', data, '--task', 'binary-classification', '--label', 'y', '--features', 'a,b'];

describe('steward robustness (real process)', () => {
  const t = useTestApp('sqlite');
  let env: Record<string, string>;

  beforeAll(async () => {
    env = await listenForCli(t.app);
    await seedModel(t.app, 'cli-robust', await seedUseCase(t.app, 'cli-robust-uc'));
    const v = await call(t.app, {
      method: 'POST',
      url: '/api/v1/models/cli-robust/versions',
      body: {
        artifactUri: 's3://m/cli-robust/1',
        artifactDigest: `sha256:${createHash('sha256').update(MODEL).digest('hex')}`,
      },
    });
    expect(v.status, v.text).toBe(201);
  });

  it('prints the degradation curve offline, reproducibly, per subgroup too', async () => {
    const table = await runCli([...base, '--onnx', model, '--sensitive', 'g', '--noise', '0.1,1']);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/rows: 300 sampled of 300/);
    expect(table.stdout).toMatch(/\n {2}baseline\s+0\.9200/);
    expect(table.stdout).toMatch(/\n {2}0\.1sd\s+/);
    expect(table.stdout).toMatch(/worst subgroup per level and metric/);
    const json = async (seed: string) =>
      JSON.parse((await runCli([...base, '--onnx', model, '--noise', '0.1,1', '--json', '--seed', seed])).stdout);
    const [a, b, c] = [await json('5'), await json('5'), await json('6')];
    expect(a.levels).toEqual(b.levels);
    expect(a.metrics['robustness.accuracy-drop@1sd']).toBeGreaterThan(a.metrics['robustness.accuracy-drop@0.1sd']);
    expect(c.metrics['robustness.auc@1sd']).not.toBe(a.metrics['robustness.auc@1sd']);
  });

  it('refuses options out of bounds naming the option (exit 2)', async () => {
    for (const [args, message] of [
      [['--noise', '0'], /--noise: noise level 0 is outside the bounds/],
      [['--swap-rates', '2'], /--swap-rates: swapRates level 2 is outside/],
      [['--noise', 'x'], /--noise: 'x' is not a number/],
      [['--categorical', 'zzz', '--swap-rates', '0.1'], /--categorical: categorical names 'zzz'/],
      [['--rows', '0'], /--rows: rows must be an integer between 1 and/],
    ] as [string[], RegExp][]) {
      const r = await runCli([...base, '--onnx', model, ...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(message);
    }
    const noModel = await runCli(base);
    expect(noModel.code).toBe(2);
    expect(noModel.stderr).toMatch(/give the model/);
  });

  it('with --upload has the server record the run as evidence of the version', async () => {
    const r = await runCli(
      [...base, '--onnx', model, '--noise', '0.1', '--upload', '--model', 'cli-robust', '--version', '1', '--json'],
      env,
    );
    expect(r.code, r.stderr).toBe(0);
    const e = JSON.parse(r.stdout);
    expect(e).toMatchObject({ kind: 'robustness', model: 'cli-robust', version: 1 });
    expect(e.metrics).toHaveProperty(['robustness.auc-drop@0.1sd']);
    const stored = (await call(t.app, { method: 'GET', url: '/api/v1/models/cli-robust/versions/1/evidence' })).body
      .items;
    expect(stored.map((x: { id: string }) => x.id)).toContain(e.id);
    const bad = await runCli([...base, '--onnx', model, '--upload', '--model', 'cli-robust', '--version', '9'], env);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/does not exist/);
  });
});
