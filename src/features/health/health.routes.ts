import { Type } from 'typebox';
import { ping, type DatabaseHandle } from '../../db/database.ts';
import { isMigrated } from '../../db/migrate.ts';
import type { App } from '../../http/app-types.ts';
import { DATABASE_RETRY_AFTER_S } from '../../db/errors.ts';

const Health = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('unavailable')]),
  detail: Type.Optional(Type.String()),
});

const Readiness = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('unavailable')]),
  database: Type.Object({
    kind: Type.Union([Type.Literal('sqlite'), Type.Literal('postgres')]),
    reachable: Type.Boolean(),
    migrated: Type.Boolean(),
    /** How long the check's query took, in milliseconds. */
    latencyMs: Type.Integer(),
  }),
});

export function healthRoutes(app: App, database: DatabaseHandle): void {
  // Migration state only moves forward while the process runs, so once seen complete it stays so.
  let migrated = false;
  app.get(
    '/healthz',
    {
      schema: {
        tags: ['health'],
        summary: 'Liveness and readiness: 200 once the database is migrated and reachable',
        response: { 200: Health, 503: Health },
      },
    },
    async (_request, reply) => {
      if (!(await ping(database.db)))
        return reply.status(503).send({ status: 'unavailable', detail: 'database unreachable' });
      migrated ||= await isMigrated(database.db);
      if (!migrated) return reply.status(503).send({ status: 'unavailable', detail: 'database not migrated' });
      return { status: 'ok' as const };
    },
  );

  // For load balancers and orchestrators: take a replica out of rotation while its database is away.
  app.get(
    '/readyz',
    {
      schema: {
        tags: ['health'],
        summary: 'Readiness: whether this replica reaches its database (503 with Retry-After while it does not)',
        response: { 200: Readiness, 503: Readiness },
      },
    },
    async (_request, reply) => {
      const started = performance.now();
      const reachable = await ping(database.db);
      migrated ||= reachable && (await isMigrated(database.db));
      const body = {
        status: reachable && migrated ? ('ok' as const) : ('unavailable' as const),
        database: {
          kind: database.dialect,
          reachable,
          migrated,
          latencyMs: Math.round(performance.now() - started),
        },
      };
      if (body.status === 'ok') return body;
      return reply.status(503).header('retry-after', String(DATABASE_RETRY_AFTER_S)).send(body);
    },
  );
}
