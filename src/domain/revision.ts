import { DomainError } from '../errors.ts';

/**
 * Checks an optimistic-concurrency precondition: `expected` is the revision the client last saw
 * (undefined = unconditional). Throws precondition_failed when it is not the current one.
 */
export function assertRevision(what: string, current: number, expected: number | undefined): void {
  if (expected !== undefined && expected !== current) {
    throw new DomainError(
      'precondition_failed',
      `${what} has changed since the ETag given in If-Match (now at revision ${current}); fetch it again and retry`,
    );
  }
}
