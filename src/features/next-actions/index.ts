import type { Feature } from '../feature.ts';
import { nextActionsRoutes } from './next-actions.routes.ts';
import { createNextActionsService, type NextActionsDeps } from './next-actions.service.ts';

/**
 * Next actions, one status per subject and each person's own work: read-only, it owns no table and
 * reads the lifecycle, policy, inventory and identity through narrowed functions.
 */
export function createNextActionsFeature(deps: NextActionsDeps) {
  const nextActions = createNextActionsService(deps);
  const services = { nextActions };
  return {
    services,
    routes: (api) => nextActionsRoutes(api, nextActions),
  } satisfies Feature<typeof services>;
}

export type { NextActionsService } from './next-actions.service.ts';
