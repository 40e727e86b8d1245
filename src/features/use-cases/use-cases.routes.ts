import { Type } from 'typebox';
import { contextOf, type App } from '../../http/app-types.ts';
import { fromBody, fromQuery } from '../../http/input.ts';
import { etagOf, revisionFromIfMatch } from '../../http/etag.ts';
import { PageOf, PageQuery } from '../../lib/pagination.ts';
import { IfMatchHeaders, TeamSlug, UseCaseRef, Uuid } from '../common/common.schema.ts';
import type { UseCaseService } from './use-cases.service.ts';
import { CreateUseCaseBody, PatchUseCaseBody, UseCase } from './use-cases.schema.ts';

const tags = ['use cases'];
const IdParams = Type.Object({ id: Uuid });

export function useCaseRoutes(app: App, { useCases }: { useCases: UseCaseService }): void {
  app.post(
    '/use-cases',
    {
      config: { auth: 'authenticated' },
      schema: { tags, summary: 'Register a use case', body: CreateUseCaseBody, response: { 201: UseCase } },
    },
    async (request, reply) => {
      const u = await fromBody(() => useCases.create(contextOf(request), request.body));
      return reply
        .status(201)
        .header('location', `/api/v1/use-cases/${u.id}`)
        .header('etag', etagOf('use-case', u.id, u.revision))
        .send(u);
    },
  );

  app.get(
    '/use-cases',
    {
      config: { permission: 'inventory:read' },
      schema: {
        tags,
        summary: 'List use cases (oldest first)',
        querystring: Type.Object({ ...PageQuery, ownerTeam: Type.Optional(TeamSlug) }, { additionalProperties: false }),
        response: { 200: PageOf(UseCase) },
      },
    },
    async (request) => fromQuery(() => useCases.list(request.query)),
  );

  app.get(
    '/use-cases/:id',
    {
      config: { permission: 'inventory:read' },
      schema: {
        tags,
        summary: 'Read a use case by id or name',
        params: Type.Object({ id: UseCaseRef }),
        response: { 200: UseCase },
      },
    },
    async (request, reply) => {
      const u = await useCases.get(request.params.id);
      return reply.header('etag', etagOf('use-case', u.id, u.revision)).send(u);
    },
  );

  app.patch(
    '/use-cases/:id',
    {
      config: { auth: 'authenticated' },
      schema: {
        tags,
        summary: 'Change a use case (If-Match honoured)',
        params: IdParams,
        headers: IfMatchHeaders,
        body: PatchUseCaseBody,
        response: { 200: UseCase },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const u = await fromBody(() =>
        useCases.update(
          contextOf(request),
          id,
          request.body,
          revisionFromIfMatch(request.headers['if-match'], 'use-case', id),
        ),
      );
      return reply.header('etag', etagOf('use-case', u.id, u.revision)).send(u);
    },
  );
}
