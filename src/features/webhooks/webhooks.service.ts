import { randomBytes } from 'node:crypto';
import type { RequestContext } from '../../context.ts';
import { actorId } from '../../context.ts';
import type { Tx } from '../../db/database.ts';
import type { WebhookDeliveryTable, WebhookTable } from '../../db/schema.ts';
import type { AuditEventRecord } from '../../domain/audit-event.ts';
import { ORGANISATION } from '../../domain/authz.ts';
import { matchesEvent } from '../../domain/webhook-signature.ts';
import { DomainError, notFound } from '../../errors.ts';
import { authorize } from '../common/authorize.ts';
import type { CommandDeps } from '../common/deps.ts';
import { DROPPED } from './dispatcher.ts';
import type { Egress } from './egress.ts';
import type { WebhookRepo } from './webhooks.repo.ts';

export interface Webhook {
  id: string;
  url: string;
  events: string[];
  description: string;
  active: boolean;
  createdAt: string;
  createdBy: string | null;
}

export interface Delivery {
  id: string;
  webhookId: string;
  eventSeq: number;
  action: string;
  status: 'pending' | 'succeeded' | 'failed';
  attempts: number;
  nextAttemptAt: string | null;
  lastStatus: number | null;
  lastError: string | null;
  createdAt: string;
  deliveredAt: string | null;
  replayOf: string | null;
}

const toWebhook = (w: WebhookTable): Webhook => ({
  id: w.id,
  url: w.url,
  events: JSON.parse(w.events),
  description: w.description,
  active: w.active === 1,
  createdAt: w.created_at,
  createdBy: w.created_by,
});
const toDelivery = (d: WebhookDeliveryTable): Delivery => ({
  id: d.id,
  webhookId: d.webhook_id,
  eventSeq: d.event_seq,
  action: d.action,
  status: d.status as Delivery['status'],
  attempts: d.attempts,
  nextAttemptAt: d.status === 'pending' ? d.next_attempt_at : null,
  lastStatus: d.last_status,
  lastError: d.last_error,
  createdAt: d.created_at,
  deliveredAt: d.delivered_at,
  replayOf: d.replay_of,
});

/** The JSON body receivers get: the audited event as the audit trail holds it. */
export function deliveryBody(deliveryId: string, webhookId: string, e: AuditEventRecord): string {
  const parse = (s: string | null) => (s === null ? null : JSON.parse(s));
  return JSON.stringify({
    delivery: deliveryId,
    webhook: webhookId,
    event: {
      seq: e.seq,
      time: e.time,
      action: e.action,
      actor: e.actor,
      subject: e.subject,
      before: parse(e.before),
      after: parse(e.after),
      reason: e.reason,
      requestId: e.requestId,
    },
  });
}

/**
 * Webhook subscriptions. Every audited event is published to the matching active webhooks by
 * inserting a delivery row in the event's own transaction (a transactional outbox), so a
 * delivery exists exactly when its event committed; the dispatcher sends them.
 */
