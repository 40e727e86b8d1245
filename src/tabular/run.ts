import { createHash } from 'node:crypto';
import { DEFAULT_EXPLAIN, explainModel, type ExplainOptions } from '../domain/explain/explain.ts';
import { predictAll, type SampledRows } from '../domain/explain/model.ts';
import { EXACT_SHAPLEY_MAX_FEATURES } from '../domain/explain/shapley.ts';
import type { Scorer } from '../domain/explain/importance.ts';
import type { DataProfile } from '../domain/metrics/data-profile.ts';
import { evaluate, type EvaluationData, type EvaluationSpec } from '../domain/metrics/evaluate.ts';
import { DomainError } from '../errors.ts';
import { loadOnnx, type LoadedModel, type OnnxOptions } from './onnx.ts';
import { evaluateSpilled } from './spill.ts';
import { modelRows, predictSpilled } from './spill-model.ts';

/** Most synthetic rows one explanation may ask the model for (coalitions x explained x background). */
export const MAX_SHAPLEY_ROWS = 20_000_000;
/** Most cells (explained x background rows x features) one coalition may take: it is built at once. */
export const MAX_COALITION_CELLS = 16_777_216;
/** Most model rows permutation importance may run (features x repeats x rows). */
export const MAX_PERMUTATION_ROWS = 100_000_000;

/** Non-finite numbers (0/0 ratios, empty groups) as the strings "NaN", "Infinity", "-Infinity": JSON has no other form. */
export function jsonSafe(value: unknown): unknown {
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (Array.isArray(value)) return value.map(jsonSafe);
  if (ArrayBuffer.isView(value)) return Array.from(value as unknown as ArrayLike<number>, jsonSafe);
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, jsonSafe(v)]));
  return value;
}

export interface ModelFile {
  bytes: Uint8Array;
  /** Where it came from, for the evidence: `upload`, the version's artefact URI, or a local path (CLI). */
  source: string;
  options: OnnxOptions;
}

export const modelDigest = (bytes: Uint8Array): string => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

const invalid = (message: string, pointer: string) =>
  new DomainError('validation_failed', message, { errors: [{ pointer, message }] });

/** Checks the spec against the presence of a model: a model makes the predictions, otherwise a column must. */
export function checkPredictionSource(spec: EvaluationSpec, hasModel: boolean, explain: ExplainOptions | false): void {
  if (hasModel && (spec.prediction || spec.score))
    throw invalid(
      'with a model the predictions and scores come from the model; leave out prediction and score',
      '/prediction',
    );
  if (!hasModel && !spec.prediction)
    throw invalid(
      'name the prediction column, or supply an ONNX model to produce the predictions (as a model part before the data part, or useArtifact=true)',
      '/prediction',
    );
  if (hasModel && explain) {
    const f = spec.features?.length ?? 0;
    const coalitions = f > 0 && f <= EXACT_SHAPLEY_MAX_FEATURES ? 2 ** f : explain.samples + 2;
    if (coalitions * explain.explainRows * explain.backgroundRows > MAX_SHAPLEY_ROWS) {
      throw invalid(
        `Shapley values would need ${coalitions} coalitions x ${explain.explainRows} rows x ${explain.backgroundRows} background rows, over the ${MAX_SHAPLEY_ROWS} model rows allowed; lower explainRows, backgroundRows or samples`,
        '/explainRows',
      );
    }
    if (explain.explainRows * explain.backgroundRows * f > MAX_COALITION_CELLS) {
      throw invalid(
        `one coalition of ${explain.explainRows} rows x ${explain.backgroundRows} background rows x ${f} features is over the ${MAX_COALITION_CELLS} cells allowed; lower explainRows or backgroundRows`,
        '/explainRows',
      );
    }
    if (f * explain.repeats * explain.importanceRows > MAX_PERMUTATION_ROWS) {
      throw invalid(
        `permutation importance would run ${f} features x ${explain.repeats} repeats x ${explain.importanceRows} rows, over the ${MAX_PERMUTATION_ROWS} model rows allowed; lower repeats or importanceRows`,
        '/importanceRows',
      );
    }
  }
}

/** Opens a model and fixes the spec's feature columns from it, before the data is parsed. */
export async function openModel(
  model: ModelFile,
  spec: EvaluationSpec,
): Promise<{ loaded: LoadedModel; spec: EvaluationSpec }> {
  const loaded = await loadOnnx(model.bytes, spec.task, {
    ...model.options,
    features: spec.features ?? model.options.features,
  });
  return { loaded, spec: { ...spec, features: loaded.features } };
}

