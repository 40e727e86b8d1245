import type { JobQueue } from '../../jobs/queue.ts';
import type { PolicyPack } from '../../domain/policy/pack.schema.ts';
import type { App } from '../../http/app-types.ts';
import type { CommandDeps } from '../common/deps.ts';
import type { Feature } from '../feature.ts';
import { governanceRepo, watchRepo } from './governance.repo.ts';
import { governanceRoutes } from './governance.routes.ts';
import { createSnapshotScheduler } from './governance.jobs.ts';
import { createKpiHistoryImport, type KpiHistoryDeps } from './history.service.ts';
import { createKpiService, type KpiDeps, type KpiSource } from './kpis.service.ts';
import { createLeaderboardService, type LeaderboardSource } from './leaderboard.service.ts';
import { createRegulatoryWatch, type WatchDeps } from './regulatory.service.ts';

export type { KpiSource, LeaderboardSource };
export type { TeamShare } from './governance.repo.ts';

export interface GovernanceFeatureDeps extends CommandDeps {
  events: WatchDeps['events'];
  activePackRow: WatchDeps['activePackRow'];
  createTasks: WatchDeps['createTasks'];
  queue: Pick<JobQueue, 'send'>;
  requirements: KpiDeps['requirements'];
  activePack: () => Promise<PolicyPack | null>;
  kpiSources?: KpiSource[];
  leaderboardSources?: LeaderboardSource[];
  /** Set when the leaderboard pseudonymises people. */
  pseudonym: ((userId: string) => string) | null;
  /** Governed versions up to which reads compute requirement KPIs live (default 2,000). */
  liveLimit?: number;
  /** Whether this process takes the daily snapshot (servers do; tests take them on demand). */
  dailySnapshots: boolean;
  teamExists: KpiHistoryDeps['teamExists'];
  onError: (err: unknown) => void;
}

/**
 * The governance programme measured: KPIs with targets and history, alerts on missed targets, the
 * leaderboard; and the regulatory change watch.
 */
export function createGovernanceFeature(deps: GovernanceFeatureDeps) {
  const kpis = createKpiService({ ...deps, repo: governanceRepo, sources: deps.kpiSources ?? [] });
  const leaderboard = createLeaderboardService({
    db: deps.db,
    clock: deps.clock,
    repo: governanceRepo,
    activePack: deps.activePack,
    requirementKpisNow: kpis.requirementKpisNow,
    sources: deps.leaderboardSources ?? [],
    pseudonym: deps.pseudonym,
  });
  const watch = createRegulatoryWatch({ ...deps, repo: watchRepo });
  const scheduler = createSnapshotScheduler({
    queue: deps.queue,
    kpis,
    watch,
    today: () => deps.clock.now().toISOString().slice(0, 10),
    onError: deps.onError,
  });
  const history = createKpiHistoryImport({ ...deps, repo: governanceRepo });
  const services = { kpis, history, leaderboard, watch };
  const targets = async () => (await deps.activePack())?.programme?.kpis ?? [];
  return {
    services,
    routes: (api: App) => governanceRoutes(api, { kpis, history, leaderboard, watch, targets, clock: deps.clock }),
    jobs: scheduler.jobs,
    ...(deps.dailySnapshots ? { start: scheduler.start, stop: scheduler.stop } : {}),
  } satisfies Feature<typeof services>;
}
