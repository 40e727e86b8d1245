import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { EvaluationSpec } from '../../src/domain/metrics/evaluate.ts';
import { medianOfSorted, rankSortedBlocks, type SortedBlock } from '../../src/domain/metrics/ranked-blocks.ts';
import { rankedByClass, rocAuc, rocCurve, scoresByClass } from '../../src/domain/metrics/classification.ts';
import { inMemoryBytesPerRow, readEvaluationData, type ParseOptions } from '../../src/tabular/parse.ts';
import { runEvaluation } from '../../src/tabular/run.ts';
import { releaseEvaluationData } from '../../src/tabular/spill.ts';
import { loadVectors } from '../helpers/vectors.ts';
import { useOwnTmpdir } from '../helpers/tmpdir.ts';

/** A seeded generator, so a failure is reproducible. */
function lcg(seed: number) {
  let s = seed;
  return () => (s = (s * 16807) % 2147483647) / 2147483647;
}

/** Scores rounded to `distinct` steps (ties), -0 beside 0, full-precision ones in between. */
function score(r: () => number, distinct: number): string {
  const v = r();
  if (v < 0.05) return r() < 0.5 ? '-0' : '0';
  if (v < 0.5) return String(Math.floor(r() * distinct) / distinct);
  return String(r());
}

function csv(
  rows: number,
  seed: number,
  opts: { distinct?: number; constant?: boolean; close?: boolean } = {},
): string {
  const r = lcg(seed);
  const lines = ['y,yhat,p,w,sex,race,age,guess,pa,pb,pc,prare'];
  const races = ['a', 'b', 'c', 'rare'];
  for (let i = 0; i < rows; i++) {
    const race = r() < 0.01 ? 'rare' : races[Math.floor(r() * 3)]!;
    lines.push(
      [
        r() < 0.35 ? 'yes' : 'no',
        r() < 0.4 ? 'yes' : 'no',
        opts.constant
          ? '0.5'
          : opts.close
            ? // Apart only in the low bits of the mantissa: the partition must go down to them.
              String(0.5 + Math.floor(r() * 30) * 2 ** -37 + Math.floor(r() * 30) * 2 ** -53)
            : score(r, opts.distinct ?? 20),
        (r() * 3).toFixed(3),
        r() < 0.45 ? 'F' : 'M',
        race,
        r() < 0.5 ? 'young / old' : 'young',
        // A class guessed for the row: right about half the time, sometimes one no row is of.
        r() < 0.5 ? race : r() < 0.02 ? 'other' : races[Math.floor(r() * 4)]!,
        // Class probabilities: ties, -0, full precision; rows need not sum to one.
        ...races.map(() => (opts.constant ? '0.25' : score(r, opts.distinct ?? 20))),
      ].join(','),
    );
  }
  return `${lines.join('\n')}\n`;
}

const base: ParseOptions = { positiveLabel: 'yes', maxRows: 1_000_000, maxBytes: 1 << 30 };

async function run(text: string, spec: EvaluationSpec, opts: Partial<ParseOptions>) {
  const parsed = await readEvaluationData(Readable.from([Buffer.from(text)]), 'csv', spec, { ...base, ...opts });
  const spilled = parsed.data.spilled;
  try {
    const result = await runEvaluation(spec, parsed.data, parsed.profile, undefined, false, 'yes');
    return { result: JSON.stringify(result), spilled, profile: parsed.profile };
  } finally {
    releaseEvaluationData(parsed.data);
  }
}

// The spill directories go under TMPDIR: a directory of this test's own shows none is left behind.
const tmp = useOwnTmpdir('spill-test');

