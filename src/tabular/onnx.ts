import * as ort from 'onnxruntime-node';
import type { Predictor } from '../domain/explain/model.ts';
import { DomainError } from '../errors.ts';

/** How the model's outputs map onto an evaluation (all optional: sensible defaults from the graph). */
export interface OnnxOptions {
  /** Evaluation columns fed to a single [N, F] input, in order; with one input per feature, its names. */
  features?: string[];
  /** The probability / value output (default: the first float tensor output). */
  output?: string;
  /** The predicted-label output (default: the first int64 or string tensor output). */
  labelOutput?: string;
  /** Column of the probability output holding the positive class (binary) or the class explained (multiclass); default: last column for binary, 0 for multiclass. */
  classIndex?: number;
  /** Binary models without a label output: predicted positive when probability >= threshold. */
  threshold?: number;
}

interface TensorInfo {
  name: string;
  type: string;
  shape: (number | string)[];
}

const invalid = (message: string, pointer = '/model') =>
  new DomainError('validation_failed', message, { errors: [{ pointer, message }] });

const FLOAT_TYPES = new Set(['float32', 'float64', 'float16']);
const INPUT_TYPES = new Set(['float32', 'float64', 'int64', 'int32']);

export interface LoadedModel {
  features: string[];
  /** The element type of the input each feature is fed to (integer inputs round, and cannot hold a missing value). */
  featureTypes: string[];
  inputs: TensorInfo[];
  outputs: TensorInfo[];
  /** What `output` explains, for the evidence. */
  explains: string;
  /** A predictor for the explanation engine plus the raw labels (for multiclass). */
  predictor(task: string, positiveLabel: string, classCode: (label: string) => number): Predictor;
  release(): Promise<void>;
}

const info = (names: readonly string[], meta: readonly ort.InferenceSession.ValueMetadata[]): TensorInfo[] =>
  names.map((name, i) => {
    const m = meta[i]!;
    return m.isTensor ? { name, type: m.type, shape: [...m.shape] } : { name, type: 'non-tensor', shape: [] };
  });

/**
 * Opens an ONNX model and works out how evaluation columns feed it and which outputs give the
 * prediction and the score. Models with one [N, F] input take `features` in order; models with one
 * input per feature (as scikit-learn converters emit for mixed columns) take columns by input name.
 */
