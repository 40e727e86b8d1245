import type { Clock } from '../../clock.ts';
import type { Executor } from '../../db/database.ts';
import { health, type Health } from '../../domain/monitoring/alerts.ts';
import { notFound } from '../../errors.ts';
import type { UseCaseRecord } from '../use-cases/use-cases.repo.ts';
import type { AlertsService } from './alerts.service.ts';
import type { MonitoringRepo } from './monitoring.repo.ts';
import type { MonitorsService } from './monitors.service.ts';

export interface MonitoringQueryDeps {
  db: Executor;
  clock: Clock;
  repo: MonitoringRepo;
  monitors: Pick<MonitorsService, 'current'>;
  alerts: Pick<AlertsService, 'list'>;
  /** The version's owner by name (its id, use case and team). */
  owner: (exec: Executor, model: string, version: number) => Promise<{ versionId: string } | undefined>;
  /** A use case with its KPI definitions. */
  useCase: (exec: Executor, id: string) => Promise<UseCaseRecord | undefined>;
}

/** What monitoring shows: windows with health, ingest batches, KPI values against targets, alerts. */
export function createMonitoringQueries(deps: MonitoringQueryDeps) {
  const { db, clock, repo, monitors, alerts, owner } = deps;

  /** Health of a version: from its unresolved alerts and how recent its data is (windows of `windowMs`). */
  async function healthOf(exec: Executor, versionId: string, windowMs: number): Promise<Health> {
    const [severities, last] = await Promise.all([
      repo.openSeverities(exec, [versionId]),
      repo.lastData(exec, [versionId]),
    ]);
    return health(severities.get(versionId) ?? [], last.get(versionId) ?? null, clock.now().getTime(), windowMs);
  }

  return {
    async windows(model: string, version: number, q: { from?: string; to?: string; limit: number }) {
      const o = await owner(db, model, version);
      if (!o) throw notFound('model version', `${model}/${version}`);
      const monitor = await monitors.current(db, o.versionId);
      const size = (monitor?.config.windowSeconds ?? 86_400) * 1000;
      const to = q.to ? Date.parse(q.to) : Number.MAX_SAFE_INTEGER;
      const from = q.from ? Date.parse(q.from) : 0;
      const rows = await repo.latestWindows(db, o.versionId, from, to, q.limit);
      const items = rows.map((w) => ({
        start: new Date(w.window_start_ms).toISOString(),
        end: new Date(w.window_end_ms).toISOString(),
        rows: w.rows,
        labelled: w.labelled,
        pending: w.generation > w.computed_generation,
        computedAt: w.computed_at,
        monitor: w.config_id,
        drift: w.drift === null ? null : JSON.parse(w.drift),
        performance: w.performance === null ? null : JSON.parse(w.performance),
        comparison: w.comparison === null ? null : JSON.parse(w.comparison),
      }));
      return {
        model,
        version,
        monitor: monitor?.id ?? null,
        windowSeconds: size / 1000,
        health: await healthOf(db, o.versionId, size),
        items,
      };
    },

    async batches(model: string, version: number, limit: number) {
      const o = await owner(db, model, version);
      if (!o) throw notFound('model version', `${model}/${version}`);
      return {
        items: (await repo.batches(db, o.versionId, limit)).map((b) => ({
          id: b.id,
          kind: b.kind,
          format: b.format,
          digest: b.digest,
          bytes: b.bytes,
          accepted: b.accepted,
          duplicates: b.duplicates,
          rejected: b.rejected,
          reasons: JSON.parse(b.reasons) as unknown[],
          receivedAt: b.received_at,
          receivedBy: b.received_by,
        })),
      };
    },

    async kpiValues(useCaseId: string, kpi: string, q: { from?: string; to?: string; limit: number }) {
      const uc = await deps.useCase(db, useCaseId);
      if (!uc) throw notFound('use case', useCaseId);
      const def = uc.kpis.find((k) => k.name === kpi);
      if (!def) throw notFound(`KPI of use case ${useCaseId}`, kpi);
      const values = await repo.kpiValues(
        db,
        useCaseId,
        kpi,
        q.from ? Date.parse(q.from) : 0,
        q.to ? Date.parse(q.to) : Number.MAX_SAFE_INTEGER,
        q.limit,
      );
      const meets = (v: number) => (def.direction === 'at-least' ? v >= def.target : v <= def.target);
      return {
        kpi: def,
        items: values.map((v) => ({
          timestamp: new Date(v.ts_ms).toISOString(),
          value: v.value,
          meetsTarget: meets(v.value),
        })),
      };
    },

    async listAlerts(q: {
      state: string;
      useCase?: string;
      model?: string;
      version?: number;
      limit: number;
      after?: string;
    }) {
      let versionId: string | undefined;
      if (q.model !== undefined) {
        const o = q.version === undefined ? undefined : await owner(db, q.model, q.version);
        if (!o) throw notFound('model version', `${q.model}/${q.version ?? '?'}`);
        versionId = o.versionId;
      }
      const states = q.state === 'all' ? undefined : q.state === 'unresolved' ? ['open', 'acknowledged'] : [q.state];
      return alerts.list(
        {
          ...(versionId ? { versionId } : {}),
          ...(q.useCase ? { useCaseId: q.useCase } : {}),
          ...(states ? { states } : {}),
        },
        q.limit,
        q.after,
      );
    },
  };
}

export type MonitoringQueries = ReturnType<typeof createMonitoringQueries>;
