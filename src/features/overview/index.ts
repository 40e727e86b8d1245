import type { Clock } from '../../clock.ts';
import type { DialectName, Executor } from '../../db/database.ts';
import type { App } from '../../http/app-types.ts';
import { createGenerationCache } from '../../lib/generation-cache.ts';
import type { Feature } from '../feature.ts';
import type { ModelHealth } from '../models/models.routes.ts';
import { overviewRepo, type OverviewFilter, type OverviewRow, type OverviewTally } from './overview.repo.ts';
import { overviewRoutes, type AttestationReader, type StatusReader } from './overview.routes.ts';
import { peopleRoutes } from './people.routes.ts';

export type { OverviewFilter, OverviewRow };

/** How many filters' tallies are kept at most. */
const TALLIES_MAX = 200;

/**
 * What a tally depends on: the filter, whether it is by tier, and the time only where the filter
 * reads it (overdue reviews).
 */
const tallyKey = (f: OverviewFilter) =>
  JSON.stringify([f.q, f.tier, f.euAiAct, f.team, f.step, f.attention ? f.now : null, f.sort === 'tier']);

/**
 * The console's inventory overview (one paged query over use cases, models and their state), the home
 * dashboard's counts, and people's display names for the pages that show who acted.
 */
export function createOverviewFeature(deps: {
  db: Executor;
  /** On SQLite a text search is narrowed through trigram indexes (`0032_model_search`, `0033_use_case_search`). */
  dialect: DialectName;
  clock: Clock;
  health: ModelHealth;
  /** One status per model, for the rows (from next actions). */
  status?: StatusReader;
  /** Each use case's attestation standing, for the rows (from the attestation campaigns). */
  attestation?: AttestationReader;
  /**
   * Where this process sees every write (SQLite): a value equal only while the data is unchanged.
   * A filter's tally is kept while it holds, so paging through a listing counts it once.
   */
  generation?: () => Promise<string>;
}) {
  const tallies = createGenerationCache<OverviewTally>(TALLIES_MAX);
  const services = {
    /** One page of the overview's rows (use case x model), filtered as the inventory page filters them. */
    async page(filter: OverviewFilter) {
      const kept = tallies.open(deps.generation ? await deps.generation() : null);
      const key = tallyKey(filter);
      const known = kept.get(key);
      const page = await overviewRepo.page(deps.db, filter, known, { trigram: deps.dialect === 'sqlite' });
      if (!known) kept.keep([[key, page.tally]]);
      return page;
    },
  };
  return {
    services,
    routes: (api: App) => {
      overviewRoutes(api, { ...deps, page: services.page });
      peopleRoutes(api, deps);
    },
  } satisfies Feature<typeof services>;
}
