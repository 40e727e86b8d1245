import { DomainError } from '../errors.ts';
import { findTooDeep, MAX_JSON_DEPTH, TOO_DEEP } from '../lib/depth.ts';
import { findUnstorable } from '../lib/unstorable.ts';

const bodyPointer = (at: string) => `/body${at === '/' ? '' : at}`;

/**
 * What every parsed JSON body must satisfy before schema validation, on every route: nesting no
 * deeper than MAX_JSON_DEPTH (so no walk over it can exhaust the stack) and only storable text.
 */
export function checkJsonBody(body: unknown): DomainError | null {
  const deep = findTooDeep(body);
  if (deep)
    return new DomainError('validation_failed', `request body ${TOO_DEEP}`, {
      errors: [{ pointer: bodyPointer(deep), message: `nesting deeper than ${MAX_JSON_DEPTH} levels` }],
      extra: { maxDepth: MAX_JSON_DEPTH },
    });
  const at = findUnstorable(body);
  if (!at) return null;
  return new DomainError('validation_failed', `request body holds a NUL character or an unpaired surrogate at ${at}`, {
    errors: [{ pointer: bodyPointer(at), message: 'must not contain U+0000 or unpaired surrogates' }],
  });
}
