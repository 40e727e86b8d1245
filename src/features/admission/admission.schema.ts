import { Type, type Static } from 'typebox';

// The wire format of admission.k8s.io/v1. Requests are validated by the service, not by Fastify:
// a malformed review must still be answered with an AdmissionReview that denies, never a 400 the
// API server would treat per its failurePolicy.
export const AdmissionReviewRequest = Type.Unknown({
  description:
    'An admission.k8s.io/v1 AdmissionReview with `request` (Pod, Deployment, StatefulSet, ReplicaSet, DaemonSet, Job, CronJob or KServe InferenceService)',
});

export const AdmissionReviewResponse = Type.Object({
  apiVersion: Type.Literal('admission.k8s.io/v1'),
  kind: Type.Literal('AdmissionReview'),
  response: Type.Object({
    uid: Type.String({ description: "the request's uid, echoed" }),
    allowed: Type.Boolean(),
    status: Type.Optional(
      Type.Object({
        code: Type.Integer(),
        reason: Type.Optional(Type.String()),
        message: Type.String({ description: 'why: the deployment check’s reasons, or what the review lacks' }),
      }),
    ),
    warnings: Type.Optional(Type.Array(Type.String())),
  }),
});
export type AdmissionReviewResponse = Static<typeof AdmissionReviewResponse>;
