// Computes a monitoring window: input drift of each monitored feature against the frozen
// reference (from the window's records, or from its profiles when only those arrived), and
// performance once labels are there (the evidence engine's metrics, decay against the version's
// evaluation). Then the alert rules run on the latest window. Runs as a background job.

import { systemContext } from '../../context.ts';
import type { Executor, Tx } from '../../db/database.ts';
import type { ColumnDecision } from '../../domain/drift/drift.ts';
import type { Profile } from '../../domain/monitoring/profile.ts';
import {
  effectiveRules,
  evaluateRules,
  familyOf,
  type AlertRule,
  type Family,
} from '../../domain/monitoring/alerts.ts';
import type { PolicyPack } from '../../domain/policy/pack.schema.ts';
import type { Transact } from '../../db/transact.ts';
import type { Clock } from '../../clock.ts';
import type { AlertsService, AlertSubject } from './alerts.service.ts';
import type { MonitoringRepo } from './monitoring.repo.ts';
import { cellValue, type Monitor, type MonitorsService } from './monitors.service.ts';
import { NumberColumn } from '../../tabular/parse.ts';
import type { Comparer, WindowComparison } from './comparison.service.ts';
import { taskModule, transferable, type WorkerPool } from '../../lib/worker-pool.ts';
import { windowStatsTask, type WindowColumns, type WindowDrift, type WindowPerformance } from './window-stats.ts';

// Metrics where higher is better; for the rest (errors, losses) decay is the rise.
const HIGHER_IS_BETTER = new Set([
  'accuracy',
  'precision',
  'recall',
  'f1',
  'roc-auc',
  'r2',
  'balanced-accuracy',
  'macro-f1',
  'weighted-f1',
  'specificity',
  'tpr',
  'tnr',
  'demographic-parity-ratio',
  'equalized-odds-ratio',
  'disparate-impact',
]);

export interface ComputeDeps {
  db: Executor;
  transact: Transact;
  clock: Clock;
  repo: MonitoringRepo;
  monitors: Pick<MonitorsService, 'current' | 'referenceColumns'>;
  alerts: Pick<AlertsService, 'apply'>;
  /** Who the version belongs to, its tier and pack (for default alert rules). */
  subject: (
    exec: Executor,
    versionId: string,
  ) => Promise<{ subject: AlertSubject; tier: number | null; pack: PolicyPack | null } | null>;
  /** Flat metrics of the version's latest evaluation (decay is measured against them). */
  evaluated: (exec: Executor, versionId: string) => Promise<Record<string, number>>;
  /** Compares a champion window with its challenger, when the monitor names one. */
  comparer: Pick<Comparer, 'window'>;
  /** Numerical values a window computation may hold; above it the window is sampled. */
  maxWindowValues?: number;
  /** Threads the statistics run on (drift sorts and tests whole samples); default: this thread. */
  pool?: Pick<WorkerPool, 'run'>;
}

const STATS = taskModule(import.meta.url, 'window-stats');

/** The gathered window as movable typed arrays: the chunks of each column joined once. */
function columnsOf(d: WindowData): WindowColumns {
  return {
    ...d,
    numerical: new Map([...d.numerical].map(([name, col]) => [name, col.done()])),
    yTrue: d.yTrue.done(),
    yPred: d.yPred.done(),
    score: d.score.done(),
  };
}

/**
 * A window's records, gathered page by page into what the statistics need: numerical features as
 * typed arrays (8 bytes a value), categorical ones as counts, and the labelled records' truth and
 * predictions. Memory grows with the numerical values only, never with JSON rows.
 */
interface WindowData {
  rows: number;
  numerical: Map<string, NumberColumn>;
  categorical: Map<string, Map<string, number>>;
  labelled: number;
  yTrue: NumberColumn;
  yPred: NumberColumn;
  score: NumberColumn;
  scored: boolean;
  classes: { yTrue: string[]; yPred: string[] };
  sensitive: Record<string, string[]>;
  problem: string | null;
}

const PAGE = 5000;

