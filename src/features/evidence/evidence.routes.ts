import type { Readable } from 'node:stream';
import { Type } from 'typebox';
import { contextOf, type App } from '../../http/app-types.ts';
import { DomainError } from '../../errors.ts';
import { Uuid } from '../common/common.schema.ts';
import { VersionParams } from '../versions/versions.schema.ts';
import type { EvidenceService } from './evidence.service.ts';
import type { DataFormat } from './parse.ts';

const tags = ['evidence'];
const FORMATS: Record<string, DataFormat> = { 'text/csv': 'csv', 'application/x-ndjson': 'jsonl', 'application/jsonl': 'jsonl', 'application/vnd.apache.parquet': 'parquet', 'application/x-parquet': 'parquet' };
const Column = Type.String({ minLength: 1, maxLength: 200 });

const EvaluationQuery = Type.Object(
  {
    task: Type.Enum(['binary-classification', 'multiclass-classification', 'regression']),
    label: Column,
    prediction: Column,
    score: Type.Optional(Column),
    weight: Type.Optional(Column),
    sensitive: Type.Optional(Type.String({ maxLength: 2000, description: 'comma-separated sensitive (protected) columns' })),
    privileged: Type.Optional(Type.String({ maxLength: 2000, description: 'comma-separated column:value privileged groups, e.g. sex:M' })),
    positiveLabel: Type.String({ minLength: 1, maxLength: 100, default: '1' }),
    missingSensitiveAs: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'category for rows whose sensitive value is missing (otherwise refused)' })),
    sliceMetric: Type.Optional(Type.Enum(['selection_rate', 'tpr', 'fpr', 'fnr', 'tnr', 'accuracy', 'precision', 'recall', 'f1', 'macroF1', 'mse', 'rmse', 'mae', 'r2'], { description: 'rank subpopulations by this metric (default accuracy, mae for regression)' })),
    minSliceRows: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 30, description: 'smallest subpopulation reported' }),
  },
  { additionalProperties: false },
);

/** Evaluation uploads: a streamed CSV or JSON Lines body, or a Parquet file, the spec in the query string. */
export function evidenceRoutes(app: App, { evidence, maxBytes }: { evidence: EvidenceService; maxBytes: number }): void {
  // Data bodies are streamed, never buffered; only this scope accepts them.
  app.addContentTypeParser(Object.keys(FORMATS), (_request, payload, done) => done(null, payload));

  app.post('/models/:name/versions/:version/evaluations', {
    config: { auth: 'authenticated' },
    schema: {
      tags,
      summary: 'Evaluate a version on uploaded data (CSV, JSON Lines or Parquet body) and store the result as evidence',
      description: 'Performance and fairness per sensitive column (and intersectionally), computed with fairlearn/scikit-learn/AIF360 semantics. The evidence is immutable, hashed, and bound to the version\'s artefact digest and the data digest; its metrics satisfy policy `check` measures.',
      params: VersionParams,
      querystring: EvaluationQuery,
      response: { 201: Type.Unknown() },
    },
  }, async (request, reply) => {
    const format = FORMATS[String(request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase()];
    if (!format) throw new DomainError('unsupported_media_type', 'send the evaluation data as text/csv, application/x-ndjson or application/vnd.apache.parquet');
    const q = request.query;
    const sensitive = q.sensitive ? q.sensitive.split(',').map((s) => s.trim()).filter(Boolean) : [];
    const privileged: Record<string, string> = {};
    for (const pair of q.privileged ? q.privileged.split(',') : []) {
      const i = pair.indexOf(':');
      if (i <= 0 || !sensitive.includes(pair.slice(0, i))) throw new DomainError('validation_failed', `privileged '${pair}' must be column:value for a sensitive column`, { errors: [{ pointer: '/querystring/privileged', message: 'column:value of a sensitive column' }] });
      privileged[pair.slice(0, i)] = pair.slice(i + 1);
    }
    const spec = {
      task: q.task,
      label: q.label,
      prediction: q.prediction,
      ...(q.score ? { score: q.score } : {}),
      ...(q.weight ? { weight: q.weight } : {}),
      sensitive,
      ...(Object.keys(privileged).length ? { privileged } : {}),
      slices: { minRows: q.minSliceRows, ...(q.sliceMetric ? { metric: q.sliceMetric } : {}) },
    };
    if (q.score && q.task !== 'binary-classification') throw new DomainError('validation_failed', 'a score column applies to binary classification only', { errors: [{ pointer: '/querystring/score', message: 'binary classification only' }] });
    const result = await evidence.evaluate(contextOf(request), request.params.name, request.params.version, spec, request.body as Readable, format, {
      positiveLabel: q.positiveLabel,
      missingSensitiveAs: q.missingSensitiveAs,
      maxRows: 10_000_000,
      maxBytes,
    });
    return reply.status(201).header('location', `/api/v1/models/${encodeURIComponent(result.model)}/versions/${result.version}/evaluations/${result.id}`).send(result);
  });

  app.get('/models/:name/versions/:version/evaluations', {
    config: { permission: 'inventory:read' },
    schema: { tags, summary: 'The evidence recorded for a version', params: VersionParams, response: { 200: Type.Object({ items: Type.Array(Type.Unknown()) }) } },
  }, async (request) => ({ items: await evidence.list(request.params.name, request.params.version) }));

  app.get('/models/:name/versions/:version/evaluations/:id', {
    config: { permission: 'inventory:read' },
    schema: { tags, summary: 'One piece of evidence', params: Type.Intersect([VersionParams, Type.Object({ id: Uuid })]), response: { 200: Type.Unknown() } },
  }, async (request) => evidence.get(request.params.name, request.params.version, request.params.id));
}
