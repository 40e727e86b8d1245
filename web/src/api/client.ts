import createClient, { type Middleware } from 'openapi-fetch';
import type { components, paths } from './schema.gen.ts';

export type Schemas = components['schemas'];

/** An RFC 9457 problem the API answered with. */
export class ApiProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
    readonly errors: { pointer: string; message: string }[] = [],
    readonly extra: Record<string, unknown> = {},
  ) {
    super(detail);
  }
}

const CSRF_KEY = 'steward.csrf';
/** The console session's CSRF token (the session itself is an HttpOnly cookie the script never sees). */
export const csrf = {
  get: (): string | null => localStorage.getItem(CSRF_KEY),
  set: (token: string | null) =>
    token === null ? localStorage.removeItem(CSRF_KEY) : localStorage.setItem(CSRF_KEY, token),
};

let onUnauthenticated: () => void = () => undefined;
/** Called when a request finds the session gone (expired, idle, signed out elsewhere). */
export const whenUnauthenticated = (f: () => void) => void (onUnauthenticated = f);

const writeListeners = new Set<() => void>();
/**
 * Calls `f` after each change the console made succeeds (any request but a read, signing in and
 * out aside): what is derived from many records, like the open-task count, is asked for again then
 * instead of on every page. Returns the unsubscription.
 */
export function afterWrites(f: () => void): () => void {
  writeListeners.add(f);
  return () => void writeListeners.delete(f);
}
const isRead = (method: string) => method === 'GET' || method === 'HEAD';

const session: Middleware = {
  onRequest({ request }) {
    const token = csrf.get();
    if (token && !isRead(request.method)) request.headers.set('x-csrf-token', token);
    return request;
  },
  onResponse({ response, request }) {
    if (response.status === 401 && !request.url.endsWith('/api/v1/auth/login')) onUnauthenticated();
    if (response.ok && !isRead(request.method) && !new URL(request.url).pathname.startsWith('/api/v1/auth/'))
      writeListeners.forEach((f) => f());
    return response;
  },
};

/** The typed API client: paths, parameters and bodies checked against the server's OpenAPI document. */
export const api = createClient<paths>({ baseUrl: '', credentials: 'same-origin' });
api.use(session);

type Result<T> = { data?: T; error?: unknown; response: Response };

/** The data of a successful answer, or an ApiProblem. */
export function ok<T>(result: Result<T>): T {
  if (result.response.ok) return result.data as T;
  const p = (result.error ?? {}) as {
    code?: string;
    detail?: string;
    title?: string;
    errors?: { pointer: string; message: string }[];
  } & Record<string, unknown>;
  throw new ApiProblem(
    result.response.status,
    p.code ?? 'error',
    p.detail ?? p.title ?? result.response.statusText,
    p.errors ?? [],
    p,
  );
}
