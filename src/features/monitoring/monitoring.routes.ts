import type { Readable } from 'node:stream';
import { Type } from 'typebox';
import { contextOf, type App } from '../../http/app-types.ts';
import { byField, fromBody, fromInput, inBody } from '../../http/input.ts';
import { DomainError } from '../../errors.ts';
import type { Profile } from '../../domain/monitoring/profile.ts';
import { Uuid } from '../common/common.schema.ts';
import { ActionHint } from '../common/hints.ts';
import { VersionParams } from '../common/common.schema.ts';
import type { DataFormat } from '../../tabular/parse.ts';
import type { MonitoringFeature } from './index.ts';
import {
  KpiValuesBody,
  MonitorConfigBody,
  ProfileBody,
  SignedDecision,
  WindowQuery,
  MonitoringWindows,
  KpiValues,
  SuspensionSchema,
  MonitorSchema,
  IngestBatches,
} from './monitoring.schema.ts';

const tags = ['monitoring'];
// Body fields are under /body; pointers into a data document (`/data/<row>`) name the data itself.
const bodyOrData = byField({ data: '/data' }, inBody);
const FORMATS: Record<string, DataFormat> = {
  'text/csv': 'csv',
  'application/x-ndjson': 'jsonl',
  'application/jsonl': 'jsonl',
  'application/vnd.apache.parquet': 'parquet',
  'application/x-parquet': 'parquet',
};
const Report = Type.Object({
  id: Uuid,
  kind: Type.String(),
  accepted: Type.Integer(),
  duplicates: Type.Integer(),
  rejected: Type.Integer(),
  reasons: Type.Array(Type.Object({ record: Type.Integer(), id: Type.Optional(Type.String()), reason: Type.String() })),
  digest: Type.String(),
  receivedAt: Type.String(),
  duplicate: Type.Optional(Type.Boolean()),
});

const formatOf = (contentType: string | undefined): DataFormat => {
  const type = String(contentType ?? '')
    .split(';')[0]!
    .trim()
    .toLowerCase();
  const format = FORMATS[type];
  if (!format)
    throw new DomainError(
      'unsupported_media_type',
      'send records as application/x-ndjson (JSON Lines), text/csv or application/vnd.apache.parquet',
    );
  return format;
};