describe('binary classification over columns spilled to files', () => {
  const specs: [string, EvaluationSpec][] = [
    [
      'scored, weighted, three sensitive columns and a privileged group',
      {
        task: 'binary-classification',
        label: 'y',
        prediction: 'yhat',
        score: 'p',
        weight: 'w',
        sensitive: ['sex', 'race', 'age'],
        privileged: { sex: 'M', race: 'a' },
      },
    ],
    [
      'scored, unweighted',
      {
        task: 'binary-classification',
        label: 'y',
        prediction: 'yhat',
        score: 'p',
        sensitive: ['sex', 'race'],
        privileged: { race: 'not there' },
      },
    ],
    [
      'no scores, zero_division NaN',
      {
        task: 'binary-classification',
        label: 'y',
        prediction: 'yhat',
        sensitive: ['race'],
        zeroDivision: 'nan',
      },
    ],
    [
      'no sensitive columns',
      { task: 'binary-classification', label: 'y', prediction: 'yhat', score: 'p', sensitive: [] },
    ],
    // Regression reads the scores and weights as label and prediction: doubles with ties and -0.
    [
      'regression, weighted, three sensitive columns',
      { task: 'regression', label: 'w', prediction: 'p', weight: 'w', sensitive: ['sex', 'race', 'age'] },
    ],
    ['regression, unweighted', { task: 'regression', label: 'p', prediction: 'w', sensitive: ['race'] }],
    [
      'multiclass, weighted, two sensitive columns',
      { task: 'multiclass-classification', label: 'race', prediction: 'guess', weight: 'w', sensitive: ['sex', 'age'] },
    ],
    [
      'multiclass, unweighted',
      { task: 'multiclass-classification', label: 'race', prediction: 'guess', sensitive: ['age'] },
    ],
    [
      'multiclass with class probabilities, unweighted',
      {
        task: 'multiclass-classification',
        label: 'race',
        prediction: 'guess',
        classScores: { a: 'pa', b: 'pb', c: 'pc', rare: 'prare' },
        sensitive: ['sex'],
      },
    ],
    [
      'multiclass with class probabilities, weighted',
      {
        task: 'multiclass-classification',
        label: 'race',
        prediction: 'guess',
        weight: 'w',
        classScores: { rare: 'prare', c: 'pc', b: 'pb', a: 'pa' },
        sensitive: ['age', 'sex'],
      },
    ],
    // True classes without a column (the log loss is undefined), a class only predicted, one no row is of.
    [
      'multiclass with some class probabilities',
      {
        task: 'multiclass-classification',
        label: 'race',
        prediction: 'guess',
        classScores: { b: 'pb', other: 'pa', a: 'pc', nobody: 'prare' },
        sensitive: [],
      },
    ],
    // Each group holds one class only: its metrics are over that class alone.
    [
      'multiclass, a class a group',
      { task: 'multiclass-classification', label: 'race', prediction: 'race', sensitive: ['race', 'sex'] },
    ],
  ];

  for (const [name, spec] of specs)
    it(`gives the in-memory result to the last bit: ${name}`, async () => {
      const text = csv(20_000, 11);
      const memory = await run(text, spec, { spillAfterBytes: Infinity });
      expect(memory.spilled).toBeUndefined();
      // Tiny sort budgets force the partition down to every level, and ranges of one score.
      for (const sortRows of [1 << 20, 1000, 7]) {
        const files = await run(text, spec, { spillAfterBytes: 0, sortRows });
        expect(files.spilled?.rows).toBe(20_000);
        expect(files.result).toBe(memory.result);
        expect(files.profile).toEqual(memory.profile);
      }
      // Records (the JSON Lines and Parquet path) spill alike.
      const records = await run(text, spec, { spillAfterBytes: 0, sortRows: 1000, csvRecords: true });
      expect(records.spilled).toBeDefined();
      expect(records.result).toBe(memory.result);
      expect(tmp.left('steward-eval-')).toEqual([]);
    });

  it('sorts scores that are all one value, full-precision, or apart only in their last bits, past the budget', async () => {
    const spec = specs[0]![1];
    for (const text of [
      csv(9_000, 5, { constant: true }),
      csv(9_000, 6, { distinct: 1e9 }),
      csv(9_000, 7, { close: true }),
    ]) {
      const memory = await run(text, spec, { spillAfterBytes: Infinity });
      const files = await run(text, spec, { spillAfterBytes: 0, sortRows: 10 });
      expect(files.spilled).toBeDefined();
      expect(files.result).toBe(memory.result);
    }
  });

  it('spills only past the budget, with class probabilities too', async () => {
    const text = csv(5_000, 3);
    const spec = specs[1]![1];
    // 5,000 rows at 108 bytes (12 of columns, 96 of working arrays) fit in 1 MB; not in 100 kB.
    expect(inMemoryBytesPerRow(spec)).toBe(108);
    expect((await run(text, spec, { spillAfterBytes: 1_000_000 })).spilled).toBeUndefined();
    expect((await run(text, spec, { spillAfterBytes: 100_000 })).spilled).toBeDefined();
    const read = (spec: EvaluationSpec) =>
      readEvaluationData(Readable.from([Buffer.from(text)]), 'csv', spec, { ...base, spillAfterBytes: 0 });
    const probabilities = await read({
      task: 'multiclass-classification',
      label: 'race',
      prediction: 'guess',
      classScores: { a: 'pa' },
      sensitive: ['sex'],
    });
    expect(probabilities.data.spilled?.classScores).toEqual(['a']);
    releaseEvaluationData(probabilities.data);
  });

  /** Reads `lines` spilled, and expects the evaluation refused with 413 and `message`, and no files left. */
  async function refusedTooLarge(lines: string[], spec: EvaluationSpec, message: RegExp) {
    const parsed = await readEvaluationData(Readable.from([Buffer.from(lines.join('\n'))]), 'csv', spec, {
      ...base,
      spillAfterBytes: 0,
    });
    try {
      await expect(runEvaluation(spec, parsed.data, parsed.profile, undefined, false, 'yes')).rejects.toMatchObject({
        code: 'payload_too_large',
        message: expect.stringMatching(message),
      });
    } finally {
      releaseEvaluationData(parsed.data);
    }
    expect(tmp.left('steward-eval-')).toEqual([]);
  }

  it('refuses an intersection of more combinations than it counts, with 413, and removes its files', async () => {
    const lines = ['y,yhat,a,b,c'];
    for (let i = 0; i < 5_000; i++) lines.push(`yes,no,a${i % 200},b${(i * 7) % 200},c${(i * 13) % 200}`);
    await refusedTooLarge(
      lines,
      { task: 'binary-classification', label: 'y', prediction: 'yhat', sensitive: ['a', 'b', 'c'] },
      /'a', 'b', 'c' have 8000000 combinations of values, over the 4194304/,
    );
  });

  it('refuses more confusion-matrix cells than it counts, with 413, and removes its files', async () => {
    const lines = ['y,yhat,g'];
    for (let i = 0; i < 5_000; i++) lines.push(`c${i % 300},c${(i * 7) % 300},g${i % 100}`);
    await refusedTooLarge(
      lines,
      { task: 'multiclass-classification', label: 'y', prediction: 'yhat', sensitive: ['g'] },
      /100 groups of 'g' with 300 classes need 9000000 confusion-matrix cells, over the 8388608/,
    );
  });

  it('leaves no file open when the sort fails part way, and is removed after', async () => {
    const text = csv(20_000, 8);
    const spec = specs[0]![1];
    const parsed = await readEvaluationData(Readable.from([Buffer.from(text)]), 'csv', spec, {
      ...base,
      spillAfterBytes: 0,
      sortRows: 50,
    });
    try {
      // A directory where the partition's second range file is to go: opening it fails while the
      // first range's files are open.
      mkdirSync(join(parsed.data.spilled!.dir, 'score-0.0-1.score'));
      await expect(runEvaluation(spec, parsed.data, parsed.profile, undefined, false, 'yes')).rejects.toThrow(/EISDIR/);
      expect(tmp.open('steward-eval-')).toEqual([]);
    } finally {
      releaseEvaluationData(parsed.data);
    }
    expect(tmp.left('steward-eval-')).toEqual([]);
  });

  it('removes its files when the data turns out bad after spilling began', async () => {
    const text = `${csv(9_000, 4).trimEnd()}\nyes,no,1.5,1,F,a,young,a,0,0,0,0\n`;
    await expect(
      readEvaluationData(Readable.from([Buffer.from(text)]), 'csv', specs[0]![1], { ...base, spillAfterBytes: 0 }),
    ).rejects.toThrow(/row 9001, column 'p': '1.5' is not a probability/);
    expect(tmp.left('steward-eval-')).toEqual([]);
    // Closed too: a deleted file held open keeps its disk space.
    expect(tmp.open('steward-eval-')).toEqual([]);
  });
});

