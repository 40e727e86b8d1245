import type { Readable } from 'node:stream';
import { DocumentBody, requireDocumentContent } from '../common/documents.ts';
import { EvidenceSchema } from './evidence.schema.ts';
import { Type, type Static } from 'typebox';
import { contextOf, type App } from '../../http/app-types.ts';
import { byField, fromBody, fromInput, fromQuery, inQuery, requestShaped } from '../../http/input.ts';
import { DomainError } from '../../errors.ts';
import { Uuid } from '../common/common.schema.ts';
import { VersionParams } from '../common/common.schema.ts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import multipart from '@fastify/multipart';
import { DEFAULT_EXPLAIN } from '../../domain/explain/explain.ts';
import { DEFAULT_ROBUSTNESS, MAX_NOISE_SD, MAX_ROBUSTNESS_ROWS } from '../../domain/robustness/options.ts';
import { GROUP_METRICS, type EvaluationSpec } from '../../domain/metrics/evaluate.ts';
import type { EvaluationPart, EvidenceService } from './evidence.service.ts';
import { formatOfPath, parsePairs, parseRanges, type DataFormat } from '../../tabular/parse.ts';

const tags = ['evidence'];
const FORMATS: Record<string, DataFormat> = {
  'text/csv': 'csv',
  'application/x-ndjson': 'jsonl',
  'application/jsonl': 'jsonl',
  'application/vnd.apache.parquet': 'parquet',
  'application/x-parquet': 'parquet',
};
const Column = Type.String({ minLength: 1, maxLength: 200 });

/** Where an evaluation or a robustness run reads its data and model, and how the model maps onto the data. */
const InputQuery = {
  task: Type.Enum(['binary-classification', 'multiclass-classification', 'regression']),
  label: Column,
  weight: Type.Optional(Column),
  sensitive: Type.Optional(
    Type.String({ maxLength: 2000, description: 'comma-separated sensitive (protected) columns' }),
  ),
  positiveLabel: Type.String({ minLength: 1, maxLength: 100, default: '1' }),
  missingSensitiveAs: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 100,
      description: 'category for rows whose sensitive value is missing (otherwise refused)',
    }),
  ),
  dataset: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 200,
      description:
        'evaluate this registered dataset (name or id) instead of uploaded data; read from its URI, digest checked',
    }),
  ),
  datasetVersion: Type.Optional(Type.Integer({ minimum: 1 })),
  datasetFormat: Type.Optional(
    Type.Enum(['csv', 'jsonl', 'parquet'], { description: 'format of the dataset file when its URI does not tell' }),
  ),
  useArtifact: Type.Boolean({
    default: false,
    description:
      "run the version's ONNX artefact (read from its file: or http(s) URI, digest checked) to produce the predictions",
  }),
  features: Type.Optional(
    Type.String({
      maxLength: 10_000,
      description:
        'comma-separated model input columns, in input order (a model with one input per feature reads the columns of its input names)',
    }),
  ),
  output: Type.Optional(Column),
  labelOutput: Type.Optional(Column),
  classIndex: Type.Optional(
    Type.Integer({
      minimum: 0,
      maximum: 10_000,
      description:
        'probability column of the positive class (binary, default last) or of the class explained (multiclass, default 0)',
    }),
  ),
  threshold: Type.Optional(
    Type.Number({
      minimum: 0,
      maximum: 1,
      description: 'binary models without a label output: positive when probability >= threshold (default 0.5)',
    }),
  ),
};

