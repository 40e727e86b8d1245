import type { RequestContext } from '../../context.ts';
import { createBackoffLimiter, type BackoffRule, type FailureLimiter, type RateRule } from '../../domain/rate-limit.ts';
import { DomainError } from '../../errors.ts';
import type { RecordRefusal, RefusalAction } from '../audit/refusals.ts';

export interface AuthLimits {
  /** Failed authentications (any credential) per source address. */
  perAddress: RateRule;
  /**
   * Failed password checks per account: `limit` failures lock the account, each further one
   * doubles the lock (see `accountLock`); failures are forgotten `windowMs` after the lock ends.
   */
  perAccount: RateRule;
  /** The first lock and the longest (default 1 minute, doubling up to 1 hour). */
  accountLock?: { baseMs: number; maxMs: number };
  /**
   * While an account is locked, an address with no failed authentications may still try it, one
   * attempt per this delay (default 5 s): the owner signs in while others guess from elsewhere.
   */
  cleanAddressDelayMs?: number;
  /** Refused (403) requests per user and per address. */
  forbiddenPerUser: RateRule;
  forbiddenPerAddress: RateRule;
}

export const DEFAULT_AUTH_LIMITS: AuthLimits = {
  perAddress: { limit: 30, windowMs: 15 * 60_000 },
  perAccount: { limit: 5, windowMs: 15 * 60_000 },
  accountLock: { baseMs: 60_000, maxMs: 60 * 60_000 },
  cleanAddressDelayMs: 5_000,
  forbiddenPerUser: { limit: 60, windowMs: 5 * 60_000 },
  forbiddenPerAddress: { limit: 120, windowMs: 5 * 60_000 },
};

export interface PasswordAttempt {
  /** The password was right: the account's failures are forgiven. */
  succeeded(): void;
  /** The password was wrong: the refusal goes to the audit trail (rate-limited). */
  failed(action?: RefusalAction, detail?: Record<string, unknown>): Promise<void>;
}

export interface PasswordGuard {
  /**
   * Call before checking a password. Refuses (429) while the address is locked out, or the
   * account is and the address has failures of its own (or another clean address tried within
   * the short delay); counts the attempt as failed before the (slow) check runs, so parallel
   * guesses cannot all slip under the limit; `succeeded()` takes the count back.
   */
  begin(ctx: RequestContext, account: string): Promise<PasswordAttempt>;
}

export function createPasswordGuard(
  limiter: FailureLimiter,
  limits: AuthLimits,
  opts: { now?: () => number; refused?: RecordRefusal } = {},
): PasswordGuard {
  const backoff = createBackoffLimiter(opts.now);
  const lock = limits.accountLock ?? DEFAULT_AUTH_LIMITS.accountLock!;
  const rule: BackoffRule = {
    limit: limits.perAccount.limit,
    baseMs: lock.baseMs,
    maxMs: lock.maxMs,
    forgetMs: limits.perAccount.windowMs,
  };
  const cleanDelay = limits.cleanAddressDelayMs ?? DEFAULT_AUTH_LIMITS.cleanAddressDelayMs!;
  const refuse = async (ctx: RequestContext, account: string, ms: number, why: string, detail: object) => {
    await opts.refused?.(ctx, { action: 'auth.lockout', account, detail: { retryAfter: seconds(ms), ...detail } });
    return rateLimited(ms, why);
  };
  return {
    async begin(ctx, account) {
      const ip = ctx.source ?? 'unknown';
      const addr = limiter.blockedFor(`addr:${ip}`, limits.perAddress);
      if (addr > 0)
        throw await refuse(ctx, account, addr, 'too many failed authentications from this address', {
          locked: 'address',
        });
      const acct = backoff.lockedFor(`acct:${account}`, rule);
      if (acct > 0) {
        // An address that has not failed may still try, a few seconds apart: a locked account
        // slows guessing down without locking its owner out.
        const clean = limiter.count(`addr:${ip}`, limits.perAddress) === 0;
        const wait = clean ? backoff.takePass(`acct:${account}`, cleanDelay) : acct;
        if (wait > 0)
          throw await refuse(ctx, account, wait, `too many failed sign-ins for '${account}'`, {
            locked: 'account',
            cleanAddress: clean,
          });
      }
      limiter.recordFailure(`addr:${ip}`, limits.perAddress);
      backoff.recordFailure(`acct:${account}`, rule);
      return {
        succeeded() {
          limiter.forgiveLast(`addr:${ip}`);
          backoff.reset(`acct:${account}`);
        },
        async failed(action = 'auth.sign-in-failure', detail = {}) {
          await opts.refused?.(ctx, { action, account, detail });
        },
      };
    },
  };
}

const seconds = (ms: number) => Math.ceil(ms / 1000);

export const rateLimited = (ms: number, what: string) =>
  new DomainError('rate_limited', `${what}; try again in ${seconds(ms)} s`, {
    extra: { retryAfter: seconds(ms) },
  });
