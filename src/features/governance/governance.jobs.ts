import { systemContext } from '../../context.ts';
import type { JobQueue } from '../../jobs/queue.ts';
import type { KpiService } from './kpis.service.ts';
import type { RegulatoryWatch } from './regulatory.service.ts';

export const SNAPSHOT_JOB = 'governance.kpi-snapshot';
export const WATCH_JOB = 'governance.regulatory-watch';

/**
 * The daily KPI snapshot and regulatory change watch. Every replica looks each hour whether
 * today's snapshot exists and, if not, queues the day's job; the queue keeps one per day and the
 * snapshot table one row per day, KPI and team, so replicas racing for the day store it once. The
 * watch is queued each hour too; it acts only on days it has not acted on (its row is locked).
 */
export function createSnapshotScheduler(deps: {
  queue: Pick<JobQueue, 'send'>;
  kpis: Pick<KpiService, 'takenToday' | 'snapshot'>;
  watch: Pick<RegulatoryWatch, 'run'>;
  today: () => string;
  everyMs?: number;
  onError: (err: unknown) => void;
}) {
  let timer: NodeJS.Timeout | null = null;
  const check = async () => {
    const day = deps.today();
    await deps.queue.send(WATCH_JOB, { day }, `${WATCH_JOB}:${day}`);
    if (await deps.kpis.takenToday()) return;
    await deps.queue.send(SNAPSHOT_JOB, { day }, `${SNAPSHOT_JOB}:${day}`);
  };
  return {
    jobs: {
      [SNAPSHOT_JOB]: async () => {
        if (await deps.kpis.takenToday()) return;
        await deps.kpis.snapshot(systemContext('kpi-snapshot'), { replace: false });
      },
      [WATCH_JOB]: async () => {
        await deps.watch.run(systemContext('regulatory-watch'));
      },
    },
    async start() {
      await check().catch(deps.onError);
      timer ??= setInterval(() => void check().catch(deps.onError), deps.everyMs ?? 3_600_000);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = null;
    },
  };
}