const EvaluationQuery = Type.Object(
  {
    ...InputQuery,
    prediction: Type.Optional(Column),
    score: Type.Optional(Column),
    privileged: Type.Optional(
      Type.String({ maxLength: 2000, description: 'comma-separated column:value privileged groups, e.g. sex:M' }),
    ),
    sliceMetric: Type.Optional(
      Type.Enum([...new Set(Object.values(GROUP_METRICS).flat())], {
        description: 'rank subpopulations by this per-group metric of the task (default accuracy, mae for regression)',
      }),
    ),
    classScores: Type.Optional(
      Type.String({
        maxLength: 10_000,
        description:
          'multiclass: comma-separated class:column pairs naming each class probability column, for log loss and ROC AUC (one-vs-rest and one-vs-one)',
      }),
    ),
    zeroDivision: Type.Optional(
      Type.Enum(['0', '1', 'nan'], {
        description:
          "scikit-learn's zero_division: what a rate with a zero denominator (e.g. TPR of a group without positives) reads as; default 0 as scikit-learn and fairlearn report it, nan as AIF360's classic metrics",
      }),
    ),
    minSliceRows: Type.Integer({
      minimum: 1,
      maximum: 1_000_000,
      default: 30,
      description: 'smallest subpopulation reported',
    }),
    ranges: Type.Optional(
      Type.String({
        maxLength: 10_000,
        description:
          'comma-separated column:min:max expected ranges; the data-quality profile counts values outside them, e.g. age:18:120,income:0:1e7',
      }),
    ),
    explain: Type.Boolean({
      default: true,
      description: 'with a model: permutation importance, Shapley values and partial dependence',
    }),
    explainRows: Type.Integer({ minimum: 1, maximum: 256, default: DEFAULT_EXPLAIN.explainRows }),
    backgroundRows: Type.Integer({ minimum: 1, maximum: 256, default: DEFAULT_EXPLAIN.backgroundRows }),
    samples: Type.Integer({
      minimum: 16,
      maximum: 20_000,
      default: DEFAULT_EXPLAIN.samples,
      description: 'KernelSHAP coalitions (models with more than 12 features)',
    }),
    repeats: Type.Integer({ minimum: 1, maximum: 50, default: DEFAULT_EXPLAIN.repeats }),
    importanceRows: Type.Integer({ minimum: 10, maximum: 1_000_000, default: DEFAULT_EXPLAIN.importanceRows }),
    topFeatures: Type.Integer({ minimum: 0, maximum: 50, default: DEFAULT_EXPLAIN.topFeatures }),
    gridPoints: Type.Integer({ minimum: 2, maximum: 100, default: DEFAULT_EXPLAIN.gridPoints }),
    seed: Type.Integer({ minimum: 0, maximum: 4294967295, default: DEFAULT_EXPLAIN.seed }),
  },
  { additionalProperties: false },
);

const RobustnessQuery = Type.Object(
  {
    ...InputQuery,
    noise: Type.Optional(
      Type.String({
        maxLength: 500,
        description: `comma-separated Gaussian noise levels, as fractions of each numerical feature's standard deviation, each in (0, ${MAX_NOISE_SD}] (default ${DEFAULT_ROBUSTNESS.noise.join(',')}; empty for none)`,
      }),
    ),
    swapRates: Type.Optional(
      Type.String({
        maxLength: 500,
        description: 'comma-separated category swap rates in (0, 1]: the share of categorical cells replaced',
      }),
    ),
    missingRates: Type.Optional(
      Type.String({
        maxLength: 500,
        description:
          'comma-separated missing-value rates in (0, 1], for models whose float inputs accept a missing value',
      }),
    ),
    categorical: Type.Optional(
      Type.String({
        maxLength: 10_000,
        description: 'comma-separated features treated as categories (default: those fed to integer inputs)',
      }),
    ),
    perturb: Type.Optional(
      Type.String({ maxLength: 10_000, description: "comma-separated features perturbed (default: all the model's)" }),
    ),
    rows: Type.Integer({
      minimum: 1,
      maximum: MAX_ROBUSTNESS_ROWS,
      default: DEFAULT_ROBUSTNESS.rows,
      description: 'rows sampled from the data',
    }),
    minGroupRows: Type.Integer({
      minimum: 1,
      maximum: 1_000_000,
      default: DEFAULT_ROBUSTNESS.minGroupRows,
      description: 'smallest subgroup counted in the worst-group metrics',
    }),
    seed: Type.Integer({ minimum: 0, maximum: 4294967295, default: DEFAULT_ROBUSTNESS.seed }),
  },
  { additionalProperties: false },
);

