import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_EXPLAIN } from '../../src/domain/explain/explain.ts';
import type { EvaluationSpec } from '../../src/domain/metrics/evaluate.ts';
import { inMemoryBytesPerRow, readEvaluationData, type ParseOptions } from '../../src/tabular/parse.ts';
import { openModel, runEvaluation, type ModelFile } from '../../src/tabular/run.ts';
import { DEFAULT_ROBUSTNESS } from '../../src/domain/robustness/options.ts';
import { runRobustness } from '../../src/tabular/robustness.ts';
import { releaseEvaluationData } from '../../src/tabular/spill.ts';
import { linearOnnxModel } from '../helpers/onnx-model.ts';
import { useOwnTmpdir } from '../helpers/tmpdir.ts';

// Evaluations that run a model over rows past the memory budget: the features go to a file, the
// model runs a batch at a time over it, and explanations read the rows they sample. The result
// must be the in-memory one, byte for byte as JSON.

function lcg(seed: number) {
  let s = seed;
  return () => (s = (s * 16807) % 2147483647) / 2147483647;
}

/** Three features (ties, -0, full precision), a 0/1 label, a weight, two sensitive columns. */
function csv(rows: number, seed: number): string {
  const r = lcg(seed);
  const lines = ['x1,x2,x3,y,w,sex,race'];
  const x = () => (r() < 0.1 ? '-0' : r() < 0.4 ? String(Math.floor(r() * 8) - 4) : String(r() * 6 - 3));
  for (let i = 0; i < rows; i++)
    lines.push(
      [x(), x(), x(), r() < 0.4 ? '1' : '0', (r() * 3).toFixed(3), r() < 0.45 ? 'F' : 'M', ['a', 'b', 'c'][i % 3]].join(
        ',',
      ),
    );
  return `${lines.join('\n')}\n`;
}

const base: ParseOptions = { positiveLabel: '1', maxRows: 1_000_000, maxBytes: 1 << 30 };
const explain = { ...DEFAULT_EXPLAIN, importanceRows: 300, repeats: 2, explainRows: 4, backgroundRows: 8, pdRows: 200 };
const LOGISTIC = linearOnnxModel({ weights: [1.2, -0.8, 0.3], bias: 0.15, kind: 'logistic' });
const REGRESSOR = linearOnnxModel({ weights: [2, 0, -1], bias: 3, kind: 'regression' });
const features = ['x1', 'x2', 'x3'];

const opened: { release(): Promise<void> }[] = [];
afterAll(async () => {
  for (const m of opened) await m.release();
});

async function run(
  text: string,
  bytes: Uint8Array,
  spec: EvaluationSpec,
  opts: Partial<ParseOptions>,
  /** Rows a robustness run samples, for a robustness run instead of an evaluation. */
  robustnessRows?: number,
) {
  const file: ModelFile = { bytes, source: 'test', options: { features } };
  const model = await openModel(file, spec);
  opened.push(model.loaded);
  const parsed = await readEvaluationData(Readable.from([Buffer.from(text)]), 'csv', model.spec, {
    ...base,
    ...opts,
  });
  const spilled = parsed.data.spilled !== undefined;
  try {
    const result =
      robustnessRows !== undefined
        ? await runRobustness(
            model.spec,
            parsed.data,
            { loaded: model.loaded, file },
            { ...DEFAULT_ROBUSTNESS, noise: [0.1, 1], swapRates: [], missingRates: [0.2], rows: robustnessRows },
            '1',
          )
        : await runEvaluation(model.spec, parsed.data, parsed.profile, { loaded: model.loaded, file }, explain, '1');
    return { result: JSON.stringify(result), spilled };
  } finally {
    releaseEvaluationData(parsed.data);
  }
}

const tmp = useOwnTmpdir('spill-model-test');

describe('evaluations that run a model over rows spilled to files', () => {
  const cases: [string, Uint8Array, EvaluationSpec][] = [
    [
      'binary, weighted, two sensitive columns',
      LOGISTIC,
      { task: 'binary-classification', label: 'y', weight: 'w', sensitive: ['sex', 'race'] },
    ],
    ['binary, unweighted', LOGISTIC, { task: 'binary-classification', label: 'y', sensitive: ['race'] }],
    ['regression, weighted', REGRESSOR, { task: 'regression', label: 'w', weight: 'w', sensitive: ['sex'] }],
    ['multiclass', LOGISTIC, { task: 'multiclass-classification', label: 'y', sensitive: ['race', 'sex'] }],
    // The model predicts '0' and '1', classes no label is.
    [
      'multiclass, every prediction a class no row is of',
      LOGISTIC,
      { task: 'multiclass-classification', label: 'race', weight: 'w', sensitive: ['sex'] },
    ],
  ];
  for (const [name, model, spec] of cases)
    it(`gives the in-memory result, explanations included: ${name}`, async () => {
      const text = csv(12_000, 17);
      const memory = await run(text, model, spec, { spillAfterBytes: Infinity });
      expect(memory.spilled).toBe(false);
      expect(memory.result).toContain('"permutationImportance"');
      for (const sortRows of [1 << 20, 500]) {
        const files = await run(text, model, spec, { spillAfterBytes: 0, sortRows });
        expect(files.spilled).toBe(true);
        expect(files.result).toBe(memory.result);
      }
      expect(tmp.left('steward-eval-')).toEqual([]);
    });

  for (const [name, model, spec] of cases)
    it(`runs robustness over sampled rows read back from files as over rows held: ${name}`, async () => {
      const text = csv(6_000, 23);
      // Every row (read back in order), then a sample of them.
      for (const rows of [100_000, 1_500]) {
        const memory = await run(text, model, spec, { spillAfterBytes: Infinity }, rows);
        const files = await run(text, model, spec, { spillAfterBytes: 0 }, rows);
        expect(memory.spilled).toBe(false);
        expect(files.spilled).toBe(true);
        expect(JSON.parse(files.result).rows).toBe(Math.min(rows, 6_000));
        expect(files.result).toBe(memory.result);
      }
      expect(tmp.left('steward-eval-')).toEqual([]);
    });

  it("counts a model's inputs and outputs in the budget", () => {
    const plain: EvaluationSpec = { task: 'binary-classification', label: 'y', sensitive: [] };
    // A byte each for label and prediction; with a model, 3 doubles of inputs, its outputs and
    // the labels as numbers (24), and its scores ranked (8 + 8).
    expect(inMemoryBytesPerRow(plain)).toBe(2);
    expect(inMemoryBytesPerRow({ ...plain, features })).toBe(24 + 24 + 2 + 16);
  });

  it('refuses a model output that is not a probability, naming the row, and leaves no files', async () => {
    // A regression model read as a binary classifier: its outputs run past 1.
    const spec: EvaluationSpec = { task: 'binary-classification', label: 'y', sensitive: [] };
    const text = csv(9_000, 3);
    const memory = run(text, REGRESSOR, spec, { spillAfterBytes: Infinity });
    const files = run(text, REGRESSOR, spec, { spillAfterBytes: 0 });
    const message = await memory.then(
      () => '',
      (err: Error) => err.message,
    );
    expect(message).toMatch(/the model's output for row \d+ is .*, not a probability/);
    await expect(files).rejects.toThrow(message);
    expect(tmp.left('steward-eval-')).toEqual([]);
    expect(tmp.open('steward-eval-')).toEqual([]);
  });
});
