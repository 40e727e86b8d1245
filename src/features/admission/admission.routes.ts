import { contextOf, type App } from '../../http/app-types.ts';
import { AdmissionReviewRequest, AdmissionReviewResponse } from './admission.schema.ts';
import type { AdmissionService } from './admission.service.ts';

export function admissionRoutes(app: App, deps: { admission: AdmissionService }): void {
  app.post(
    '/admission',
    {
      config: { permission: 'inventory:read' },
      schema: {
        tags: ['lifecycle'],
        summary:
          'Kubernetes validating admission webhook: admits a workload only when the deployment check allows its model version in its environment',
        body: AdmissionReviewRequest,
        response: { 200: AdmissionReviewResponse },
      },
    },
    async (request) => deps.admission.review(contextOf(request), request.body),
  );
}
