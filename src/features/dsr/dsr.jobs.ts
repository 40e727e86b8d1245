import { systemContext } from '../../context.ts';
import { createDailyJob } from '../../jobs/daily.ts';
import type { JobQueue } from '../../jobs/queue.ts';
import type { DsrService } from './dsr.service.ts';

export const OVERDUE_JOB = 'dsr.overdue-check';

/**
 * The daily overdue check, queued once a day across replicas; each request's overdue state is
 * recorded once (a conditional update), so replicas racing record it once.
 */
export function createOverdueScheduler(deps: {
  queue: Pick<JobQueue, 'send'>;
  dsr: Pick<DsrService, 'noteOverdue'>;
  today: () => string;
  everyMs?: number;
  onError: (err: unknown) => void;
}) {
  return createDailyJob({
    ...deps,
    name: OVERDUE_JOB,
    run: async () => {
      await deps.dsr.noteOverdue(systemContext('dsr-overdue'));
    },
  });
}