async function gather(
  repo: MonitoringRepo,
  db: Executor,
  versionId: string,
  from: number,
  to: number,
  monitor: Monitor | null,
  every: number,
): Promise<WindowData> {
  const features = Object.entries(monitor?.config.features ?? {});
  const config = monitor?.config;
  const d: WindowData = {
    rows: 0,
    numerical: new Map(),
    categorical: new Map(),
    labelled: 0,
    yTrue: new NumberColumn(),
    yPred: new NumberColumn(),
    score: new NumberColumn(),
    scored: true,
    classes: { yTrue: [], yPred: [] },
    sensitive: Object.fromEntries((config?.sensitive ?? []).map((c) => [c, []])),
    problem: null,
  };
  for (const [name, type] of features)
    type === 'numerical' ? d.numerical.set(name, new NumberColumn()) : d.categorical.set(name, new Map());
  // One string per distinct group value, shared by the rows that have it.
  const interned = new Map<string, string>();
  const intern = (v: string) => interned.get(v) ?? (interned.set(v, v), v);
  let after: { ts: number; id: string } | null = null;
  for (;;) {
    const page = await repo.windowPage(db, versionId, from, to, after, PAGE);
    for (const p of page) {
      d.rows++;
      if (!config || (d.rows - 1) % every !== 0) continue;
      const f = JSON.parse(p.features) as Record<string, unknown>;
      for (const [name, col] of d.numerical) col.push(cellValue('numerical', f[name]) as number);
      for (const [name, counts] of d.categorical) {
        const v = cellValue('categorical', f[name]);
        if (v !== null) counts.set(v as string, (counts.get(v as string) ?? 0) + 1);
      }
      if (p.label === null || p.prediction === null) continue;
      const label: unknown = JSON.parse(p.label);
      const prediction: unknown = JSON.parse(p.prediction);
      d.labelled++;
      for (const c of config.sensitive ?? []) d.sensitive[c]!.push(intern(String(f[c] ?? 'missing')));
      if (config.task === 'multiclass-classification') {
        d.classes.yTrue.push(intern(String(label)));
        d.classes.yPred.push(intern(String(prediction)));
      } else if (config.task === 'binary-classification') {
        d.yTrue.push(String(label) === config.positiveLabel ? 1 : 0);
        d.yPred.push(String(prediction) === config.positiveLabel ? 1 : 0);
        if (p.score === null) d.scored = false;
        else d.score.push(p.score);
      } else {
        const y = Number(label);
        const yhat = Number(prediction);
        if (!Number.isFinite(y) || !Number.isFinite(yhat))
          d.problem = 'regression labels and predictions must be numbers';
        d.yTrue.push(y);
        d.yPred.push(yhat);
      }
    }
    if (page.length < PAGE) return d;
    const last = page[page.length - 1]!;
    after = { ts: last.ts_ms, id: last.record_id };
  }
}

/** How long a worker holds a window before another may take it over. */
const LEASE_MS = 15 * 60_000;

