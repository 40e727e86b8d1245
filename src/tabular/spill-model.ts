// An evaluation that runs a model over rows spilled to files (src/tabular/spill.ts): the model
// runs a batch at a time over the features file, its predictions (and binary scores) go to files
// beside the labels, and explanations read only the rows they sample.
import { closeSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { batchRows, type FeatureRows, type Predictor } from '../domain/explain/model.ts';
import type { EvaluationSpec, SpilledRows } from '../domain/metrics/evaluate.ts';
import { FileWriter, readAll } from './spill.ts';

const labelType = (spilled: SpilledRows) =>
  spilled.labels === 'byte' ? Uint8Array : spilled.labels === 'code' ? Uint32Array : Float64Array;

/**
 * Runs `predictor` over the spilled features in the batches predictAll makes, and points the
 * spilled predictions (and, for binary classification, scores) at files of its outputs. `check`
 * sees each binary output with its 0-based row before it is kept.
 */
export async function predictSpilled(
  spilled: SpilledRows,
  features: number,
  predictor: Predictor,
  task: EvaluationSpec['task'],
  check: (output: number, row: number) => void,
): Promise<void> {
  const Label = labelType(spilled);
  let yPred: FileWriter | undefined;
  let score: FileWriter | undefined;
  let fd: number | undefined;
  try {
    fd = openSync(spilled.columns.features!, 'r');
    yPred = new FileWriter(join(spilled.dir, 'y-pred-model'));
    if (task === 'binary-classification') score = new FileWriter(join(spilled.dir, 'score-model'));
    const step = batchRows(features);
    const x = new Float64Array(Math.min(step, spilled.rows) * features);
    for (let from = 0; from < spilled.rows; from += step) {
      const n = Math.min(step, spilled.rows - from);
      readAll(fd, x.subarray(0, n * features), from * features * 8);
      const { output, target } = await predictor.predict(x.subarray(0, n * features), n);
      if (score) {
        for (let r = 0; r < n; r++) check(output[r]!, from + r);
        score.write(output.subarray(0, n));
      }
      yPred.write(Label.from(target.subarray(0, n)));
    }
    yPred.close();
    score?.close();
  } catch (err) {
    // Closed before the directory goes: a deleted file held open keeps its disk space.
    yPred?.discard();
    score?.discard();
    throw err;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  spilled.columns.yPred = yPred.path;
  if (score) spilled.columns.score = score.path;
}

/** Reads the values of `rows` (ascending) from a file of `width` values a row, `Type` each. */
function gather<T extends Float64Array | Uint8Array | Uint32Array>(
  path: string,
  Type: { new (n: number): T; BYTES_PER_ELEMENT: number },
  width: number,
  rows: ArrayLike<number>,
): T {
  const out = new Type(rows.length * width);
  const fd = openSync(path, 'r');
  try {
    const bytes = Type.BYTES_PER_ELEMENT * width;
    for (let k = 0; k < rows.length; k++) readAll(fd, out.subarray(k * width, (k + 1) * width), rows[k]! * bytes);
  } finally {
    closeSync(fd);
  }
  return out;
}

/** The spilled features as rows a model runs on, read a selection at a time. */
export function spilledFeatures(spilled: SpilledRows, names: string[]): FeatureRows {
  const features = names.length;
  return {
    rows: spilled.rows,
    features,
    names,
    select: (rows) => ({
      values: gather(spilled.columns.features!, Float64Array, features, rows),
      rows: rows.length,
      features,
      names,
    }),
  };
}

/** The labels (as numbers: 0/1, values or class codes) and weights of `rows` of spilled data. */
export function spilledLabels(spilled: SpilledRows, rows: ArrayLike<number>) {
  const Label = labelType(spilled) as {
    new (n: number): Float64Array | Uint8Array | Uint32Array;
    BYTES_PER_ELEMENT: number;
  };
  const labels = gather(spilled.columns.yTrue, Label, 1, rows);
  return {
    yTrue: Float64Array.from(labels),
    ...(spilled.columns.weight ? { weight: gather(spilled.columns.weight, Float64Array, 1, rows) } : {}),
  };
}

/** Each sensitive column's values of `rows` of spilled data, by name. */
export function spilledSensitive(spilled: SpilledRows, names: string[], rows: ArrayLike<number>) {
  return Object.fromEntries(
    names.map((name, c) => {
      const codes = gather(spilled.columns.codes[c]!, Uint32Array, 1, rows);
      return [name, Array.from(codes, (code) => spilled.values[c]![code]!)];
    }),
  );
}
