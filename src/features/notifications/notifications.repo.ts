import type { Executor, Tx } from '../../db/database.ts';
import type {
  NotificationDigestTable,
  NotificationSettingTable,
  NotificationTable,
} from '../../db/schema-notifications.ts';

/** Conditionally updated rows: 1 when this caller won the claim. */
const won = (r: { numUpdatedRows: bigint }) => Number(r.numUpdatedRows) === 1;

/** The notifications feature's tables: people's notifications, their e-mail settings and digests. */
export const notificationsRepo = {
  async insert(tx: Tx, rows: NotificationTable[]): Promise<void> {
    if (rows.length > 0) await tx.insertInto('notifications').values(rows).execute();
  },

  async get(db: Executor, id: string): Promise<NotificationTable | undefined> {
    return db.selectFrom('notifications').selectAll().where('id', '=', id).executeTakeFirst();
  },

  /** A user's notifications, newest first (ids are time-ordered), after `before` when paging. */
  async page(
    db: Executor,
    userId: string,
    opts: { unread?: boolean; before?: string; limit: number },
  ): Promise<NotificationTable[]> {
    let q = db.selectFrom('notifications').selectAll().where('user_id', '=', userId);
    if (opts.unread) q = q.where('read_at', 'is', null);
    if (opts.before) q = q.where('id', '<', opts.before);
    return q.orderBy('id', 'desc').limit(opts.limit).execute();
  },

  async unreadCount(db: Executor, userId: string): Promise<number> {
    const row = await db
      .selectFrom('notifications')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('user_id', '=', userId)
      .where('read_at', 'is', null)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  },

  /** Marks the user's unread notifications read (those of `ids`, or all); returns how many. */
  async markRead(tx: Tx, userId: string, ids: string[] | 'all', at: string): Promise<number> {
    if (ids !== 'all' && ids.length === 0) return 0;
    let q = tx
      .updateTable('notifications')
      .set({ read_at: at })
      .where('user_id', '=', userId)
      .where('read_at', 'is', null);
    if (ids !== 'all') q = q.where('id', 'in', ids);
    return Number((await q.executeTakeFirst()).numUpdatedRows);
  },

  async settingsOf(db: Executor, userIds: string[]): Promise<Map<string, string>> {
    if (userIds.length === 0) return new Map();
    const rows = await db.selectFrom('notification_settings').selectAll().where('user_id', 'in', userIds).execute();
    return new Map(rows.map((r) => [r.user_id, r.email]));
  },

  async putSetting(tx: Tx, row: NotificationSettingTable): Promise<void> {
    await tx
      .insertInto('notification_settings')
      .values(row)
      .onConflict((oc) => oc.column('user_id').doUpdateSet({ email: row.email, updated_at: row.updated_at }))
      .execute();
  },

  /** Immediate mails due to be (re)tried and not held by another replica's lease. */
  async dueMails(db: Executor, now: string, limit: number): Promise<NotificationTable[]> {
    return db
      .selectFrom('notifications')
      .selectAll()
      .where('email_status', '=', 'pending')
      .where('email_next_at', '<=', now)
      .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<', now)]))
      .orderBy('id')
      .limit(limit)
      .execute();
  },

  /** Takes a lease on one pending mail; false when another replica holds or sent it. */
  async claimMail(db: Executor, id: string, now: string, until: string): Promise<boolean> {
    return won(
      await db
        .updateTable('notifications')
        .set({ claimed_until: until })
        .where('id', '=', id)
        .where('email_status', '=', 'pending')
        .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<', now)]))
        .executeTakeFirst(),
    );
  },

  async mailOutcome(
    db: Executor,
    ids: string[],
    set: Pick<NotificationTable, 'email_status' | 'email_attempts' | 'email_next_at' | 'email_error' | 'emailed_at'>,
  ): Promise<void> {
    if (ids.length > 0)
      await db
        .updateTable('notifications')
        .set({ ...set, claimed_until: null })
        .where('id', 'in', ids)
        .execute();
  },

  /** Users with notifications waiting for a digest of `period` that were created before `before`. */
  async awaitingDigest(db: Executor, period: string, before: string): Promise<string[]> {
    const rows = await db
      .selectFrom('notifications')
      .select('user_id')
      .distinct()
      .where('email_status', '=', period)
      .where('digest_id', 'is', null)
      .where('created_at', '<', before)
      .execute();
    return rows.map((r) => r.user_id);
  },

  /** Creates the user's digest of a period unless it exists (one per user and period, whoever runs). */
  async ensureDigest(db: Executor, row: NotificationDigestTable): Promise<NotificationDigestTable> {
    await db
      .insertInto('notification_digests')
      .values(row)
      .onConflict((oc) => oc.columns(['user_id', 'period', 'period_key']).doNothing())
      .execute();
    return db
      .selectFrom('notification_digests')
      .selectAll()
      .where('user_id', '=', row.user_id)
      .where('period', '=', row.period)
      .where('period_key', '=', row.period_key)
      .executeTakeFirstOrThrow();
  },

  /** Puts the user's waiting notifications created before the period's end into its digest. */
  async attach(db: Executor, digest: NotificationDigestTable): Promise<void> {
    await db
      .updateTable('notifications')
      .set({ digest_id: digest.id })
      .where('user_id', '=', digest.user_id)
      .where('email_status', '=', digest.period)
      .where('digest_id', 'is', null)
      .where('created_at', '<', digest.period_end)
      .execute();
  },

  async digestItems(db: Executor, digestId: string): Promise<NotificationTable[]> {
    return db.selectFrom('notifications').selectAll().where('digest_id', '=', digestId).orderBy('id').execute();
  },

  async dueDigests(db: Executor, now: string, limit: number): Promise<NotificationDigestTable[]> {
    return db
      .selectFrom('notification_digests')
      .selectAll()
      .where('status', '=', 'pending')
      .where('next_at', '<=', now)
      .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<', now)]))
      .orderBy('id')
      .limit(limit)
      .execute();
  },

  async claimDigest(db: Executor, id: string, now: string, until: string): Promise<boolean> {
    return won(
      await db
        .updateTable('notification_digests')
        .set({ claimed_until: until })
        .where('id', '=', id)
        .where('status', '=', 'pending')
        .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<', now)]))
        .executeTakeFirst(),
    );
  },

  async digestOutcome(
    db: Executor,
    id: string,
    set: Pick<NotificationDigestTable, 'status' | 'attempts' | 'next_at' | 'last_error' | 'sent_at' | 'items'>,
  ): Promise<void> {
    await db
      .updateTable('notification_digests')
      .set({ ...set, claimed_until: null })
      .where('id', '=', id)
      .execute();
  },

  async digests(db: Executor, userId: string, limit: number): Promise<NotificationDigestTable[]> {
    return db
      .selectFrom('notification_digests')
      .selectAll()
      .where('user_id', '=', userId)
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
  },
};

export type NotificationsRepo = typeof notificationsRepo;
