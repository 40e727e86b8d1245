import { Type } from 'typebox';
import { ping, type DatabaseHandle } from '../../db/database.ts';
import { isMigrated } from '../../db/migrate.ts';
import type { App } from '../../http/app-types.ts';

const Health = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('unavailable')]),
  detail: Type.Optional(Type.String()),
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
}