const vectors = loadVectors('metrics.json');

describe('spilled evaluation on the golden vectors (../shared/vectors/metrics.json)', () => {
  it.skipIf(vectors.skip !== null)(
    vectors.skip ??
      'gives what the in-memory path (checked against the vectors) gives, on every binary and regression case',
    async () => {
      const cases = (
        vectors.doc!.cases as {
          id: string;
          kind: string;
          params: Record<string, unknown>;
          inputs: Record<string, unknown[] | Record<string, unknown[]>>;
        }[]
      ).filter((c) => c.kind === 'fairness_binary_classification' || c.kind === 'fairness_regression');
      expect(cases.length).toBeGreaterThanOrEqual(9);
      for (const c of cases) {
        const sf = c.inputs.sensitive_features!;
        const sensitive = Array.isArray(sf) ? { group: sf } : (sf as Record<string, unknown[]>);
        const columns: Record<string, unknown[]> = {
          y: c.inputs.y_true as unknown[],
          yhat: c.inputs.y_pred as unknown[],
          ...(c.inputs.y_score ? { p: c.inputs.y_score as unknown[] } : {}),
          ...(c.inputs.sample_weight ? { w: c.inputs.sample_weight as unknown[] } : {}),
          ...sensitive,
        };
        const names = Object.keys(columns);
        const text = [
          names.join(','),
          ...columns.y!.map((_, i) => names.map((n) => String(columns[n]![i])).join(',')),
        ].join('\n');
        const privileged = c.params.privileged_group;
        const spec: EvaluationSpec = {
          task: c.kind === 'fairness_regression' ? 'regression' : 'binary-classification',
          label: 'y',
          prediction: 'yhat',
          ...(columns.p ? { score: 'p' } : {}),
          ...(columns.w ? { weight: 'w' } : {}),
          sensitive: Object.keys(sensitive),
          ...(typeof privileged === 'string' && Array.isArray(sf) ? { privileged: { group: privileged } } : {}),
        };
        const opts = { positiveLabel: String(c.params.pos_label ?? 1) };
        const memory = await run(text, spec, { ...opts, spillAfterBytes: Infinity });
        const files = await run(text, spec, { ...opts, spillAfterBytes: 0, sortRows: 3 });
        expect(files.spilled, c.id).toBeDefined();
        expect(files.result, c.id).toBe(memory.result);
      }
    },
  );
});

