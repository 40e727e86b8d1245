import { Type } from 'typebox';
import { DomainError } from '../../errors.ts';
import { Sha256Digest } from './common.schema.ts';

/** A document recorded as evidence (of a version, or of a use case's own steps). */
export const DocumentBody = Type.Object(
  {
    kind: Type.String({
      minLength: 1,
      maxLength: 100,
      pattern: '^[a-z0-9][a-z0-9.-]*$',
      description: 'the documentKind policy measures ask for, e.g. model-card',
    }),
    title: Type.String({ minLength: 1, maxLength: 300 }),
    uri: Type.Optional(Type.String({ minLength: 1, maxLength: 2048 })),
    digest: Type.Optional(Sha256Digest),
    content: Type.Optional(Type.String({ maxLength: 200_000, description: 'the document itself, as Markdown' })),
  },
  { additionalProperties: false },
);

/** A document needs its content or a URI to find it at. */
export function requireDocumentContent<T extends { uri?: string; content?: string }>(body: T): T {
  if (body.uri === undefined && body.content === undefined)
    throw new DomainError('validation_failed', 'a document needs its content or a uri', {
      errors: [{ pointer: '', message: 'content or uri required' }],
    });
  return body;
}
