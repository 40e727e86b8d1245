import type { Clock } from '../../clock.ts';
import type { RequestContext } from '../../context.ts';
import type { Executor, Tx } from '../../db/database.ts';
import type { TaskTable } from '../../db/schema.ts';
import type { TaskSpec } from '../../domain/lifecycle/tasks.ts';
import { health, windowStart, type Health } from '../../domain/monitoring/alerts.ts';
import type { PolicyPack } from '../../domain/policy/pack.schema.ts';
import type { EvidenceRecord } from '../../domain/policy/status.ts';
import type { App } from '../../http/app-types.ts';
import type { JobQueue } from '../../jobs/queue.ts';
import type { WorkerPool } from '../../lib/worker-pool.ts';
import type { DatasetRepo } from '../datasets/datasets.repo.ts';
import type { EvidenceRepo } from '../evidence/evidence.repo.ts';
import type { FetchPolicy } from '../../tabular/sources.ts';
import type { Feature, FeatureDeps } from '../feature.ts';
import type { VersionOwner } from '../lifecycle/lifecycle.repo.ts';
import type { SigningCredentials } from '../common/signing.ts';
import type { PolicyContext } from '../policy/index.ts';
import type { UseCaseRecord } from '../use-cases/use-cases.repo.ts';
import { alertViewsRepo } from './alert-views.repo.ts';
import { alertRoutes } from './alerts.routes.ts';
import { createAlertsService } from './alerts.service.ts';
import { challengersRepo } from './challengers.repo.ts';
import { createComparer } from './comparison.service.ts';
import { monitoringEvidence } from './evidence.fns.ts';
import { createComputeService } from './compute.service.ts';
import { createIngestService } from './ingest.service.ts';
import { createKpiRules } from './kpis.service.ts';
import { createSweeper, createWindowScheduler, WINDOW_JOB, windowJob } from './monitoring.jobs.ts';
import { monitoringRepo as repo } from './monitoring.repo.ts';
import { monitoringRoutes } from './monitoring.routes.ts';
import { createMonitoringQueries } from './monitoring.service.ts';
import { createMonitorsService } from './monitors.service.ts';
import { createOversightService } from './oversight.service.ts';

export interface MonitoringFeatureDeps extends FeatureDeps {
  queue: JobQueue;
  fetchPolicy: FetchPolicy;
  /** Largest ingest batch / reference dataset, in bytes. */
  maxBytes: number;
  maxRecords?: number;
  /** The use case's current policy context (pack, tier), from the policy feature. */
  policy: (exec: Executor, useCaseId: string) => Promise<PolicyContext | null>;
  /** The EU AI Act category of the use case's current assessment (Art. 73 deadlines). */
  euAiAct: (exec: Executor, useCaseId: string) => Promise<string | null>;
  /** Evidence rows of a version: monitor configurations and alerts are recorded as evidence. */
  evidence: Pick<EvidenceRepo, 'insert' | 'ofVersion'>;
  datasets: Pick<DatasetRepo, 'resolveVersion'>;
  useCase: (exec: Executor, id: string) => Promise<UseCaseRecord | undefined>;
  /** The version's owner by name, and its names by id (from the lifecycle). */
  owner: (exec: Executor, model: string, version: number) => Promise<VersionOwner | undefined>;
  names: (exec: Executor, versionId: string) => Promise<{ model: string; version: number } | undefined>;
  createTasks: (
    tx: Tx,
    subject: { type: 'model-version' | 'use-case'; id: string; team: string },
    pack: PolicyPack,
    step: string,
    specs: TaskSpec[],
  ) => Promise<TaskTable[]>;
  reauthenticate: (ctx: RequestContext, credentials: SigningCredentials, roles: readonly string[]) => Promise<unknown>;
  /** The training gate alone (the first check of `reauthenticate`), for the suspension's eligibility read. */
  gate?: (ctx: RequestContext, roles: readonly string[]) => Promise<void>;
  signDigest: (digest: string) => string;
  /** How often dirty windows are swept into jobs (a safety net for jobs lost in a restart). */
  sweepMs?: number;
  onError: (err: unknown, what: string) => void;
  /** Threads window statistics run on (the server's worker pool); default: the job's own thread. */
  pool?: Pick<WorkerPool, 'run'>;
}

