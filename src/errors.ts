/**
 * The one error vocabulary of Steward. Services and repositories throw DomainError with a
 * stable machine-readable `code`; the HTTP layer maps each code to RFC 9457 problem details
 * in one place (src/http/problem.ts), the CLI prints them.
 */
export const errorStatus = {
  bad_request: 400,
  malformed_json: 400,
  validation_failed: 400,
  unauthenticated: 401,
  forbidden: 403,
  separation_of_duties: 403,
  reauthentication_failed: 403,
  training_required: 403,
  password_change_required: 403,
  not_found: 404,
  method_not_allowed: 405,
  request_timeout: 408,
  conflict: 409,
  out_of_order: 409,
  gate_not_passed: 409,
  precondition_failed: 412,
  payload_too_large: 413,
  unsupported_media_type: 415,
  invalid_reference: 422,
  precondition_required: 428,
  rate_limited: 429,
  internal_error: 500,
  bad_gateway: 502,
  unavailable: 503,
} as const;

export type ErrorCode = keyof typeof errorStatus;

export interface ErrorField {
  /**
   * JSON pointer of the offending value: relative to the thrower's own input (`/artifactDigest`)
   * until a route places it in the request (`/body/artifactDigest`, see src/http/input.ts).
   */
  pointer: string;
  message: string;
}

export class DomainError extends Error {
  readonly code: ErrorCode;
  readonly errors: ErrorField[] | undefined;
  readonly extra: Record<string, unknown> | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    options?: { errors?: ErrorField[]; extra?: Record<string, unknown>; cause?: unknown },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'DomainError';
    this.code = code;
    this.errors = options?.errors;
    this.extra = options?.extra;
  }

  get status(): number {
    return errorStatus[this.code];
  }
}

export const notFound = (what: string, id: string | number): DomainError =>
  new DomainError('not_found', `${what} '${id}' does not exist`, { extra: { resource: what, id: String(id) } });

export const conflict = (message: string): DomainError => new DomainError('conflict', message);
