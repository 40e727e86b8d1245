import { Type } from 'typebox';
import {
  Promotion,
  Signature,
  SigningEligibility,
  UseCaseSigningEligibility,
  Task,
  UseCaseStatus,
  VersionRequirements,
  VersionStatus,
} from './lifecycle.schema.ts';
import { contextOf, type App } from '../../http/app-types.ts';
import { fromBody } from '../../http/input.ts';
import { ROLES } from '../../domain/authz.ts';
import { MEANINGS } from '../../domain/lifecycle/manifest.ts';
import { ENVIRONMENTS } from '../../domain/lifecycle/process.ts';
import { Name, PositiveInt, Uuid } from '../common/common.schema.ts';
import { VersionParams } from '../common/common.schema.ts';
import type { LifecycleService } from './lifecycle.service.ts';
import type { UseCaseLifecycle } from './use-case-lifecycle.service.ts';
import { DocumentBody, requireDocumentContent } from '../common/documents.ts';
import { DEPLOYMENT_MODES, type SigningService } from './signing.service.ts';
import type { Eligibility } from './eligibility.service.ts';
import { CredentialFields, credentialsOf } from '../common/signing.ts';

const tags = ['lifecycle'];
const Environment = Type.Enum([...ENVIRONMENTS]);

/** The inbox's filters: the listing and the count take the same. */
const InboxFilter = {
  assignee: Type.Literal('me', { default: 'me' }),
  status: Type.Enum(['open', 'done', 'cancelled', 'all'], { default: 'open' }),
  overdue: Type.Boolean({ default: false }),
  assignedToMe: Type.Boolean({ default: false, description: 'only the tasks assigned to the caller' }),
};

/** The If-Match header, for lifecycle commands that act only on the state their sender read. */
const ifMatch = (headers: Record<string, string | string[] | undefined>): string | undefined => {
  const h = headers['if-match'];
  return Array.isArray(h) ? h.join(',') : h;
};

/** Who signs in which role and meaning, with the credentials re-entered for this signature. */
const SignatureBody = Type.Object(
  {
    role: Type.Enum([...ROLES]),
    meaning: Type.Enum([...MEANINGS]),
    comment: Type.Optional(Type.String({ maxLength: 4000 })),
    ...CredentialFields,
  },
  { additionalProperties: false },
);

/** The role and meaning an eligibility read asks about. */
const EligibilityQuery = Type.Object(
  { role: Type.Enum([...ROLES]), meaning: Type.Enum([...MEANINGS], { default: 'approve' }) },
  { additionalProperties: false },
);

