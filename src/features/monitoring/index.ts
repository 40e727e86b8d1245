import type { RequestContext } from '../../context.ts';
import type { Executor, Tx } from '../../db/database.ts';
import { effectiveRules, evaluateRules, health, type AlertRule, type Health } from '../../domain/monitoring/alerts.ts';
import type { TaskSpec } from '../../domain/lifecycle/tasks.ts';
import type { PolicyPack } from '../../domain/policy/pack.schema.ts';
import { notFound } from '../../errors.ts';
import type { App } from '../../http/app-types.ts';
import type { JobQueue } from '../../jobs/queue.ts';
import type { CommandDeps } from '../common/deps.ts';
import { datasetRepo } from '../datasets/datasets.repo.ts';
import { evidenceRepo } from '../evidence/evidence.repo.ts';
import type { FetchPolicy } from '../evidence/sources.ts';
import type { PolicyContext } from '../lifecycle/governance.ts';
import { lifecycleRepo } from '../lifecycle/lifecycle.repo.ts';
import type { SigningCredentials } from '../lifecycle/signing.service.ts';
import { policyRepo } from '../policy/policy.repo.ts';
import { useCaseRepo } from '../use-cases/use-cases.repo.ts';
import type { TaskTable } from '../../db/schema.ts';
import { alertRoutes } from './alerts.routes.ts';
import { createAlertsService } from './alerts.service.ts';
import { createComputeService } from './compute.service.ts';
import { createIngestService } from './ingest.service.ts';
import { monitoringRepo as repo } from './monitoring.repo.ts';
import { monitoringRoutes } from './monitoring.routes.ts';
import { createMonitorsService } from './monitors.service.ts';
import { createOversightService } from './oversight.service.ts';

const JOB = 'monitoring.window';

export interface MonitoringFeatureDeps extends CommandDeps {
  queue: JobQueue;
  fetchPolicy: FetchPolicy;
  /** Largest ingest batch / reference dataset, in bytes. */
  maxBytes: number;
  maxRecords?: number;
  /** The use case's current policy context (pack, tier). */
  policy: (exec: Executor, useCaseId: string) => Promise<PolicyContext | null>;
  createTasks: (
    tx: Tx,
    subject: { type: 'model-version' | 'use-case'; id: string; team: string },
    pack: PolicyPack,
    step: string,
    specs: TaskSpec[],
  ) => Promise<TaskTable[]>;
  reauthenticate: (ctx: RequestContext, credentials: SigningCredentials) => Promise<unknown>;
  signDigest: (digest: string) => string;
  /** The version's evidence changed: requirements, signatures and promotions are re-decided. */
  changed: (tx: Tx, ctx: RequestContext, versionId: string) => Promise<void>;
  /** How often dirty windows are swept into jobs (a safety net for jobs lost in a restart). */
  sweepMs?: number;
  onError: (err: unknown, what: string) => void;
}

