import { Readable } from 'node:stream';
import { Type, type Static } from 'typebox';
import { contextOf, type App } from '../../http/app-types.ts';
import { fromQuery } from '../../http/input.ts';
import { decodeCursor, encodeCursor } from '../../lib/pagination.ts';
import { Timestamp } from '../common/common.schema.ts';
import type { AuditSearch } from './audit-search.service.ts';

const tags = ['audit'];
const Nullable = <T extends import('typebox').TSchema>(t: T) => Type.Union([t, Type.Null()]);

const AuditEvent = Type.Object({
  seq: Type.Integer(),
  time: Timestamp,
  actor: Type.Object({
    kind: Type.String(),
    id: Nullable(Type.String()),
    name: Type.String({ description: 'display name at the time of the event' }),
    token: Nullable(Type.String()),
  }),
  action: Type.String(),
  subject: Type.Object({
    type: Type.String(),
    id: Type.String(),
    name: Nullable(Type.String({ description: 'what the subject is called now (`model v3` for a version)' })),
    model: Nullable(Type.String({ description: 'the model, for a model or a version' })),
    version: Nullable(Type.Integer({ description: 'the version number, for a version' })),
  }),
  before: Type.Unknown(),
  after: Type.Unknown(),
  reason: Nullable(Type.String()),
  requestId: Nullable(Type.String()),
  source: Nullable(Type.String()),
});

const Filters = {
  subjectType: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  subjectId: Type.Optional(Type.String({ minLength: 1, maxLength: 300 })),
  actorId: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  action: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'an exact action code' })),
  actionFamily: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 100,
      description:
        'words for what happened: part of an action code, or a family such as "approve" (sign-offs, reviews, completed promotions), "reject", "deploy", "suspend", "create", "delete"',
    }),
  ),
  actorName: Type.Optional(
    Type.String({ minLength: 1, maxLength: 200, description: "part of the actor's display name or username" }),
  ),
  subjectName: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 200,
      description:
        'part of the name of a use case, model, dataset, user, team or policy pack; `model v3` for a version',
    }),
  ),
  from: Type.Optional(Type.String({ format: 'date-time', description: 'inclusive' })),
  to: Type.Optional(Type.String({ format: 'date-time', description: 'exclusive' })),
  order: Type.Union([Type.Literal('asc'), Type.Literal('desc')], {
    default: 'asc',
    description: '`asc`: in sequence order (oldest first); `desc`: newest first',
  }),
};

const EventsQuery = Type.Object(
  {
    ...Filters,
    limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
    cursor: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);
const ExportQuery = Type.Object(
  { ...Filters, format: Type.Union([Type.Literal('csv'), Type.Literal('json')], { default: 'csv' }) },
  { additionalProperties: false },
);
type ExportQuery = Static<typeof ExportQuery>;

export function auditSearchRoutes(app: App, { search }: { search: AuditSearch }): void {
  app.get(
    '/audit/events',
    {
      config: { permission: 'audit:read' },
      schema: {
        tags,
        summary:
          'Audit events, filtered by subject (id or name), actor (id or name), action (code or family) and time; oldest or newest first, with the subjects named',
        querystring: EventsQuery,
        response: {
          200: Type.Object({ items: Type.Array(AuditEvent), nextCursor: Nullable(Type.String()) }),
        },
      },
    },
    async (request) => {
      const { cursor, limit, ...query } = request.query;
      const { items, more } = await fromQuery(async () => {
        const after = decodeCursor(cursor, ['number']) as [number] | undefined;
        return search.page(query, limit, after?.[0]);
      });
      return { items, nextCursor: more ? encodeCursor([items[items.length - 1]!.seq]) : null };
    },
  );

  app.get(
    '/audit/events/export',
    {
      config: { permission: 'audit:read' },
      schema: {
        tags,
        summary:
          'Every audit event the filters select, as CSV or JSON, streamed; the log as it stood when asked. Audited as `export.generate` of the audit trail.',
        querystring: ExportQuery,
      },
    },
    async (request, reply) => {
      const { format, ...query } = request.query as ExportQuery;
      const lines = await fromQuery(() => search.export(contextOf(request), query, format));
      const stamp = new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-');
      return reply
        .header('content-disposition', `attachment; filename="audit-events-${stamp}.${format}"`)
        .header('cache-control', 'no-store')
        .type(format === 'csv' ? 'text/csv; charset=utf-8; header=present' : 'application/json; charset=utf-8')
        .send(Readable.from(lines));
    },
  );
}
