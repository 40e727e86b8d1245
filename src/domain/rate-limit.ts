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
  /** Failures of a key still within the rule's window. */
  count(key: string, rule: RateRule): number;
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
    count(key, rule) {
      return failures.has(key) ? recent(key, rule).length : 0;
    },
  };
}

/** Progressive lockout: `limit` failures lock for `baseMs`, each further one doubles it, up to `maxMs`. */
export interface BackoffRule {
  limit: number;
  baseMs: number;
  maxMs: number;
  /** Failures are forgotten once this long has passed since the lock of the latest one ended. */
  forgetMs: number;
}

/** The lock, in ms from the latest failure, after `failures` failures (0 below the limit). */
export function lockDuration(failures: number, rule: BackoffRule): number {
  if (failures < rule.limit) return 0;
  return Math.min(rule.baseMs * 2 ** Math.min(failures - rule.limit, 30), rule.maxMs);
}

export interface BackoffLimiter {
  /** Milliseconds until the key is unlocked, or 0. */
  lockedFor(key: string, rule: BackoffRule): number;
  recordFailure(key: string, rule: BackoffRule): void;
  forgiveLast(key: string): void;
  reset(key: string): void;
  /**
   * One attempt past the lock, at most one per `delayMs` per key (for callers that have shown no
   * failures): 0 when this call takes it, otherwise the milliseconds until the next is free.
   */
  takePass(key: string, delayMs: number): number;
}

/**
 * Per-key failure counts with exponential lockout, kept in memory per process. Unlike a fixed
 * window, a sustained attack keeps counting, so each further failure doubles the wait.
 */
export function createBackoffLimiter(now: () => number = Date.now, maxKeys = 100_000): BackoffLimiter {
  const state = new Map<string, { failures: number[]; lastPass: number }>();
  const live = (key: string, rule: BackoffRule) => {
    const s = state.get(key);
    if (!s) return undefined;
    const last = s.failures.at(-1);
    if (last !== undefined && last + lockDuration(s.failures.length, rule) + rule.forgetMs < now()) {
      state.delete(key);
      return undefined;
    }
    return s;
  };
  return {
    lockedFor(key, rule) {
      const s = live(key, rule);
      const last = s?.failures.at(-1);
      if (!s || last === undefined) return 0;
      return Math.max(0, last + lockDuration(s.failures.length, rule) - now());
    },
    recordFailure(key, rule) {
      let s = live(key, rule);
      if (!s) {
        // Forget the oldest key rather than grow without bound under a spray of accounts.
        if (state.size >= maxKeys) state.delete(state.keys().next().value!);
        state.set(key, (s = { failures: [], lastPass: -Infinity }));
      }
      s.failures.push(now());
      // The doubling stops at maxMs; counts beyond what reaches it add nothing.
      if (s.failures.length > rule.limit + 31) s.failures.shift();
    },
    forgiveLast(key) {
      const s = state.get(key);
      s?.failures.pop();
      if (s && s.failures.length === 0 && s.lastPass === -Infinity) state.delete(key);
    },
    reset(key) {
      state.delete(key);
    },
    takePass(key, delayMs) {
      const s = state.get(key);
      if (!s) return 0;
      const wait = s.lastPass + delayMs - now();
      if (wait > 0) return wait;
      s.lastPass = now();
      return 0;
    },
  };
}

/**
 * Decides which of a burst of events to write one by one and which to count: per key (an account)
 * and per window (a minute), the first is written at once and the rest are counted into one
 * aggregate; past `maxKeys` keys in a window, new keys share one aggregate too.
 */
export interface EventThrottle {
  /** `write` for the first event of a key in its window, `counted` otherwise. */
  note(key: string, kind: string): 'write' | 'counted';
  /** Aggregates of windows that ended before now (all with `everything`), removed from the throttle. */
  due(everything?: boolean): { key: string; from: string; to: string; counts: Record<string, number> }[];
}

/** The key events beyond `maxKeys` distinct keys per window are counted under. */
export const OVERFLOW_KEY = '*';

export function createEventThrottle(now: () => number, windowMs = 60_000, maxKeys = 100): EventThrottle {
  type Aggregate = ReturnType<EventThrottle['due']>[number];
  const windows = new Map<string, { start: number; counts: Record<string, number> }>();
  const ended: Aggregate[] = [];
  let window = { start: -Infinity, keys: 0 };
  const close = (key: string, w: { start: number; counts: Record<string, number> }) => {
    windows.delete(key);
    if (Object.keys(w.counts).length > 0)
      ended.push({
        key,
        from: new Date(w.start).toISOString(),
        to: new Date(w.start + windowMs).toISOString(),
        counts: w.counts,
      });
  };
  return {
    note(key, kind) {
      const t = now();
      if (t >= window.start + windowMs) window = { start: t - (t % windowMs), keys: 0 };
      const open = windows.get(key);
      if (open && t < open.start + windowMs) {
        open.counts[kind] = (open.counts[kind] ?? 0) + 1;
        return 'counted';
      }
      if (open) close(key, open);
      if (window.keys >= maxKeys) {
        const overflow = windows.get(OVERFLOW_KEY) ?? { start: window.start, counts: {} };
        overflow.counts[kind] = (overflow.counts[kind] ?? 0) + 1;
        windows.set(OVERFLOW_KEY, overflow);
        return 'counted';
      }
      window.keys++;
      windows.set(key, { start: t, counts: {} });
      return 'write';
    },
    due(everything = false) {
      for (const [key, w] of windows) if (everything || now() >= w.start + windowMs) close(key, w);
      return ended.splice(0);
    },
  };
}

/**
 * What is kept of one key where several processes share it (the database): its failures in epoch
 * ms, oldest first, and when an attempt last passed a lock from a clean address. The functions
 * below apply the same rules as the in-memory limiters above to such a state.
 */
export interface FailureState {
  failures: number[];
  lastPass: number | null;
}

/** The failures of `state` still inside the sliding window of `rule`. */
export function windowFailures(state: FailureState | undefined, rule: RateRule, now: number): number[] {
  return (state?.failures ?? []).filter((t) => t > now - rule.windowMs);
}

/** Milliseconds until a key with these window failures may try again (0: it may now). */
export function windowWait(failures: number[], rule: RateRule, now: number): number {
  return failures.length >= rule.limit ? failures[failures.length - rule.limit]! + rule.windowMs - now : 0;
}

/** `state` under a backoff rule, or undefined once its failures are forgotten. */
export function backoffState(
  state: FailureState | undefined,
  rule: BackoffRule,
  now: number,
): FailureState | undefined {
  const last = state?.failures.at(-1);
  if (!state || (last !== undefined && last + lockDuration(state.failures.length, rule) + rule.forgetMs < now))
    return undefined;
  return state;
}

/** Milliseconds until a key under a backoff rule is unlocked (0: it is not locked). */
export function backoffWait(state: FailureState | undefined, rule: BackoffRule, now: number): number {
  const last = state?.failures.at(-1);
  return state && last !== undefined ? Math.max(0, last + lockDuration(state.failures.length, rule) - now) : 0;
}

/** Adds a failure at `now`, keeping no more than `keep` of them (older ones no longer change a decision). */
export function withFailure(state: FailureState | undefined, now: number, keep: number): FailureState {
  return { failures: [...(state?.failures ?? []), now].slice(-keep), lastPass: state?.lastPass ?? null };
}
