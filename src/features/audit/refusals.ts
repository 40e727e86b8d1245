import type { Clock } from '../../clock.ts';
import type { RequestContext } from '../../context.ts';
import type { Transact } from '../../db/transact.ts';
import { createEventThrottle, OVERFLOW_KEY } from '../../domain/rate-limit.ts';
import type { AuditAppender } from './audit.service.ts';

/** Refused actions written to the audit trail (21 CFR Part 11 §11.300(d): unauthorised use is detected and reported). */
export const REFUSAL_ACTIONS = [
  'auth.sign-in-failure',
  'auth.lockout',
  'signature.reauthentication-failure',
  'authz.separation-of-duties',
] as const;
export type RefusalAction = (typeof REFUSAL_ACTIONS)[number];

/** One refusal: which account was refused what; the subject defaults to the account. */
export interface Refusal {
  action: RefusalAction;
  account: string;
  subject?: { type: string; id: string };
  detail?: Record<string, unknown>;
}

export type RecordRefusal = (ctx: RequestContext, refusal: Refusal) => Promise<void>;

/** Usernames come from unauthenticated requests: only a plain, bounded one is written as given. */
const accountName = (account: string): string =>
  /^[\x21-\x7e]{1,64}$/.test(account) && account !== OVERFLOW_KEY ? account : '(not a valid username)';

/**
 * Writes refusals to the audit trail, each in its own transaction (the refused command's own
 * transaction rolls back). Rate-limited so a flood of refusals cannot flood the log: per account,
 * kind of refusal and minute the first refusal is written at once and the rest are counted into
 * one `audit.refusals-aggregated` event, written once that minute is over (at the next refusal, by
 * a timer, or at shutdown); past 100 such keys in a minute, further ones share one aggregate.
 * A failure to write is reported, never turned into the refused request's answer.
 */
export function createRefusalLog(deps: {
  transact: Transact;
  audit: AuditAppender;
  clock: Clock;
  onError: (err: unknown) => void;
  flushEveryMs?: number;
}) {
  const { transact, audit, clock } = deps;
  const throttle = createEventThrottle(() => clock.now().getTime());
  let timer: NodeJS.Timeout | undefined;

  async function flush(everything = false): Promise<void> {
    for (const a of throttle.due(everything)) {
      const refused = Object.values(a.counts).reduce((x, y) => x + y, 0);
      const account = a.key === OVERFLOW_KEY ? '(other accounts)' : a.key.slice(a.key.indexOf(' ') + 1);
      await transact((tx) =>
        audit.append(
          tx,
          { principal: null, requestId: 'refusals', source: null, reason: null },
          {
            action: 'audit.refusals-aggregated',
            subject: { type: 'account', id: account },
            after: { account, from: a.from, to: a.to, refused, byAction: a.counts },
          },
        ),
      );
    }
  }

  const record: RecordRefusal = async (ctx, refusal) => {
    try {
      await flush();
      const account = accountName(refusal.account);
      if (throttle.note(`${refusal.action} ${account}`, refusal.action) === 'write') {
        await transact((tx) =>
          audit.append(tx, ctx, {
            action: refusal.action,
            subject: refusal.subject ?? { type: 'account', id: account },
            after: { account, ...refusal.detail },
          }),
        );
      }
      // Aggregates of a burst that then stops are written without waiting for the next refusal.
      timer ??= setInterval(() => void flush().catch(deps.onError), deps.flushEveryMs ?? 60_000).unref();
    } catch (err) {
      deps.onError(err);
    }
  };

  return {
    record,
    /** Writes every pending aggregate (at shutdown). */
    async close(): Promise<void> {
      if (timer) clearInterval(timer);
      timer = undefined;
      await flush(true).catch(deps.onError);
    },
  };
}

export type RefusalLog = ReturnType<typeof createRefusalLog>;
