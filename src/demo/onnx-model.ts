/**
 * Writes small ONNX models (protobuf, by hand) for the demo, tests and benchmarks: linear and logistic
 * models over a [batch, features] float input, so explanations have closed-form answers.
 * Field numbers follow onnx.proto (ModelProto, GraphProto, NodeProto, TensorProto, ValueInfoProto).
 */

type Field = Uint8Array;

function varint(n: number | bigint): number[] {
  let v = BigInt.asUintN(64, BigInt(n));
  const out: number[] = [];
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) byte |= 0x80;
    out.push(byte);
  } while (v > 0n);
  return out;
}

const concat = (parts: Field[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};

const int = (field: number, n: number | bigint): Field => new Uint8Array([...varint((field << 3) | 0), ...varint(n)]);
const bytes = (field: number, data: Uint8Array): Field =>
  concat([new Uint8Array([...varint((field << 3) | 2), ...varint(data.length)]), data]);
const str = (field: number, s: string): Field => bytes(field, new TextEncoder().encode(s));
const msg = (field: number, parts: Field[]): Field => bytes(field, concat(parts));

const FLOAT = 1;
const INT64 = 7;

function tensor(name: string, dims: number[], values: number[]): Field {
  const raw = new Uint8Array(new Float32Array(values).buffer);
  return msg(5, [...dims.map((d) => int(1, d)), int(2, FLOAT), str(8, name), bytes(9, raw)]);
}

function valueInfo(field: number, name: string, elemType: number, dims: (number | string)[]): Field {
  const dim = (d: number | string) => msg(1, [typeof d === 'number' ? int(1, d) : str(2, d)]);
  return msg(field, [str(1, name), msg(2, [msg(1, [int(1, elemType), msg(2, dims.map(dim))])])]);
}

const node = (op: string, inputs: string[], outputs: string[], attrs: Field[] = []): Field =>
  msg(1, [...inputs.map((i) => str(1, i)), ...outputs.map((o) => str(2, o)), str(4, op), ...attrs]);

const intAttr = (name: string, value: number): Field => msg(5, [str(1, name), int(3, value), int(20, 2 /* INT */)]);

export interface LinearModelOptions {
  weights: number[];
  bias: number;
  /** `regression`: output = x·w + b; `logistic`: output = sigmoid(x·w + b) as [batch, 2] probabilities plus an int64 label. */
  kind: 'regression' | 'logistic';
  input?: string;
  /** Replace missing inputs (NaN) by 0 before the linear part, as tree ensembles accept missing values. */
  imputeMissing?: boolean;
}

/** An ONNX model computing a linear regression or a logistic classifier over one [N, F] float input. */
export function linearOnnxModel({
  weights,
  bias,
  kind,
  input = 'features',
  imputeMissing = false,
}: LinearModelOptions): Uint8Array {
  const f = weights.length;
  const nodes: Field[] = imputeMissing
    ? [node('IsNaN', [input], ['missing']), node('Where', ['missing', 'zero', input], ['imputed'])]
    : [];
  nodes.push(node('MatMul', [imputeMissing ? 'imputed' : input, 'W'], ['xw']), node('Add', ['xw', 'B'], ['z']));
  const outputs: Field[] = [];
  if (kind === 'regression') {
    nodes.push(node('Identity', ['z'], ['variable']));
    outputs.push(valueInfo(12, 'variable', FLOAT, ['N', 1]));
  } else {
    nodes.push(
      node('Sigmoid', ['z'], ['p1']),
      node('Sub', ['one', 'p1'], ['p0']),
      node('Concat', ['p0', 'p1'], ['probabilities'], [intAttr('axis', 1)]),
      node('ArgMax', ['probabilities'], ['label_2d'], [intAttr('axis', 1), intAttr('keepdims', 1)]),
      node('Squeeze', ['label_2d', 'axes'], ['label']),
    );
    outputs.push(valueInfo(12, 'label', INT64, ['N']), valueInfo(12, 'probabilities', FLOAT, ['N', 2]));
  }
  const initializers = [tensor('W', [f, 1], weights), tensor('B', [1], [bias])];
  if (imputeMissing) initializers.push(tensor('zero', [1], [0]));
  if (kind === 'logistic') {
    initializers.push(tensor('one', [1], [1]));
    initializers.push(
      msg(5, [int(1, 1), int(2, INT64), str(8, 'axes'), bytes(9, new Uint8Array(new BigInt64Array([1n]).buffer))]),
    );
  }
  const graph = msg(7, [
    ...nodes,
    str(2, 'steward-test'),
    ...initializers,
    valueInfo(11, input, FLOAT, ['N', f]),
    ...outputs,
  ]);
  return concat([int(1, 8), str(2, 'steward-tests'), graph, msg(8, [str(1, ''), int(2, 13)])]);
}
