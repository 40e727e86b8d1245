/**
 * Sliding-window failure counters with lockout, kept in memory per process. Keys are strings such
 * as `login:alice` or `addr:10.0.0.1`; each key has its own window and limit.
 */
export interface RateRule {
  /** Failures allowed within the window; the next attempt is refused. */
  limit: number;
  windowMs: number;
}

export interface FailureLimiter {
  /** Milliseconds until the key may try again, or 0 when it is not blocked. */
  blockedFor(key: string, rule: RateRule): number;
  recordFailure(key: string, rule: RateRule): void;
  reset(key: string): void;
  /** Takes back the most recent failure of a key (an attempt counted in advance that succeeded). */
  forgiveLast(key: string): void;
}

export function createFailureLimiter(now: () => number = Date.now, maxKeys = 100_000): FailureLimiter {
  const failures = new Map<string, number[]>();
  const recent = (key: string, rule: RateRule): number[] => {
    const cutoff = now() - rule.windowMs;
    const list = (failures.get(key) ?? []).filter((t) => t > cutoff);
    if (list.length === 0) failures.delete(key);
    else failures.set(key, list);
    return list;
  };
  return {
    blockedFor(key, rule) {
      if (!failures.has(key)) return 0;
      const list = recent(key, rule);
      return list.length >= rule.limit ? list[list.length - rule.limit]! + rule.windowMs - now() : 0;
    },
    recordFailure(key, rule) {
      const list = recent(key, rule);
      list.push(now());
      // Forget the oldest key rather than grow without bound under a spray of addresses.
      if (!failures.has(key) && failures.size >= maxKeys) failures.delete(failures.keys().next().value!);
      failures.set(key, list.slice(-rule.limit));
    },
    reset(key) {
      failures.delete(key);
    },
    forgiveLast(key) {
      const list = failures.get(key);
      if (!list) return;
      list.pop();
      if (list.length === 0) failures.delete(key);
    },
  };
}
