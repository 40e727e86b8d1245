import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_EXPLAIN } from '../../src/domain/explain/explain.ts';
import { DomainError } from '../../src/errors.ts';
import { createWorkerPool, transferable, whole } from '../../src/lib/worker-pool.ts';
import { inThreadCompute, poolCompute } from '../../src/tabular/compute.ts';
import type { EvaluateInput } from '../../src/tabular/evaluate-task.ts';
import { readEvaluationData } from '../../src/tabular/parse.ts';
import { Readable } from 'node:stream';
import { linearOnnxModel } from '../helpers/onnx-model.ts';
import { freezeNumericalTask } from '../../src/features/monitoring/window-stats.ts';

// Evaluations, explanations and drift statistics run on worker threads so that one user's heavy
// upload cannot stall the event loop (issue 23, item 3). These tests hold the pool to what the
// server relies on: work really leaves the main thread, typed arrays move instead of being
// copied, refusals keep their code and pointers, a dying thread is replaced, and the results are
// exactly those of the same code run in-thread.
const TASKS = new URL('../helpers/pool-tasks.ts', import.meta.url);
const pool = createWorkerPool({ size: 2, idleMs: 60_000 });
afterAll(() => pool.close());

describe('the compute worker pool', () => {
  it('runs tasks on threads other than the main one', async () => {
    const id = await pool.run<number>(TASKS, 'whereAmI', []);
    expect(id).toBeGreaterThan(0);
  });

  it('moves transferred arrays to the thread instead of copying them', async () => {
    const values = Float64Array.from({ length: 1000 }, (_, i) => i);
    const out = await pool.run<{ sum: number; bytes: number }>(TASKS, 'sum', [values], transferable(values));
    expect(out).toEqual({ sum: 499_500, bytes: 8000 });
    // Moved: the caller's array is detached.
    expect(values.byteLength).toBe(0);
  });

  it('never moves a slice of a larger buffer: `whole` copies it first', () => {
    const big = new Float64Array(10);
    const part = big.subarray(2, 5);
    expect(transferable(part)).toEqual([]);
    const own = whole(part);
    expect(Array.from(own)).toEqual([0, 0, 0]);
    expect(transferable(own)).toEqual([own.buffer]);
    // A small Node Buffer lives in a shared pool: it is copied, never moved.
    const pooled = Buffer.from('abc');
    expect(transferable(pooled)).toEqual([]);
    expect(whole(pooled)).not.toBe(pooled);
  });

  it('keeps a refusal a domain error with its code, pointers and extras', async () => {
    const err = await pool.run(TASKS, 'refuse', []).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DomainError);
    expect(err).toMatchObject({
      code: 'validation_failed',
      message: 'row 3 is not a number',
      errors: [{ pointer: '/data/3/x', message: 'not a number' }],
      extra: { row: 3 },
    });
  });

  it('fails the task of a thread that dies and goes on with a new thread', async () => {
    await expect(pool.run(TASKS, 'die', [])).rejects.toThrow(/exited with code 7/);
    expect(await pool.run<number>(TASKS, 'whereAmI', [])).toBeGreaterThan(0);
  });

  it('runs at most `size` tasks at once and queues the rest in order', async () => {
    const ids = await Promise.all([1, 2, 3, 4, 5].map(() => pool.run<number>(TASKS, 'hold', [30])));
    expect(new Set(ids).size).toBeLessThanOrEqual(2);
    expect(pool.threads()).toBeLessThanOrEqual(2);
  });

  it('freezes a monitoring reference on the pool exactly as in-thread, the sorted values moved back', async () => {
    const raw = () => Float64Array.from({ length: 5000 }, (_, i) => (i % 97 === 0 ? NaN : Math.sin(i) * 100));
    const here = freezeNumericalTask(raw());
    const sent = raw();
    const there = await pool.run<ReturnType<typeof freezeNumericalTask>>(
      new URL('../../src/features/monitoring/window-stats.ts', import.meta.url),
      'freezeNumericalTask',
      [sent],
      transferable(sent),
    );
    expect(sent.byteLength).toBe(0);
    expect(there.sorted).toBeInstanceOf(Float64Array);
    expect(there).toEqual(here);
  });

  it('refuses work once closed', async () => {
    const closed = createWorkerPool({ size: 1 });
    await closed.close();
    await expect(closed.run(TASKS, 'whereAmI', [])).rejects.toThrow(/closed/);
  });
});

describe('an evaluation on the pool', () => {
  const model = Buffer.from(linearOnnxModel({ weights: [1.2, -0.8, 0.3], bias: 0.15, kind: 'logistic' }));
  const csv = (() => {
    const lines = ['income,debt,tenure,y,sex'];
    for (let i = 0; i < 300; i++) {
      const income = ((i * 37) % 100) / 25 - 2;
      const debt = ((i * 53) % 100) / 25 - 2;
      const tenure = ((i * 11) % 10) / 5;
      const y = 1.2 * income - 0.8 * debt + 0.3 * tenure > 0 !== (i % 7 === 0) ? 1 : 0;
      lines.push(`${income},${debt},${tenure},${y},${i % 3 ? 'F' : 'M'}`);
    }
    return `${lines.join('\n')}\n`;
  })();
  const spec = {
    task: 'binary-classification' as const,
    label: 'y',
    sensitive: ['sex'],
    features: ['income', 'debt', 'tenure'],
  };
  const input = async (): Promise<EvaluateInput> => {
    const parsed = await readEvaluationData(Readable.from([Buffer.from(csv)]), 'csv', spec, {
      positiveLabel: '1',
      maxRows: 1_000_000,
      maxBytes: 1 << 20,
    });
    return {
      spec,
      data: parsed.data,
      profile: parsed.profile,
      model: { bytes: Buffer.from(model), source: 'upload', options: {} },
      explain: { ...DEFAULT_EXPLAIN, explainRows: 5, backgroundRows: 20, samples: 64 },
      positiveLabel: '1',
    };
  };

  it('gives exactly the result of the same evaluation in-thread, explanations included', async () => {
    const compute = poolCompute(pool);
    const here = await inThreadCompute.evaluate(await input());
    const there = await compute.evaluate(await input());
    expect(there).toEqual(here);
    expect(there.explanations).toMatchObject({ shapley: expect.anything() });
  });

  it('learns the model features on the pool as in-thread', async () => {
    const { model: file } = await input();
    const bare = { task: spec.task, label: 'y', sensitive: ['sex'] };
    const there = await poolCompute(pool).modelSpec(file!, { ...bare, features: ['income', 'debt', 'tenure'] });
    expect(there).toEqual(await inThreadCompute.modelSpec(file!, { ...bare, features: ['income', 'debt', 'tenure'] }));
  });

  it('refuses a model that is not ONNX with the same problem as in-thread', async () => {
    const bad = { bytes: Buffer.from('not a model'), source: 'upload', options: {} };
    const here = await inThreadCompute.modelSpec(bad, spec).catch((e: unknown) => e);
    const there = await poolCompute(pool)
      .modelSpec(bad, spec)
      .catch((e: unknown) => e);
    expect(there).toBeInstanceOf(DomainError);
    expect(there).toMatchObject({
      code: (here as DomainError).code,
      message: (here as DomainError).message,
      errors: (here as DomainError).errors,
    });
  });
});
