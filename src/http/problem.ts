import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DomainError, errorStatus, type ErrorCode, type ErrorField } from '../errors.ts';
import { DATABASE_RETRY_AFTER_S, dataExceptionDetail, databaseUnavailable } from '../db/errors.ts';
import { toFieldErrors } from '../lib/json-schema.ts';

export const PROBLEM_TYPE_PREFIX = 'urn:steward:problem:';

const titles: Record<ErrorCode, string> = {
  bad_request: 'Bad request',
  malformed_json: 'Malformed JSON body',
  validation_failed: 'Validation failed',
  unauthenticated: 'Authentication required',
  forbidden: 'Forbidden',
  separation_of_duties: 'Separation of duties',
  reauthentication_failed: 'Signature not authenticated',
  training_required: 'Training required',
  password_change_required: 'Password change required',
  not_found: 'Not found',
  method_not_allowed: 'Method not allowed',
  request_timeout: 'Request timeout',
  conflict: 'Conflict',
  out_of_order: 'Step out of order',
  gate_not_passed: 'Gate not passed',
  precondition_failed: 'Precondition failed',
  payload_too_large: 'Payload too large',
  unsupported_media_type: 'Unsupported media type',
  invalid_reference: 'Invalid reference',
  precondition_required: 'Precondition required',
  rate_limited: 'Too many requests',
  internal_error: 'Internal server error',
  bad_gateway: 'Upstream read failed',
  unavailable: 'Service unavailable',
};

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ErrorCode;
  instance?: string;
  errors?: ErrorField[];
  [extra: string]: unknown;
}

export function toProblem(err: DomainError, instance?: string): Problem {
  return {
    ...(err.extra ?? {}),
    type: `${PROBLEM_TYPE_PREFIX}${err.code}`,
    title: titles[err.code],
    status: errorStatus[err.code],
    detail: err.message,
    code: err.code,
    ...(instance ? { instance } : {}),
    ...(err.errors?.length ? { errors: err.errors } : {}),
  };
}

// Fastify's own error codes for request parsing, mapped onto our vocabulary.
const fastifyCodes: Record<string, ErrorCode> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'malformed_json',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'malformed_json',
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'bad_request',
  FST_ERR_CTP_INVALID_TYPE: 'bad_request',
};

/** What the route that failed takes, for problems that should say so. */
export interface RouteLimits {
  /** The largest body in bytes. */
  bodyLimit?: number;
  /** The media types it parses. */
  accepts?: string[];
}

// The media types any route of Steward may parse; a scope says which of them it has parsers for.
const MEDIA_TYPES = [
  'application/json',
  'application/merge-patch+json',
  'multipart/form-data',
  'text/csv',
  'application/x-ndjson',
  'application/jsonl',
  'application/vnd.apache.parquet',
  'application/x-parquet',
];

/** The limits of the route `request` was routed to (Fastify scopes hold its body parsers). */
function limitsOf(request: FastifyRequest): RouteLimits {
  return {
    bodyLimit: request.routeOptions.bodyLimit,
    accepts: MEDIA_TYPES.filter((t) => request.server.hasContentTypeParser(t)),
  };
}

function fastifyDetail(code: ErrorCode, fe: FastifyError, limits: RouteLimits): string {
  if (code === 'malformed_json') return `request body is not valid JSON: ${fe.message}`;
  if (code === 'payload_too_large' && limits.bodyLimit)
    return `request body is larger than this route's limit of ${limits.bodyLimit} bytes`;
  if (code === 'unsupported_media_type' && limits.accepts?.length)
    return `this route takes ${limits.accepts.join(', ')} (send a Content-Type header naming one of them)`;
  return fe.message;
}

/** Normalises anything thrown during a request into a DomainError. */
export function asDomainError(error: unknown, limits: RouteLimits = {}): DomainError {
  if (error instanceof DomainError) return error;
  const fe = error as FastifyError & { validationContext?: string };
  if (fe?.validation) {
    const errors = toFieldErrors(fe.validation as never, `/${fe.validationContext ?? 'body'}`);
    const summary = errors.map((e) => `${e.pointer} ${e.message}`).join('; ');
    return new DomainError('validation_failed', `request ${fe.validationContext ?? 'body'} is invalid: ${summary}`, {
      errors,
    });
  }
  if (fe?.code && fastifyCodes[fe.code]) {
    const code = fastifyCodes[fe.code]!;
    const extra =
      code === 'payload_too_large' && limits.bodyLimit
        ? { limit: limits.bodyLimit }
        : code === 'unsupported_media_type' && limits.accepts?.length
          ? { accepts: limits.accepts }
          : undefined;
    return new DomainError(code, fastifyDetail(code, fe, limits), extra ? { extra } : undefined);
  }
  if (databaseUnavailable(error))
    return new DomainError('unavailable', 'the database cannot be reached right now; try again shortly', {
      extra: { retryAfter: DATABASE_RETRY_AFTER_S },
    });
  const data = dataExceptionDetail(error);
  if (data) return new DomainError('bad_request', `the request holds a value Steward cannot store: ${data}`);
  if (fe?.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) {
    return new DomainError('bad_request', fe.message);
  }
  return new DomainError(
    'internal_error',
    'an unexpected error occurred; the request id identifies it in the server log',
  );
}

export function sendProblem(request: FastifyRequest, reply: FastifyReply, err: DomainError): FastifyReply {
  const problem = toProblem(err, request.url);
  if (typeof err.extra?.retryAfter === 'number') reply.header('retry-after', String(err.extra.retryAfter));
  // An upload past its admission, refused before its body arrived: the connection closes, or the
  // server would go on reading and discarding as many megabytes as the client cares to send. Other
  // refusals (an unknown version, say) read the body to its end, so the client, still sending, sees
  // the answer rather than a reset connection.
  if (request.raw.complete === false && err.code === 'rate_limited') reply.header('connection', 'close');
  return reply.status(problem.status).type('application/problem+json').send(problem);
}

/** Installs the single error mapping of the HTTP layer (errors and unknown routes). */
export function installProblemHandlers(app: FastifyInstance): void {
  app.setErrorHandler((error, request, reply) => {
    const domain = asDomainError(error, limitsOf(request));
    if (domain.code === 'unavailable') request.log.warn({ err: error }, 'request failed: database unavailable');
    else if (domain.status >= 500) request.log.error({ err: error }, 'request failed');
    else request.log.info({ code: domain.code, detail: domain.message }, 'request rejected');
    return sendProblem(request, reply, domain);
  });
  app.setNotFoundHandler((request, reply) =>
    sendProblem(
      request,
      reply,
      new DomainError('not_found', `no route ${request.method} ${request.url.split('?')[0]}`),
    ),
  );
}
