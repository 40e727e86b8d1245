import type { Delivery } from './delivery.service.ts';

/**
 * Runs the e-mail delivery every `everyMs` on every replica: claims in the database, not this
 * timer, keep a mail or digest from leaving twice.
 */
export function createDeliveryTimer(deps: { delivery: Delivery; everyMs: number; onError: (err: unknown) => void }) {
  let timer: NodeJS.Timeout | null = null;
  let running = false;
  const tick = async () => {
    // One run at a time in this process: a slow relay must not stack runs up.
    if (running) return;
    running = true;
    try {
      await deps.delivery.deliver();
    } catch (err) {
      deps.onError(err);
    } finally {
      running = false;
    }
  };
  return {
    async start() {
      timer ??= setInterval(() => void tick(), deps.everyMs);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = null;
    },
  };
}
