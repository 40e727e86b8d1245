import { systemContext } from '../../context.ts';
import { createDailyJob } from '../../jobs/daily.ts';
import type { JobQueue } from '../../jobs/queue.ts';
import type { AttestationsService } from './attestations.service.ts';

export const CAMPAIGN_JOB = 'attestations.campaign';

/**
 * The daily campaign, queued once a day across replicas; each opening, reminder and escalation is
 * recorded once (a unique cycle key and conditional updates), so replicas racing act once.
 */
export function createCampaignScheduler(deps: {
  queue: Pick<JobQueue, 'send'>;
  attestations: Pick<AttestationsService, 'run'>;
  today: () => string;
  everyMs?: number;
  onError: (err: unknown) => void;
}) {
  return createDailyJob({
    ...deps,
    name: CAMPAIGN_JOB,
    run: async () => {
      await deps.attestations.run(systemContext('attestations-campaign'));
    },
  });
}