export function lifecycleRoutes(
  app: App,
  {
    lifecycle,
    signing,
    useCases,
    eligibility,
  }: { lifecycle: LifecycleService; signing: SigningService; useCases: UseCaseLifecycle; eligibility: Eligibility },
): void {
  app.get(
    '/use-cases/:id/lifecycle',
    {
      config: { permission: 'inventory:read' },
      schema: {
        tags,
        summary: "The use case's own steps (scoping, ideation), their gates, documents and signatures",
        params: Type.Object({ id: Uuid }),
        response: { 200: UseCaseStatus },
      },
    },
    async (request) => useCases.status(request.params.id),
  );

  app.post(
    '/use-cases/:id/lifecycle/transitions',
    {
      config: { auth: 'authenticated' },
      schema: {
        tags,
        summary: 'Move the use case to its next step once the current gate passes (or back)',
        params: Type.Object({ id: Uuid }),
        body: Type.Object({ to: Type.String({ minLength: 1, maxLength: 100 }) }, { additionalProperties: false }),
        response: { 200: Type.Object({ step: Type.String() }) },
      },
    },
    async (request) => fromBody(() => useCases.transition(contextOf(request), request.params.id, request.body.to)),
  );

  app.post(
    '/use-cases/:id/documents',
    {
      config: { auth: 'authenticated' },
      schema: {
        tags,
        summary: "Record a document of the use case's own steps, once for all its versions",
        params: Type.Object({ id: Uuid }),
        body: DocumentBody,
        response: { 201: Type.Unknown() },
      },
    },
    async (request, reply) => {
      return reply
        .status(201)
        .send(
          await fromBody(() =>
            useCases.addDocument(contextOf(request), request.params.id, requireDocumentContent(request.body)),
          ),
        );
    },
  );

  app.get(
    '/models/:name/versions/:version/lifecycle',
    {
      config: { permission: 'inventory:read' },
      schema: {
        tags,
        summary:
          "The version's process, current step, every gate with what blocks it, requirements, signatures (valid or stale, with what changed), promotions, deployments and open tasks",
        params: VersionParams,
        response: { 200: VersionStatus },
      },
    },
    async (request, reply) => {
      const status = await lifecycle.status(request.params.name, request.params.version);
      return reply.header('etag', status.etag).send(status);
    },
  );

  app.get(
    '/models/:name/versions/:version/requirements',
    {
      config: { permission: 'inventory:read' },
      schema: {
        tags: ['risk assessment'],
        summary:
          "Every measure that applies to a model version (from its use case's assessment), where it comes from, and its status for this exact artefact",
        description:
          "Satisfied by evidence recorded for the current artefact digest and by valid approvals given at the measure's step or later; stale when only evidence for another digest satisfies it.",
        params: VersionParams,
        response: { 200: VersionRequirements },
      },
    },
    async (request) => lifecycle.requirements(request.params.name, request.params.version),
  );

  app.post(
    '/models/:name/versions/:version/lifecycle/transitions',
    {
      config: { auth: 'authenticated' },
      schema: {
        tags,
        summary:
          'Move the version to the next step of its process (once the current gate passes) or back to an earlier one',
        params: VersionParams,
        body: Type.Object({ to: Type.String({ minLength: 1, maxLength: 100 }) }, { additionalProperties: false }),
        response: { 200: Type.Object({ step: Type.String() }) },
      },
    },
    async (request) =>
      fromBody(() =>
        lifecycle.transition(
          contextOf(request),
          request.params.name,
          request.params.version,
          request.body.to,
          ifMatch(request.headers),
        ),
      ),
  );

  app.post(
    '/models/:name/versions/:version/signatures',
    {
      config: { auth: 'authenticated' },
      schema: {
        tags,
        summary:
          'Sign the version electronically (21 CFR Part 11): re-enter the password, or re-present a token with the sign scope',
        description:
          'The signature records the signer, role, time and meaning with a manifest of what was signed (definition digest, evidence hashes, requirement statuses, policy pack version), signed by the server key and written to the audit trail. It goes stale when any of that changes.',
        params: VersionParams,
        body: Type.Object(
          {
            ...SignatureBody.properties,
            coveredDigest: Type.Optional(
              Type.String({
                pattern: '^sha256:[0-9a-f]{64}$',
                description:
                  'the coveredDigest of the state the signer reviewed (GET .../lifecycle); refused with 412 if the record changed since',
              }),
            ),
          },
          { additionalProperties: false },
        ),
        response: { 201: Signature },
      },
    },
    async (request, reply) => {
      const { password, token, reauthProof, ...input } = request.body;
      const sig = await signing.sign(
        contextOf(request),
        request.params.name,
        request.params.version,
        input,
        credentialsOf({ password, token, reauthProof }),
        ifMatch(request.headers),
      );
      return reply.status(201).send(sig);
    },
  );

  app.post(
    '/use-cases/:id/signatures',
    {
      config: { auth: 'authenticated' },
      schema: {
        tags,
        summary:
          "Sign a use case's scoping steps once for all its versions (business owner, AI policy...), with the same re-authentication as a version signature",
        params: Type.Object({ id: Uuid }),
        body: SignatureBody,
        response: { 201: Signature },
      },
    },
    async (request, reply) => {
      const { password, token, reauthProof, ...input } = request.body;
      return reply
        .status(201)
        .send(
          await signing.signUseCase(
            contextOf(request),
            request.params.id,
            input,
            credentialsOf({ password, token, reauthProof }),
          ),
        );
    },
  );

  app.get(
    '/use-cases/:id/signatures/eligibility',
    {
      config: { auth: 'authenticated' },
      schema: {
        tags,
        summary:
          "Whether you may sign a use case's own steps in a role and meaning, before typing a password: if not, why in plain words and who can sign instead",
        description:
          'Checks what signing a use case checks before credentials (your role in the owning team, the training the role requires, a risk assessment to sign against, separation of duties from its creator) and answers 200 either way; signing still enforces every rule.',
        params: Type.Object({ id: Uuid }),
        querystring: EligibilityQuery,
        response: { 200: UseCaseSigningEligibility },
      },
    },
    async (request) => eligibility.ofUseCase(contextOf(request), request.params.id, request.query),
  );

  app.get(
    '/use-cases/:id/signatures',
    {
      config: { permission: 'inventory:read' },
      schema: {
        tags,
        summary: "A use case's signatures, valid while its risk assessment stands",
        params: Type.Object({ id: Uuid }),
        response: { 200: Type.Object({ items: Type.Array(Signature) }) },
      },
    },
    async (request) => ({ items: await signing.useCaseSignatures(request.params.id) }),
  );

  app.get(
    '/models/:name/versions/:version/signatures',
    {
      config: { permission: 'inventory:read' },
      schema: {
        tags,
        summary: "The version's signatures with printed name, date and time, meaning, and whether each is still valid",
        params: VersionParams,
        response: { 200: Type.Object({ items: Type.Array(Signature) }) },
      },
    },
    async (request) => ({ items: (await lifecycle.status(request.params.name, request.params.version)).signatures }),
  );

  app.get(
    '/models/:name/versions/:version/signatures/eligibility',
    {
      config: { auth: 'authenticated' },
      schema: {
        tags,
        summary:
          'Whether you may sign the version in a role and meaning, before typing a password: if not, why in plain words and who can sign instead',
        description:
          'Checks what signing checks before credentials (your role in the owning team, the training the role requires, a risk assessment to sign against, separation of duties) and answers 200 either way; signing still enforces every rule.',
        params: VersionParams,
        querystring: EligibilityQuery,
        response: { 200: SigningEligibility },
      },
    },
    async (request) =>
      eligibility.ofVersion(contextOf(request), request.params.name, request.params.version, request.query),
  );

  app.post(
    '/models/:name/versions/:version/promotions',
    {
      config: { auth: 'authenticated' },
      schema: {
        tags,
        summary:
          'Request a promotion to an environment: completed when every gate it needs passes, otherwise blocked with the unmet measures and missing signatures',
        params: VersionParams,
        body: Type.Object(
          {
            environment: Environment,
            reason: Type.String({ minLength: 1, maxLength: 4000 }),
            mode: Type.Enum([...DEPLOYMENT_MODES], { default: 'single' }),
          },
          { additionalProperties: false },
        ),
        response: { 201: Promotion },
      },
    },
    async (request, reply) => {
      const p = await signing.promote(
        contextOf(request),
        request.params.name,
        request.params.version,
        request.body,
        ifMatch(request.headers),
      );
      return reply
        .status(201)
        .header('location', `/api/v1/models/${encodeURIComponent(p.model)}/versions/${p.version}/promotions/${p.id}`)
        .send(p);
    },
  );

  app.get(
    '/models/:name/versions/:version/promotions',
    {
      config: { permission: 'inventory:read' },
      schema: {
        tags,
        summary: "The version's promotion requests",
        params: VersionParams,
        response: { 200: Type.Object({ items: Type.Array(Promotion) }) },
      },
    },
    async (request) => ({ items: await signing.promotions(request.params.name, request.params.version) }),
  );

  app.post(
    '/models/:name/versions/:version/promotions/:id/cancellation',
    {
      config: { auth: 'authenticated' },
      schema: {
        tags,
        summary: 'Withdraw an open promotion request',
        params: Type.Intersect([VersionParams, Type.Object({ id: Uuid })]),
        response: { 200: Promotion },
      },
    },
    async (request) =>
      signing.cancelPromotion(contextOf(request), request.params.name, request.params.version, request.params.id),
  );

  app.get(
    '/models/:name/versions/:version/promotions/:id',
    {
      config: { permission: 'inventory:read' },
      schema: {
        tags,
        summary: 'One promotion request',
        params: Type.Intersect([VersionParams, Type.Object({ id: Uuid })]),
        response: { 200: Promotion },
      },
    },
    async (request) => signing.promotion(request.params.name, request.params.version, request.params.id),
  );

  app.post(
    '/models/:name/versions/:version/deployments/:id/verification',
    {
      config: { auth: 'authenticated' },
      schema: {
        tags,
        summary: 'Record that a deployment was verified, and by whom',
        params: Type.Intersect([VersionParams, Type.Object({ id: Uuid })]),
        response: { 204: Type.Null() },
      },
    },
    async (request, reply) => {
      await signing.verifyDeployment(
        contextOf(request),
        request.params.name,
        request.params.version,
        request.params.id,
      );
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/check',
    {
      config: { permission: 'inventory:read' },
      schema: {
        tags,
        summary: 'The deployment check for CI/CD and admission control: may this version run in this environment now?',
        querystring: Type.Object(
          { model: Name, version: PositiveInt({}), environment: Environment },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ allowed: Type.Boolean(), reasons: Type.Array(Type.String()) }) },
      },
    },
    async (request) => lifecycle.check(request.query.model, request.query.version, request.query.environment),
  );

  app.get(
    '/tasks',
    {
      config: { auth: 'authenticated' },
      schema: {
        tags,
        summary: "The caller's inbox: tasks for the roles they hold, in the teams they hold them",
        querystring: Type.Object(
          {
            ...InboxFilter,
            limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
            cursor: Type.Optional(Uuid),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({ items: Type.Array(Task), nextCursor: Type.Union([Type.String(), Type.Null()]) }),
        },
      },
    },
    async (request) => {
      const q = request.query;
      return lifecycle.inbox(contextOf(request), {
        status: q.status,
        overdue: q.overdue,
        assignedToMe: q.assignedToMe,
        limit: q.limit,
        ...(q.cursor ? { after: q.cursor } : {}),
      });
    },
  );

  app.get(
    '/tasks/count',
    {
      config: { auth: 'authenticated' },
      schema: {
        tags,
        summary: "How many tasks the caller's inbox holds with these filters (the console's menu count)",
        querystring: Type.Object(InboxFilter, { additionalProperties: false }),
        response: { 200: Type.Object({ count: Type.Integer({ minimum: 0 }) }) },
      },
    },
    async (request) => {
      const { status, overdue, assignedToMe } = request.query;
      return { count: await lifecycle.inboxCount(contextOf(request), { status, overdue, assignedToMe }) };
    },
  );

  app.post(
    '/tasks/:id/completion',
    {
      config: { auth: 'authenticated' },
      schema: {
        tags,
        summary: 'Mark one of your tasks done',
        description:
          'Only for tasks without a measure (RACI tasks, follow-ups). A sign-off task closes by itself when its measure is met; marking it done is refused with 409.',
        params: Type.Object({ id: Uuid }),
        response: { 200: Task },
      },
    },
    async (request) => lifecycle.completeTask(contextOf(request), request.params.id),
  );
}
