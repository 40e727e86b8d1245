import type { Clock } from '../../clock.ts';
import type { Executor } from '../../db/database.ts';
import { backoffMs, signWebhook } from '../../domain/webhook-signature.ts';
import type { Egress } from './egress.ts';
import type { WebhookRepo } from './webhooks.repo.ts';

export interface DispatcherOptions {
  /** How often due deliveries are looked for. */
  pollMs: number;
  /** First retry delay; each further one doubles, up to `capMs`. */
  backoffBaseMs: number;
  capMs: number;
  /** Attempts before a delivery is marked failed (it can still be replayed). */
  maxAttempts: number;
  /** Per-attempt timeout. */
  timeoutMs: number;
}

/** Why a pending delivery of a deleted webhook was never sent. */
export const DROPPED = 'dropped: the webhook was deleted';

export const DEFAULT_DISPATCH: DispatcherOptions = {
  pollMs: 1000,
  backoffBaseMs: 5000,
  capMs: 3_600_000,
  maxAttempts: 10,
  timeoutMs: 10_000,
};

/**
 * Sends pending webhook deliveries: POSTs the stored body with an HMAC-SHA256 signature over the
 * timestamp and body, records each attempt's outcome, and retries failures with exponential
 * backoff. A lease on each delivery keeps replicas sharing a PostgreSQL database from sending one twice.
 */
export function createDispatcher({
  db,
  repo,
  clock,
  options,
  egress,
  onError,
}: {
  db: Executor;
  repo: WebhookRepo;
  clock: Clock;
  options: DispatcherOptions;
  /** Checks the receiver's address and connects to exactly the address checked. */
  egress: Egress;
  onError: (err: unknown) => void;
}) {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;

  async function attempt(id: string): Promise<void> {
    const now = clock.now();
    if (!(await repo.claim(db, id, now.toISOString(), new Date(now.getTime() + options.timeoutMs * 3).toISOString())))
      return;
    const d = (await repo.delivery(db, id))!;
    const hook = (await repo.get(db, d.webhook_id))!;
    const attempts = d.attempts + 1;
    // A delivery claimed while its webhook was being deleted is dropped, not sent.
    if (hook.active === 0) {
      await repo.record(db, id, { status: 'failed', last_error: DROPPED, lease_until: null });
      return;
    }
    let status: number | null = null;
    let error: string | null = null;
    try {
      status = (
        await egress.post(
          hook.url,
          d.payload,
          {
            'content-type': 'application/json',
            'user-agent': 'Steward-Webhooks',
            'steward-event': d.action,
            'steward-delivery': d.id,
            'steward-signature': signWebhook(hook.secret, d.payload, Math.floor(clock.now().getTime() / 1000)),
          },
          options.timeoutMs,
        )
      ).status;
      if (status < 200 || status > 299) error = `the receiver answered ${status}`;
    } catch (err) {
      error = (err as Error).message;
    }
    const at = clock.now();
    if (error === null)
      await repo.record(db, id, {
        status: 'succeeded',
        attempts,
        last_status: status,
        last_error: null,
        delivered_at: at.toISOString(),
        lease_until: null,
      });
    else if (attempts >= options.maxAttempts || hook.active === 0)
      await repo.record(db, id, {
        status: 'failed',
        attempts,
        last_status: status,
        last_error: error,
        lease_until: null,
      });
    else
      await repo.record(db, id, {
        attempts,
        last_status: status,
        last_error: error,
        lease_until: null,
        next_attempt_at: new Date(
          at.getTime() + backoffMs(attempts, options.backoffBaseMs, options.capMs),
        ).toISOString(),
      });
  }

  async function tick(): Promise<void> {
    const due = await repo.due(db, clock.now().toISOString(), 50);
    await Promise.all(due.map((d) => attempt(d.id).catch(onError)));
  }

  return {
    start(): void {
      timer ??= setInterval(() => {
        if (running) return;
        running = tick()
          .catch(onError)
          .finally(() => {
            running = undefined;
          });
      }, options.pollMs);
      timer.unref();
    },
    /** Stops polling and waits for the attempts in flight. */
    async stop(): Promise<void> {
      if (timer) clearInterval(timer);
      timer = undefined;
      await running;
    },
    tick,
  };
}
