import { DomainError } from '../errors.ts';

export interface AdmissionLimits {
  /** Work of this kind running at once in this server. */
  perServer: number;
  /** Work of this kind running at once for one caller. */
  perCaller: number;
  /** What the refusal tells the caller to wait, in seconds. */
  retryAfterSeconds: number;
}

/**
 * A concurrency gate for expensive work (evaluations): a caller past its own share, or anyone
 * when the server is full, is refused at once with 429 and `Retry-After` instead of queueing, so
 * one caller cannot hold the server's memory and CPU and nobody waits in an unbounded queue.
 */
export function createAdmission(what: string, limits: AdmissionLimits) {
  let running = 0;
  const byCaller = new Map<string, number>();
  const refuse = (why: string) =>
    new DomainError('rate_limited', `${why}; try again in ${limits.retryAfterSeconds} s`, {
      extra: { retryAfter: limits.retryAfterSeconds },
    });
  return {
    /** Takes a slot for `caller`, or throws `rate_limited`; call the returned function once done. */
    enter(caller: string): () => void {
      const mine = byCaller.get(caller) ?? 0;
      if (mine >= limits.perCaller)
        throw refuse(`you already have ${mine} ${what} running (at most ${limits.perCaller} at once)`);
      if (running >= limits.perServer)
        throw refuse(`the server is running ${running} ${what} (at most ${limits.perServer} at once)`);
      running++;
      byCaller.set(caller, mine + 1);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        running--;
        const left = (byCaller.get(caller) ?? 1) - 1;
        if (left === 0) byCaller.delete(caller);
        else byCaller.set(caller, left);
      };
    },
    running: () => running,
  };
}

export type Admission = ReturnType<typeof createAdmission>;
