import { collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { Clock } from '../../clock.ts';
import type { Executor } from '../../db/database.ts';
import type { LabelledCount } from './metrics.repo.ts';
import { metricsRepo } from './metrics.repo.ts';

/** Connection counts of the PostgreSQL pool (absent on SQLite: one embedded connection). */
export interface PoolStats {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
}

export interface MetricsDeps {
  db: Executor;
  clock: Clock;
  pool?: PoolStats | undefined;
  /** Jobs waiting and running in the queue. */
  jobs: () => Promise<{ queued: number; active: number }>;
  /** Discovery findings by status (open ones are ungoverned models awaiting triage). */
  discovery?: ((exec: Executor) => Promise<Record<string, number>>) | undefined;
}

// Node's process metrics (CPU, memory, event-loop lag, GC) belong to the process, not to one app:
// registered once, however many apps a process builds (the test suite builds hundreds).
let processRegistry: Registry | undefined;
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry, prefix: 'steward_' });
  }
  return processRegistry;
}

const setAll = (gauge: Gauge<string>, counts: LabelledCount[]) => {
  gauge.reset();
  for (const c of counts) gauge.set(c.labels, c.count);
};

/**
 * The Prometheus registry of one app: HTTP request durations (observed by the HTTP adapter), the
 * database pool and job queue, and governance gauges counted from the database at scrape time, so
 * every replica reports the same organisation-wide figures.
 */
export function createMetricsService(deps: MetricsDeps) {
  const registry = new Registry();
  const { db } = deps;

  const requests = new Histogram({
    name: 'steward_http_request_duration_seconds',
    help: 'HTTP requests by method, route template and status code',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });

  new Gauge({
    name: 'steward_db_pool_connections',
    help: 'PostgreSQL pool connections by state (total, idle, waiting clients); absent on SQLite',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      if (!deps.pool) return;
      this.set({ state: 'total' }, deps.pool.totalCount);
      this.set({ state: 'idle' }, deps.pool.idleCount);
      this.set({ state: 'waiting' }, deps.pool.waitingCount);
    },
  });

  new Gauge({
    name: 'steward_jobs',
    help: 'Background jobs by state (queued, active)',
    labelNames: ['state'],
    registers: [registry],
    async collect() {
      const { queued, active } = await deps.jobs();
      this.set({ state: 'queued' }, queued);
      this.set({ state: 'active' }, active);
    },
  });

  new Gauge({
    name: 'steward_model_versions',
    help: "Model versions by their use case's current risk tier ('none' before assessment) and process step",
    labelNames: ['tier', 'step'],
    registers: [registry],
    async collect() {
      setAll(this, await metricsRepo.versionsByTierAndStep(db));
    },
  });

  new Gauge({
    name: 'steward_open_alerts',
    help: 'Monitoring alerts not yet resolved, by severity',
    labelNames: ['severity'],
    registers: [registry],
    async collect() {
      setAll(this, await metricsRepo.openAlertsBySeverity(db));
    },
  });

  new Gauge({
    name: 'steward_overdue_tasks',
    help: 'Open tasks past their due time, by kind',
    labelNames: ['kind'],
    registers: [registry],
    async collect() {
      setAll(this, await metricsRepo.overdueTasks(db, deps.clock.now().toISOString()));
    },
  });

  new Gauge({
    name: 'steward_stale_approvals',
    help: 'Approvals whose evidence changed since they were signed (open re-review tasks)',
    registers: [registry],
    async collect() {
      this.set(await metricsRepo.staleApprovals(db));
    },
  });

  new Gauge({
    name: 'steward_pending_registrations',
    help: 'Versions registered through the MLflow protocol awaiting their registration checks',
    registers: [registry],
    async collect() {
      this.set(await metricsRepo.pendingRegistrations(db));
    },
  });

  new Gauge({
    name: 'steward_discovery_findings',
    help: 'Models found outside the inventory by discovery, by status (open: awaiting triage)',
    labelNames: ['status'],
    registers: [registry],
    async collect() {
      if (!deps.discovery) return;
      const counts = await deps.discovery(db);
      setAll(
        this,
        Object.entries(counts).map(([status, count]) => ({ labels: { status }, count })),
      );
    },
  });

  return {
    /** Records one answered HTTP request. */
    observeRequest(method: string, route: string, status: number, seconds: number): void {
      requests.observe({ method, route, status: String(status) }, seconds);
    },
    /** The exposition text: this app's metrics, then the process's. */
    async exposition(): Promise<{ contentType: string; body: string }> {
      const mine = await registry.metrics();
      const process = await processMetrics().metrics();
      return { contentType: registry.contentType, body: `${mine}\n${process}` };
    },
  };
}

export type MetricsService = ReturnType<typeof createMetricsService>;
