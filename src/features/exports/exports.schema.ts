import { Type } from 'typebox';
import { Sha256Digest, Timestamp, Uuid } from '../common/common.schema.ts';

export const DocumentFormat = Type.Enum(['md', 'html', 'pdf'], {
  description: 'md: Markdown; html: one self-contained printable page; pdf: PDF with embedded fonts',
});

export const ExportQuery = Type.Object(
  {
    format: Type.Optional({ ...DocumentFormat, default: 'html' }),
    store: Type.Optional(
      Type.Boolean({ description: 'also store the document as evidence (needs write permission on the subject)' }),
    ),
    download: Type.Optional(Type.Boolean({ description: 'served as an attachment instead of inline' })),
  },
  { additionalProperties: false },
);

export const VersionDocumentParams = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 256 }),
  version: Type.Integer({ minimum: 1 }),
  document: Type.Enum(['model-card', 'validation-report']),
});

export const StoredDocument = Type.Object({
  document: Type.String(),
  format: Type.String(),
  filename: Type.String(),
  inputsDigest: Sha256Digest,
  digest: Sha256Digest,
  stored: Type.Object({ id: Uuid, kind: Type.String() }),
});

export const ExportStatus = Type.Object({
  inputsDigest: Type.String({ description: 'digest of the record the documents would be generated from now' }),
  stored: Type.Array(
    Type.Object({
      id: Uuid,
      document: Type.Enum(['model-card', 'validation-report']),
      kind: Type.String({ description: 'the document kind it was stored as' }),
      createdAt: Timestamp,
      inputsDigest: Type.String(),
      status: Type.Enum(['current', 'stale'], { description: 'stale once the record it was generated from changed' }),
    }),
  ),
});

export const InventoryQuery = Type.Object(
  {
    format: Type.Optional(Type.Enum(['csv', 'xlsx'], { default: 'csv' })),
    q: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 200,
        description: 'text in the use case name, or the model name or description',
      }),
    ),
    tier: Type.Optional(Type.Integer({ minimum: 1, maximum: 4 })),
    euAiAct: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'EU AI Act category' })),
    team: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'owner team' })),
    step: Type.Optional(
      Type.String({ minLength: 1, maxLength: 64, description: 'lifecycle step of the latest version' }),
    ),
    attention: Type.Optional(Type.Boolean({ description: 'only rows with an open alert or an overdue risk review' })),
  },
  { additionalProperties: false },
);