/** Production monitoring: ingestion, drift and performance windows, alerts, incidents, oversight. */
export function createMonitoringFeature(deps: MonitoringFeatureDeps) {
  const { db, queue, owner, events } = deps;
  const base = { db, transact: deps.transact, audit: deps.audit, clock: deps.clock, ids: deps.ids, repo };
  const scheduler = createWindowScheduler({ db, queue, repo });

  const monitors = createMonitorsService({
    ...base,
    evidence: deps.evidence,
    datasets: deps.datasets,
    owner,
    challengers: challengersRepo,
    fetchPolicy: deps.fetchPolicy,
    maxBytes: deps.maxBytes,
    reconfigured: (tx, versionId, windowMs) => repo.rebuildWindows(tx, versionId, windowMs),
    kick: scheduler.kick,
    events,
    ...(deps.pool ? { pool: deps.pool } : {}),
  });
  const alerts = createAlertsService({
    ...base,
    views: alertViewsRepo,
    evidence: deps.evidence,
    assessment: async (exec, useCaseId) => {
      const [p, euAiAct] = await Promise.all([deps.policy(exec, useCaseId), deps.euAiAct(exec, useCaseId)]);
      return p && euAiAct ? { pack: p.pack, euAiAct } : null;
    },
    useCaseTeam: async (exec, id) => (await deps.useCase(exec, id))?.ownerTeam,
    createTasks: deps.createTasks,
    events,
  });
  const ingest = createIngestService({
    ...base,
    owner,
    useCase: async (exec, id) => {
      const uc = await deps.useCase(exec, id);
      return uc && { id: uc.id, team: uc.ownerTeam, kpis: uc.kpis };
    },
    windowMs: async (exec, versionId) =>
      ((await monitors.current(exec, versionId))?.config.windowSeconds ?? 86_400) * 1000,
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
    touched: scheduler.touched,
    challengerTouched: async (tx, versionId, recordIds) => {
      const out: { versionId: string; starts: number[] }[] = [];
      for (const champion of await challengersRepo.championsOf(tx, versionId)) {
        const windowMs = ((await monitors.current(tx, champion))?.config.windowSeconds ?? 86_400) * 1000;
        const starts = new Set<number>();
        for (let i = 0; i < recordIds.length; i += 500)
          for (const ts of await challengersRepo.windowsOfRecords(tx, champion, recordIds.slice(i, i + 500)))
            starts.add(windowStart(ts, windowMs));
        const windows = [...starts].map((start) => ({ start, end: start + windowMs }));
        await repo.markDirty(tx, champion, windows);
        out.push({ versionId: champion, starts: [...starts] });
      }
      return out;
    },
    kpiRecorded: createKpiRules({ repo, alerts, policy: deps.policy, useCase: deps.useCase }),
    maxBytes: deps.maxBytes,
    maxRecords: deps.maxRecords ?? 1_000_000,
  });
  const compute = createComputeService({
    db,
    comparer: createComparer({ db, challengers: challengersRepo }),
    transact: deps.transact,
    clock: deps.clock,
    repo,
    monitors,
    alerts,
    ...(deps.pool ? { pool: deps.pool } : {}),
    subject: async (exec, versionId) => {
      // By id: its names, then the owner the lifecycle resolves for every version.
      const names = await deps.names(exec, versionId);
      const s = names && (await owner(exec, names.model, names.version));
      if (!names || !s) return null;
      const policy = await deps.policy(exec, s.useCaseId);
      return {
        subject: { useCaseId: s.useCaseId, team: s.team, versionId, label: `${names.model}/${names.version}` },
        tier: policy?.tier ?? null,
        pack: policy?.pack ?? null,
      };
    },
    evaluated: async (exec, versionId) => {
      const evaluations = (await deps.evidence.ofVersion(exec, versionId)).filter((e) => e.kind === 'evaluation');
      const last = evaluations[evaluations.length - 1];
      if (!last) return {};
      return Object.fromEntries(
        Object.entries(JSON.parse(last.metrics) as Record<string, unknown>).filter(
          (e): e is [string, number] => typeof e[1] === 'number',
        ),
      );
    },
  });
  const oversight = createOversightService({
    ...base,
    owner,
    reauthenticate: deps.reauthenticate,
    ...(deps.gate ? { gate: deps.gate } : {}),
    signDigest: deps.signDigest,
  });
  const queries = createMonitoringQueries({
    db,
    clock: deps.clock,
    repo,
    monitors,
    alerts,
    owner,
    useCase: deps.useCase,
  });
  const sweeper = createSweeper({
    queue,
    scheduler,
    clock: deps.clock,
    everyMs: deps.sweepMs ?? 60_000,
    onError: deps.onError,
  });

  const services = { monitors, ingest, alerts, oversight, ...queries };
  return {
    services,
    routes: async (api: App) => {
      await api.register(async (scope) => monitoringRoutes(scope as App, services));
      alertRoutes(api, services);
    },
    jobs: { [WINDOW_JOB]: windowJob({ db, repo, compute, scheduler }) },
    start: sweeper.start,
    stop: sweeper.stop,
  } satisfies Feature<typeof services>;
}

export type MonitoringFeature = ReturnType<typeof createMonitoringFeature>['services'];

/** Health of models: the worst of their versions' (a model without monitoring data has none). */
export function createModelHealthReader(clock: Clock) {
  return async (exec: Executor, modelIds: string[]): Promise<Map<string, Health>> => {
    const { severities, data } = await repo.modelHealthInputs(exec, modelIds);
    const now = clock.now().getTime();
    return new Map(
      modelIds.map((id) => {
        const fresh = (data.get(id) ?? []).find((d) => now - d.last <= 2 * d.size);
        return [id, health(severities.get(id) ?? [], fresh ? fresh.last : null, now, fresh ? fresh.size : 1)];
      }),
    );
  };
}

/** Ids of these models' versions under an active human-oversight suspension (the inventory's statuses). */
export async function suspendedVersions(exec: Executor, modelIds: string[]): Promise<Set<string>> {
  return new Set(await repo.suspendedVersions(exec, modelIds));
}

/**
 * Why each of `versionIds` may not run now, by version id (absent: nothing holds it): an active
 * human-oversight suspension (read by the lifecycle's checks).
 */
export async function oversightHolds(exec: Executor, versionIds: string[]): Promise<Map<string, string[]>> {
  const active = await repo.activeSuspensions(exec, versionIds);
  return new Map(
    [...active].map(([id, s]) => [id, [`suspended by human oversight on ${s.suspended_at}: ${s.reason}`]]),
  );
}

/**
 * Versions' monitoring evidence at `nowMs` by version id (for the lifecycle's gates): what their
 * windows computed, family by family, never what a monitor configuration names.
 */
export function monitoringEvidenceOf(
  exec: Executor,
  versionIds: string[],
  nowMs: number,
): Promise<Map<string, EvidenceRecord[]>> {
  return monitoringEvidence(challengersRepo, exec, versionIds, nowMs);
}
