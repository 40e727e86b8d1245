import type { EvaluationData, EvaluationSpec } from '../domain/metrics/evaluate.ts';
import { taskModule, transferable, whole, type WorkerPool } from '../lib/worker-pool.ts';
import { evaluateTask, modelSpecTask, type EvaluateInput, type EvaluationResult } from './evaluate-task.ts';
import type { ModelFile } from './run.ts';

/**
 * Where the CPU-bound work of an evaluation runs: on a worker pool in the server (the event loop
 * keeps answering), or in this thread (the CLI, which has nothing else to do).
 */
export interface TabularCompute {
  /** The spec with the model's feature columns (the model is opened to learn them, then closed). */
  modelSpec(model: ModelFile, spec: EvaluationSpec): Promise<EvaluationSpec>;
  /**
   * Runs the evaluation. The typed arrays of `input.data` and the model bytes are moved to the
   * worker thread, not copied: the caller must not read them afterwards.
   */
  evaluate(input: EvaluateInput): Promise<EvaluationResult>;
}

export const inThreadCompute: TabularCompute = { modelSpec: modelSpecTask, evaluate: evaluateTask };

const TASKS = taskModule(import.meta.url, 'evaluate-task');

/** `data` with every typed array covering a buffer of its own, and those buffers. */
function movable(data: EvaluationData): { data: EvaluationData; buffers: ArrayBuffer[] } {
  const probabilities = data.classes?.probabilities;
  const moved: EvaluationData = {
    ...data,
    yTrue: whole(data.yTrue),
    yPred: whole(data.yPred),
    ...(data.score ? { score: whole(data.score) } : {}),
    ...(data.weight ? { weight: whole(data.weight) } : {}),
    ...(data.features ? { features: { names: data.features.names, values: whole(data.features.values) } } : {}),
    ...(data.classes
      ? {
          classes: {
            ...data.classes,
            ...(probabilities
              ? { probabilities: Object.fromEntries(Object.entries(probabilities).map(([k, v]) => [k, whole(v)])) }
              : {}),
          },
        }
      : {}),
  };
  return {
    data: moved,
    buffers: transferable(
      moved.yTrue,
      moved.yPred,
      moved.score,
      moved.weight,
      moved.features?.values,
      ...Object.values(moved.classes?.probabilities ?? {}),
    ),
  };
}

/** Evaluations on `pool`'s threads. */
export function poolCompute(pool: Pick<WorkerPool, 'run'>): TabularCompute {
  return {
    // The model bytes are copied here: they are needed again for the evaluation itself.
    modelSpec: (model, spec) => pool.run(TASKS, 'modelSpecTask', [model, spec]),
    evaluate: (input) => {
      const { data, buffers } = movable(input.data);
      const model = input.model && { ...input.model, bytes: whole(input.model.bytes) };
      return pool.run(TASKS, 'evaluateTask', [{ ...input, data, model }], [...buffers, ...transferable(model?.bytes)]);
    },
  };
}
