import { systemContext } from '../../context.ts';
import type { JobQueue } from '../../jobs/queue.ts';
import type { AttestationsService } from './attestations.service.ts';

export const CAMPAIGN_JOB = 'attestations.campaign';

/**
 * The daily campaign. Every replica queues the day's job each hour; the queue keeps one job per
 * day, and each opening, reminder and escalation is recorded once (a unique cycle key and
 * conditional updates), so replicas racing act once.
 */
export function createCampaignScheduler(deps: {
  queue: Pick<JobQueue, 'send'>;
  attestations: Pick<AttestationsService, 'run'>;
  today: () => string;
  everyMs?: number;
  onError: (err: unknown) => void;
}) {
  let timer: NodeJS.Timeout | null = null;
  const check = async () => {
    const day = deps.today();
    await deps.queue.send(CAMPAIGN_JOB, { day }, `${CAMPAIGN_JOB}:${day}`);
  };
  return {
    jobs: {
      [CAMPAIGN_JOB]: async () => {
        await deps.attestations.run(systemContext('attestations-campaign'));
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