/** Scores a model's predictions for sampled rows against those rows' labels (`truthOf`). */
function scorerFor(spec: EvaluationSpec, truthOf: SampledRows['truthOf']): (sample: Int32Array) => Scorer {
  return (sample) => {
    const { yTrue, weight } = truthOf(sample);
    return (target, rows) => {
      const n = rows ? rows.length : sample.length;
      if (spec.task === 'regression') {
        let sw = 0;
        let mean = 0;
        for (let k = 0; k < n; k++) {
          const i = rows ? rows[k]! : k;
          const w = weight ? weight[i]! : 1;
          sw += w;
          mean += w * yTrue[i]!;
        }
        mean /= sw;
        let res = 0;
        let tot = 0;
        for (let k = 0; k < n; k++) {
          const i = rows ? rows[k]! : k;
          const w = weight ? weight[i]! : 1;
          res += w * (yTrue[i]! - target[i]!) ** 2;
          tot += w * (yTrue[i]! - mean) ** 2;
        }
        // scikit-learn's r2_score with force_finite: a constant truth scores 1 when matched exactly, else 0.
        return tot === 0 ? (res === 0 ? 1 : 0) : 1 - res / tot;
      }
      let right = 0;
      let sw = 0;
      for (let k = 0; k < n; k++) {
        const i = rows ? rows[k]! : k;
        const w = weight ? weight[i]! : 1;
        sw += w;
        if (target[i] === yTrue[i]) right += w;
      }
      return sw === 0 ? NaN : right / sw;
    };
  };
}

/**
 * The whole evaluation the server stores and the CLI prints: predictions from the model when one
 * is given, performance and fairness, data quality, and explanations (or why there are none).
 */
export async function runEvaluation(
  spec: EvaluationSpec,
  data: EvaluationData,
  profile: DataProfile,
  model?: { loaded: LoadedModel; file: ModelFile },
  explain: ExplainOptions | false = DEFAULT_EXPLAIN,
  positiveLabel = '1',
) {
  // Rows spilled to files are counted from there.
  const evaluateData = () => (data.spilled ? evaluateSpilled(spec, data.spilled) : evaluate(spec, data));
  let evaluated: ReturnType<typeof evaluate> | undefined;
  let explanations: unknown;
  let modelInfo: unknown;
  if (model) {
    const { loaded, file } = model;
    const outputCheck = (output: number, r: number) => {
      if (!(output >= 0 && output <= 1))
        throw invalid(
          `the model's output for row ${r + 1} is ${output}, not a probability; choose the probability output with 'output'`,
          '/output',
        );
    };
    const { rows, classes, classCode } = modelRows(data, loaded.features, spec.sensitive);
    const predictor = loaded.predictor(spec.task, positiveLabel, classCode);
    if (data.spilled)
      // Rows past the memory budget: the model runs a batch at a time over the features file.
      await predictSpilled(data.spilled, loaded.features.length, predictor, spec.task, outputCheck);
    else {
      const n = rows.features.rows;
      const { output, target } = await predictAll(predictor, data.features!.values, n, rows.features.features);
      if (data.classes) data.classes.yPred = Array.from(target, (c) => classes[c]!);
      else data.yPred = target;
      if (spec.task === 'binary-classification') {
        for (let r = 0; r < n; r++) outputCheck(output[r]!, r);
        data.score = output;
      }
    }
    modelInfo = {
      digest: modelDigest(file.bytes),
      source: file.source,
      format: 'onnx',
      runtime: 'onnxruntime-node',
      inputs: loaded.inputs,
      outputs: loaded.outputs,
      features: loaded.features,
    };
    // Evaluated before the explanations run: the classes those predict are no rows' classes.
    evaluated = evaluateData();
    explanations = explain
      ? await explainModel(
          predictor,
          rows.features,
          scorerFor(spec, rows.truthOf),
          rows.sensitiveOf,
          { output: loaded.explains, scoring: spec.task === 'regression' ? 'r2' : 'accuracy' },
          explain,
        )
      : { available: false, reason: 'explanations were not requested' };
  } else {
    explanations = {
      available: false,
      reason:
        'no model artefact was run: the predictions were supplied as a column, so the model is opaque to this evaluation',
    };
  }
  evaluated ??= evaluateData();
  return jsonSafe({
    ...evaluated,
    ...(modelInfo ? { model: modelInfo } : {}),
    explanations,
    dataQuality: profile,
    metrics: { ...evaluated.metrics, 'missing-rate': profile.missingRate, 'duplicate-rows': profile.duplicateRows },
  }) as { metrics: Record<string, number | null>; explanations: { available?: false } } & Record<string, unknown>;
}
