import type { Feature } from '../feature.ts';
import { examinationRoutes } from './examinations.routes.ts';
import { createExaminationService, type ExaminationDeps } from './examinations.service.ts';

/** Examination packs: the state as of a date, frozen into a signed bundle examiners verify offline. */
export function createExaminationsFeature(deps: ExaminationDeps) {
  const services = { examinations: createExaminationService(deps) };
  return { services, routes: (api) => examinationRoutes(api, services) } satisfies Feature<typeof services>;
}
