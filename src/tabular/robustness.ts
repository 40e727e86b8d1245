import { plainSensitive, type EvaluationData, type EvaluationSpec } from '../domain/metrics/evaluate.ts';
import type { RobustnessOptions } from '../domain/robustness/options.ts';
import {
  heldRows,
  robustnessRun,
  RobustnessOptionsError,
  type RobustnessRows,
} from '../domain/robustness/robustness.ts';
import { DomainError } from '../errors.ts';
import type { LoadedModel } from './onnx.ts';
import { classCoder, jsonSafe, modelDigest, type ModelFile } from './run.ts';
import { spilledFeatures, spilledLabels, spilledSensitive } from './spill-model.ts';

/** Features fed to integer inputs: categories by default, and unable to hold a missing value. */
export const integerFeatures = (loaded: Pick<LoadedModel, 'features' | 'featureTypes'>): string[] =>
  loaded.features.filter((_, j) => loaded.featureTypes[j] === 'int64' || loaded.featureTypes[j] === 'int32');

/**
 * Refused robustness options as a validation problem, with pointers relative to the options (the
 * API's route places them in the query string); `prefix` nests them when the caller needs to.
 */
export function robustnessOptionsProblem(err: RobustnessOptionsError, prefix: string): DomainError {
  return new DomainError('validation_failed', err.message, {
    errors: err.problems.map((p) => ({ pointer: `${prefix}${p.pointer}`, message: p.message })),
  });
}

/**
 * A robustness run of an opened ONNX model over parsed data, as the server stores it and the CLI
 * prints it: the model's description, the degradation curves, and the flat `checks` as `metrics`.
 * A thin adapter: the work is the pure `robustnessRun`, so it can move to a worker thread as is.
 */
export async function runRobustness(
  spec: EvaluationSpec,
  data: EvaluationData,
  model: { loaded: LoadedModel; file: ModelFile },
  opts: RobustnessOptions,
  positiveLabel = '1',
  prefix = '',
) {
  const { loaded, file } = model;
  const spilled = data.spilled;
  let rows: RobustnessRows;
  let classCode: (label: string) => number;
  if (spilled) {
    // Rows past the memory budget are in files: only the sampled rows are read back.
    classCode = classCoder(spilled.classes ?? []);
    rows = {
      task: spec.task,
      features: spilledFeatures(spilled, loaded.features),
      truthOf: (sample) => spilledLabels(spilled, sample),
      sensitiveOf: (sample) => spilledSensitive(spilled, spec.sensitive, sample),
    };
  } else {
    const features = data.features!;
    classCode = classCoder([]);
    const yTrue = data.classes ? Float64Array.from(data.classes.yTrue, classCode) : Float64Array.from(data.yTrue);
    rows = heldRows(
      { values: features.values, rows: yTrue.length, features: features.names.length, names: features.names },
      { task: spec.task, yTrue, ...(data.weight ? { weight: data.weight } : {}) },
      plainSensitive(data.sensitive),
    );
  }
  let result;
  try {
    result = await robustnessRun(
      loaded.predictor(spec.task, positiveLabel, classCode),
      rows,
      integerFeatures(loaded),
      opts,
    );
  } catch (err) {
    if (err instanceof RobustnessOptionsError) throw robustnessOptionsProblem(err, prefix);
    throw err;
  }
  const { checks, ...curves } = result;
  return jsonSafe({
    ...curves,
    model: {
      digest: modelDigest(file.bytes),
      source: file.source,
      format: 'onnx',
      runtime: 'onnxruntime-node',
      features: loaded.features,
      output: loaded.explains,
    },
    metrics: checks,
  }) as { metrics: Record<string, number | null> } & Omit<typeof curves, 'options'> & Record<string, unknown>;
}
