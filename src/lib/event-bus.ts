/**
 * A typed, in-process event bus for reactions between features.
 *
 * A command emits an event inside its own transaction. Subscribers registered with `on` run right
 * there, in the same transaction and in registration order, so a subscriber that throws rolls the
 * whole command back. Subscribers registered with `afterCommit` run once the command has committed
 * (never when it rolled back), for work that must not hold the transaction open or that only makes
 * sense for committed state (cache invalidation, notifications).
 *
 * Subscriptions are made while the application is composed; `seal()` ends that, so no reaction
 * can be attached later by a side door.
 */
export interface EventBus<E extends object, X> {
  /** Subscribes inside the emitting command's transaction. */
  on<K extends keyof E>(name: K, handler: (tx: X, payload: E[K]) => Promise<void>): void;
  /** Subscribes after the emitting command has committed. */
  afterCommit<K extends keyof E>(name: K, handler: (payload: E[K]) => Promise<void> | void): void;
  /** Emits inside a command's transaction: runs the in-transaction subscribers, queues the rest. */
  emit<K extends keyof E>(tx: X, name: K, payload: E[K]): Promise<void>;
  /** Ends composition: later subscriptions throw. */
  seal(): void;
  /** The event names with at least one subscriber, for documentation and tests. */
  subscribed(): (keyof E)[];
}

/** What emitting needs from the transaction layer: run `fn` after the command in `tx` committed. */
export type AfterCommit<X> = (tx: X, fn: () => Promise<void> | void) => void;

export function createEventBus<E extends object, X>(afterCommit: AfterCommit<X>): EventBus<E, X> {
  const inTx = new Map<keyof E, ((tx: X, payload: never) => Promise<void>)[]>();
  const after = new Map<keyof E, ((payload: never) => Promise<void> | void)[]>();
  let sealed = false;
  const add = <T>(map: Map<keyof E, T[]>, name: keyof E, handler: T) => {
    if (sealed) throw new Error(`subscription to '${String(name)}' after the application was composed`);
    map.set(name, [...(map.get(name) ?? []), handler]);
  };
  return {
    on: (name, handler) => add(inTx, name, handler as (tx: X, payload: never) => Promise<void>),
    afterCommit: (name, handler) => add(after, name, handler as (payload: never) => Promise<void> | void),
    async emit(tx, name, payload) {
      for (const h of inTx.get(name) ?? []) await h(tx, payload as never);
      for (const h of after.get(name) ?? []) afterCommit(tx, () => h(payload as never));
    },
    seal() {
      sealed = true;
    },
    subscribed: () => [...new Set([...inTx.keys(), ...after.keys()])],
  };
}
