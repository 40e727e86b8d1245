import { contextOf, type App } from '../../http/app-types.ts';
import { fromBody, fromQuery } from '../../http/input.ts';
import { credentialsOf } from '../common/signing.ts';
import type { ExceptionsService } from './exceptions.service.ts';
import {
  ExceptionsQuery,
  Finding,
  FindingRead,
  FindingsQuery,
  IdParams,
  MeasureException,
  MeasureExceptionRead,
  page,
  PatchFindingBody,
  RaiseEligibility,
  RaiseFindingBody,
  RequestEligibility,
  RequestExceptionBody,
  SignBody,
  SubjectQuery,
} from './findings.schema.ts';
import type { FindingsService } from './findings.service.ts';
import { refOf } from './subjects.ts';

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
        description: "Each finding says what the caller may do with it now (`actions`), by the commands' own rules.",
        querystring: FindingsQuery,
        response: { 200: page(FindingRead) },
      },
    },
    async (request) => {
      const { cursor, ...q } = request.query;
      return fromQuery(() =>
        findings.list(contextOf(request), compact({ ...q, ...(cursor ? { after: cursor } : {}) })),
      );
    },
  );

  app.get(
    '/findings/eligibility',
    {
      config: { permission: 'inventory:read' },
      schema: {
        tags,
        summary: 'Whether the caller may raise a finding on a subject (useCase, or model and version)',
        description:
          "Asked before the form is sent: the raise command's own rule (a validator role the subject's policy pack names, in its team). Raising still enforces it.",
        querystring: SubjectQuery,
        response: { 200: RaiseEligibility },
      },
    },
    async (request) => fromQuery(() => findings.eligibility(contextOf(request), refOf(request.query))),
  );

  app.get(
    '/findings/:id',
    {
      config: { permission: 'inventory:read' },
      schema: { tags, summary: 'One finding', params: IdParams, response: { 200: FindingRead } },
    },
    async (request) => findings.get(contextOf(request), request.params.id),
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
        description:
          "Each exception says whether the caller may approve or reject it now (`actions`), by the decision command's own rule.",
        querystring: ExceptionsQuery,
        response: { 200: page(MeasureExceptionRead) },
      },
    },
    async (request) => {
      const { cursor, ...q } = request.query;
      return fromQuery(() =>
        exceptions.list(contextOf(request), compact({ ...q, ...(cursor ? { after: cursor } : {}) })),
      );
    },
  );

  app.get(
    '/exceptions/eligibility',
    {
      config: { permission: 'inventory:read' },
      schema: {
        tags: xtags,
        summary: 'Whether the caller may request an exception on a subject (useCase, or model and version)',
        description:
          "Asked before the form is sent: the request command's own rule (use-case:write or version:write in the subject's team). Requesting still enforces it.",
        querystring: SubjectQuery,
        response: { 200: RequestEligibility },
      },
    },
    async (request) => fromQuery(() => exceptions.eligibility(contextOf(request), refOf(request.query))),
  );

  app.get(
    '/exceptions/:id',
    {
      config: { permission: 'inventory:read' },
      schema: { tags: xtags, summary: 'One exception', params: IdParams, response: { 200: MeasureExceptionRead } },
    },
    async (request) => exceptions.get(contextOf(request), request.params.id),
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
