import type { EvaluationData, EvaluationSpec } from '../domain/metrics/evaluate.ts';
import type { RobustnessOptions } from '../domain/robustness/options.ts';
import { robustnessRun, RobustnessOptionsError } from '../domain/robustness/robustness.ts';
import { DomainError } from '../errors.ts';
import type { LoadedModel } from './onnx.ts';
import { jsonSafe, modelDigest, type ModelFile } from './run.ts';
import { modelRows } from './spill-model.ts';

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
  // Data past the memory budget is in files: only the sampled rows are read back.
  const { rows, classCode } = modelRows(data, loaded.features, spec.sensitive);
  let result;
  try {
    result = await robustnessRun(
      loaded.predictor(spec.task, positiveLabel, classCode),
      { task: spec.task, ...rows },
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
