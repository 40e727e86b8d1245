import type { Executor, Tx } from '../../db/database.ts';
import type { WebhookDeliveryTable, WebhookTable } from '../../db/schema.ts';

export const webhookRepo = {
  async insert(tx: Tx, w: WebhookTable): Promise<void> {
    await tx.insertInto('webhooks').values(w).execute();
  },
  async get(db: Executor, id: string): Promise<WebhookTable | undefined> {
    return db.selectFrom('webhooks').selectAll().where('id', '=', id).executeTakeFirst();
  },
  async list(db: Executor): Promise<WebhookTable[]> {
    return db.selectFrom('webhooks').selectAll().orderBy('created_at').orderBy('id').execute();
  },
  async active(db: Executor): Promise<WebhookTable[]> {
    return db.selectFrom('webhooks').selectAll().where('active', '=', 1).execute();
  },
  async deactivate(tx: Tx, id: string): Promise<boolean> {
    const r = await tx
      .updateTable('webhooks')
      .set({ active: 0 })
      .where('id', '=', id)
      .where('active', '=', 1)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  },
  /** Marks a webhook's pending deliveries failed with `reason`, so none is sent. */
  async dropPending(tx: Tx, webhookId: string, reason: string): Promise<void> {
    await tx
      .updateTable('webhook_deliveries')
      .set({ status: 'failed', last_error: reason, lease_until: null })
      .where('webhook_id', '=', webhookId)
      .where('status', '=', 'pending')
      .execute();
  },
  async enqueue(tx: Tx, rows: WebhookDeliveryTable[]): Promise<void> {
    if (rows.length > 0) await tx.insertInto('webhook_deliveries').values(rows).execute();
  },
  async deliveries(
    db: Executor,
    webhookId: string,
    opts: { limit: number; after?: string; status?: string },
  ): Promise<WebhookDeliveryTable[]> {
    let q = db.selectFrom('webhook_deliveries').selectAll().where('webhook_id', '=', webhookId);
    if (opts.after) q = q.where('id', '>', opts.after);
    if (opts.status) q = q.where('status', '=', opts.status);
    return q.orderBy('id').limit(opts.limit).execute();
  },
  async delivery(db: Executor, id: string): Promise<WebhookDeliveryTable | undefined> {
    return db.selectFrom('webhook_deliveries').selectAll().where('id', '=', id).executeTakeFirst();
  },
  async due(db: Executor, now: string, limit: number): Promise<WebhookDeliveryTable[]> {
    return db
      .selectFrom('webhook_deliveries')
      .selectAll()
      .where('status', '=', 'pending')
      .where('next_attempt_at', '<=', now)
      .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]))
      .orderBy('next_attempt_at')
      .orderBy('id')
      .limit(limit)
      .execute();
  },
  /** Takes a delivery for one attempt; false when another dispatcher (replica) holds it. */
  async claim(db: Executor, id: string, now: string, until: string): Promise<boolean> {
    const r = await db
      .updateTable('webhook_deliveries')
      .set({ lease_until: until })
      .where('id', '=', id)
      .where('status', '=', 'pending')
      .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]))
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  },
  async record(
    db: Executor,
    id: string,
    set: Partial<
      Pick<
        WebhookDeliveryTable,
        'status' | 'attempts' | 'next_attempt_at' | 'lease_until' | 'last_status' | 'last_error' | 'delivered_at'
      >
    >,
  ): Promise<void> {
    await db.updateTable('webhook_deliveries').set(set).where('id', '=', id).execute();
  },
};

export type WebhookRepo = typeof webhookRepo;
