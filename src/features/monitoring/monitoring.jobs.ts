import type { Clock } from '../../clock.ts';
import type { Executor } from '../../db/database.ts';
import type { JobHandler, JobQueue } from '../../jobs/queue.ts';
import type { ComputeService } from './compute.service.ts';
import type { MonitoringRepo } from './monitoring.repo.ts';

/** The job that computes one window of one version. */
export const WINDOW_JOB = 'monitoring.window';

/**
 * Queues window computations. The need for one is recorded in the database (a window's
 * generation ahead of its computed one), so a lost job only delays work until the next sweep.
 */
export function createWindowScheduler(deps: { db: Executor; queue: JobQueue; repo: MonitoringRepo }) {
  const { db, queue, repo } = deps;
  const touched = async (versionId: string, starts: number[]) => {
    for (const start of starts) await queue.send(WINDOW_JOB, { versionId, start }, `${versionId}:${start}`);
  };
  return {
    /** Windows of the version that records touched. */
    touched,
    /** Every window of the version that waits for computation. */
    kick: async (versionId: string) => touched(versionId, await repo.dirtyOf(db, versionId)),
    /** Every waiting window nobody holds: a safety net for jobs lost in a restart. */
    sweep: async (now: number) => {
      for (const w of await repo.dirtyWindows(db, now, 1000)) await touched(w.model_version_id, [w.window_start_ms]);
    },
  };
}

export type WindowScheduler = ReturnType<typeof createWindowScheduler>;

/** Computes a window; records that arrived while it ran raised its generation, so it is queued again. */
export function windowJob(deps: {
  db: Executor;
  repo: MonitoringRepo;
  compute: Pick<ComputeService, 'computeWindow'>;
  scheduler: Pick<WindowScheduler, 'touched'>;
}): JobHandler {
  return async (data) => {
    const versionId = String(data.versionId);
    const start = Number(data.start);
    await deps.compute.computeWindow(versionId, start);
    const w = await deps.repo.window(deps.db, versionId, start);
    if (w && w.generation > w.computed_generation && w.lease_until_ms === null)
      await deps.scheduler.touched(versionId, [start]);
  };
}

/** Starts the queue and the periodic sweep; `stop` ends both. */
export function createSweeper(deps: {
  queue: JobQueue;
  scheduler: Pick<WindowScheduler, 'sweep'>;
  clock: Clock;
  everyMs: number;
  onError: (err: unknown, what: string) => void;
}) {
  let timer: NodeJS.Timeout | undefined;
  const sweep = () => deps.scheduler.sweep(deps.clock.now().getTime());
  return {
    async start(): Promise<void> {
      await deps.queue.start();
      // An unmigrated database must not keep the server from starting (it reports 503 instead).
      try {
        await sweep();
      } catch (err) {
        deps.onError(err, 'resuming monitoring windows');
      }
      timer = setInterval(() => void sweep().catch((err) => deps.onError(err, 'monitoring sweep')), deps.everyMs);
      timer.unref();
    },
    async stop(): Promise<void> {
      if (timer) clearInterval(timer);
      await deps.queue.stop();
    },
  };
}
