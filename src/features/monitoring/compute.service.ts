// Computes a monitoring window: input drift of each monitored feature against the frozen
// reference (from the window's records, or from its profiles when only those arrived), and
// performance once labels are there (the evidence engine's metrics, decay against the version's
// evaluation). Then the alert rules run on the latest window. Runs as a background job.

import { systemContext } from '../../context.ts';
import type { Executor, Tx } from '../../db/database.ts';
import { columnDrift, countsDrift, datasetDrift, type ColumnDecision, type DriftOptions } from '../../domain/drift/drift.ts';
import { binOf, mergeProfiles, type Profile } from '../../domain/monitoring/profile.ts';
import { effectiveRules, evaluateRules, type AlertRule } from '../../domain/monitoring/alerts.ts';
import { evaluate, type EvaluationData } from '../../domain/metrics/evaluate.ts';
import type { PolicyPack } from '../../domain/policy/pack.schema.ts';
import type { Transact } from '../../db/transact.ts';
import type { Clock } from '../../clock.ts';
import type { AlertsService, AlertSubject } from './alerts.service.ts';
import type { MonitoringRepo } from './monitoring.repo.ts';
import { cellValue, type Monitor, type MonitorsService, type ReferenceColumn } from './monitors.service.ts';

// Metrics where higher is better; for the rest (errors, losses) decay is the rise.
const HIGHER_IS_BETTER = new Set(['accuracy', 'precision', 'recall', 'f1', 'roc-auc', 'r2', 'balanced-accuracy', 'macro-f1', 'weighted-f1', 'specificity', 'tpr', 'tnr']);

export interface ComputeDeps {
  db: Executor;
  transact: Transact;
  clock: Clock;
  repo: MonitoringRepo;
  monitors: Pick<MonitorsService, 'current' | 'referenceColumns'>;
  alerts: Pick<AlertsService, 'apply'>;
  /** Who the version belongs to, its tier and pack (for default alert rules). */
  subject: (exec: Executor, versionId: string) => Promise<{ subject: AlertSubject; tier: number | null; pack: PolicyPack | null } | null>;
  /** Flat metrics of the version's latest evaluation (decay is measured against them). */
  evaluated: (exec: Executor, versionId: string) => Promise<Record<string, number>>;
}

/** Drift of one window from rows or profiles; null when the window has neither. */
function windowDrift(monitor: Monitor, reference: Record<string, ReferenceColumn>, rows: Record<string, unknown>[], profiles: Profile[]) {
  const { config } = monitor;
  const columns: Record<string, unknown> = {};
  const decisions: Record<string, ColumnDecision> = {};
  const optionsFor = (name: string): DriftOptions => {
    const c = config.drift.columns?.[name];
    const stattest = c?.stattest ?? config.drift.stattest;
    const threshold = c?.threshold ?? (c?.stattest ? undefined : config.drift.threshold);
    return { ...(stattest ? { stattest } : {}), ...(threshold !== undefined ? { threshold } : {}) };
  };
  if (rows.length === 0 && profiles.length === 0) return null;
  const merged = rows.length === 0 ? mergeProfiles(profiles) : null;
  for (const [name, type] of Object.entries(config.features)) {
    const ref = reference[name];
    if (!ref) continue;
    let result: ReturnType<typeof columnDrift> | ReturnType<typeof countsDrift>;
    if (!merged) {
      const current = rows.map((r) => cellValue(type, r[name]));
      const refSample = ref.type === 'numerical' ? ref.values! : Object.entries(ref.counts!).flatMap(([k, c]) => new Array<string>(c).fill(k));
      result = columnDrift(type, refSample, current, optionsFor(name));
    } else {
      const f = merged.features[name];
      if (!f) continue;
      if (f.type === 'numerical' && ref.type === 'numerical') {
        const refCounts = new Array<number>(f.histogram.edges.length + 1).fill(0);
        for (const v of ref.values!) refCounts[binOf(f.histogram.edges, v)]!++;
        result = countsDrift('numerical', refCounts, f.histogram.counts, optionsFor(name));
      } else if (f.type === 'categorical' && ref.type === 'categorical') {
        const keys = [...new Set([...Object.keys(ref.counts!), ...Object.keys(f.categories)])].sort();
        result = countsDrift('categorical', keys.map((k) => ref.counts![k] ?? 0), keys.map((k) => f.categories[k] ?? 0), optionsFor(name));
      } else continue;
    }
    columns[name] = result.report;
    decisions[name] = result.decision;
  }
  return { from: merged ? 'profiles' : 'records', columns, decisions, ...datasetDrift(decisions, config.drift.driftShare) };
}

