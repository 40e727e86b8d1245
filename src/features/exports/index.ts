import type { Feature } from '../feature.ts';
import { exportsRepo } from './exports.repo.ts';
import { exportRoutes } from './exports.routes.ts';
import { createExportsService, type ExportsDeps } from './exports.service.ts';
import { createInventoryExport, type InventoryExportDeps } from './inventory-export.service.ts';

export interface ExportsFeatureDeps extends ExportsDeps {
  overview: InventoryExportDeps['overview'];
  openFindings?: InventoryExportDeps['openFindings'];
}

/** Documents generated from the record for auditors and regulators: model cards, validation reports, Annex IV, ML-BOMs. */
export function createExportsFeature(deps: ExportsFeatureDeps) {
  const exports = createExportsService(deps);
  const inventory = createInventoryExport({ ...deps, repo: exportsRepo });
  const services = { exports, inventory };
  return {
    services,
    routes: (api) => exportRoutes(api, services),
  } satisfies Feature<typeof services>;
}
