// Background jobs: pg-boss on PostgreSQL (any number of workers, jobs survive restarts), an
// in-process queue on SQLite (one process owns the database anyway). Jobs only trigger work whose
// need is recorded in the database (e.g. a dirty monitoring window), so a lost job delays work
// until the next sweep but never loses it.

import PgBoss from 'pg-boss';
import type pg from 'pg';

export type JobHandler = (data: Record<string, unknown>) => Promise<void>;

export interface JobQueue {
  /** Queues `name` for `data`; while a job with the same key waits, another is not added. */
  send(name: string, data: Record<string, unknown>, key: string): Promise<void>;
  /** Registers the handler of `name` (before start). */
  work(name: string, handler: JobHandler): void;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Jobs waiting (including retries) and running, for the metrics gauges. */
  stats(): Promise<{ queued: number; active: number }>;
}

export interface QueueOptions {
  /** How often a worker looks for new jobs (pg-boss) — the in-process queue runs them at once. */
  pollMs: number;
  /** Parallel jobs per process. */
  concurrency: number;
  onError: (err: unknown, name: string) => void;
}

/** The in-process queue: jobs run in this process, deduplicated by key while pending. */
export function createLocalQueue(options: QueueOptions): JobQueue {
  const handlers = new Map<string, JobHandler>();
  const pending = new Map<string, { name: string; data: Record<string, unknown> }>();
  let running = 0;
  let started = false;
  let stopping: Promise<void> | null = null;
  let drained: (() => void) | null = null;

  const pump = () => {
    while (started && !stopping && running < options.concurrency && pending.size > 0) {
      const [key, job] = pending.entries().next().value!;
      pending.delete(key);
      running++;
      const handler = handlers.get(job.name);
      void (async () => {
        try {
          if (!handler) throw new Error(`no handler for job '${job.name}'`);
          await handler(job.data);
        } catch (err) {
          options.onError(err, job.name);
        } finally {
          running--;
          if (running === 0 && drained) drained();
          setImmediate(pump);
        }
      })();
    }
  };

  return {
    async send(name, data, key) {
      const k = `${name}\u0000${key}`;
      if (!pending.has(k)) pending.set(k, { name, data });
      setImmediate(pump);
    },
    work(name, handler) {
      handlers.set(name, handler);
    },
    async start() {
      started = true;
      pump();
    },
    async stats() {
      return { queued: pending.size, active: running };
    },
    stop() {
      stopping ??= running === 0 ? Promise.resolve() : new Promise<void>((resolve) => (drained = resolve));
      return stopping;
    },
  };
}

/** pg-boss over the application's own pool, in its own schema. */
export function createPgBossQueue(pool: pg.Pool, options: QueueOptions & { schema: string }): JobQueue {
  const boss = new PgBoss({
    db: {
      executeSql: async (text, values) => {
        const r = await pool.query(text, values);
        return { rows: r.rows, rowCount: r.rowCount ?? 0 };
      },
    },
    schema: options.schema,
    // Steward keeps its own history (audit trail, windows); finished jobs need not linger.
    deleteAfterHours: 24,
  });
  boss.on('error', (err) => options.onError(err, 'pg-boss'));
  const handlers = new Map<string, JobHandler>();
  let started = false;
  return {
    async send(name, data, key) {
      // A singleton *queue*: one waiting job per key, while another with that key may be running.
      await boss.send(name, data, {
        singletonKey: key,
        useSingletonQueue: true,
        retryLimit: 5,
        retryBackoff: true,
        retryDelay: 2,
      });
    },
    work(name, handler) {
      handlers.set(name, handler);
    },
    async start() {
      await boss.start();
      started = true;
      for (const [name, handler] of handlers) {
        await boss.work<Record<string, unknown>>(
          name,
          { teamSize: options.concurrency, teamConcurrency: options.concurrency, newJobCheckInterval: options.pollMs },
          async (job) => {
            try {
              await handler(job.data);
            } catch (err) {
              options.onError(err, name);
              throw err;
            }
          },
        );
      }
    },
    async stats() {
      // Across every replica: pg-boss keeps its jobs in one table of its schema.
      const r = await pool.query<{ state: string; n: string }>(
        `SELECT state, count(*)::text AS n FROM ${options.schema}.job WHERE state IN ('created', 'retry', 'active') GROUP BY state`,
      );
      const count = (states: string[]) =>
        r.rows.filter((x) => states.includes(x.state)).reduce((a, x) => a + Number(x.n), 0);
      return { queued: count(['created', 'retry']), active: count(['active']) };
    },
    async stop() {
      if (started) await stopped(boss);
      started = false;
    },
  };
}

/** Stops pg-boss gracefully and resolves once it has (its stop() returns before it is done). */
function stopped(boss: PgBoss): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, 15_000);
    boss.once('stopped', () => {
      clearTimeout(timer);
      resolve();
    });
    void boss.stop({ graceful: true, destroy: false, timeout: 10_000 });
  });
}
