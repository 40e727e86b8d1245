import { systemContext } from '../../context.ts';
import type { JobQueue } from '../../jobs/queue.ts';
import type { KpiService } from './kpis.service.ts';

export const SNAPSHOT_JOB = 'governance.kpi-snapshot';

/**
 * The daily KPI snapshot. Every replica looks each hour whether today's snapshot exists and, if
 * not, queues the day's job; the queue keeps one per day and the snapshot table one row per day,
 * KPI and team, so replicas racing for the day store it once.
 */
export function createSnapshotScheduler(deps: {
  queue: Pick<JobQueue, 'send'>;
  kpis: Pick<KpiService, 'takenToday' | 'snapshot'>;
  today: () => string;
  everyMs?: number;
  onError: (err: unknown) => void;
}) {
  let timer: NodeJS.Timeout | null = null;
  const check = async () => {
    if (await deps.kpis.takenToday()) return;
    const day = deps.today();
    await deps.queue.send(SNAPSHOT_JOB, { day }, `${SNAPSHOT_JOB}:${day}`);
  };
  return {
    jobs: {
      [SNAPSHOT_JOB]: async () => {
        if (await deps.kpis.takenToday()) return;
        await deps.kpis.snapshot(systemContext('kpi-snapshot'), { replace: false });
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
