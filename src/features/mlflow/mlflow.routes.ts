import type { FastifyReply, FastifyRequest } from 'fastify';
import type { TSchema } from 'typebox';
import { contextOf, type App } from '../../http/app-types.ts';
import { asDomainError } from '../../http/problem.ts';
import { DomainError, type ErrorCode } from '../../errors.ts';
import type { MlflowService } from './mlflow.service.ts';
import {
  AliasBody,
  CreateModelVersion,
  CreateRegisteredModel,
  LatestVersionsQuery,
  ModelTagBody,
  ModelVersionRef,
  RegisteredModelRef,
  RenameRegisteredModel,
  RunQuery,
  SearchQuery,
  TransitionStage,
  UpdateModelVersion,
  UpdateRegisteredModel,
  VersionTagBody,
} from './mlflow.schema.ts';
import { shown } from './mlflow.wire.ts';
import { doNotCountRefusal } from '../../http/auth.ts';

/** The prefixes MLflow clients call: 2.x, the UI's ajax path, and 1.x's preview path. */
export const MLFLOW_PREFIXES = ['/api/2.0/mlflow', '/ajax-api/2.0/mlflow', '/api/2.0/preview/mlflow'];

// Steward's error codes as MLflow's (with their HTTP statuses): the one place they are mapped.
const MLFLOW_CODES: Partial<Record<ErrorCode, [string, number]>> = {
  bad_request: ['BAD_REQUEST', 400],
  malformed_json: ['INVALID_PARAMETER_VALUE', 400],
  validation_failed: ['INVALID_PARAMETER_VALUE', 400],
  unauthenticated: ['UNAUTHENTICATED', 401],
  forbidden: ['PERMISSION_DENIED', 403],
  separation_of_duties: ['PERMISSION_DENIED', 403],
  reauthentication_failed: ['PERMISSION_DENIED', 403],
  training_required: ['PERMISSION_DENIED', 403],
  password_change_required: ['PERMISSION_DENIED', 403],
  gate_not_passed: ['PERMISSION_DENIED', 403],
  out_of_order: ['PERMISSION_DENIED', 403],
  not_found: ['RESOURCE_DOES_NOT_EXIST', 404],
  conflict: ['RESOURCE_CONFLICT', 409],
  precondition_failed: ['RESOURCE_CONFLICT', 409],
  payload_too_large: ['INVALID_PARAMETER_VALUE', 400],
  unsupported_media_type: ['INVALID_PARAMETER_VALUE', 400],
  invalid_reference: ['INVALID_PARAMETER_VALUE', 400],
  rate_limited: ['REQUEST_LIMIT_EXCEEDED', 429],
  bad_gateway: ['TEMPORARILY_UNAVAILABLE', 503],
  unavailable: ['TEMPORARILY_UNAVAILABLE', 503],
};
const STATUS_OF: Record<string, number> = {
  RESOURCE_ALREADY_EXISTS: 400,
  INVALID_PARAMETER_VALUE: 400,
  BAD_REQUEST: 400,
  RESOURCE_DOES_NOT_EXIST: 404,
  ENDPOINT_NOT_FOUND: 404,
  PERMISSION_DENIED: 403,
  UNAUTHENTICATED: 401,
  RESOURCE_CONFLICT: 409,
  REQUEST_LIMIT_EXCEEDED: 429,
  INTERNAL_ERROR: 500,
  TEMPORARILY_UNAVAILABLE: 503,
};

function sendMlflowError(request: FastifyRequest, reply: FastifyReply, error: unknown): FastifyReply {
  const d = asDomainError(error);
  const explicit = typeof d.extra?.mlflow === 'string' ? d.extra.mlflow : undefined;
  const [code, status] = explicit
    ? [explicit, STATUS_OF[explicit] ?? 400]
    : (MLFLOW_CODES[d.code] ?? ['INTERNAL_ERROR', 500]);
  if (status >= 500) request.log.error({ err: error }, 'MLflow request failed');
  // Governance saying "not yet" (gates, failed registration) is not an authorisation failure to rate-limit.
  if (d.extra?.uncounted === true || d.code === 'gate_not_passed' || d.code === 'out_of_order')
    doNotCountRefusal(request);
  const message =
    status >= 500
      ? `An internal error occurred; the request id ${request.id} identifies it in the server log`
      : d.message;
  if (typeof d.extra?.retryAfter === 'number') reply.header('retry-after', String(d.extra.retryAfter));
  return reply.status(status).type('application/json').send({ error_code: code, message });
}

/**
 * Parameters from the query string and the JSON body together (clients send DELETE either way),
 * in the wire shape the route declares.
 */
const params = <T>(request: FastifyRequest): T =>
  ({
    ...(request.query as Record<string, unknown>),
    ...((request.body ?? {}) as Record<string, unknown>),
  }) as T;

/**
 * The Model Registry REST API of MLflow 2.x on one prefix: MLflow's field names, its error body
 * `{error_code, message}` and statuses, and Steward's authentication, authorisation and audit.
 */
