// What running a model over evaluation data needs besides the model, for data held in memory or
// spilled to files (src/tabular/spill.ts). Spilled, the model runs a batch at a time over the
// features file, its predictions (and binary scores) go to files beside the labels, and
// explanations and robustness runs read back only the rows they sample.
import { closeSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { batchRows, heldRows, type Predictor, type SampledRows } from '../domain/explain/model.ts';
import {
  plainSensitive,
  type EvaluationData,
  type EvaluationSpec,
  type SpilledRows,
} from '../domain/metrics/evaluate.ts';
import { FileWriter, labelArray, readAll } from './spill.ts';

/** A class label's code, given in order of first sight, extending `names` (what each code stands for). */
export function classCoder(names: string[]): (label: string) => number {
  const codes = new Map(names.map((name, c) => [name, c]));
  return (label) => {
    let c = codes.get(label);
    if (c === undefined) {
      codes.set(label, (c = names.length));
      names.push(label);
    }
    return c;
  };
}

/**
 * The rows of `data` a model runs on (features `names`), a sample at a time, with their labels as
 * numbers; multiclass labels are codes, given by `classCode`, of the names in `classes` (spilled
 * data's own list, extended by classes the model predicts).
 */
export function modelRows(
  data: EvaluationData,
  names: string[],
  sensitive: string[],
): { rows: SampledRows; classes: string[]; classCode: (label: string) => number } {
  const spilled = data.spilled;
  if (spilled) {
    const classes = spilled.classes ?? [];
    const features = names.length;
    const rows: SampledRows = {
      features: {
        rows: spilled.rows,
        features,
        names,
        select: (rows) => ({
          values: gather(spilled.columns.features!, Float64Array, features, rows),
          rows: rows.length,
          features,
          names,
        }),
      },
      truthOf: (sample) => ({
        yTrue: Float64Array.from(gather(spilled.columns.yTrue, labelArray(spilled), 1, sample)),
        ...(spilled.columns.weight ? { weight: gather(spilled.columns.weight, Float64Array, 1, sample) } : {}),
      }),
      sensitiveOf: (sample) =>
        Object.fromEntries(
          sensitive.map((name, c) => {
            const codes = gather(spilled.columns.codes[c]!, Uint32Array, 1, sample);
            return [name, Array.from(codes, (code) => spilled.values[c]![code]!)];
          }),
        ),
    };
    return { rows, classes, classCode: classCoder(classes) };
  }
  const classes: string[] = [];
  const classCode = classCoder(classes);
  const yTrue = data.classes ? Float64Array.from(data.classes.yTrue, classCode) : Float64Array.from(data.yTrue);
  const features = data.features!;
  const rows = heldRows(
    { values: features.values, rows: yTrue.length, features: features.names.length, names: features.names },
    { yTrue, weight: data.weight },
    plainSensitive(data.sensitive),
  );
  return { rows, classes, classCode };
}

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
  const Label = labelArray(spilled);
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
      const predicted = new Label(n);
      predicted.set(target.subarray(0, n));
      yPred.write(predicted);
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
