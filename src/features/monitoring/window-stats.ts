// The statistics of a monitoring window (drift per feature, performance of the labelled records)
// as a worker-pool task: the compute service gathers the window's records into typed columns and
// hands them here, so that sorting and testing large samples does not hold the event loop.
import {
  CleanSample,
  cleanNumerical,
  columnDrift,
  countsDrift,
  datasetDrift,
  type ColumnDecision,
  type DriftOptions,
} from '../../domain/drift/drift.ts';
import { evaluate, type EvaluationData } from '../../domain/metrics/evaluate.ts';
import { binOf, mergeProfiles, type Profile } from '../../domain/monitoring/profile.ts';
import { decileEdges } from '../../domain/drift/stattests.ts';
import type { Monitor, ReferenceColumn } from './monitors.service.ts';

/**
 * A window's records as the statistics read them: numerical features as typed arrays, categorical
 * ones as counts, and the labelled records' truth, predictions and scores (all cloneable, the
 * arrays movable to a worker thread).
 */
export interface WindowColumns {
  rows: number;
  numerical: Map<string, Float64Array>;
  categorical: Map<string, Map<string, number>>;
  labelled: number;
  yTrue: Float64Array;
  yPred: Float64Array;
  score: Float64Array;
  scored: boolean;
  classes: { yTrue: string[]; yPred: string[] };
  sensitive: Record<string, string[]>;
  problem: string | null;
}

export type WindowDrift = ReturnType<typeof windowDrift>;
export type WindowPerformance = ReturnType<typeof windowPerformance>;

/** Drift of one window from its records or, when only those arrived, its profiles; null with neither. */
function windowDrift(
  monitor: Monitor,
  reference: Record<string, ReferenceColumn>,
  data: WindowColumns,
  profiles: Profile[],
) {
  const { config } = monitor;
  const columns: Record<string, unknown> = {};
  const decisions: Record<string, ColumnDecision> = {};
  const optionsFor = (name: string): DriftOptions => {
    const c = config.drift.columns?.[name];
    const stattest = c?.stattest ?? config.drift.stattest;
    const threshold = c?.threshold ?? (c?.stattest ? undefined : config.drift.threshold);
    return { ...(stattest ? { stattest } : {}), ...(threshold !== undefined ? { threshold } : {}) };
  };
  if (data.rows === 0 && profiles.length === 0) return null;
  const merged = data.rows === 0 ? mergeProfiles(profiles) : null;
  const categories = (ref: Record<string, number>, cur: Map<string, number> | Record<string, number>) => {
    const get = (k: string) => (cur instanceof Map ? cur.get(k) : cur[k]) ?? 0;
    // Keys empty on both sides (a zero count sent in a profile) carry nothing and would make chi-square 0/0.
    const keys = [...new Set([...Object.keys(ref), ...(cur instanceof Map ? cur.keys() : Object.keys(cur))])]
      .filter((k) => (ref[k] ?? 0) + get(k) > 0)
      .sort();
    return [keys.map((k) => ref[k] ?? 0), keys.map(get)] as const;
  };
  for (const [name, type] of Object.entries(config.features)) {
    const ref = reference[name];
    if (!ref) continue;
    let result: ReturnType<typeof columnDrift> | ReturnType<typeof countsDrift>;
    if (!merged) {
      // The frozen reference is stored cleaned and sorted: it is not cleaned and sorted again per window.
      if (type === 'numerical')
        result = columnDrift('numerical', new CleanSample(ref.values!), data.numerical.get(name)!, optionsFor(name));
      else
        result = countsDrift('categorical', ...categories(ref.counts!, data.categorical.get(name)!), optionsFor(name));
    } else {
      const f = merged.features[name];
      if (!f) continue;
      if (f.type === 'numerical' && ref.type === 'numerical') {
        const refCounts = new Array<number>(f.histogram.edges.length + 1).fill(0);
        for (const v of ref.values!) refCounts[binOf(f.histogram.edges, v)]!++;
        result = countsDrift('numerical', refCounts, f.histogram.counts, optionsFor(name));
      } else if (f.type === 'categorical' && ref.type === 'categorical')
        result = countsDrift('categorical', ...categories(ref.counts!, f.categories), optionsFor(name));
      else continue;
    }
    // Every column says its deciding test the same way, whichever statistics it was computed from.
    columns[name] = { ...result.report, decision: result.decision };
    decisions[name] = result.decision;
  }
  return {
    from: merged ? 'profiles' : 'records',
    columns,
    decisions,
    ...datasetDrift(decisions, config.drift.driftShare),
  };
}

/** Performance of the labelled records of a window, with the evidence engine's metrics. */
function windowPerformance(monitor: Monitor, d: WindowColumns) {
  const { config } = monitor;
  if (d.labelled === 0) return null;
  if (d.problem) return { rows: d.labelled, error: d.problem };
  const data: EvaluationData = { yTrue: d.yTrue, yPred: d.yPred, sensitive: d.sensitive };
  if (config.task === 'multiclass-classification') data.classes = d.classes;
  const score = d.score;
  if (config.task === 'binary-classification' && d.scored) data.score = score;
  const r = evaluate(
    {
      task: config.task,
      label: 'label',
      ...(data.score ? { score: 'score' } : {}),
      sensitive: config.sensitive ?? [],
      slices: { minRows: 30 },
    },
    data,
  );
  return { rows: d.labelled, metrics: r.metrics, performance: r.performance, fairness: r.fairness };
}

/** Drift and performance of one window (either null when the window has nothing to compute it from). */
export function windowStatsTask(
  monitor: Monitor,
  reference: Record<string, ReferenceColumn>,
  data: WindowColumns,
  profiles: Profile[],
): { drift: WindowDrift; performance: WindowPerformance } {
  return { drift: windowDrift(monitor, reference, data, profiles), performance: windowPerformance(monitor, data) };
}

/** A numerical reference column as it is frozen: its finite values sorted, and the decile edges profiles use. */
export function freezeNumericalTask(raw: Float64Array): { sorted: Float64Array; edges: number[] } {
  const sorted = cleanNumerical(raw);
  return { sorted, edges: decileEdges(sorted) };
}
