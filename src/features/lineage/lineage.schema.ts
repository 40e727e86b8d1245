import { Type, type Static } from 'typebox';

// The body is validated against the OpenLineage specification's own JSON schema by the service.
export const RunEventBody = Type.Unknown({
  description:
    'An OpenLineage RunEvent (specification 2-0-x): eventType, eventTime, run, job, inputs, outputs, producer, schemaURL',
});

const RecordedVersion = Type.Object({
  role: Type.Union([Type.Literal('input'), Type.Literal('output')]),
  dataset: Type.String(),
  version: Type.Integer(),
  digest: Type.String(),
  created: Type.Boolean({ description: 'false when an existing version was matched' }),
});

export const LineageResult = Type.Object({
  runId: Type.String(),
  eventType: Type.String(),
  eventTime: Type.String(),
  job: Type.Object({ namespace: Type.String(), name: Type.String() }),
  duplicate: Type.Boolean({
    description: 'the same run, event type and time was received before: nothing new recorded',
  }),
  datasetVersions: Type.Array(RecordedVersion),
  unmapped: Type.Array(Type.Object({ namespace: Type.String(), name: Type.String(), reason: Type.String() }), {
    description:
      'datasets of the event that are not in the inventory (register them, or name them with a steward facet)',
  }),
  modelVersion: Type.Union([Type.Object({ model: Type.String(), version: Type.Integer() }), Type.Null()]),
});
export type LineageResult = Static<typeof LineageResult>;
