import type { App } from '../../http/app-types.ts';
import type { Feature } from '../feature.ts';
import { admissionRoutes } from './admission.routes.ts';
import { createAdmissionService, type AdmissionDeps } from './admission.service.ts';

/** Kubernetes validating admission (`POST /api/v1/admission`), deciding by the deployment check. */
export function createAdmissionFeature(deps: AdmissionDeps) {
  const admission = createAdmissionService(deps);
  const services = { admission };
  return { services, routes: (api: App) => admissionRoutes(api, { admission }) } satisfies Feature<typeof services>;
}
