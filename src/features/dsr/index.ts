import type { Executor } from '../../db/database.ts';
import type { KpiValue } from '../../domain/governance/kpis.ts';
import type { JobQueue } from '../../jobs/queue.ts';
import type { App } from '../../http/app-types.ts';
import type { CommandDeps } from '../common/deps.ts';
import type { Feature } from '../feature.ts';
import { createOverdueScheduler } from './dsr.jobs.ts';
import { dsrRepo } from './dsr.repo.ts';
import { dsrRoutes } from './dsr.routes.ts';
import { createDsrService, type DsrDeps } from './dsr.service.ts';

export { OVERDUE_JOB } from './dsr.jobs.ts';

export interface DsrFeatureDeps extends CommandDeps {
  pack: DsrDeps['pack'];
  createTasks: DsrDeps['createTasks'];
  queue: Pick<JobQueue, 'send'>;
  /** Whether this process schedules the daily overdue check (servers do; tests run it on demand). */
  dailyChecks: boolean;
  onError: (err: unknown) => void;
}

/** Data-subject requests (GDPR Art. 15-22, CCPA) traced to the models they touch, with their deadlines. */
export function createDsrFeature(deps: DsrFeatureDeps) {
  const { queue, dailyChecks, onError, ...rest } = deps;
  const dsr = createDsrService({ ...rest, repo: dsrRepo });
  const scheduler = createOverdueScheduler({
    queue,
    dsr,
    today: () => deps.clock.now().toISOString().slice(0, 10),
    onError,
  });
  const services = { dsr };
  return {
    services,
    routes: (api: App) => dsrRoutes(api, { dsr }),
    jobs: scheduler.jobs,
    ...(dailyChecks ? { start: scheduler.start, stop: scheduler.stop } : {}),
  } satisfies Feature<typeof services>;
}

/**
 * The governance programme's KPI over the register: open requests past their due day (read by the
 * governance feature, which is composed before this one).
 */
export const dsrKpiSource =
  (db: Executor) =>
  async (now: Date): Promise<KpiValue[]> => {
    const { open, overdue } = await dsrRepo.counts(db, now.toISOString().slice(0, 10));
    return [{ kpi: 'dsr-overdue', team: '*', value: overdue, numerator: overdue, denominator: open, detail: { open } }];
  };