export function createComputeService(deps: ComputeDeps) {
  const { db, transact, clock, repo } = deps;
  const maxValues = deps.maxWindowValues ?? 50_000_000;

  /**
   * Runs the rules of each metric family on the latest window that has it: drift (and volume) on
   * the newest window, performance on the newest window with labels (labels often arrive days
   * later). Serialised per version, so two windows computed at once cannot both decide.
   */
  async function decide(
    tx: Tx,
    versionId: string,
    start: number,
    monitor: Monitor,
    metrics: Record<string, number>,
    labelled: boolean,
    compared: boolean,
  ): Promise<void> {
    const who = await deps.subject(tx, versionId);
    if (!who) return;
    await repo.lockVersion(tx, versionId);
    const families: Family[] = [];
    if (!(await repo.newerWindow(tx, versionId, start, false))) families.push('drift', 'predictions');
    const newestLabelled = !(await repo.newerWindow(tx, versionId, start, true));
    if (labelled && newestLabelled) families.push('performance');
    if (compared && newestLabelled) families.push('challenger');
    if (families.length === 0) return;
    const rules = effectiveRules(
      (who.pack?.alertRules ?? []) as AlertRule[],
      who.tier,
      monitor.config.alertRules as AlertRule[],
    ).filter((r) => families.includes(familyOf(r.metric)));
    const outcomes = evaluateRules(rules, metrics);
    await deps.alerts.apply(tx, systemContext(`monitoring:${versionId}:${start}`), who.subject, outcomes, start, {
      families,
      rules: rules.map((r) => r.id),
    });
  }

  return {
    /** Computes one window if it is pending and free; returns false when there was nothing to do. */
    async computeWindow(versionId: string, start: number): Promise<boolean> {
      const now = clock.now().getTime();
      const generation = await transact((tx) => repo.claimWindow(tx, versionId, start, now, now + LEASE_MS));
      if (generation === null) return false;
      try {
        const w = (await repo.window(db, versionId, start))!;
        const monitor = await deps.monitors.current(db, versionId);
        // Above the value budget, every k-th record of the window is read (a systematic sample).
        const numerical = monitor ? Object.values(monitor.config.features).filter((t) => t === 'numerical').length : 0;
        const total = await repo.countWindowRows(db, versionId, w.window_start_ms, w.window_end_ms);
        const every = Math.max(1, Math.ceil((total * Math.max(1, numerical)) / maxValues));
        const data = await gather(repo, db, versionId, w.window_start_ms, w.window_end_ms, monitor, every);
        const profiles = (await repo.windowProfiles(db, versionId, w.window_start_ms, w.window_end_ms)).map(
          (p) => JSON.parse(p.profile) as Profile,
        );
        let drift: WindowDrift = null;
        let performance: WindowPerformance = null;
        let comparison: WindowComparison | null = null;
        if (monitor) {
          comparison = await deps.comparer.window(versionId, monitor.config, w.window_start_ms, w.window_end_ms);
          const reference = await deps.monitors.referenceColumns(db, versionId, monitor.id);
          const columns = columnsOf(data);
          // The reference is read fresh from the database for this window: its arrays can move too.
          ({ drift, performance } = deps.pool
            ? await deps.pool.run<ReturnType<typeof windowStatsTask>>(
                STATS,
                'windowStatsTask',
                [monitor, reference, columns, profiles],
                transferable(
                  ...columns.numerical.values(),
                  columns.yTrue,
                  columns.yPred,
                  columns.score,
                  ...Object.values(reference).map((r) => r.values),
                ),
              )
            : windowStatsTask(monitor, reference, columns, profiles));
          if (drift && every > 1) Object.assign(drift, { sampled: { every, of: total } });
        }
        const evaluated = await deps.evaluated(db, versionId);
        const count = total + profiles.reduce((n, p) => n + p.count, 0);
        await transact(async (tx: Tx) => {
          const saved = await repo.saveWindow(
            tx,
            {
              model_version_id: versionId,
              window_start_ms: w.window_start_ms,
              drift: drift && JSON.stringify(drift),
              performance: performance && JSON.stringify(performance),
              rows: count,
              labelled: performance?.rows ?? 0,
              computed_at: clock.now().toISOString(),
              config_id: monitor?.id ?? null,
              comparison: comparison && JSON.stringify(comparison),
              joint_labelled: comparison?.status === 'compared' ? comparison.labelled : 0,
            },
            generation,
          );
          if (saved && monitor)
            await decide(
              tx,
              versionId,
              w.window_start_ms,
              monitor,
              windowMetrics(drift, performance, evaluated, count, comparison),
              (performance?.rows ?? 0) > 0,
              comparison?.status === 'compared',
            );
        });
        return true;
      } catch (err) {
        // Free it at once: the sweep retries it (a stuck lease would otherwise wait for expiry).
        await transact((tx) => repo.releaseWindow(tx, versionId, start)).catch(() => undefined);
        throw err;
      }
    },
  };
}

/** The flat metrics of a window that alert rules read. */
export function windowMetrics(
  drift: { share_of_drifted_columns: number; dataset_drift: boolean; decisions: Record<string, ColumnDecision> } | null,
  performance: { metrics?: Record<string, number | null> } | null,
  evaluated: Record<string, number>,
  rows: number,
  comparison: Pick<WindowComparison, 'metrics'> | null = null,
): Record<string, number> {
  const out: Record<string, number> = { 'predictions.rows': rows };
  if (drift) {
    out['drift.share'] = drift.share_of_drifted_columns;
    out['drift.dataset'] = drift.dataset_drift ? 1 : 0;
    for (const [name, d] of Object.entries(drift.decisions)) out[`drift.column.${name}`] = d.drift_detected ? 1 : 0;
  }
  for (const [name, value] of Object.entries(performance?.metrics ?? {})) {
    if (typeof value !== 'number') continue;
    out[`performance.${name}`] = value;
    const base = evaluated[name];
    if (base !== undefined) out[`performance.${name}.decay`] = HIGHER_IS_BETTER.has(name) ? base - value : value - base;
  }
  for (const [name, m] of Object.entries(comparison?.metrics ?? {})) {
    out[`challenger.${name}.improvement`] = m.improvement;
    out[`challenger.${name}.p`] = m.p;
  }
  return out;
}

export type ComputeService = ReturnType<typeof createComputeService>;
