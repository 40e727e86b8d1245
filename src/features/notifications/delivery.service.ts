import type { Executor } from '../../db/database.ts';
import type { NotificationDigestTable, NotificationTable } from '../../db/schema-notifications.ts';
import {
  digestMail,
  immediateMail,
  lastEndedPeriod,
  retryAt,
  type DigestPeriod,
  type MailItem,
} from '../../domain/notifications.ts';
import type { Clock } from '../../clock.ts';
import type { IdSource } from '../../lib/ids.ts';
import type { Mailer } from './mailer.ts';
import type { NotificationsRepo } from './notifications.repo.ts';

export interface DeliveryDeps {
  db: Executor;
  clock: Clock;
  ids: IdSource;
  repo: NotificationsRepo;
  mailer: Mailer | null;
  /** Where the console is served: links in mails are made absolute with it (none without it). */
  publicUrl: string | null;
  /** A person's current address and whether they are active (from identity). */
  recipient: (exec: Executor, userId: string) => Promise<{ email: string | null; status: string } | undefined>;
}

export interface DeliveryReport {
  sent: number;
  retrying: number;
  failed: number;
  digests: number;
}

/** How long a replica holds a mail or digest it is sending: longer than the mailer's timeouts. */
const LEASE_MS = 5 * 60_000;
const BATCH = 200;

const item = (n: NotificationTable): MailItem => ({
  title: n.title,
  body: n.body,
  link: n.link,
  createdAt: n.created_at,
});

/** Why a mail failed, short and without the SMTP server's whole reply (it may echo credentials). */
const reason = (err: unknown) =>
  (err instanceof Error ? `${(err as { code?: string }).code ?? 'error'}: ${err.message}` : String(err))
    .replace(/\/\/[^@\s/]*@/g, '//')
    .slice(0, 300);

/**
 * E-mail delivery: immediate mails, then the digests of periods that ended. Every replica may run
 * it at once: a row is sent only by the replica whose conditional update claimed it, a digest
 * exists once per user and period, and a failed send is retried with backoff, then recorded failed.
 */
export function createDelivery(deps: DeliveryDeps) {
  const { db, clock, repo, mailer } = deps;

  async function sendTo(userId: string, mail: { subject: string; text: string }): Promise<void> {
    const who = await deps.recipient(db, userId);
    if (!who?.email || who.status !== 'active') throw new Error('the person has no e-mail address or is disabled');
    await mailer!.send({ to: who.email, ...mail });
  }

  async function immediate(report: DeliveryReport, now: Date): Promise<void> {
    const at = now.toISOString();
    for (const n of await repo.dueMails(db, at, BATCH)) {
      if (!(await repo.claimMail(db, n.id, at, new Date(now.getTime() + LEASE_MS).toISOString()))) continue;
      try {
        await sendTo(n.user_id, immediateMail(item(n), deps.publicUrl));
        await repo.mailOutcome(db, [n.id], {
          email_status: 'sent',
          email_attempts: n.email_attempts + 1,
          email_next_at: null,
          email_error: null,
          emailed_at: clock.now().toISOString(),
        });
        report.sent++;
      } catch (err) {
        const attempts = n.email_attempts + 1;
        const next = retryAt(attempts, clock.now());
        await repo.mailOutcome(db, [n.id], {
          email_status: next ? 'pending' : 'failed',
          email_attempts: attempts,
          email_next_at: next?.toISOString() ?? null,
          email_error: reason(err),
          emailed_at: null,
        });
        if (next) report.retrying++;
        else report.failed++;
      }
    }
  }

  /** Opens the digest of the period that ended for everyone with waiting notifications. */
  async function openDigests(period: DigestPeriod, now: Date): Promise<void> {
    const p = lastEndedPeriod(period, now);
    for (const user of await repo.awaitingDigest(db, period, p.end.toISOString())) {
      const digest = await repo.ensureDigest(db, {
        id: deps.ids.next(),
        user_id: user,
        period,
        period_key: p.key,
        period_end: p.end.toISOString(),
        status: 'pending',
        attempts: 0,
        next_at: now.toISOString(),
        claimed_until: null,
        last_error: null,
        items: 0,
        sent_at: null,
        created_at: now.toISOString(),
      });
      if (digest.status === 'pending') await repo.attach(db, digest);
    }
  }

  async function sendDigest(d: NotificationDigestTable, report: DeliveryReport, now: Date): Promise<void> {
    const items = await repo.digestItems(db, d.id);
    const ids = items.map((i) => i.id);
    try {
      if (items.length > 0)
        await sendTo(d.user_id, digestMail(d.period as DigestPeriod, d.period_key, items.map(item), deps.publicUrl));
      const sentAt = clock.now().toISOString();
      await repo.digestOutcome(db, d.id, {
        status: 'sent',
        attempts: d.attempts + 1,
        next_at: d.next_at,
        last_error: null,
        sent_at: sentAt,
        items: items.length,
      });
      await repo.mailOutcome(db, ids, {
        email_status: 'sent',
        email_attempts: 1,
        email_next_at: null,
        email_error: null,
        emailed_at: sentAt,
      });
      report.digests++;
    } catch (err) {
      const attempts = d.attempts + 1;
      const next = retryAt(attempts, now);
      await repo.digestOutcome(db, d.id, {
        status: next ? 'pending' : 'failed',
        attempts,
        next_at: next?.toISOString() ?? d.next_at,
        last_error: reason(err),
        sent_at: null,
        items: items.length,
      });
      if (!next)
        await repo.mailOutcome(db, ids, {
          email_status: 'failed',
          email_attempts: attempts,
          email_next_at: null,
          email_error: reason(err),
          emailed_at: null,
        });
      if (next) report.retrying++;
      else report.failed++;
    }
  }

  return {
    /** Sends what is due now; returns what it did. Without SMTP configured it does nothing. */
    async deliver(): Promise<DeliveryReport> {
      const report: DeliveryReport = { sent: 0, retrying: 0, failed: 0, digests: 0 };
      if (!mailer) return report;
      const now = clock.now();
      await immediate(report, now);
      for (const period of ['daily', 'weekly'] as const) await openDigests(period, now);
      const at = now.toISOString();
      for (const d of await repo.dueDigests(db, at, BATCH))
        if (await repo.claimDigest(db, d.id, at, new Date(now.getTime() + LEASE_MS).toISOString()))
          await sendDigest(d, report, now);
      return report;
    },
  };
}

export type Delivery = ReturnType<typeof createDelivery>;