export async function mlflowRoutes(app: App, mlflow: MlflowService): Promise<void> {
  app.setErrorHandler((error, request, reply) => sendMlflowError(request, reply, error));
  // Clients send DELETE with query parameters and a JSON content type but no body: an empty body is {}.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = String(body);
    if (text.trim() === '') return done(null, {});
    try {
      done(null, JSON.parse(text));
    } catch {
      done(new DomainError('malformed_json', 'The request body is not valid JSON'), undefined);
    }
  });
  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send({
      error_code: 'ENDPOINT_NOT_FOUND',
      message: `No API endpoint ${request.method} ${request.url.split('?')[0]}`,
    }),
  );
  // MLflow answers 400 to a write without a JSON body type. A callback hook, not an async one:
  // reads pass through it without a promise of their own.
  app.addHook('preValidation', (request, _reply, done) => {
    const contentType = request.headers['content-type'];
    if (
      (request.method === 'POST' || request.method === 'PATCH' || request.method === 'PUT') &&
      !/^application\/json\b/i.test(String(contentType ?? ''))
    )
      return done(
        new DomainError(
          'validation_failed',
          `Bad Request. Content-Type must be "application/json", got ${contentType === undefined ? 'null' : JSON.stringify(shown(contentType))}`,
        ),
      );
    if (
      request.body !== undefined &&
      (request.body === null || typeof request.body !== 'object' || Array.isArray(request.body))
    )
      return done(new DomainError('validation_failed', 'The request body must be a JSON object'));
    done();
  });

  const read = { config: { permission: 'inventory:read' as const } };
  const write = { config: { auth: 'authenticated' as const } };
  // Writes always carry a JSON object body (the hook above refuses others); reads a query string.
  // DELETE may carry either, so only its query string is declared. The schemas accept anything
  // (see mlflow.schema.ts): the service refuses bad values with MLflow's own messages.
  const body = <S extends TSchema>(schema: S) => ({ ...write, schema: { hide: true, body: schema } });
  const query = <S extends TSchema>(schema: S) => ({ ...read, schema: { hide: true, querystring: schema } });
  const remove = <S extends TSchema>(schema: S) => ({ ...write, schema: { hide: true, querystring: schema } });

  app.post('/registered-models/create', body(CreateRegisteredModel), async (request) =>
    mlflow.createModel(contextOf(request), params(request)),
  );
  app.post('/registered-models/rename', body(RenameRegisteredModel), async (request) =>
    mlflow.renameModel(contextOf(request), params(request)),
  );
  app.patch('/registered-models/update', body(UpdateRegisteredModel), async (request) =>
    mlflow.updateModel(contextOf(request), params(request)),
  );
  app.delete('/registered-models/delete', remove(RegisteredModelRef), async (request) =>
    mlflow.deleteModel(contextOf(request), params(request)),
  );
  app.get('/registered-models/get', query(RegisteredModelRef), async (request) => mlflow.getModel(params(request)));
  app.get('/registered-models/search', query(SearchQuery), async (request) => mlflow.searchModels(params(request)));
  app.post('/registered-models/get-latest-versions', body(LatestVersionsQuery), async (request) =>
    mlflow.latestVersions(params(request)),
  );
  app.get('/registered-models/get-latest-versions', query(LatestVersionsQuery), async (request) =>
    mlflow.latestVersions(params(request)),
  );
  app.post('/registered-models/set-tag', body(ModelTagBody), async (request) =>
    mlflow.setModelTag(contextOf(request), params(request)),
  );
  app.delete('/registered-models/delete-tag', remove(ModelTagBody), async (request) =>
    mlflow.deleteModelTag(contextOf(request), params(request)),
  );
  app.post('/registered-models/alias', body(AliasBody), async (request) =>
    mlflow.setAlias(contextOf(request), params(request)),
  );
  app.delete('/registered-models/alias', remove(AliasBody), async (request) =>
    mlflow.deleteAlias(contextOf(request), params(request)),
  );
  app.get('/registered-models/alias', query(AliasBody), async (request) => mlflow.getByAlias(params(request)));

  app.post('/model-versions/create', body(CreateModelVersion), async (request) =>
    mlflow.createVersion(contextOf(request), params(request)),
  );
  app.patch('/model-versions/update', body(UpdateModelVersion), async (request) =>
    mlflow.updateVersion(contextOf(request), params(request)),
  );
  app.post('/model-versions/transition-stage', body(TransitionStage), async (request) =>
    mlflow.transition(contextOf(request), params(request)),
  );
  app.delete('/model-versions/delete', remove(ModelVersionRef), async (request) =>
    mlflow.deleteVersion(contextOf(request), params(request)),
  );
  // Version entities kept by the service are shared and immutable until replaced, so their JSON can
  // be too (as /api/v1's version read does): hot reads then skip serialisation.
  const serialized = new WeakMap<object, string>();
  app.get('/model-versions/get', query(ModelVersionRef), async (request, reply) => {
    const { model_version } = await mlflow.getVersion(params(request));
    let json = serialized.get(model_version);
    if (json === undefined) serialized.set(model_version, (json = JSON.stringify({ model_version })));
    return reply.type('application/json; charset=utf-8').send(json);
  });
  app.get('/model-versions/search', query(SearchQuery), async (request) => mlflow.searchVersions(params(request)));
  app.get('/model-versions/get-download-uri', query(ModelVersionRef), async (request) =>
    mlflow.downloadUri(params(request)),
  );
  app.post('/model-versions/set-tag', body(VersionTagBody), async (request) =>
    mlflow.setVersionTag(contextOf(request), params(request), false),
  );
  app.delete('/model-versions/delete-tag', remove(VersionTagBody), async (request) =>
    mlflow.setVersionTag(contextOf(request), params(request), true),
  );

  app.get('/runs/get', query(RunQuery), async (request) => mlflow.runs(params(request)));
}