const list = (s: string | undefined) =>
  s
    ? s
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean)
    : [];
// Thrown while the service reads the parts, so marked as already placed.
const badPart = (message: string) =>
  requestShaped(new DomainError('validation_failed', message, { errors: [{ pointer: '/body', message }] }));

/**
 * Where the pointers of an evaluation land: the spec and options come from the query string, the
 * service's `/parts` are the body's parts, and `/data/…` and `/model` point into the uploaded (or
 * referenced) data and model themselves.
 */
const evaluationInput = byField({ parts: '/body', data: '/data', model: '/model' }, inQuery);

/** Multipart parts as evaluation parts: a `model` file (ONNX) and a `data` file, in that order. */
async function* multipartParts(request: FastifyRequest): AsyncIterable<EvaluationPart> {
  for await (const part of request.parts()) {
    if (part.type !== 'file')
      throw badPart(
        `part '${part.fieldname}' is not a file: send the spec in the query string and model and data as file parts (with a filename)`,
      );
    if (part.fieldname === 'model') yield { field: 'model', stream: part.file };
    else if (part.fieldname === 'data') {
      const format = FORMATS[part.mimetype.toLowerCase()] ?? formatOfPath(part.filename);
      if (!format)
        throw new DomainError(
          'unsupported_media_type',
          `the data part is ${part.mimetype}; send text/csv, application/x-ndjson or application/vnd.apache.parquet (or a .csv, .jsonl or .parquet file name)`,
        );
      yield { field: 'data', stream: part.file, format };
    } else throw badPart(`unexpected part '${part.fieldname}': parts are model and data`);
  }
}

/** A comma-separated list of levels; each must be a number (bounds are the domain's to check). */
/** 201 with where the computed evidence is read back (evaluations and robustness runs alike). */
function created(reply: FastifyReply, result: { id: string; model: string; version: number }) {
  return reply
    .status(201)
    .header(
      'location',
      `/api/v1/models/${encodeURIComponent(result.model)}/versions/${result.version}/evaluations/${result.id}`,
    )
    .send(result);
}

function levels(text: string | undefined, name: string, fallback: number[]): number[] {
  if (text === undefined) return fallback;
  return list(text).map((x) => {
    const n = Number(x);
    if (!Number.isFinite(n))
      throw requestShaped(
        new DomainError('validation_failed', `${name}: '${x.slice(0, 40)}' is not a number`, {
          errors: [{ pointer: `/querystring/${name}`, message: 'comma-separated numbers' }],
        }),
      );
    return n;
  });
}

type InputQueryValues = Static<ReturnType<typeof inputQuerySchema>>;
const inputQuerySchema = () => Type.Object(InputQuery);

/** The data and model sources and the spec base an evaluation and a robustness run share. */
function inputOf(request: FastifyRequest, q: InputQueryValues) {
  const type = String(request.headers['content-type'] ?? '')
    .split(';')[0]!
    .trim()
    .toLowerCase();
  const format = FORMATS[type];
  let parts: AsyncIterable<EvaluationPart> | EvaluationPart[];
  if (request.isMultipart()) parts = multipartParts(request);
  else if (format) parts = [{ field: 'data', stream: request.body as Readable, format }];
  else if (q.dataset !== undefined && !type) parts = [];
  else
    throw new DomainError(
      'unsupported_media_type',
      'send the evaluation data as text/csv, application/x-ndjson or application/vnd.apache.parquet, or multipart/form-data with model and data parts',
    );
  if ((q.dataset === undefined) !== (q.datasetVersion === undefined))
    throw new DomainError('validation_failed', 'give dataset and datasetVersion together', {
      errors: [{ pointer: '/querystring/datasetVersion', message: 'dataset and datasetVersion go together' }],
    });
  const features = list(q.features);
  return {
    spec: {
      task: q.task,
      label: q.label,
      ...(features.length ? { features } : {}),
      ...(q.weight ? { weight: q.weight } : {}),
      sensitive: list(q.sensitive),
    } as EvaluationSpec,
    parse: { positiveLabel: q.positiveLabel, missingSensitiveAs: q.missingSensitiveAs, maxRows: 10_000_000 },
    parts,
    ...(q.dataset !== undefined
      ? {
          dataset: {
            ref: q.dataset,
            version: q.datasetVersion!,
            ...(q.datasetFormat ? { format: q.datasetFormat } : {}),
          },
        }
      : {}),
    useArtifact: q.useArtifact,
    model: {
      ...(q.output ? { output: q.output } : {}),
      ...(q.labelOutput ? { labelOutput: q.labelOutput } : {}),
      ...(q.classIndex !== undefined ? { classIndex: q.classIndex } : {}),
      ...(q.threshold !== undefined ? { threshold: q.threshold } : {}),
    },
  };
}

