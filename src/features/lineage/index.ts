import type { App } from '../../http/app-types.ts';
import type { Feature } from '../feature.ts';
import { lineageRepo } from './lineage.repo.ts';
import { lineageRoutes } from './lineage.routes.ts';
import { createLineageService, type LineageDeps } from './lineage.service.ts';

/** OpenLineage ingest: datasets and their lineage from the pipelines that produce them. */
export function createLineageFeature(deps: Omit<LineageDeps, 'repo'>) {
  const lineage = createLineageService({ ...deps, repo: lineageRepo });
  const services = { lineage };
  return { services, routes: (api: App) => lineageRoutes(api, { lineage }) } satisfies Feature<typeof services>;
}
