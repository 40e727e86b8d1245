import type { Feature } from '../feature.ts';
import { exportRoutes } from './exports.routes.ts';
import { createExportsService, type ExportsDeps } from './exports.service.ts';

export type ExportsFeatureDeps = ExportsDeps;

/** Documents generated from the record for auditors and regulators: model cards, validation reports, Annex IV, ML-BOMs. */
export function createExportsFeature(deps: ExportsFeatureDeps) {
  const exports = createExportsService(deps);
  const services = { exports };
  return {
    services,
    routes: (api) => exportRoutes(api, services),
  } satisfies Feature<typeof services>;
}
