import { Type } from 'typebox';
import { contextOf, type App } from '../../http/app-types.ts';
import { fromBody } from '../../http/input.ts';
import { Name, PositiveInt, Uuid } from '../common/common.schema.ts';
import type { MonitoringFeature } from './index.ts';
import { AlertAction, AlertSchema, IncidentBody, IncidentSchema } from './monitoring.schema.ts';

const tags = ['alerts'];
const IdParams = Type.Object({ id: Uuid });

/** Alerts (list, acknowledge, resolve, escalate) and incidents (open, report under Art. 73, close). */
export function alertRoutes(app: App, m: MonitoringFeature): void {
  app.get(
    '/alerts',
    {
      config: { permission: 'inventory:read' },
      schema: {
        tags,
        summary: 'Alerts, newest first: filter by state, use case, or model version',
        querystring: Type.Object(
          {
            state: Type.Enum(['open', 'acknowledged', 'resolved', 'unresolved', 'all'], { default: 'unresolved' }),
            useCase: Type.Optional(Uuid),
            model: Type.Optional(Name),
            version: Type.Optional(PositiveInt()),
            limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
            after: Type.Optional(Uuid),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({ items: Type.Array(AlertSchema), nextCursor: Type.Union([Type.String(), Type.Null()]) }),
        },
      },
    },
    async (request) => m.listAlerts(request.query),
  );

  app.get(
    '/alerts/:id',
    {
      config: { permission: 'inventory:read' },
      schema: { tags, summary: 'One alert', params: IdParams, response: { 200: AlertSchema } },
    },
    async (request) => m.alerts.get(request.params.id),
  );

  app.post(
    '/alerts/:id/acknowledge',
    {
      config: { auth: 'authenticated' },
      schema: {
        tags,
        summary: 'Acknowledge an alert (who and when are recorded)',
        params: IdParams,
        body: AlertAction,
        response: { 200: AlertSchema },
      },
    },
    async (request) => m.alerts.acknowledge(contextOf(request), request.params.id, request.body.note),
  );

  app.post(
    '/alerts/:id/resolve',
    {
      config: { auth: 'authenticated' },
      schema: {
        tags,
        summary: 'Resolve an alert (who and when are recorded)',
        params: IdParams,
        body: AlertAction,
        response: { 200: AlertSchema },
      },
    },
    async (request) => m.alerts.resolve(contextOf(request), request.params.id, request.body.note),
  );

  app.post(
    '/alerts/:id/incidents',
    {
      config: { auth: 'authenticated' },
      schema: {
        tags,
        summary: 'Escalate an alert to an incident (with the Art. 73 reporting deadline for high-risk use cases)',
        params: IdParams,
        body: IncidentBody,
        response: { 201: IncidentSchema },
      },
    },
    async (request, reply) =>
      reply
        .status(201)
        .send(
          await fromBody(() => m.alerts.openIncident(contextOf(request), { alertId: request.params.id }, request.body)),
        ),
  );

  app.post(
    '/use-cases/:id/incidents',
    {
      config: { auth: 'authenticated' },
      schema: {
        tags,
        summary: 'Open an incident on a use case',
        params: IdParams,
        body: IncidentBody,
        response: { 201: IncidentSchema },
      },
    },
    async (request, reply) =>
      reply
        .status(201)
        .send(
          await fromBody(() =>
            m.alerts.openIncident(contextOf(request), { useCaseId: request.params.id }, request.body),
          ),
        ),
  );

  app.get(
    '/incidents',
    {
      config: { permission: 'inventory:read' },
      schema: {
        tags,
        summary: 'Incidents, newest first, with their reporting deadlines and whether they are overdue',
        querystring: Type.Object(
          {
            useCase: Type.Optional(Uuid),
            open: Type.Boolean({ default: false }),
            limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ items: Type.Array(IncidentSchema) }) },
      },
    },
    async (request) => ({
      items: await m.alerts.incidents(
        { ...(request.query.useCase ? { useCaseId: request.query.useCase } : {}), open: request.query.open },
        request.query.limit,
      ),
    }),
  );

  app.get(
    '/incidents/:id',
    {
      config: { permission: 'inventory:read' },
      schema: { tags, summary: 'One incident', params: IdParams, response: { 200: IncidentSchema } },
    },
    async (request) => m.alerts.incident(request.params.id),
  );

  app.post(
    '/incidents/:id/report',
    {
      config: { auth: 'authenticated' },
      schema: {
        tags,
        summary: 'Record that the incident was reported to the market surveillance authority',
        params: IdParams,
        body: Type.Object(
          { reference: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })) },
          { additionalProperties: false },
        ),
        response: { 200: IncidentSchema },
      },
    },
    async (request) => m.alerts.updateIncident(contextOf(request), request.params.id, { report: request.body }),
  );

  app.post(
    '/incidents/:id/close',
    {
      config: { auth: 'authenticated' },
      schema: {
        tags,
        summary: 'Close the incident',
        params: IdParams,
        body: Type.Object({}, { additionalProperties: false }),
        response: { 200: IncidentSchema },
      },
    },
    async (request) => m.alerts.updateIncident(contextOf(request), request.params.id, { close: true }),
  );
}
