import { DomainError } from '../errors.ts';

/**
 * Services, domain and tabular code report field pointers relative to their own input (`/threshold`,
 * `` for the input as a whole); only a route knows where that input came from in the request. A route
 * runs the service call through `fromBody`, `fromQuery` or `fromInput`, which rewrite the pointers of
 * a DomainError thrown by the call (`/threshold` becomes `/body/threshold`). Errors whose pointers are
 * already request-shaped (the HTTP layer's own, made with `requestShaped`, and those a wrapper
 * already placed) pass through unchanged, so `contextOf(request)` may be called inside the wrapper.
 */
export type Located = (pointer: string) => string;

export const inBody: Located = (pointer) => `/body${pointer}`;
export const inQuery: Located = (pointer) => `/querystring${pointer}`;

/**
 * For inputs gathered from several places: each named top-level field is replaced by the pointer
 * given for it (`{ alias: '/params/alias' }`, `{ data: '/data' }` to keep it as it is), the others
 * go to `rest`.
 */
export function byField(fields: Record<string, string>, rest: Located): Located {
  return (pointer) => {
    const top = /^\/([^/]*)/.exec(pointer)?.[1];
    return top !== undefined && Object.hasOwn(fields, top)
      ? `${fields[top]}${pointer.slice(top.length + 1)}`
      : rest(pointer);
  };
}

const placed = new WeakSet<DomainError>();

/** Marks an error the HTTP layer made with request-shaped pointers (`/headers/…`): wrappers leave it. */
export function requestShaped(error: DomainError): DomainError {
  placed.add(error);
  return error;
}

/** `error` with its field pointers placed by `where`; anything else unchanged. */
export function locate(error: unknown, where: Located): unknown {
  if (!(error instanceof DomainError) || !error.errors?.length || placed.has(error)) return error;
  const located = new DomainError(error.code, error.message, {
    errors: error.errors.map((e) => ({ ...e, pointer: where(e.pointer) })),
    ...(error.extra ? { extra: error.extra } : {}),
    ...(error.cause === undefined ? {} : { cause: error.cause }),
  });
  located.stack = error.stack;
  return requestShaped(located);
}

/** Runs `run` (a service call whose input came from the request as `where` says), placing its pointers. */
export async function fromInput<T>(where: Located, run: () => T | Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw locate(error, where);
  }
}

/** Runs a service call whose input is the request body. */
export const fromBody = <T>(run: () => T | Promise<T>): Promise<T> => fromInput(inBody, run);

/** Runs a service call whose input is the query string. */
export const fromQuery = <T>(run: () => T | Promise<T>): Promise<T> => fromInput(inQuery, run);
