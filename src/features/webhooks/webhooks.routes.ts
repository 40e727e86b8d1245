import { Type } from 'typebox';
import { contextOf, type App } from '../../http/app-types.ts';
import { fromBody } from '../../http/input.ts';
import { Nullable, OpenObject, Uuid } from '../common/common.schema.ts';
import type { WebhookService } from './webhooks.service.ts';

const tags = ['webhooks'];
const NullableString = Nullable(Type.String());
const WebhookSchema = OpenObject({
  id: Type.String(),
  url: Type.String(),
  events: Type.Array(Type.String()),
  description: Type.String(),
  active: Type.Boolean(),
  createdAt: Type.String(),
  createdBy: NullableString,
});
const DeliverySchema = OpenObject({
  id: Type.String(),
  webhookId: Type.String(),
  eventSeq: Type.Integer(),
  action: Type.String(),
  status: Type.Union([Type.Literal('pending'), Type.Literal('succeeded'), Type.Literal('failed')]),
  attempts: Type.Integer(),
  nextAttemptAt: NullableString,
  lastStatus: Nullable(Type.Integer()),
  lastError: NullableString,
  createdAt: Type.String(),
  deliveredAt: NullableString,
  replayOf: NullableString,
});
const EventPattern = Type.String({
  minLength: 1,
  maxLength: 200,
  pattern: '^(\\*|[a-z][a-z0-9-]*(\\.[a-z][a-z0-9-]*)*(\\.\\*)?)$',
  description: '`*`, an action such as `promotion.complete`, or a prefix such as `signature.*`',
});

export function webhookRoutes(app: App, webhooks: WebhookService): void {
  app.post(
    '/webhooks',
    {
      config: { auth: 'authenticated' },
      schema: {
        tags,
        summary: 'Subscribe a URL to audited events; the answer holds the signing secret, shown only once',
        description:
          'Each delivery is a POST of the event as JSON with `Steward-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`, `Steward-Event` and `Steward-Delivery` headers. Failed deliveries are retried with exponential backoff.',
        body: Type.Object(
          {
            url: Type.String({
              minLength: 1,
              maxLength: 2048,
              pattern: '^https?://',
              description: 'http(s) URL receiving the POSTs',
            }),
            events: Type.Array(EventPattern, { minItems: 1, maxItems: 100, uniqueItems: true, default: ['*'] }),
            description: Type.Optional(Type.String({ maxLength: 1000 })),
          },
          { additionalProperties: false },
        ),
        response: {
          201: Type.Intersect([
            WebhookSchema,
            Type.Object({ secret: Type.String({ description: 'the HMAC signing secret, shown only here' }) }),
          ]),
        },
      },
    },
    async (request, reply) =>
      reply.status(201).send(await fromBody(() => webhooks.create(contextOf(request), request.body))),
  );

  app.get(
    '/webhooks',
    {
      config: { auth: 'authenticated' },
      schema: {
        tags,
        summary: 'Webhook subscriptions (without their secrets)',
        response: { 200: Type.Object({ items: Type.Array(WebhookSchema) }) },
      },
    },
    async (request) => ({ items: await webhooks.list(contextOf(request)) }),
  );

  app.delete(
    '/webhooks/:id',
    {
      config: { auth: 'authenticated' },
      schema: {
        tags,
        summary: 'Stop a subscription (its delivery log stays)',
        params: Type.Object({ id: Uuid }),
        response: { 204: Type.Null() },
      },
    },
    async (request, reply) => {
      await webhooks.remove(contextOf(request), request.params.id);
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/webhooks/:id/deliveries',
    {
      config: { auth: 'authenticated' },
      schema: {
        tags,
        summary: 'The delivery log: every event sent to this webhook, its attempts and outcome',
        params: Type.Object({ id: Uuid }),
        querystring: Type.Object(
          {
            status: Type.Optional(Type.Enum(['pending', 'succeeded', 'failed'])),
            limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
            cursor: Type.Optional(Uuid),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ items: Type.Array(DeliverySchema), nextCursor: NullableString }) },
      },
    },
    async (request) =>
      webhooks.deliveries(contextOf(request), request.params.id, {
        limit: request.query.limit,
        ...(request.query.cursor ? { after: request.query.cursor } : {}),
        ...(request.query.status ? { status: request.query.status } : {}),
      }),
  );

  app.post(
    '/webhooks/:id/deliveries/:delivery/replay',
    {
      config: { auth: 'authenticated' },
      schema: {
        tags,
        summary: 'Send a delivery again',
        params: Type.Object({ id: Uuid, delivery: Uuid }),
        response: { 202: DeliverySchema },
      },
    },
    async (request, reply) =>
      reply.status(202).send(await webhooks.replay(contextOf(request), request.params.id, request.params.delivery)),
  );
}
