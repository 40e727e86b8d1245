import { DomainError } from '../errors.ts';

/** Runs `fn` after every earlier call with the same key has finished. */
export type Serially = <T>(key: string, fn: () => Promise<T>) => Promise<T>;

/**
 * Commands that all take one row's lock (fifty sign-offs of one version) would otherwise each hold
 * a pooled connection while they wait for that lock, so a burst on one row drains the pool and
 * every other request times out. Queued here per key, before a connection is taken, at most one
 * command per key and process waits on the row lock; the rest wait in memory, in arrival order.
 * Across replicas the row lock still decides. A queue longer than `maxWaiting` refuses at once
 * (503 with `Retry-After`) rather than growing without bound.
 */
export function createKeyedSerial(maxWaiting = 256, retryAfterSeconds = 1): Serially {
  const queues = new Map<string, { tail: Promise<void>; waiting: number }>();
  return async <T>(key: string, fn: () => Promise<T>): Promise<T> => {
    let q = queues.get(key);
    if (!q) {
      q = { tail: Promise.resolve(), waiting: 0 };
      queues.set(key, q);
    }
    if (q.waiting >= maxWaiting)
      throw new DomainError(
        'unavailable',
        `${q.waiting} changes to the same record are already waiting; try again shortly`,
        {
          extra: { retryAfter: retryAfterSeconds },
        },
      );
    q.waiting++;
    const before = q.tail;
    let done!: () => void;
    q.tail = new Promise<void>((resolve) => (done = resolve));
    try {
      await before;
      return await fn();
    } finally {
      done();
      // The last one out removes the key: nobody queued behind it, so no tail is lost.
      if (--q.waiting === 0) queues.delete(key);
    }
  };
}