describe('the ROC from sorted blocks', () => {
  /** Blocks of `size` over arrays sorted stably by score. */
  function blocks(yTrue: Float64Array, scores: Float64Array, weights: Float64Array | undefined, size: number) {
    const order = Array.from(scores.keys()).sort((a, b) => scores[a]! + 0 - (scores[b]! + 0) || a - b);
    const all: SortedBlock[] = [];
    for (let from = 0; from < order.length; from += size) {
      const part = order.slice(from, from + size);
      all.push({
        length: part.length,
        score: Float64Array.from(part, (i) => scores[i]!),
        label: Uint8Array.from(part, (i) => yTrue[i]!),
        weight: weights && Float64Array.from(part, (i) => weights[i]!),
      });
    }
    return { up: () => all, down: () => [...all].reverse() };
  }

  it('equals the in-memory walks for any block size, weighted or not', () => {
    for (const [n, distinct, seed] of [
      [0, 1, 1],
      [1, 1, 2],
      [7, 3, 3],
      [500, 2, 4],
      [3_000, 1e9, 5],
    ] as const) {
      const r = lcg(seed);
      const yTrue = Float64Array.from({ length: n }, () => +(r() < 0.3));
      const scores = Float64Array.from({ length: n }, () => {
        const v = Math.floor(r() * distinct) / distinct;
        return v === 0 && r() < 0.5 ? -0 : v;
      });
      const weights = Float64Array.from({ length: n }, () => r() * 2);
      const ranked = rankedByClass(scoresByClass(yTrue, scores));
      for (const size of [1, 2, 5, 64, 100_000]) {
        const b = blocks(yTrue, scores, undefined, size);
        for (const maxPoints of [101, 5, 2]) {
          const got = rankSortedBlocks(n, b.up, b.down, maxPoints);
          expect(Object.is(got.rocAuc, ranked.rocAuc)).toBe(true);
          expect(got.roc).toEqual(rankedByClass(scoresByClass(yTrue, scores), maxPoints).roc);
          expect(Object.is(got.median + 0, ranked.median + 0)).toBe(true);
          expect(Object.is(medianOfSorted(n, b.up()) + 0, ranked.median + 0)).toBe(true);
        }
        const w = blocks(yTrue, scores, weights, size);
        const got = rankSortedBlocks(n, w.up, w.down);
        expect(Object.is(got.rocAuc, rocAuc(yTrue, scores, weights))).toBe(true);
        expect(got.roc).toEqual(rocCurve(yTrue, scores, weights));
      }
    }
  });
});
