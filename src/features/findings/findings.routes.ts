import { contextOf, type App } from '../../http/app-types.ts';
import { fromBody, fromQuery } from '../../http/input.ts';
import { credentialsOf } from '../common/signing.ts';
import type { ExceptionsService } from './exceptions.service.ts';
import {
  ExceptionsQuery,
  Finding,
  FindingsQuery,
  IdParams,
  MeasureException,
  page,
  PatchFindingBody,
  RaiseFindingBody,
  RequestExceptionBody,
  SignBody,
} from './findings.schema.ts';
import type { FindingsService } from './findings.service.ts';

const compact = <T extends object>(o: T): T =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;

export function findingsRoutes(app: App, deps: { findings: FindingsService; exceptions: ExceptionsService }): void {
  const { findings, exceptions } = deps;
  const tags = ['findings'];

  app.post(
    '/findings',
    {
      config: { auth: 'authenticated' },
      schema: {
        tags,
        summary: 'Raise a finding against a use case or a model version (a validator role the pack names)',
        body: RaiseFindingBody,
        response: { 201: Finding },
      },
    },
    async (request, reply) =>
      reply.status(201).send(await fromBody(() => findings.raise(contextOf(request), compact(request.body)))),
  );

  app.get(
    '/findings',
    {
      config: { permission: 'inventory:read' },
      schema: {
        tags,
        summary: 'Findings, oldest first, by subject (useCase, or model and version), status and severity',
        querystring: FindingsQuery,
        response: { 200: page(Finding) },
      },
    },
    async (request) => {
      const { cursor, ...q } = request.query;
      return fromQuery(() => findings.list(compact({ ...q, ...(cursor ? { after: cursor } : {}) })));
    },
  );

  app.get(
    '/findings/:id',
    {
      config: { permission: 'inventory:read' },
      schema: { tags, summary: 'One finding', params: IdParams, response: { 200: Finding } },
    },
    async (request) => findings.get(request.params.id),
  );

  app.patch(
    '/findings/:id',
    {
      config: { auth: 'authenticated' },
      schema: {
        tags,
        summary:
          'Update a finding: validators change any field; its owner moves it between open and remediating and revises the plan',
        params: IdParams,
        body: PatchFindingBody,
        response: { 200: Finding },
      },
    },
    async (request) => fromBody(() => findings.update(contextOf(request), request.params.id, compact(request.body))),
  );

  app.post(
    '/findings/:id/close',
    {
      config: { auth: 'authenticated' },
      schema: {
        tags,
        summary: 'Close a finding by an electronic signature (meaning close) of its raiser or another validator',
        params: IdParams,
        body: SignBody,
        response: { 200: Finding },
      },
    },
    async (request) =>
      fromBody(() =>
        findings.close(contextOf(request), request.params.id, {
          ...credentialsOf(request.body),
          ...(request.body.comment ? { comment: request.body.comment } : {}),
        }),
      ),
  );

  const xtags = ['exceptions'];
  app.post(
    '/exceptions',
    {
      config: { auth: 'authenticated' },
      schema: {
        tags: xtags,
        summary: 'Request an exception (waiver) of one measure for a use case or version, with a reason and an expiry',
        body: RequestExceptionBody,
        response: { 201: MeasureException },
      },
    },
    async (request, reply) =>
      reply.status(201).send(await fromBody(() => exceptions.request(contextOf(request), compact(request.body)))),
  );

  app.get(
    '/exceptions',
    {
      config: { permission: 'inventory:read' },
      schema: {
        tags: xtags,
        summary: 'Exceptions, oldest first, by subject, status and measure',
        querystring: ExceptionsQuery,
        response: { 200: page(MeasureException) },
      },
    },
    async (request) => {
      const { cursor, ...q } = request.query;
      return fromQuery(() => exceptions.list(compact({ ...q, ...(cursor ? { after: cursor } : {}) })));
    },
  );

  app.get(
    '/exceptions/:id',
    {
      config: { permission: 'inventory:read' },
      schema: { tags: xtags, summary: 'One exception', params: IdParams, response: { 200: MeasureException } },
    },
    async (request) => exceptions.get(request.params.id),
  );

  for (const decision of ['approve', 'reject'] as const)
    app.post(
      `/exceptions/:id/${decision}`,
      {
        config: { auth: 'authenticated' },
        schema: {
          tags: xtags,
          summary:
            decision === 'approve'
              ? 'Approve an exception by an electronic signature of a role the pack names (never its requester)'
              : 'Reject an exception by an electronic signature of a role the pack names',
          params: IdParams,
          body: SignBody,
          response: { 200: MeasureException },
        },
      },
      async (request) =>
        fromBody(() =>
          exceptions.decide(contextOf(request), request.params.id, decision, {
            ...credentialsOf(request.body),
            ...(request.body.comment ? { comment: request.body.comment } : {}),
          }),
        ),
    );
}
