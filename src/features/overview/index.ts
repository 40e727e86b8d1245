import type { Clock } from '../../clock.ts';
import type { Executor } from '../../db/database.ts';
import type { App } from '../../http/app-types.ts';
import type { Feature } from '../feature.ts';
import type { ModelHealth } from '../models/models.routes.ts';
import { overviewRepo, type OverviewFilter, type OverviewRow } from './overview.repo.ts';
import { overviewRoutes, type AttestationReader, type StatusReader } from './overview.routes.ts';
import { peopleRoutes } from './people.routes.ts';

export type { OverviewFilter, OverviewRow };

/**
 * The console's inventory overview (one paged query over use cases, models and their state), the home
 * dashboard's counts, and people's display names for the pages that show who acted.
 */
export function createOverviewFeature(deps: {
  db: Executor;
  clock: Clock;
  health: ModelHealth;
  /** One status per model, for the rows (from next actions). */
  status?: StatusReader;
  /** Each use case's attestation standing, for the rows (from the attestation campaigns). */
  attestation?: AttestationReader;
}) {
  const services = {
    /** One page of the overview's rows (use case x model), filtered as the inventory page filters them. */
    page: (filter: OverviewFilter) => overviewRepo.page(deps.db, filter),
  };
  return {
    services,
    routes: (api: App) => {
      overviewRoutes(api, deps);
      peopleRoutes(api, deps);
    },
  } satisfies Feature<typeof services>;
}
