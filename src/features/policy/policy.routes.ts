import { Type } from 'typebox';
import {
  Alignment,
  Assessment,
  AssessmentHistory,
  EthicalPosition,
  SimulatedChange,
  UseCaseRequirements,
} from './assessment.schema.ts';
import { contextOf, type App } from '../../http/app-types.ts';
import { fromBody } from '../../http/input.ts';
import { packJsonSchema, PolicyPackSchema } from '../../domain/policy/pack.schema.ts';
import { validatePack } from '../../domain/policy/validate.ts';
import { Timestamp, Uuid } from '../common/common.schema.ts';
import type { AssessmentService } from './assessments.service.ts';
import type { EthicsService } from './ethics.service.ts';
import { ActionHint } from '../common/hints.ts';
import { CredentialFields, credentialsOf, SignedRecordSchema } from '../common/signing.ts';
import { parsePackText } from './pack-file.ts';
import { packFromInput, type PolicyService } from './policy.service.ts';

const tags = ['policy'];
const PackInfo = Type.Object({
  id: Uuid,
  name: Type.String(),
  version: Type.String(),
  digest: Type.String({ description: 'sha256 of the canonical JSON of the pack' }),
  status: Type.Enum(['draft', 'active', 'retired']),
  createdAt: Timestamp,
  createdBy: Type.Union([Type.String(), Type.Null()]),
  activatedAt: Type.Union([Timestamp, Type.Null()]),
  activatedBy: Type.Union([Type.String(), Type.Null()]),
  activation: Type.Union([SignedRecordSchema, Type.Null()], {
    description:
      "the activation's e-signature: its manifest names the pack digest, the uploader and the simulation summary",
  }),
});
/** A pack version as listed: with whether the caller may activate it now. */
const PackRead = Type.Object({
  ...PackInfo.properties,
  actions: Type.Object(
    { activate: ActionHint },
    { description: "whether the caller may activate it now, by the activation's own rule" },
  ),
});
const PackInput = Type.Object(
  {
    pack: Type.Optional(Type.Unknown({ description: 'the pack as a JSON document' })),
    yaml: Type.Optional(Type.String({ maxLength: 2_000_000, description: 'the pack as YAML (or JSON) text' })),
  },
  { additionalProperties: false },
);
const IdParams = Type.Object({ id: Uuid });
// The pack as uploads are validated, so the console's types (generated from the OpenAPI document) are
// exact; its recursive conditions refer to the shared `PolicyCondition` schema (the feature's `schemas`).
const PackSchema = structuredClone(PolicyPackSchema);

export function policyRoutes(app: App, { policies }: { policies: PolicyService }): void {
  app.get(
    '/policies/schema',
    {
      config: { permission: 'inventory:read' },
      schema: {
        tags,
        summary: 'The JSON Schema policy packs are validated against',
        response: { 200: Type.Unknown() },
      },
    },
    async () => packJsonSchema(),
  );

  app.post(
    '/policies/validate',
    {
      config: { permission: 'inventory:read' },
      schema: {
        tags,
        summary: 'Validate a candidate pack (schema and semantic checks) without storing it',
        body: PackInput,
        response: {
          200: Type.Object({
            valid: Type.Boolean(),
            problems: Type.Array(Type.Object({ path: Type.String(), message: Type.String() })),
          }),
        },
      },
    },
    async (request) => {
      const { pack, yaml } = request.body;
      const parsed = yaml !== undefined ? parsePackText(yaml) : { doc: pack, problems: [] };
      const problems = parsed.problems.length > 0 ? parsed.problems : validatePack(parsed.doc).problems;
      return { valid: problems.length === 0, problems };
    },
  );

  app.post(
    '/policies/simulate',
    {
      config: { permission: 'inventory:read' },
      schema: {
        tags,
        summary:
          'Dry run of a candidate pack over the whole inventory: each use case (and its versions) whose tier, tags or required measures would change',
        body: PackInput,
        response: { 200: Type.Object({ changes: Type.Array(SimulatedChange) }) },
      },
    },
    async (request) => ({ changes: await fromBody(() => policies.simulate(packFromInput(request.body))) }),
  );

  app.post(
    '/policies',
    {
      config: { permission: 'policy:admin' },
      schema: {
        tags,
        summary: 'Upload a policy pack version (stored as a draft; risk-audit or admin)',
        body: PackInput,
        response: { 201: PackInfo },
      },
    },
    async (request, reply) =>
      reply.status(201).send(await fromBody(() => policies.upload(contextOf(request), packFromInput(request.body)))),
  );

  app.get(
    '/policies',
    {
      config: { permission: 'inventory:read' },
      schema: {
        tags,
        summary: 'Every policy pack version',
        description:
          'Each says whether the caller may activate it now (`actions.activate`): policy:admin organisation-wide, never its uploader.',
        response: { 200: Type.Object({ items: Type.Array(PackRead) }) },
      },
    },
    async (request) => ({ items: await policies.read(contextOf(request)) }),
  );

  app.get(
    '/policies/active',
    {
      config: { permission: 'inventory:read' },
      schema: {
        tags,
        summary: 'The active pack',
        response: { 200: Type.Intersect([PackInfo, Type.Object({ pack: PackSchema })]) },
      },
    },
    async () => {
      const { row } = await policies.active();
      return policies.get(row.id);
    },
  );

  app.get(
    '/policies/:id',
    {
      config: { permission: 'inventory:read' },
      schema: {
        tags,
        summary: 'A pack version with its content',
        params: IdParams,
        response: { 200: Type.Intersect([PackInfo, Type.Object({ pack: PackSchema })]) },
      },
    },
    async (request) => policies.get(request.params.id),
  );

  app.post(
    '/policies/:id/activate',
    {
      config: { permission: 'policy:admin' },
      schema: {
        tags,
        summary: 'Activate a pack version; use cases whose outcome would change are marked for re-evaluation',
        description:
          'An electronic signature (21 CFR Part 11) by a policy administrator other than the uploader (403 `separation_of_duties` otherwise): re-enter the password, or re-present a token with the sign scope. The manifest records the pack digest and the simulation summary (use cases changing tier, requirements added and removed).',
        params: IdParams,
        body: Type.Object(
          { comment: Type.Optional(Type.String({ maxLength: 4000 })), ...CredentialFields },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ pack: PackInfo, reevaluate: Type.Array(Uuid) }) },
      },
    },
    async (request) =>
      policies.activate(
        contextOf(request),
        request.params.id,
        request.body.comment !== undefined ? { comment: request.body.comment } : {},
        credentialsOf(request.body),
      ),
  );
}

