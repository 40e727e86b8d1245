import type { Executor } from '../../db/database.ts';
import type { App } from '../../http/app-types.ts';
import type { JobHandler, JobQueue } from '../../jobs/queue.ts';
import type { Feature } from '../feature.ts';
import { discoveryRepo } from './discovery.repo.ts';
import { discoveryRoutes } from './discovery.routes.ts';
import { createDiscoveryService, type DiscoveryDeps } from './discovery.service.ts';
import { systemContext } from '../../context.ts';

export type { DiscoveryConfig } from './discovery.service.ts';

/** The job that runs a scheduled scan of every configured source. */
const SCAN = 'discovery.scan';

export interface DiscoveryFeatureDeps extends Omit<DiscoveryDeps, 'repo'> {
  queue: Pick<JobQueue, 'send'>;
  /** How often sources are scanned in the background; 0: only on demand. */
  everyMs: number;
  onError: (err: unknown) => void;
}

/** Counts of discovery findings by status, for the governance KPIs. */
export const discoveryCounts = (exec: Executor) => discoveryRepo.counts(exec);

/** Discovery of ungoverned models: scanning connectors, the live streams, and the inbox. */
export function createDiscoveryFeature({ queue, everyMs, onError, ...deps }: DiscoveryFeatureDeps) {
  const discovery = createDiscoveryService({ ...deps, repo: discoveryRepo });
  const configured = deps.config.mlflowUrls.length + deps.config.artifactRoots.length > 0;
  let timer: NodeJS.Timeout | undefined;
  const jobs: Record<string, JobHandler> = {
    [SCAN]: async () => {
      await discovery.scan(systemContext('discovery-scan'), 'schedule').catch((err: unknown) => {
        // A scan already running covers this tick.
        if (!(err instanceof Error && 'code' in err && err.code === 'conflict')) throw err;
      });
    },
  };
  const services = { discovery };
  return {
    services,
    routes: (api: App) => discoveryRoutes(api, { discovery }),
    jobs,
    on: (bus) => {
      bus.on('model.intake', (tx, e) => discovery.intake(tx, e));
      bus.on('model.placed', (tx, e) => discovery.placed(tx, e));
      bus.on('admission.unidentified', (tx, e) => discovery.admission(tx, e));
    },
    start: async () => {
      if (!configured || everyMs <= 0) return;
      timer = setInterval(() => void queue.send(SCAN, {}, 'scheduled').catch(onError), everyMs);
      timer.unref();
    },
    stop: async () => {
      if (timer) clearInterval(timer);
    },
  } satisfies Feature<typeof services>;
}
