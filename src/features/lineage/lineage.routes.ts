import { Type } from 'typebox';
import { contextOf, type App } from '../../http/app-types.ts';
import { fromBody } from '../../http/input.ts';
import { VersionParams } from '../common/common.schema.ts';
import { LineageResult, RunEventBody } from './lineage.schema.ts';
import type { LineageService } from './lineage.service.ts';

const tags = ['datasets'];

export function lineageRoutes(app: App, deps: { lineage: LineageService }): void {
  app.post(
    '/lineage',
    {
      config: { auth: 'authenticated' },
      schema: {
        tags,
        summary:
          'Ingest an OpenLineage RunEvent: a completed run’s datasets become dataset versions with their (column) lineage; idempotent by run id, event type and time',
        body: RunEventBody,
        response: { 200: LineageResult, 201: LineageResult },
      },
    },
    async (request, reply) => {
      const { result, created } = await fromBody(() => deps.lineage.ingest(contextOf(request), request.body));
      return reply.status(created ? 201 : 200).send(result);
    },
  );

  app.get(
    '/models/:name/versions/:version/lineage',
    {
      config: { permission: 'inventory:read' },
      schema: {
        tags,
        summary: 'The OpenLineage runs that produced this model version, newest first',
        params: VersionParams,
        response: { 200: Type.Object({ items: Type.Array(LineageResult) }) },
      },
    },
    async (request) => ({ items: await deps.lineage.ofVersion(request.params.name, request.params.version) }),
  );
}
