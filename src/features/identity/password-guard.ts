import type { FailureLimiter, RateRule } from '../../domain/rate-limit.ts';
import { DomainError } from '../../errors.ts';

export interface AuthLimits {
  /** Failed authentications (any credential) per source address. */
  perAddress: RateRule;
  /** Failed password checks per account. */
  perAccount: RateRule;
  /** Refused (403) requests per user and per address. */
  forbiddenPerUser: RateRule;
  forbiddenPerAddress: RateRule;
}

export const DEFAULT_AUTH_LIMITS: AuthLimits = {
  perAddress: { limit: 30, windowMs: 15 * 60_000 },
  perAccount: { limit: 5, windowMs: 15 * 60_000 },
  forbiddenPerUser: { limit: 60, windowMs: 5 * 60_000 },
  forbiddenPerAddress: { limit: 120, windowMs: 5 * 60_000 },
};

export interface PasswordGuard {
  /**
   * Call before checking a password. Refuses (429) while the address or the account is locked
   * out, and counts the attempt as failed before the (slow) check runs, so parallel guesses
   * cannot all slip under the limit; `succeeded()` takes the count back.
   */
  begin(ip: string, account: string): { succeeded(): void };
}

export function createPasswordGuard(limiter: FailureLimiter, limits: AuthLimits): PasswordGuard {
  return {
    begin(ip, account) {
      const addr = limiter.blockedFor(`addr:${ip}`, limits.perAddress);
      if (addr > 0) throw rateLimited(addr, 'too many failed authentications from this address');
      const acct = limiter.blockedFor(`acct:${account}`, limits.perAccount);
      if (acct > 0) throw rateLimited(acct, `too many failed sign-ins for '${account}'`);
      limiter.recordFailure(`addr:${ip}`, limits.perAddress);
      limiter.recordFailure(`acct:${account}`, limits.perAccount);
      return {
        succeeded() {
          limiter.forgiveLast(`addr:${ip}`);
          limiter.reset(`acct:${account}`);
        },
      };
    },
  };
}

export const rateLimited = (ms: number, what: string) =>
  new DomainError('rate_limited', `${what}; try again in ${Math.ceil(ms / 1000)} s`, {
    extra: { retryAfter: Math.ceil(ms / 1000) },
  });