/**
 * Evaluation uploads, the spec in the query string: a streamed CSV or JSON Lines body, a Parquet
 * file, or multipart/form-data with an ONNX `model` part followed by a `data` part; or a
 * registered dataset version and the version's own artefact, read by reference.
 */
export async function evidenceRoutes(
  app: App,
  { evidence, maxBytes }: { evidence: EvidenceService; maxBytes: number },
): Promise<void> {
  // Data bodies are streamed, never buffered; only this scope accepts them.
  app.addContentTypeParser(Object.keys(FORMATS), (_request, payload, done) => done(null, payload));
  // One byte over the limit so the readers' own size checks, with their problem, fire first.
  await app.register(multipart, { limits: { fileSize: maxBytes + 1, files: 2, fields: 2, fieldSize: 1024, parts: 2 } });

  app.post(
    '/models/:name/versions/:version/evaluations',
    {
      config: { auth: 'authenticated' },
      schema: {
        tags,
        summary:
          'Evaluate a version on data (CSV, JSON Lines or Parquet body; multipart with an ONNX model; or a registered dataset version) and store the result as evidence',
        description:
          "Performance and fairness per sensitive column (and intersectionally), computed with fairlearn/scikit-learn/AIF360 semantics. The evidence is immutable, hashed, and bound to the version's artefact digest and the data digest; its metrics satisfy policy `check` measures.",
        params: VersionParams,
        querystring: EvaluationQuery,
        response: { 201: EvidenceSchema },
      },
    },
    async (request, reply) => {
      const q = request.query;
      const input = inputOf(request, q);
      const privileged: Record<string, string> = {};
      for (const pair of q.privileged ? q.privileged.split(',') : []) {
        const i = pair.indexOf(':');
        if (i <= 0 || !input.spec.sensitive.includes(pair.slice(0, i)))
          throw new DomainError(
            'validation_failed',
            `privileged '${pair}' must be column:value for a sensitive column`,
            { errors: [{ pointer: '/querystring/privileged', message: 'column:value of a sensitive column' }] },
          );
        privileged[pair.slice(0, i)] = pair.slice(i + 1);
      }
      const ranges = await fromQuery(() => parseRanges(q.ranges));
      const spec: EvaluationSpec = {
        ...input.spec,
        ...(q.prediction ? { prediction: q.prediction } : {}),
        ...(q.score ? { score: q.score } : {}),
        ...(Object.keys(privileged).length ? { privileged } : {}),
        ...(q.classScores ? { classScores: await fromQuery(() => parsePairs(q.classScores!, 'classScores')) } : {}),
        ...(q.zeroDivision
          ? { zeroDivision: q.zeroDivision === 'nan' ? ('nan' as const) : (Number(q.zeroDivision) as 0 | 1) }
          : {}),
        slices: { minRows: q.minSliceRows, ...(q.sliceMetric ? { metric: q.sliceMetric } : {}) },
      };
      const result = await fromInput(evaluationInput, () =>
        evidence.evaluate(contextOf(request), request.params.name, request.params.version, {
          ...input,
          spec,
          parse: { ...input.parse, ...(ranges ? { ranges } : {}) },
          explain: q.explain
            ? {
                explainRows: q.explainRows,
                backgroundRows: q.backgroundRows,
                samples: q.samples,
                repeats: q.repeats,
                importanceRows: q.importanceRows,
                topFeatures: q.topFeatures,
                gridPoints: q.gridPoints,
                pdRows: DEFAULT_EXPLAIN.pdRows,
                seed: q.seed,
              }
            : false,
        }),
      );
      return created(reply, result);
    },
  );

  app.post(
    '/models/:name/versions/:version/robustness',
    {
      config: { auth: 'authenticated' },
      schema: {
        tags,
        summary:
          "Run a robustness test of the version's ONNX model on data: perturb its inputs and store each metric's degradation curve as evidence",
        description:
          'Gaussian noise on numerical features at fractions of their standard deviation, category swaps and missing values at given rates (where the model accepts them); each metric is scored overall and per subgroup of each sensitive column. Seeded and reproducible. The flat metrics (`robustness.auc-drop@0.1sd`, `robustness.worst-group.accuracy-drop@swap0.05`...) satisfy policy `check` measures.',
        params: VersionParams,
        querystring: RobustnessQuery,
        response: { 201: EvidenceSchema },
      },
    },
    async (request, reply) => {
      const q = request.query;
      const input = inputOf(request, q);
      const categorical = q.categorical === undefined ? undefined : list(q.categorical);
      const perturb = q.perturb === undefined ? undefined : list(q.perturb);
      const result = await fromInput(evaluationInput, () =>
        evidence.robustness(contextOf(request), request.params.name, request.params.version, {
          ...input,
          robustness: {
            noise: levels(q.noise, 'noise', DEFAULT_ROBUSTNESS.noise),
            swapRates: levels(q.swapRates, 'swapRates', []),
            missingRates: levels(q.missingRates, 'missingRates', []),
            ...(categorical ? { categorical } : {}),
            ...(perturb ? { perturb } : {}),
            rows: q.rows,
            minGroupRows: q.minGroupRows,
            seed: q.seed,
          },
        }),
      );
      return created(reply, result);
    },
  );

  app.get(
    '/models/:name/versions/:version/evaluations',
    {
      config: { permission: 'inventory:read' },
      schema: {
        tags,
        summary: 'The evaluations recorded for a version',
        params: VersionParams,
        response: { 200: Type.Object({ items: Type.Array(EvidenceSchema) }) },
      },
    },
    async (request) => ({
      items: (await evidence.list(request.params.name, request.params.version)).filter((e) => e.kind === 'evaluation'),
    }),
  );

  app.get(
    '/models/:name/versions/:version/evidence',
    {
      config: { permission: 'inventory:read' },
      schema: {
        tags,
        summary: 'All evidence recorded for a version: evaluations and documents',
        params: VersionParams,
        response: { 200: Type.Object({ items: Type.Array(EvidenceSchema) }) },
      },
    },
    async (request) => ({ items: await evidence.list(request.params.name, request.params.version) }),
  );

  app.post(
    '/models/:name/versions/:version/documents',
    {
      config: { auth: 'authenticated' },
      schema: {
        tags,
        summary:
          'Record a document (model card, DPIA, deployment plan...) as evidence; its kind satisfies policy document measures',
        params: VersionParams,
        body: DocumentBody,
        response: { 201: EvidenceSchema },
      },
    },
    async (request, reply) => {
      const e = await fromBody(() =>
        evidence.addDocument(
          contextOf(request),
          request.params.name,
          request.params.version,
          requireDocumentContent(request.body),
        ),
      );
      return reply.status(201).send(e);
    },
  );

  app.get(
    '/models/:name/versions/:version/evaluations/:id',
    {
      config: { permission: 'inventory:read' },
      schema: {
        tags,
        summary: 'One piece of evidence',
        params: Type.Intersect([VersionParams, Type.Object({ id: Uuid })]),
        response: { 200: EvidenceSchema },
      },
    },
    async (request) => evidence.get(request.params.name, request.params.version, request.params.id),
  );
}
