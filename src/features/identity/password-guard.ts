import { createKeyedSerial } from '../../lib/keyed-serial.ts';
import type { RequestContext } from '../../context.ts';
import type { Transact } from '../../db/transact.ts';
import {
  backoffState,
  backoffWait,
  windowFailures,
  windowWait,
  withFailure,
  type BackoffRule,
  type FailureLimiter,
  type RateRule,
} from '../../domain/rate-limit.ts';
import { DomainError } from '../../errors.ts';
import type { RecordRefusal, RefusalAction } from '../audit/refusals.ts';
import { signInLimitsRepo } from './sign-in-limits.repo.ts';

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
  succeeded(): Promise<void>;
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

type Verdict =
  | { pass: true }
  | { pass: false; ms: number; why: string; detail: { locked: 'address' | 'account'; cleanAddress?: boolean } };

/**
 * The guard of every password check. Failed attempts per account and per address are kept in the
 * database (`sign_in_limits`), decided under row locks, so replicas share one count: three replicas
 * do not allow three times the guesses, and a restart forgives nothing. The in-process `limiter`
 * also counts them, as it counts failed tokens, for the per-request address check of the auth hook.
 */
export function createPasswordGuard(
  limiter: FailureLimiter,
  limits: AuthLimits,
  opts: { transact: Transact; now?: () => number; refused?: RecordRefusal },
): PasswordGuard {
  const now = opts.now ?? Date.now;
  const lock = limits.accountLock ?? DEFAULT_AUTH_LIMITS.accountLock!;
  const rule: BackoffRule = {
    limit: limits.perAccount.limit,
    baseMs: lock.baseMs,
    maxMs: lock.maxMs,
    forgetMs: limits.perAccount.windowMs,
  };
  const cleanDelay = limits.cleanAddressDelayMs ?? DEFAULT_AUTH_LIMITS.cleanAddressDelayMs!;
  // Rows untouched this long remember nothing that still counts.
  const staleMs = Math.max(limits.perAddress.windowMs, rule.forgetMs + rule.maxMs);
  let prunedAt = -Infinity;
  // Attempts on one address or account queue here (keys in sorted order, so two never wait on
  // each other) instead of each holding a pooled connection while it waits for the row locks.
  const serially = createKeyedSerial();
  const onKeys = <T>(ip: string, account: string, fn: () => Promise<T>): Promise<T> => {
    const [first, second] = [`addr:${ip}`, `acct:${account}`].sort() as [string, string];
    return serially(first, () => serially(second, fn));
  };
  const refuse = async (ctx: RequestContext, account: string, ms: number, why: string, detail: object) => {
    await opts.refused?.(ctx, { action: 'auth.lockout', account, detail: { retryAfter: seconds(ms), ...detail } });
    return rateLimited(ms, why);
  };
  /** Decides an attempt on the shared counts and, when it may go on, counts it as failed. */
  const decide = (ip: string, account: string): Promise<Verdict> =>
    onKeys(ip, account, () =>
      opts.transact(async (tx) => {
        const t = now();
        const [addrKey, acctKey] = [`addr:${ip}`, `acct:${account}`];
        const states = await signInLimitsRepo.lock(tx, [addrKey, acctKey], t);
        const addrFailures = windowFailures(states.get(addrKey), limits.perAddress, t);
        const addr = Math.max(
          windowWait(addrFailures, limits.perAddress, t),
          limiter.blockedFor(addrKey, limits.perAddress),
        );
        // A refused attempt counts nothing: rows made only to be locked go (a spray of names adds none).
        if (addr > 0) {
          await signInLimitsRepo.dropEmpty(tx, [addrKey, acctKey]);
          return {
            pass: false,
            ms: addr,
            why: 'too many failed authentications from this address',
            detail: { locked: 'address' },
          };
        }
        let acct = backoffState(states.get(acctKey), rule, t);
        const locked = backoffWait(acct, rule, t);
        if (locked > 0) {
          // An address that has not failed may still try, a few seconds apart: a locked account
          // slows guessing down without locking its owner out.
          const clean = addrFailures.length === 0 && limiter.count(addrKey, limits.perAddress) === 0;
          const wait = clean ? Math.max(0, (acct!.lastPass ?? -Infinity) + cleanDelay - t) : locked;
          if (wait > 0) {
            await signInLimitsRepo.dropEmpty(tx, [addrKey, acctKey]);
            return {
              pass: false,
              ms: wait,
              why: `too many failed sign-ins for '${account}'`,
              detail: { locked: 'account', cleanAddress: clean },
            };
          }
          acct = { ...acct!, lastPass: t };
        }
        await signInLimitsRepo.save(
          tx,
          addrKey,
          { failures: [...addrFailures, t].slice(-limits.perAddress.limit), lastPass: null },
          t,
        );
        // The doubling stops at maxMs; counts beyond what reaches it add nothing.
        await signInLimitsRepo.save(tx, acctKey, withFailure(acct, t, rule.limit + 31), t);
        return { pass: true };
      }),
    );
  const forgive = (ip: string, account: string) =>
    onKeys(ip, account, () =>
      opts.transact(async (tx) => {
        const t = now();
        const [addrKey, acctKey] = [`addr:${ip}`, `acct:${account}`];
        const states = await signInLimitsRepo.lock(tx, [addrKey, acctKey], t);
        const addr = states.get(addrKey);
        await signInLimitsRepo.save(tx, addrKey, addr && { ...addr, failures: addr.failures.slice(0, -1) }, t);
        await signInLimitsRepo.save(tx, acctKey, undefined, t);
      }),
    );
  return {
    async begin(ctx, account) {
      const ip = ctx.source ?? 'unknown';
      const t = now();
      if (t - prunedAt > 10 * 60_000) {
        prunedAt = t;
        await opts.transact((tx) => signInLimitsRepo.prune(tx, t - staleMs));
      }
      const verdict = await decide(ip, account);
      if (!verdict.pass) throw await refuse(ctx, account, verdict.ms, verdict.why, verdict.detail);
      limiter.recordFailure(`addr:${ip}`, limits.perAddress);
      return {
        async succeeded() {
          limiter.forgiveLast(`addr:${ip}`);
          await forgive(ip, account);
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
