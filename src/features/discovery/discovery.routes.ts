import { Type } from 'typebox';
import { contextOf, type App } from '../../http/app-types.ts';
import { byField, fromBody, fromInput, fromQuery, inBody } from '../../http/input.ts';
import type { DiscoveryService } from './discovery.service.ts';
import {
  AdoptBody,
  DismissBody,
  Finding,
  FindingParams,
  FindingsPage,
  FindingsQuery,
  Scan,
} from './discovery.schema.ts';

const tags = ['discovery'];

export function discoveryRoutes(app: App, { discovery }: { discovery: DiscoveryService }): void {
  app.post(
    '/discovery/scans',
    {
      config: { permission: 'policy:admin' },
      schema: {
        tags,
        summary:
          'Scan every configured source now (external MLflow servers, artefact roots); failing sources are retried, then recorded with their error',
        response: { 201: Scan },
      },
    },
    async (request, reply) => reply.status(201).send(await discovery.scan(contextOf(request), 'demand')),
  );

  app.get(
    '/discovery/scans',
    {
      config: { permission: 'inventory:read' },
      schema: {
        tags,
        summary: 'The latest discovery scans, newest first',
        querystring: Type.Object(
          { limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }) },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ items: Type.Array(Scan) }) },
      },
    },
    async (request) => ({ items: await discovery.scans(request.query.limit) }),
  );

  app.get(
    '/discovery/findings',
    {
      config: { permission: 'inventory:read' },
      schema: {
        tags,
        summary: 'The discovery inbox: models found outside the inventory, oldest first, with counts by status',
        querystring: FindingsQuery,
        response: { 200: FindingsPage },
      },
    },
    async (request) => fromQuery(() => discovery.list(request.query)),
  );

  app.get(
    '/discovery/findings/:id',
    {
      config: { permission: 'inventory:read' },
      schema: { tags, summary: 'One discovery finding', params: FindingParams, response: { 200: Finding } },
    },
    async (request) => discovery.get(request.params.id),
  );

  app.post(
    '/discovery/findings/:id/adopt',
    {
      // The model service checks model:write in the use case's team.
      config: { auth: 'authenticated' },
      schema: {
        tags,
        summary:
          'Adopt a finding: create (or link) the model under a use case, recording where it was found on the model',
        params: FindingParams,
        body: AdoptBody,
        response: { 200: Finding },
      },
    },
    async (request) =>
      fromInput(byField({ id: '/params/id' }, inBody), () =>
        discovery.adopt(contextOf(request), request.params.id, request.body),
      ),
  );

  app.post(
    '/discovery/findings/:id/dismiss',
    {
      config: { permission: 'model:write' },
      schema: {
        tags,
        summary: 'Dismiss a finding with the reason it needs no governance; re-scans keep it dismissed',
        params: FindingParams,
        body: DismissBody,
        response: { 200: Finding },
      },
    },
    async (request) => fromBody(() => discovery.dismiss(contextOf(request), request.params.id, request.body)),
  );
}
