import { Type } from 'typebox';
import { contextOf, type App } from '../../http/app-types.ts';
import { fromBody, fromQuery } from '../../http/input.ts';
import {
  CloseDsrBody,
  CreateDsrBody,
  DataSubjectRequest,
  DsrPage,
  DsrQuery,
  ExtendDsrBody,
  IdParams,
} from './dsr.schema.ts';
import type { DsrService } from './dsr.service.ts';

/**
 * The register of data-subject requests. It names people (by reference) and what is held on them,
 * so reading it takes the same organisation-wide permission as recording in it.
 */
export function dsrRoutes(app: App, deps: { dsr: DsrService }): void {
  const { dsr } = deps;
  const tags = ['data-subject-requests'];
  const url = '/data-subject-requests';

  app.post(
    url,
    {
      config: { auth: 'authenticated' },
      schema: {
        tags,
        summary:
          'Record a data-subject request: due one month after receipt; traced to the dataset versions holding the category and the model versions using them; tasks opened for their teams',
        body: CreateDsrBody,
        response: { 201: DataSubjectRequest },
      },
    },
    async (request, reply) =>
      reply.status(201).send(await fromBody(() => dsr.create(contextOf(request), request.body))),
  );

  app.get(
    url,
    {
      config: { permission: 'policy:admin' },
      schema: {
        tags,
        summary: 'Data-subject requests, oldest first, by status or overdue, with the open and overdue counts',
        querystring: DsrQuery,
        response: { 200: DsrPage },
      },
    },
    async (request) => {
      const { cursor, status, overdue, limit } = request.query;
      const page = await fromQuery(() =>
        dsr.list({
          limit,
          ...(status ? { status } : {}),
          ...(overdue !== undefined ? { overdue } : {}),
          ...(cursor ? { after: cursor } : {}),
        }),
      );
      return { ...page, counts: await dsr.counts() };
    },
  );

  app.get(
    `${url}/:id`,
    {
      config: { permission: 'policy:admin' },
      schema: {
        tags,
        summary: 'One data-subject request with the dataset versions, model versions and tasks traced',
        params: IdParams,
        response: { 200: DataSubjectRequest },
      },
    },
    async (request) => dsr.get(request.params.id),
  );

  app.post(
    `${url}/:id/extend`,
    {
      config: { auth: 'authenticated' },
      schema: {
        tags,
        summary: 'Extend the due date once, by up to two months, with the reason (GDPR Art. 12(3))',
        params: IdParams,
        body: ExtendDsrBody,
        response: { 200: DataSubjectRequest },
      },
    },
    async (request) => fromBody(() => dsr.extend(contextOf(request), request.params.id, request.body)),
  );

  app.post(
    `${url}/:id/close`,
    {
      config: { auth: 'authenticated' },
      schema: {
        tags,
        summary: 'Close a request as completed or refused, with the reason',
        params: IdParams,
        body: CloseDsrBody,
        response: { 200: DataSubjectRequest },
      },
    },
    async (request) => fromBody(() => dsr.close(contextOf(request), request.params.id, request.body)),
  );

  app.post(
    `${url}/overdue-checks`,
    {
      config: { permission: 'policy:admin' },
      schema: {
        tags,
        summary: 'Run the daily overdue check now: records dsr.overdue once for each open request past its due day',
        response: { 200: Type.Object({ noted: Type.Integer() }) },
      },
    },
    async (request) => dsr.noteOverdue(contextOf(request)),
  );
}
