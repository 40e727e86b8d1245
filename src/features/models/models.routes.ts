import { Type } from 'typebox';
import { contextOf, type App } from '../../http/app-types.ts';
import { fromBody, fromQuery } from '../../http/input.ts';
import { etagOf, revisionFromIfMatch } from '../../http/etag.ts';
import { PageOf, PageQuery } from '../../lib/pagination.ts';
import { IfMatchHeaders, UseCaseRef } from '../common/common.schema.ts';
import type { ModelService } from './models.service.ts';
import { CreateModelBody, Model, ModelNameParams, PatchModelBody } from './models.schema.ts';

const tags = ['models'];

/** Adds each model's monitoring health, when monitoring is there to say. */
export type ModelHealth = (ids: string[]) => Promise<Map<string, Health>>;
type Health = 'ok' | 'warning' | 'alerting' | 'no-data';

export function modelRoutes(app: App, { models, health }: { models: ModelService; health?: ModelHealth }): void {
  const withHealth = async <T extends { id: string }>(items: T[]): Promise<(T & { health?: Health })[]> => {
    if (!health) return items;
    const h = await health(items.map((m) => m.id));
    return items.map((m) => ({ ...m, health: h.get(m.id) }));
  };

  app.post(
    '/models',
    {
      config: { auth: 'authenticated' },
      schema: { tags, summary: 'Register a model under a use case', body: CreateModelBody, response: { 201: Model } },
    },
    async (request, reply) => {
      const m = await fromBody(() => models.create(contextOf(request), request.body));
      return reply
        .status(201)
        .header('location', `/api/v1/models/${encodeURIComponent(m.name)}`)
        .header('etag', etagOf('model', m.id, m.revision))
        .send((await withHealth([m]))[0]!);
    },
  );

  app.get(
    '/models',
    {
      config: { permission: 'inventory:read' },
      schema: {
        tags,
        summary: 'List models by name, filtered by use case, tag and text',
        querystring: Type.Object(
          {
            ...PageQuery,
            useCase: Type.Optional(UseCaseRef),
            useCaseId: Type.Optional(UseCaseRef),
            tag: Type.Optional(
              Type.String({ minLength: 1, maxLength: 1000, description: '`key` (has the tag) or `key=value`' }),
            ),
            q: Type.Optional(
              Type.String({
                minLength: 1,
                maxLength: 200,
                description: 'case-insensitive text in name or description',
              }),
            ),
          },
          { additionalProperties: false },
        ),
        response: { 200: PageOf(Model) },
      },
    },
    async (request) => {
      const page = await fromQuery(() => models.list(request.query));
      return { ...page, items: await withHealth(page.items) };
    },
  );

  app.get(
    '/models/:name',
    {
      config: { permission: 'inventory:read' },
      schema: { tags, summary: 'Read a model', params: ModelNameParams, response: { 200: Model } },
    },
    async (request, reply) => {
      const m = await models.get(request.params.name);
      return reply.header('etag', etagOf('model', m.id, m.revision)).send((await withHealth([m]))[0]!);
    },
  );

  app.patch(
    '/models/:name',
    {
      config: { auth: 'authenticated' },
      schema: {
        tags,
        summary: 'Change a model: rename, move to another use case, description, tags (merge patch)',
        params: ModelNameParams,
        headers: IfMatchHeaders,
        body: PatchModelBody,
        response: { 200: Model },
      },
    },
    async (request, reply) => {
      const current = await models.get(request.params.name);
      const m = await fromBody(() =>
        models.update(
          contextOf(request),
          request.params.name,
          request.body,
          revisionFromIfMatch(request.headers['if-match'], 'model', current.id),
        ),
      );
      return reply.header('etag', etagOf('model', m.id, m.revision)).send((await withHealth([m]))[0]!);
    },
  );
}
