import type { JobQueue } from './queue.ts';

/**
 * A job that runs once a day on whichever replica takes it. Every replica queues the day's job each
 * hour (`everyMs`) under a key naming the day, and the queue keeps one job per key, so replicas
 * racing queue it once; `run` itself must still act once per item (unique keys, conditional updates).
 */
export function createDailyJob(deps: {
  queue: Pick<JobQueue, 'send'>;
  name: string;
  today: () => string;
  run: () => Promise<void>;
  everyMs?: number;
  onError: (err: unknown) => void;
}) {
  let timer: NodeJS.Timeout | null = null;
  const check = async () => {
    const day = deps.today();
    await deps.queue.send(deps.name, { day }, `${deps.name}:${day}`);
  };
  return {
    jobs: { [deps.name]: deps.run },
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