/** Performance of the labelled records of a window, with the evidence engine's metrics. */
function windowPerformance(monitor: Monitor, rows: { features: Record<string, unknown>; prediction: unknown; score: number | null; label: unknown }[]) {
  const { config } = monitor;
  const labelled = rows.filter((r) => r.label !== null && r.label !== undefined && r.prediction !== null && r.prediction !== undefined);
  if (labelled.length === 0) return null;
  const sensitive = config.sensitive ?? [];
  const data: EvaluationData = { yTrue: new Float64Array(0), yPred: new Float64Array(0), sensitive: Object.fromEntries(sensitive.map((c) => [c, labelled.map((r) => String(r.features[c] ?? 'missing'))])) };
  if (config.task === 'multiclass-classification') data.classes = { yTrue: labelled.map((r) => String(r.label)), yPred: labelled.map((r) => String(r.prediction)) };
  else if (config.task === 'binary-classification') {
    data.yTrue = Float64Array.from(labelled, (r) => (String(r.label) === config.positiveLabel ? 1 : 0));
    data.yPred = Float64Array.from(labelled, (r) => (String(r.prediction) === config.positiveLabel ? 1 : 0));
    if (labelled.every((r) => r.score !== null)) data.score = Float64Array.from(labelled, (r) => r.score!);
  } else {
    data.yTrue = Float64Array.from(labelled, (r) => Number(r.label));
    data.yPred = Float64Array.from(labelled, (r) => Number(r.prediction));
    if (!data.yTrue.every(Number.isFinite) || !data.yPred.every(Number.isFinite)) return { rows: labelled.length, error: 'regression labels and predictions must be numbers' };
  }
  const r = evaluate({ task: config.task, label: 'label', ...(data.score ? { score: 'score' } : {}), sensitive, slices: { minRows: 30 } }, data);
  return { rows: labelled.length, metrics: r.metrics, performance: r.performance, fairness: r.fairness };
}

export function createComputeService(deps: ComputeDeps) {
  const { db, transact, clock, repo } = deps;

  return {
    /** Computes one window if it is still dirty; returns false when there was nothing to do. */
    async computeWindow(versionId: string, start: number): Promise<boolean> {
      const claimed = await transact((tx) => repo.claimWindow(tx, versionId, start));
      if (!claimed) return false;
      const w = (await repo.window(db, versionId, start))!;
      const monitor = await deps.monitors.current(db, versionId);
      const predictionRows = await repo.windowPredictions(db, versionId, w.window_start_ms, w.window_end_ms);
      const rows = predictionRows.map((p) => ({ features: JSON.parse(p.features) as Record<string, unknown>, prediction: p.prediction === null ? null : JSON.parse(p.prediction), score: p.score, label: p.label === null ? null : JSON.parse(p.label) }));
      const profiles = (await repo.windowProfiles(db, versionId, w.window_start_ms, w.window_end_ms)).map((p) => JSON.parse(p.profile) as Profile);
      let drift: ReturnType<typeof windowDrift> = null;
      let performance: ReturnType<typeof windowPerformance> = null;
      if (monitor) {
        const reference = await deps.monitors.referenceColumns(db, versionId, monitor.id);
        drift = windowDrift(monitor, reference, rows.map((r) => r.features), profiles);
        performance = windowPerformance(monitor, rows);
      }
      const who = await deps.subject(db, versionId);
      const evaluated = await deps.evaluated(db, versionId);
      const count = rows.length + profiles.reduce((n, p) => n + p.count, 0);
      await transact(async (tx: Tx) => {
        await repo.saveWindow(tx, { model_version_id: versionId, window_start_ms: w.window_start_ms, window_end_ms: w.window_end_ms, drift: drift && JSON.stringify(drift), performance: performance && JSON.stringify(performance), rows: count, labelled: performance?.rows ?? 0, computed_at: clock.now().toISOString(), config_id: monitor?.id ?? null });
        // Alerts follow the latest window only: recomputing an older one (late labels) updates its
        // figures without reopening what a newer window already cleared.
        const latest = await repo.windows(tx, versionId, w.window_start_ms + 1, Number.MAX_SAFE_INTEGER);
        if (!monitor || !who || latest.some((x) => x.rows > 0)) return;
        const metrics = windowMetrics(drift, performance, evaluated, count);
        const rules = effectiveRules((who.pack?.alertRules ?? []) as AlertRule[], who.tier, monitor.config.alertRules as AlertRule[]);
        await deps.alerts.apply(tx, systemContext(`monitoring:${versionId}:${w.window_start_ms}`), who.subject, evaluateRules(rules, metrics), w.window_start_ms);
      });
      return true;
    },
  };
}

/** The flat metrics of a window that alert rules read. */
export function windowMetrics(drift: { share_of_drifted_columns: number; dataset_drift: boolean; decisions: Record<string, ColumnDecision> } | null, performance: { metrics?: Record<string, number | null> } | null, evaluated: Record<string, number>, rows: number): Record<string, number> {
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
  return out;
}
