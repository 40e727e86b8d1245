// The CPU-bound part of an evaluation, as a worker-pool task (see src/tabular/compute.ts): it runs
// on a pool thread in the server and in-thread in the CLI, with the very same code either way.
import type { ExplainOptions } from '../domain/explain/explain.ts';
import type { DataProfile } from '../domain/metrics/data-profile.ts';
import type { EvaluationData, EvaluationSpec } from '../domain/metrics/evaluate.ts';
import { openModel, runEvaluation, type ModelFile } from './run.ts';

export interface EvaluateInput {
  spec: EvaluationSpec;
  data: EvaluationData;
  profile: DataProfile;
  model?: ModelFile | undefined;
  explain: ExplainOptions | false;
  positiveLabel: string;
}

export type EvaluationResult = Awaited<ReturnType<typeof runEvaluation>>;

/** Opens the model (when there is one) and runs the whole evaluation: predictions, metrics, explanations. */
export async function evaluateTask(input: EvaluateInput): Promise<EvaluationResult> {
  const opened = input.model ? await openModel(input.model, input.spec) : undefined;
  try {
    return await runEvaluation(
      opened?.spec ?? input.spec,
      input.data,
      input.profile,
      opened && input.model && { loaded: opened.loaded, file: input.model },
      input.explain,
      input.positiveLabel,
    );
  } finally {
    await opened?.loaded.release();
  }
}

/** Opens the model to learn its feature columns (the spec the data is then read with), and closes it. */
export async function modelSpecTask(model: ModelFile, spec: EvaluationSpec): Promise<EvaluationSpec> {
  const opened = await openModel(model, spec);
  await opened.loaded.release();
  return opened.spec;
}