const Answers = Type.Record(
  Type.String({ minLength: 1, maxLength: 100 }),
  Type.Union([
    Type.String({ maxLength: 200 }),
    Type.Boolean(),
    Type.Array(Type.String({ maxLength: 200 }), { maxItems: 100 }),
  ]),
);

export function assessmentRoutes(
  app: App,
  { assessments, ethics }: { assessments: AssessmentService; ethics: EthicsService },
): void {
  const atags = ['risk assessment'];
  const UseCaseParams = Type.Object({ id: Uuid });

  app.put(
    '/use-cases/:id/assessment',
    {
      config: { auth: 'authenticated' },
      schema: {
        tags: atags,
        summary: 'Answer the risk questionnaire: returns tier, tags, EU AI Act category and the rule trace',
        params: UseCaseParams,
        body: Type.Object({ answers: Answers }, { additionalProperties: false }),
        response: { 200: Assessment },
      },
    },
    async (request) => fromBody(() => assessments.assess(contextOf(request), request.params.id, request.body.answers)),
  );

  app.get(
    '/use-cases/:id/assessment',
    {
      config: { permission: 'inventory:read' },
      schema: {
        tags: atags,
        summary: 'The current assessment and every past one',
        params: UseCaseParams,
        response: { 200: AssessmentHistory },
      },
    },
    async (request) => assessments.history(request.params.id),
  );

  app.post(
    '/use-cases/:id/assessment/override',
    {
      config: { auth: 'authenticated' },
      schema: {
        tags: atags,
        summary: 'Request another tier, with a reason; pending until another risk-audit user confirms',
        params: UseCaseParams,
        body: Type.Object(
          { tier: Type.Integer({ minimum: 1, maximum: 4 }), reason: Type.String({ minLength: 10, maxLength: 5000 }) },
          { additionalProperties: false },
        ),
        response: { 200: Type.Unknown() },
      },
    },
    async (request) =>
      assessments.requestOverride(contextOf(request), request.params.id, request.body.tier, request.body.reason),
  );

  app.get(
    '/use-cases/:id/assessment/override/eligibility',
    {
      config: { permission: 'inventory:read' },
      schema: {
        tags: atags,
        summary: 'Whether the caller may confirm or reject the pending tier override now',
        description:
          "Asked before any password: the decision's own rule (assessment:confirm and risk-audit in the use case's team, an override pending, not its requester) and the training gate. Deciding still enforces it.",
        params: UseCaseParams,
        response: { 200: ActionHint },
      },
    },
    async (request) => assessments.overrideEligibility(contextOf(request), request.params.id),
  );

  app.post(
    '/use-cases/:id/assessment/override/decision',
    {
      config: { auth: 'authenticated' },
      schema: {
        tags: atags,
        summary: 'Confirm or reject a pending tier override (risk-audit, not the requester)',
        description:
          'An electronic signature (21 CFR Part 11): re-enter the password, or re-present a token with the sign scope. The manifest names the assessment, the assessed, in-force and requested tiers, the reason and the requester.',
        params: UseCaseParams,
        body: Type.Object(
          {
            decision: Type.Enum(['confirmed', 'rejected']),
            comment: Type.Optional(Type.String({ maxLength: 4000 })),
            ...CredentialFields,
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Unknown() },
      },
    },
    async (request) =>
      assessments.decideOverride(
        contextOf(request),
        request.params.id,
        request.body.decision,
        credentialsOf(request.body),
        request.body.comment,
      ),
  );

  app.get(
    '/assessments',
    {
      config: { permission: 'inventory:read' },
      schema: {
        tags: atags,
        summary: 'Current assessments; `overdue=true` lists those past their review-by date',
        querystring: Type.Object({ overdue: Type.Boolean({ default: false }) }, { additionalProperties: false }),
        response: { 200: Type.Object({ items: Type.Array(Type.Unknown()) }) },
      },
    },
    async (request) => ({ items: request.query.overdue ? await assessments.overdue() : await assessments.all() }),
  );

  app.get(
    '/use-cases/:id/requirements',
    {
      config: { permission: 'inventory:read' },
      schema: {
        tags: atags,
        summary: 'Every measure that applies to the use case, where it comes from, and its status',
        params: UseCaseParams,
        response: { 200: UseCaseRequirements },
      },
    },
    async (request) => assessments.requirements(request.params.id),
  );

  app.get(
    '/ethical-position',
    {
      config: { permission: 'inventory:read' },
      schema: {
        tags: ['ethical position'],
        summary: 'The current ethical position and every version',
        response: {
          200: Type.Object({
            current: Type.Union([EthicalPosition, Type.Null()]),
            versions: Type.Array(EthicalPosition),
          }),
        },
      },
    },
    async () => ({ current: await ethics.current(), versions: await ethics.versions() }),
  );

  app.put(
    '/ethical-position',
    {
      config: { auth: 'authenticated' },
      schema: {
        tags: ['ethical position'],
        summary: "Publish a new version of the organisation's ethical position (admin)",
        body: Type.Object(
          {
            wellbeingAspects: Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { minItems: 1, maxItems: 50 }),
            psychologicalImpact: Type.String({ minLength: 1, maxLength: 5000 }),
            financialImpact: Type.String({ minLength: 1, maxLength: 5000 }),
            transparency: Type.String({ minLength: 1, maxLength: 5000 }),
            accountability: Type.String({ minLength: 1, maxLength: 5000 }),
            statement: Type.Optional(Type.String({ maxLength: 20000 })),
          },
          { additionalProperties: false },
        ),
        response: { 200: EthicalPosition },
      },
    },
    async (request) => ethics.publish(contextOf(request), request.body),
  );

  app.get(
    '/ethical-position/alignments',
    {
      config: { permission: 'inventory:read' },
      schema: {
        tags: ['ethical position'],
        summary:
          'Use cases at tier 3 or above that have not aligned with the current ethical position (`missing`) or did so with an older version (`review`)',
        response: {
          200: Type.Object({
            items: Type.Array(Type.Object({ useCaseId: Uuid, status: Type.Enum(['missing', 'review']) })),
          }),
        },
      },
    },
    async () => ({
      items: (await ethics.pending((await assessments.all()).map((a) => a.useCaseId))) as {
        useCaseId: string;
        status: 'missing' | 'review';
      }[],
    }),
  );

  app.get(
    '/use-cases/:id/alignment',
    {
      config: { permission: 'inventory:read' },
      schema: {
        tags: ['ethical position'],
        summary: 'Whether the use case must align with the ethical position (tier >= 3) and whether it does',
        params: UseCaseParams,
        response: { 200: Alignment },
      },
    },
    async (request) => ethics.alignment(request.params.id),
  );

  app.put(
    '/use-cases/:id/alignment',
    {
      config: { auth: 'authenticated' },
      schema: {
        tags: ['ethical position'],
        summary: 'Record how the use case aligns with the current ethical position',
        params: UseCaseParams,
        body: Type.Object(
          { statement: Type.String({ minLength: 10, maxLength: 20000 }) },
          { additionalProperties: false },
        ),
        response: { 200: Alignment },
      },
    },
    async (request) => ethics.align(contextOf(request), request.params.id, request.body.statement),
  );
}
