import { Type } from 'typebox';

/** A piece of evidence as the API returns it; `spec` and `result` depend on its kind. */
export const EvidenceSchema = Type.Object(
  {
    id: Type.String(),
    model: Type.String(),
    version: Type.Integer(),
    kind: Type.String({
      description: 'evaluation, a document kind (model-card, dpia...), monitor-config, monitoring-alert...',
    }),
    contentHash: Type.String(),
    artifactDigest: Type.Union([Type.String(), Type.Null()]),
    dataDigest: Type.Union([Type.String(), Type.Null()]),
    spec: Type.Unknown(),
    engine: Type.String(),
    result: Type.Unknown(),
    metrics: Type.Record(Type.String(), Type.Union([Type.Number(), Type.Null()])),
    createdAt: Type.String(),
    createdBy: Type.Union([Type.String(), Type.Null()]),
  },
  { additionalProperties: true },
);
