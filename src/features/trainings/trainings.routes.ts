import { Type } from 'typebox';
import { contextOf, type App } from '../../http/app-types.ts';
import { fromBody } from '../../http/input.ts';
import { credentialsOf } from '../common/signing.ts';
import {
  AcknowledgeBody,
  AcknowledgementView,
  CompletionView,
  ImportBody,
  ImportResult,
  LiteracyReport,
  RecordCompletionBody,
  TrainingCatalogue,
  UserTrainings,
} from './trainings.schema.ts';
import type { TrainingsService } from './trainings.service.ts';

const tags = ['trainings'];
const UserParams = Type.Object({
  username: Type.String({ minLength: 1, maxLength: 200, description: "the user's username or id" }),
});

export function trainingsRoutes(app: App, { trainings }: { trainings: TrainingsService }): void {
  app.get(
    '/trainings',
    {
      config: { auth: 'authenticated' },
      schema: {
        tags,
        summary: "The active policy pack's trainings: validity, the roles that need them to sign, enforcement date",
        response: { 200: TrainingCatalogue },
      },
    },
    async () => trainings.catalogue(),
  );

  app.get(
    '/users/:username/trainings',
    {
      config: { auth: 'authenticated' },
      schema: {
        tags,
        summary:
          "A user's trainings (current, expired or missing, with expiry), completions and policy acknowledgements",
        description: 'One’s own, or anyone’s with identity:read organisation-wide.',
        params: UserParams,
        response: { 200: UserTrainings },
      },
    },
    async (request) => trainings.ofUser(contextOf(request), request.params.username),
  );

  app.post(
    '/users/:username/trainings',
    {
      config: { auth: 'authenticated' },
      schema: {
        tags,
        summary: 'Record a training completion: one’s own, or anyone’s as a user administrator',
        description:
          'The training must be one of the active pack’s; the day a real date not in the future. The latest completion of a training counts, for the pack’s validity days.',
        params: UserParams,
        body: RecordCompletionBody,
        response: { 201: CompletionView },
      },
    },
    async (request, reply) =>
      reply
        .status(201)
        .send(await fromBody(() => trainings.record(contextOf(request), request.params.username, request.body))),
  );

  app.post(
    '/trainings/import',
    {
      config: { permission: 'users:admin' },
      schema: {
        tags,
        summary: 'Import training completions from CSV (username,training,completedOn): all rows or none',
        description:
          'Every row is checked first (unknown user, unknown training, a day that is not a date or is in the future); any problem and nothing is imported, each problem listed with its line.',
        body: ImportBody,
        response: { 201: ImportResult },
      },
    },
    async (request, reply) =>
      reply.status(201).send(await fromBody(() => trainings.importCsv(contextOf(request), request.body.csv))),
  );

  app.get(
    '/trainings/report',
    {
      config: { auth: 'authenticated' },
      schema: {
        tags,
        summary:
          'AI literacy of a team (EU AI Act Art. 4): each member, who holds a current AI-literacy training, who is missing or expired',
        description: 'Members of the team see it; others need identity:read organisation-wide.',
        querystring: Type.Object(
          { team: Type.String({ minLength: 1, maxLength: 100 }) },
          { additionalProperties: false },
        ),
        response: { 200: LiteracyReport },
      },
    },
    async (request) => trainings.literacyReport(contextOf(request), request.query.team),
  );

  app.post(
    '/policy/acknowledgements',
    {
      config: { auth: 'authenticated' },
      schema: {
        tags,
        summary: 'Acknowledge a policy pack version (default: the active one) by electronic signature',
        description:
          'An electronic signature with meaning `acknowledge` (21 CFR Part 11): re-enter the password, or re-present a token with the sign scope. Once per person and pack version (409 after).',
        body: AcknowledgeBody,
        response: { 201: AcknowledgementView },
      },
    },
    async (request, reply) => {
      const { packId, comment } = request.body;
      const done = await fromBody(() =>
        trainings.acknowledge(
          contextOf(request),
          { ...(packId !== undefined ? { packId } : {}), ...(comment !== undefined ? { comment } : {}) },
          credentialsOf(request.body),
        ),
      );
      return reply.status(201).send(done);
    },
  );

  app.get(
    '/policy/acknowledgements',
    {
      config: { permission: 'identity:read' },
      schema: {
        tags,
        summary: 'Who acknowledged a policy pack version (default: the active one)',
        querystring: Type.Object(
          { pack: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })) },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ items: Type.Array(AcknowledgementView) }) },
      },
    },
    async (request) => ({ items: await trainings.acknowledgements(contextOf(request), request.query.pack) }),
  );
}