/** Production monitoring: ingestion, drift and performance windows, alerts, incidents, oversight. */
export function createMonitoringFeature(deps: MonitoringFeatureDeps) {
  const { db, queue } = deps;
  const base = { db: deps.db, transact: deps.transact, audit: deps.audit, clock: deps.clock, ids: deps.ids, repo };
  const owner = (exec: Executor, model: string, version: number) => lifecycleRepo.owner(exec, model, version);
  const packOf = async (exec: Executor, useCaseId: string) => (await deps.policy(exec, useCaseId))?.pack ?? null;

  const touched = async (versionId: string, starts: number[]) => {
    for (const start of starts) await queue.send(JOB, { versionId, start }, `${versionId}:${start}`);
  };
  const kick = async (versionId: string) => touched(versionId, await repo.dirtyOf(db, versionId));

  const monitors = createMonitorsService({
    ...base,
    evidence: evidenceRepo,
    datasets: datasetRepo,
    owner,
    pack: packOf,
    fetchPolicy: deps.fetchPolicy,
    maxBytes: deps.maxBytes,
    reconfigured: (tx, versionId, windowMs) => repo.rebuildWindows(tx, versionId, windowMs),
    kick,
    changed: deps.changed,
  });
  const windowMs = async (exec: Executor, versionId: string) =>
    ((await monitors.current(exec, versionId))?.config.windowSeconds ?? 86_400) * 1000;

  const alerts = createAlertsService({
    ...base,
    evidence: evidenceRepo,
    assessment: async (exec, useCaseId) => {
      const [p, a] = await Promise.all([deps.policy(exec, useCaseId), policyRepo.currentAssessment(exec, useCaseId)]);
      return p && a ? { pack: p.pack, euAiAct: a.eu_ai_act } : null;
    },
    useCaseTeam: (exec, id) => useCaseRepo.teamOf(exec, id),
    createTasks: deps.createTasks,
    changed: deps.changed,
  });

  /** A KPI value arrived: the use case's KPI rules run on its latest value. */
  const kpiRecorded = async (tx: Tx, ctx: RequestContext, useCaseId: string, kpi: string) => {
    const uc = await useCaseRepo.get(tx, useCaseId);
    const latest = await repo.latestKpi(tx, useCaseId, kpi);
    const def = uc?.kpis.find((k) => k.name === kpi);
    const policy = await deps.policy(tx, useCaseId);
    if (!uc || !latest || !def || !policy) return;
    const missed = def.direction === 'at-least' ? latest.value < def.target : latest.value > def.target;
    const rules = effectiveRules((policy.pack.alertRules ?? []) as AlertRule[], policy.tier, []).filter((r) =>
      r.metric.startsWith('kpi.'),
    );
    await alerts.apply(
      tx,
      ctx,
      { useCaseId, team: uc.ownerTeam, versionId: null, label: `use case ${uc.name}` },
      evaluateRules(rules, { [`kpi.${kpi}`]: latest.value, [`kpi.${kpi}.missed`]: missed ? 1 : 0 }),
      latest.ts_ms,
    );
  };

  const ingest = createIngestService({
    ...base,
    owner,
    useCase: async (exec, id) => {
      const uc = await useCaseRepo.get(exec, id);
      return uc && { id: uc.id, team: uc.ownerTeam, kpis: uc.kpis };
    },
    windowMs,
    profileSpec: async (exec, versionId) => {
      const m = await monitors.current(exec, versionId);
      return (
        m &&
        Object.fromEntries(
          Object.entries(m.config.features).map(([name, type]) => [
            name,
            {
              type,
              ...(m.reference.columns[name]?.profileEdges ? { edges: m.reference.columns[name]!.profileEdges! } : {}),
            },
          ]),
        )
      );
    },
    touched,
    kpiRecorded,
    maxBytes: deps.maxBytes,
    maxRecords: deps.maxRecords ?? 1_000_000,
  });

  const compute = createComputeService({
    db,
    transact: deps.transact,
    clock: deps.clock,
    repo,
    monitors,
    alerts,
    subject: async (exec, versionId) => {
      // By id: its names, then the owner the lifecycle resolves for every version.
      const names = await lifecycleRepo.names(exec, versionId);
      const s = names && (await lifecycleRepo.owner(exec, names.model, names.version));
      if (!names || !s) return null;
      const policy = await deps.policy(exec, s.useCaseId);
      return {
        subject: { useCaseId: s.useCaseId, team: s.team, versionId, label: `${names.model}/${names.version}` },
        tier: policy?.tier ?? null,
        pack: policy?.pack ?? null,
      };
    },
    evaluated: async (exec, versionId) => {
      const evaluations = (await evidenceRepo.ofVersion(exec, versionId)).filter((e) => e.kind === 'evaluation');
      const last = evaluations[evaluations.length - 1];
      if (!last) return {};
      return Object.fromEntries(
        Object.entries(JSON.parse(last.metrics) as Record<string, unknown>).filter(
          (e): e is [string, number] => typeof e[1] === 'number',
        ),
      );
    },
  });
  queue.work(JOB, async (data) => {
    const versionId = String(data.versionId);
    const start = Number(data.start);
    await compute.computeWindow(versionId, start);
    // Records that arrived while it ran raised the generation: compute it again.
    const w = await repo.window(db, versionId, start);
    if (w && w.generation > w.computed_generation && w.lease_until_ms === null) await touched(versionId, [start]);
  });

  const oversight = createOversightService({
    ...base,
    owner,
    reauthenticate: deps.reauthenticate,
    signDigest: deps.signDigest,
  });

  /** Health of a version: from its unresolved alerts and how recent its data is (windows of `windowMs`). */
  async function healthOf(exec: Executor, versionId: string, windowMs: number): Promise<Health> {
    const [severities, last] = await Promise.all([
      repo.openSeverities(exec, [versionId]),
      repo.lastData(exec, [versionId]),
    ]);
    return health(severities.get(versionId) ?? [], last.get(versionId) ?? null, deps.clock.now().getTime(), windowMs);
  }

  /** Health of models: the worst of their versions' (a model without monitoring data has none). */
  async function modelHealth(exec: Executor, modelIds: string[]): Promise<Map<string, Health>> {
    const { severities, data } = await repo.modelHealthInputs(exec, modelIds);
    const now = deps.clock.now().getTime();
    return new Map(
      modelIds.map((id) => {
        const fresh = (data.get(id) ?? []).find((d) => now - d.last <= 2 * d.size);
        return [id, health(severities.get(id) ?? [], fresh ? fresh.last : null, now, fresh ? fresh.size : 1)];
      }),
    );
  }

  let sweeper: NodeJS.Timeout | undefined;
  const sweep = async () => {
    for (const w of await repo.dirtyWindows(db, deps.clock.now().getTime(), 1000))
      await touched(w.model_version_id, [w.window_start_ms]);
  };

  const feature = {
    monitors,
    ingest,
    alerts,
    oversight,
    modelHealth,

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
      const uc = await useCaseRepo.get(db, useCaseId);
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

    routes: async (app: App) => {
      await app.register(async (scope) => monitoringRoutes(scope as App, feature));
      alertRoutes(app, feature);
    },

    async start(): Promise<void> {
      await queue.start();
      // An unmigrated database must not keep the server from starting (it reports 503 instead).
      try {
        await sweep();
      } catch (err) {
        deps.onError(err, 'resuming monitoring windows');
      }
      sweeper = setInterval(
        () => void sweep().catch((err) => deps.onError(err, 'monitoring sweep')),
        deps.sweepMs ?? 60_000,
      );
      sweeper.unref();
    },

    async stop(): Promise<void> {
      if (sweeper) clearInterval(sweeper);
      await queue.stop();
    },
  };
  return feature;
}

export type MonitoringFeature = ReturnType<typeof createMonitoringFeature>;