/** Version-level monitoring: the monitor, log ingestion (streamed bodies), windows and oversight. */
export async function monitoringRoutes(app: App, m: MonitoringFeature): Promise<void> {
  // Record bodies are streamed, never buffered; only this scope accepts them.
  app.addContentTypeParser(Object.keys(FORMATS), (_request, payload, done) => done(null, payload));

  app.put(
    '/models/:name/versions/:version/monitor',
    {
      config: { auth: 'authenticated' },
      schema: {
        tags,
        summary:
          "Configure the version's monitor: monitored features, window, reference (frozen now), drift settings and alert rules",
        description:
          "Recorded as immutable evidence of kind `monitoring`; the monitors it names satisfy the policy pack's monitoring measures. Windows already logged are recomputed against it.",
        params: VersionParams,
        body: MonitorConfigBody,
        response: { 200: MonitorSchema },
      },
    },
    async (request) =>
      fromInput(bodyOrData, () =>
        m.monitors.configure(contextOf(request), request.params.name, request.params.version, request.body),
      ),
  );

  app.get(
    '/models/:name/versions/:version/monitor',
    {
      config: { permission: 'inventory:read' },
      schema: {
        tags,
        summary: "The version's current monitor, with the histogram edges producers use for profiles",
        params: VersionParams,
        response: { 200: MonitorSchema },
      },
    },
    async (request) => m.monitors.get(request.params.name, request.params.version),
  );

  for (const kind of ['predictions', 'labels'] as const) {
    app.post(
      `/models/:name/versions/:version/${kind}`,
      {
        config: { auth: 'authenticated' },
        schema: {
          tags,
          summary:
            kind === 'predictions'
              ? 'Log a batch of predictions (id, timestamp, features, prediction, score[, label]) as JSON Lines, CSV or Parquet'
              : 'Log ground truth for logged predictions (id, label) as JSON Lines, CSV or Parquet',
          description:
            'Idempotent by record id: records already received count as duplicates. Each record is accepted, a duplicate, or rejected with its reason; the batch is written whole or not at all. The windows it touches are recomputed in the background.',
          params: VersionParams,
          response: { 200: Report },
        },
      },
      async (request) =>
        fromInput(bodyOrData, () =>
          m.ingest[kind](
            contextOf(request),
            request.params.name,
            request.params.version,
            request.body as Readable,
            formatOf(request.headers['content-type']),
          ),
        ),
    );
  }

  app.post(
    '/models/:name/versions/:version/profiles',
    {
      config: { auth: 'authenticated' },
      schema: {
        tags,
        summary: 'Send a monitoring profile (steward.profile/v1) summarising one window, instead of rows',
        description:
          "Histograms must use the edges GET .../monitor lists; profiles of one window merge exactly. Idempotent by `key` (default: the profile's content hash).",
        params: VersionParams,
        querystring: Type.Object(
          { key: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })) },
          { additionalProperties: false },
        ),
        body: ProfileBody,
        response: { 200: Report },
      },
    },
    async (request) =>
      fromBody(() =>
        m.ingest.profile(
          contextOf(request),
          request.params.name,
          request.params.version,
          request.body as Profile,
          request.query.key,
        ),
      ),
  );

  app.get(
    '/models/:name/versions/:version/monitoring',
    {
      config: { permission: 'inventory:read' },
      schema: {
        tags,
        summary:
          'Monitoring windows of the version: drift per feature and performance per window, newest last, with health',
        params: VersionParams,
        querystring: WindowQuery,
        response: { 200: MonitoringWindows },
      },
    },
    async (request) => m.windows(request.params.name, request.params.version, request.query),
  );

  app.get(
    '/models/:name/versions/:version/ingest-batches',
    {
      config: { permission: 'inventory:read' },
      schema: {
        tags,
        summary: 'The latest ingested batches with their accepted/duplicate/rejected counts and reasons',
        params: VersionParams,
        querystring: Type.Object(
          { limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }) },
          { additionalProperties: false },
        ),
        response: { 200: IngestBatches },
      },
    },
    async (request) => m.batches(request.params.name, request.params.version, request.query.limit),
  );

  app.post(
    '/use-cases/:id/kpis/:kpi/values',
    {
      config: { auth: 'authenticated' },
      schema: {
        tags,
        summary: "Record values of one of the use case's business KPIs (a time series); idempotent by timestamp",
        params: Type.Object({ id: Uuid, kpi: Type.String({ minLength: 1, maxLength: 200 }) }),
        body: KpiValuesBody,
        response: { 200: Report },
      },
    },
    async (request) =>
      m.ingest.kpiValues(contextOf(request), request.params.id, request.params.kpi, request.body.values),
  );

  app.get(
    '/use-cases/:id/kpis/:kpi/values',
    {
      config: { permission: 'inventory:read' },
      schema: {
        tags,
        summary: 'KPI values against the target set at scoping',
        params: Type.Object({ id: Uuid, kpi: Type.String({ minLength: 1, maxLength: 200 }) }),
        querystring: WindowQuery,
        response: { 200: KpiValues },
      },
    },
    async (request) => m.kpiValues(request.params.id, request.params.kpi, request.query),
  );

  app.post(
    '/models/:name/versions/:version/suspension',
    {
      config: { auth: 'authenticated' },
      schema: {
        tags: ['oversight'],
        summary:
          'Suspend the version (human oversight): a signed decision; the deployment check refuses it everywhere until lifted',
        params: VersionParams,
        body: SignedDecision,
        response: { 201: SuspensionSchema },
      },
    },
    async (request, reply) =>
      reply
        .status(201)
        .send(await m.oversight.suspend(contextOf(request), request.params.name, request.params.version, request.body)),
  );

  app.get(
    '/models/:name/versions/:version/suspension/eligibility',
    {
      config: { permission: 'inventory:read' },
      schema: {
        tags: ['oversight'],
        summary: 'Whether the caller may suspend the version, or lift its suspension, now',
        description:
          "Asked before any password: the decision's own checks (oversight:suspend in the version's team, the training gate of the signature). Suspending still enforces them.",
        params: VersionParams,
        response: { 200: ActionHint },
      },
    },
    async (request) => m.oversight.eligibility(contextOf(request), request.params.name, request.params.version),
  );

  app.post(
    '/models/:name/versions/:version/suspension/lift',
    {
      config: { auth: 'authenticated' },
      schema: {
        tags: ['oversight'],
        summary: 'Lift the suspension of the version: a signed decision',
        params: VersionParams,
        body: SignedDecision,
        response: { 200: SuspensionSchema },
      },
    },
    async (request) => m.oversight.lift(contextOf(request), request.params.name, request.params.version, request.body),
  );

  app.get(
    '/models/:name/versions/:version/suspensions',
    {
      config: { permission: 'inventory:read' },
      schema: {
        tags: ['oversight'],
        summary: 'Suspensions of the version, with their signed decisions',
        params: VersionParams,
        response: { 200: Type.Object({ items: Type.Array(SuspensionSchema) }) },
      },
    },
    async (request) => ({ items: await m.oversight.list(request.params.name, request.params.version) }),
  );
}
