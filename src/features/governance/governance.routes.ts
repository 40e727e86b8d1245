import type { KpiAlertTable } from '../../db/schema.ts';
import { KPIS } from '../../domain/governance/kpis.ts';
import { contextOf, type App } from '../../http/app-types.ts';
import { fromQuery } from '../../http/input.ts';
import { Type } from 'typebox';
import type { Clock } from '../../clock.ts';
import {
  Changes,
  ChangesQuery,
  HistoryImport,
  HistoryImportResult,
  WatchRun,
  KpiAlert,
  KpiQuery,
  KpiReport,
  Leaderboard,
  LeaderboardQuery,
  SnapshotResult,
} from './governance.schema.ts';
import type { KpiHistoryImport } from './history.service.ts';
import type { KpiService } from './kpis.service.ts';
import type { LeaderboardService } from './leaderboard.service.ts';
import type { RegulatoryWatch } from './regulatory.service.ts';

const tags = ['governance'];

const alertView = (a: KpiAlertTable) => ({
  id: a.id,
  kpi: a.kpi,
  state: a.state,
  value: a.value,
  comparator: a.comparator,
  target: a.target,
  owner: { team: a.owner_team, role: a.owner_role },
  openedDay: a.opened_day,
  openedAt: a.opened_at,
  resolvedAt: a.resolved_at,
});

export function governanceRoutes(
  app: App,
  deps: {
    kpis: KpiService;
    history: KpiHistoryImport;
    leaderboard: LeaderboardService;
    watch: RegulatoryWatch;
    targets: () => Promise<unknown[]>;
    clock: Clock;
  },
): void {
  app.get(
    '/governance/kpis',
    {
      config: { permission: 'inventory:read' },
      schema: {
        tags,
        summary:
          "The governance programme's KPIs now, with the pack's targets and the alerts open on missed ones; with `from` (and `to`, default today) the daily history instead, for the organisation or one `team`",
        querystring: KpiQuery,
        response: { 200: KpiReport },
      },
    },
    async (request) => {
      const q = request.query;
      const definitions = KPIS.map((k) => ({ ...k }));
      if (q.from !== undefined || q.to !== undefined) {
        const now = deps.clock.now().toISOString();
        const to = q.to ?? now.slice(0, 10);
        const from = q.from ?? to;
        const [targets, open, history] = await Promise.all([
          deps.targets(),
          deps.kpis.openAlerts(),
          fromQuery(() =>
            deps.kpis.history({ from, to, ...(q.team ? { team: q.team } : {}), ...(q.kpi ? { kpi: q.kpi } : {}) }),
          ),
        ]);
        return { at: now, definitions, targets: targets as never, alerts: open.map(alertView), history };
      }
      const current = await deps.kpis.current();
      const values = current.values.filter(
        (v) => (q.team === undefined || v.team === q.team) && (q.kpi === undefined || v.kpi === q.kpi),
      );
      return {
        at: current.at,
        definitions,
        targets: current.targets,
        alerts: current.alerts.map(alertView),
        values: values as never,
        requirementsComputed: current.requirementsComputed,
      };
    },
  );

  app.get(
    '/governance/kpis/alerts',
    {
      config: { permission: 'inventory:read' },
      schema: {
        tags,
        summary: 'Alerts raised on missed KPI targets, open and resolved, newest first',
        response: { 200: Type.Object({ items: Type.Array(KpiAlert) }) },
      },
    },
    async () => ({ items: (await deps.kpis.alerts(500)).map(alertView) }),
  );

  app.post(
    '/governance/kpis/snapshots',
    {
      config: { permission: 'policy:admin' },
      schema: {
        tags,
        summary:
          "Take today's KPI snapshot now (it replaces today's values) and judge it against the pack's targets; the daily job takes one on its own",
        response: { 201: SnapshotResult },
      },
    },
    async (request, reply) => reply.status(201).send(await deps.kpis.snapshot(contextOf(request), { replace: true })),
  );

  app.post(
    '/governance/kpis/history',
    {
      config: { permission: 'policy:admin' },
      schema: {
        tags,
        summary:
          "Import KPI history from before Steward measured (earlier reporting): days before today and before Steward's first computed snapshot, shown as imported; all or nothing",
        body: HistoryImport,
        response: { 201: HistoryImportResult },
      },
    },
    async (request, reply) =>
      reply.status(201).send(await deps.history.importHistory(contextOf(request), request.body)),
  );

  app.get(
    '/governance/leaderboard',
    {
      config: { permission: 'inventory:read' },
      schema: {
        tags,
        summary:
          "Teams and people ranked by the pack's score (reviews on time, evidence completeness, findings closed on time, training current), each with its components; people pseudonymised when so configured",
        querystring: LeaderboardQuery,
        response: { 200: Leaderboard },
      },
    },
    async (request) => deps.leaderboard.board(request.query.days !== undefined ? { days: request.query.days } : {}),
  );

  app.get(
    '/governance/regulatory-changes',
    {
      config: { permission: 'inventory:read' },
      schema: {
        tags,
        summary:
          "The active pack's regulation requirements that take effect or lapse within `days` of today, each with the use cases it reaches and whether the watch has acted on it",
        querystring: ChangesQuery,
        response: { 200: Changes },
      },
    },
    async (request) => deps.watch.changes({ days: request.query.days }),
  );

  app.post(
    '/governance/regulatory-changes/runs',
    {
      config: { permission: 'policy:admin' },
      schema: {
        tags,
        summary:
          'Run the regulatory change watch now (it runs daily): each change whose day has come opens a re-evaluation task on every use case it reaches, is audited, and re-decides their versions’ promotions',
        response: { 200: WatchRun },
      },
    },
    async (request) => deps.watch.run(contextOf(request)),
  );
}