export function createWebhookService({
  db,
  transact,
  audit,
  clock,
  ids,
  repo,
  cache,
  egress,
}: CommandDeps & { repo: WebhookRepo; cache: boolean; egress: Pick<Egress, 'refusal'> }) {
  let active: WebhookTable[] | undefined;
  const activeHooks = async (tx: Tx) => {
    if (!cache) return repo.active(tx);
    return (active ??= await repo.active(tx));
  };

  return {
    async create(
      ctx: RequestContext,
      input: { url: string; events: string[]; description?: string },
    ): Promise<Webhook & { secret: string }> {
      authorize(ctx, 'webhooks:admin', ORGANISATION);
      // A literal internal address is refused now; a name is checked when it is resolved, at each delivery.
      const refusal = egress.refusal(input.url);
      if (refusal)
        throw new DomainError('validation_failed', refusal, { errors: [{ pointer: '/url', message: refusal }] });
      const row: WebhookTable = {
        id: ids.next(),
        url: input.url,
        secret: `whsec_${randomBytes(32).toString('base64url')}`,
        events: JSON.stringify(input.events),
        description: input.description ?? '',
        active: 1,
        created_at: clock.now().toISOString(),
        created_by: actorId(ctx),
      };
      await transact(async (tx) => {
        await repo.insert(tx, row);
        await audit.append(tx, ctx, {
          action: 'webhook.create',
          subject: { type: 'webhook', id: row.id },
          after: toWebhook(row),
        });
      });
      active = undefined;
      return { ...toWebhook(row), secret: row.secret };
    },

    async list(ctx: RequestContext): Promise<Webhook[]> {
      authorize(ctx, 'webhooks:admin', ORGANISATION);
      return (await repo.list(db)).map(toWebhook);
    },

    async remove(ctx: RequestContext, id: string): Promise<void> {
      authorize(ctx, 'webhooks:admin', ORGANISATION);
      await transact(async (tx) => {
        const w = await repo.get(tx, id);
        if (!w || !(await repo.deactivate(tx, id))) throw notFound('webhook', id);
        // Retries still waiting would otherwise reach a receiver that was unsubscribed.
        await repo.dropPending(tx, id, DROPPED);
        await audit.append(tx, ctx, {
          action: 'webhook.delete',
          subject: { type: 'webhook', id },
          before: toWebhook(w),
        });
      });
      active = undefined;
    },

    async deliveries(
      ctx: RequestContext,
      id: string,
      opts: { limit: number; after?: string; status?: string },
    ): Promise<{ items: Delivery[]; nextCursor: string | null }> {
      authorize(ctx, 'webhooks:admin', ORGANISATION);
      if (!(await repo.get(db, id))) throw notFound('webhook', id);
      const rows = await repo.deliveries(db, id, { ...opts, limit: opts.limit + 1 });
      const page = rows.slice(0, opts.limit);
      return { items: page.map(toDelivery), nextCursor: rows.length > opts.limit ? page.at(-1)!.id : null };
    },

    /** Sends a delivery again (a new delivery with the same event), whatever became of the first. */
    async replay(ctx: RequestContext, id: string, deliveryId: string): Promise<Delivery> {
      authorize(ctx, 'webhooks:admin', ORGANISATION);
      return transact(async (tx) => {
        const w = await repo.get(tx, id);
        const d = await repo.delivery(tx, deliveryId);
        if (!w || !d || d.webhook_id !== id) throw notFound('delivery', deliveryId);
        if (w.active === 0) throw new DomainError('conflict', `webhook ${id} was deleted: its deliveries are not sent`);
        const now = clock.now().toISOString();
        const copyId = ids.next();
        const payload = JSON.parse(d.payload) as { delivery: string };
        const row: WebhookDeliveryTable = {
          ...d,
          id: copyId,
          payload: JSON.stringify({ ...payload, delivery: copyId }),
          status: 'pending',
          attempts: 0,
          next_attempt_at: now,
          lease_until: null,
          last_status: null,
          last_error: null,
          created_at: now,
          delivered_at: null,
          replay_of: d.id,
        };
        await repo.enqueue(tx, [row]);
        await audit.append(tx, ctx, {
          action: 'webhook.replay',
          subject: { type: 'webhook', id },
          after: { delivery: copyId, replayOf: d.id, eventSeq: d.event_seq },
        });
        return toDelivery(row);
      });
    },

    /** Audit subscriber: one pending delivery per matching active webhook, in the event's transaction. */
    async publish(tx: Tx, event: AuditEventRecord): Promise<void> {
      const hooks = (await activeHooks(tx)).filter((w) => matchesEvent(JSON.parse(w.events) as string[], event.action));
      if (hooks.length === 0) return;
      const now = clock.now().toISOString();
      await repo.enqueue(
        tx,
        hooks.map((w) => {
          const id = ids.next();
          return {
            id,
            webhook_id: w.id,
            event_seq: event.seq,
            action: event.action,
            payload: deliveryBody(id, w.id, event),
            status: 'pending',
            attempts: 0,
            next_attempt_at: now,
            lease_until: null,
            last_status: null,
            last_error: null,
            created_at: now,
            delivered_at: null,
            replay_of: null,
          };
        }),
      );
    },
  };
}

export type WebhookService = ReturnType<typeof createWebhookService>;
