import { systemContext } from '../../context.ts';
import type { JobQueue } from '../../jobs/queue.ts';
import type { DsrService } from './dsr.service.ts';

export const OVERDUE_JOB = 'dsr.overdue-check';

/**
 * The daily overdue check. Every replica queues the day's job each hour; the queue keeps one job
 * per day, and each request's overdue state is recorded once (a conditional update), so replicas
 * racing record it once.
 */
export function createOverdueScheduler(deps: {
  queue: Pick<JobQueue, 'send'>;
  dsr: Pick<DsrService, 'noteOverdue'>;
  today: () => string;
  everyMs?: number;
  onError: (err: unknown) => void;
}) {
  let timer: NodeJS.Timeout | null = null;
  const check = async () => {
    const day = deps.today();
    await deps.queue.send(OVERDUE_JOB, { day }, `${OVERDUE_JOB}:${day}`);
  };
  return {
    jobs: {
      [OVERDUE_JOB]: async () => {
        await deps.dsr.noteOverdue(systemContext('dsr-overdue'));
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