export async function loadOnnx(bytes: Uint8Array, task: string, opts: OnnxOptions): Promise<LoadedModel> {
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(bytes, {
      intraOpNumThreads: 1,
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
    });
  } catch (err) {
    throw invalid(`the model is not a loadable ONNX model: ${(err as Error).message.split('\n')[0]}`);
  }
  const inputs = info(session.inputNames, session.inputMetadata);
  const outputs = info(session.outputNames, session.outputMetadata);
  try {
    for (const i of inputs)
      if (!INPUT_TYPES.has(i.type))
        throw invalid(
          `model input '${i.name}' has type ${i.type}; only numeric inputs (float, double, int32, int64) can be fed from evaluation columns`,
        );
    let features: string[];
    let layout: 'matrix' | 'columns';
    if (inputs.length === 1 && inputs[0]!.shape.length === 2 && inputs[0]!.shape[1] !== 1) {
      layout = 'matrix';
      const width = inputs[0]!.shape[1];
      if (!opts.features?.length)
        throw invalid(
          `the model takes ${typeof width === 'number' ? width : 'several'} features in its input '${inputs[0]!.name}'; name the evaluation columns in 'features', in order`,
          '/features',
        );
      if (typeof width === 'number' && width !== opts.features.length)
        throw invalid(`the model takes ${width} features but ${opts.features.length} were named`, '/features');
      features = opts.features;
    } else {
      layout = 'columns';
      features = inputs.map((i) => i.name);
      if (opts.features?.length && opts.features.join(',') !== features.join(','))
        throw invalid(
          `the model's inputs are ${features.map((f) => `'${f}'`).join(', ')}; they are read from the columns of the same names`,
          '/features',
        );
    }
    const floatOut = outputs.filter((o) => FLOAT_TYPES.has(o.type));
    const labelOut = outputs.filter((o) => o.type === 'int64' || o.type === 'string' || o.type === 'int32');
    const pick = (name: string | undefined, from: TensorInfo[], what: string) => {
      if (name === undefined) return from[0];
      const o = outputs.find((x) => x.name === name);
      if (!o)
        throw invalid(
          `the model has no output '${name}' (it has ${outputs.map((x) => `'${x.name}'`).join(', ')})`,
          `/${what}`,
        );
      if (!from.includes(o))
        throw invalid(
          `output '${name}' has type ${o.type}, not usable as the ${what === 'output' ? 'score/value' : 'label'}`,
          `/${what}`,
        );
      return o;
    };
    const value = pick(opts.output, floatOut, 'output');
    const label = task === 'regression' ? undefined : pick(opts.labelOutput, labelOut, 'labelOutput');
    if (!value && !label)
      throw invalid(
        'the model has no tensor output usable as a prediction (a ZipMap output must be converted with zipmap=False)',
      );
    if (task === 'regression' && !value) throw invalid('a regression model needs a float output');
    if (task === 'multiclass-classification' && !label)
      throw invalid('a multiclass model needs a label output (int64 or string) to name its predicted class');
    if (task !== 'regression' && !value)
      throw invalid('explanations and scores need a probability output (float tensor)');
    const width = value!.shape.length === 2 ? value!.shape[1] : 1;
    const classIndex =
      opts.classIndex ?? (task === 'binary-classification' ? (typeof width === 'number' ? width - 1 : 1) : 0);
    if (typeof width === 'number' && classIndex >= width)
      throw invalid(
        `classIndex ${classIndex} is outside the ${width} columns of output '${value!.name}'`,
        '/classIndex',
      );
    const threshold = opts.threshold ?? 0.5;
    const explains =
      task === 'regression'
        ? `predicted value (${value!.name})`
        : `probability in column ${classIndex} of '${value!.name}'`;

    const feed = (x: Float64Array, rows: number): Record<string, ort.Tensor> => {
      const f = features.length;
      const tensor = (type: string, values: Float64Array, dims: number[]) =>
        type === 'float32'
          ? new ort.Tensor('float32', Float32Array.from(values), dims)
          : type === 'float64'
            ? new ort.Tensor('float64', Float64Array.from(values), dims)
            : type === 'int32'
              ? new ort.Tensor('int32', Int32Array.from(values, Math.round), dims)
              : new ort.Tensor(
                  'int64',
                  BigInt64Array.from(values, (v) => BigInt(Math.round(v))),
                  dims,
                );
      if (layout === 'matrix') return { [inputs[0]!.name]: tensor(inputs[0]!.type, x, [rows, f]) };
      return Object.fromEntries(
        inputs.map((input, j) => {
          const col = new Float64Array(rows);
          for (let r = 0; r < rows; r++) col[r] = x[r * f + j]!;
          return [input.name, tensor(input.type, col, input.shape.length === 1 ? [rows] : [rows, 1])];
        }),
      );
    };

    return {
      features,
      featureTypes: layout === 'matrix' ? features.map(() => inputs[0]!.type) : inputs.map((i) => i.type),
      inputs,
      outputs,
      explains,
      predictor(kind, positiveLabel, classCode) {
        return {
          async predict(x, rows) {
            let out: ort.InferenceSession.ReturnType;
            try {
              out = await session.run(feed(x, rows));
            } catch (err) {
              throw invalid(`the model failed to run: ${(err as Error).message.split('\n')[0]}`);
            }
            const output = new Float64Array(rows);
            const target = new Float64Array(rows);
            const v = out[value!.name]!;
            const cols = v.dims.length === 2 ? v.dims[1]! : 1;
            const vd = v.data as ArrayLike<number>;
            for (let r = 0; r < rows; r++) output[r] = Number(vd[r * cols + (cols === 1 ? 0 : classIndex)]);
            if (kind === 'regression') target.set(output);
            else if (label) {
              const ld = out[label.name]!.data as ArrayLike<unknown>;
              for (let r = 0; r < rows; r++) {
                const l = String(ld[r]);
                target[r] = kind === 'binary-classification' ? (l === positiveLabel ? 1 : 0) : classCode(l);
              }
            } else for (let r = 0; r < rows; r++) target[r] = output[r]! >= threshold ? 1 : 0;
            return { output, target };
          },
        };
      },
      release: () => session.release(),
    };
  } catch (err) {
    await session.release();
    throw err;
  }
}
