import { contextOf, type App } from '../../http/app-types.ts';
import { fromBody, fromQuery } from '../../http/input.ts';
import { credentialsOf } from '../common/signing.ts';
import {
  Attestation,
  AttestationPage,
  AttestationRead,
  AttestationsQuery,
  DecideBody,
  IdParams,
  RunResult,
  StatusPage,
  StatusQuery,
} from './attestations.schema.ts';
import type { AttestationsService } from './attestations.service.ts';

export function attestationsRoutes(app: App, deps: { attestations: AttestationsService }): void {
  const { attestations } = deps;
  const tags = ['attestations'];

  app.get(
    '/attestations',
    {
      config: { permission: 'inventory:read' },
      schema: {
        tags,
        summary: 'Attestations and revalidations, oldest first, by use case, team, kind, status or overdue',
        description:
          "Each says whether the caller may decide it now (`actions.decide`), by the decision command's own rule.",
        querystring: AttestationsQuery,
        response: { 200: AttestationPage },
      },
    },
    async (request) => {
      const { cursor, overdue, ...q } = request.query;
      return fromQuery(() =>
        attestations.list(contextOf(request), {
          ...q,
          ...(overdue ? { overdue } : {}),
          ...(cursor ? { after: cursor } : {}),
        }),
      );
    },
  );

  app.get(
    '/attestations/status',
    {
      config: { permission: 'inventory:read' },
      schema: {
        tags,
        summary: "Each assessed use case's attestation standing and next due day (by use case id)",
        querystring: StatusQuery,
        response: { 200: StatusPage },
      },
    },
    async (request) => {
      const { cursor, ...q } = request.query;
      return fromQuery(() => attestations.status({ ...q, ...(cursor ? { after: cursor } : {}) }));
    },
  );

  app.post(
    '/attestations/campaigns',
    {
      config: { auth: 'authenticated' },
      schema: {
        tags,
        summary:
          'Run the campaign now (risk-audit or admin, organisation-wide): open what is due by tier cadence, remind, escalate; each once',
        response: { 200: RunResult },
      },
    },
    async (request) => fromBody(() => attestations.run(contextOf(request))),
  );

  app.get(
    '/attestations/:id',
    {
      config: { permission: 'inventory:read' },
      schema: { tags, summary: 'One attestation', params: IdParams, response: { 200: AttestationRead } },
    },
    async (request) => fromQuery(() => attestations.get(contextOf(request), request.params.id)),
  );

  app.post(
    '/attestations/:id/decision',
    {
      config: { auth: 'authenticated' },
      schema: {
        tags,
        summary:
          'Attest (an owner: still-accurate, retire, description-changed) or revalidate (a validator independent of the owners: revalidated, not-revalidated) by e-signature',
        params: IdParams,
        body: DecideBody,
        response: { 200: Attestation },
      },
    },
    async (request) =>
      fromBody(() =>
        attestations.decide(contextOf(request), request.params.id, {
          decision: request.body.decision,
          ...credentialsOf(request.body),
          ...(request.body.comment ? { comment: request.body.comment } : {}),
        }),
      ),
  );
}
