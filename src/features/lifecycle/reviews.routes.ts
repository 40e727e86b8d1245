import { Type } from 'typebox';
import { contextOf, type App } from '../../http/app-types.ts';
import { ROLES } from '../../domain/authz.ts';
import { DomainError } from '../../errors.ts';
import { Uuid, VersionParams } from '../common/common.schema.ts';
import { CredentialFields, credentialsOf } from '../common/signing.ts';
import { DocumentReview, ReviewEligibility } from './lifecycle.schema.ts';
import { REVIEW_DECISIONS, type ReviewInput, type ReviewService } from './reviews.service.ts';

const tags = ['lifecycle'];

/** A review decision, signed with the reviewer's credentials re-entered. */
const ReviewBody = Type.Object(
  {
    decision: Type.Enum([...REVIEW_DECISIONS], { description: 'accepted or rejected' }),
    role: Type.Enum(
      ROLES.filter((r) => r !== 'viewer'),
      { description: 'the role the reviewer accepts or rejects in' },
    ),
    comment: Type.Optional(Type.String({ maxLength: 4000, description: 'required when rejecting' })),
    ...CredentialFields,
  },
  { additionalProperties: false },
);

/** A rejection says why. */
const inputOf = (b: { decision: ReviewInput['decision']; role: string; comment?: string }): ReviewInput => {
  if (b.decision === 'rejected' && !b.comment?.trim())
    throw new DomainError('validation_failed', 'a rejection needs a comment saying why', {
      errors: [{ pointer: '/body/comment', message: 'required when decision is rejected' }],
    });
  return { decision: b.decision, role: b.role, ...(b.comment !== undefined ? { comment: b.comment } : {}) };
};

const description =
  'An electronic signature with meaning `review` (21 CFR Part 11): re-enter the password or re-present a token with the sign scope. Only an accepted current revision counts toward a measure; 403 `separation_of_duties` when the measure needs a reviewer independent of the author; 409 for a superseded or already decided revision.';

/** The role and decision a review eligibility read asks about. */
const ReviewEligibilityQuery = Type.Object(
  {
    role: ReviewBody.properties.role,
    decision: Type.Enum([...REVIEW_DECISIONS], { default: 'accepted', description: 'accepted or rejected' }),
  },
  { additionalProperties: false },
);

const eligibilityDescription =
  'Checks what the review checks before and after credentials (your role in the owning team, the training the role requires, a revision still open, the acceptance rule of the document kind, independence from its author) and answers 200 either way; the review still enforces every rule.';

export function reviewRoutes(app: App, reviews: ReviewService): void {
  app.get(
    '/models/:name/versions/:version/documents/:documentId/review/eligibility',
    {
      config: { auth: 'authenticated' },
      schema: {
        tags,
        summary:
          "Whether you may accept or reject a version's document in a role, before typing a password: if not, why in plain words and who can review instead",
        description: eligibilityDescription,
        params: Type.Object({ ...VersionParams.properties, documentId: Uuid }),
        querystring: ReviewEligibilityQuery,
        response: { 200: ReviewEligibility },
      },
    },
    async (request) =>
      reviews.versionEligibility(
        contextOf(request),
        request.params.name,
        request.params.version,
        request.params.documentId,
        request.query,
      ),
  );

  app.get(
    '/use-cases/:id/documents/:documentId/review/eligibility',
    {
      config: { auth: 'authenticated' },
      schema: {
        tags,
        summary:
          "Whether you may accept or reject a use case's document in a role, before typing a password: if not, why in plain words and who can review instead",
        description: eligibilityDescription,
        params: Type.Object({ id: Uuid, documentId: Uuid }),
        querystring: ReviewEligibilityQuery,
        response: { 200: ReviewEligibility },
      },
    },
    async (request) =>
      reviews.useCaseEligibility(contextOf(request), request.params.id, request.params.documentId, request.query),
  );

  app.post(
    '/models/:name/versions/:version/documents/:documentId/review',
    {
      config: { auth: 'authenticated' },
      schema: {
        tags,
        summary: "Accept or reject a document of the version (the reviewer's e-signature)",
        description,
        params: Type.Object({ ...VersionParams.properties, documentId: Uuid }),
        body: ReviewBody,
        response: { 201: DocumentReview },
      },
    },
    async (request, reply) =>
      reply
        .status(201)
        .send(
          await reviews.reviewVersionDocument(
            contextOf(request),
            request.params.name,
            request.params.version,
            request.params.documentId,
            inputOf(request.body),
            credentialsOf(request.body),
          ),
        ),
  );

  app.post(
    '/use-cases/:id/documents/:documentId/review',
    {
      config: { auth: 'authenticated' },
      schema: {
        tags,
        summary: "Accept or reject a document of the use case's own steps (the reviewer's e-signature)",
        description,
        params: Type.Object({ id: Uuid, documentId: Uuid }),
        body: ReviewBody,
        response: { 201: DocumentReview },
      },
    },
    async (request, reply) =>
      reply
        .status(201)
        .send(
          await reviews.reviewUseCaseDocument(
            contextOf(request),
            request.params.id,
            request.params.documentId,
            inputOf(request.body),
            credentialsOf(request.body),
          ),
        ),
  );
}
