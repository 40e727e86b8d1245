import type { DocumentSummary, EvaluationSummary, GroupMetric } from './dossier.ts';

/** A stored piece of evidence as documents read it (today's row, or one recorded by a past date). */
export interface EvidenceRecord {
  id: string;
  contentHash: string;
  createdAt: string;
  dataDigest: string | null;
  result: unknown;
}

type Frame = { overall?: number | null; byGroup?: { group: unknown; value: number | null }[] } & Record<
  string,
  unknown
>;
const FAIRNESS_METRICS = ['selection_rate', 'tpr', 'fpr', 'accuracy', 'rmse', 'mae', 'macroF1'];

/** An evaluation's result, reduced to what documents report: performance, metrics by group, importances. */
export function evaluationOf(e: EvidenceRecord): EvaluationSummary {
  const r = (e.result ?? {}) as {
    task?: string;
    rows?: number;
    performance?: Record<string, unknown>;
    fairness?: Record<string, { metricFrame?: Record<string, Frame> }>;
    explanations?: { shapley?: { meanAbs?: { feature: string; value: number }[] } };
  };
  const fairness: GroupMetric[] = [];
  for (const [attribute, f] of Object.entries(r.fairness ?? {}))
    for (const metric of FAIRNESS_METRICS) {
      const frame = f.metricFrame?.[metric];
      if (!frame?.byGroup) continue;
      const n = (x: unknown) => (typeof x === 'number' ? x : null);
      fairness.push({
        attribute,
        metric,
        overall: n(frame.overall),
        groups: frame.byGroup.map((g) => ({ group: String(g.group), value: n(g.value) })),
        difference: n(frame.differenceBetweenGroups),
        ratio: n(frame.ratioBetweenGroups),
      });
    }
  return {
    id: e.id,
    contentHash: e.contentHash,
    createdAt: e.createdAt,
    task: r.task ?? 'unknown',
    rows: typeof r.rows === 'number' ? r.rows : null,
    dataDigest: e.dataDigest,
    performance: Object.fromEntries(
      Object.entries(r.performance ?? {}).filter(([, v]) => typeof v === 'number' || v === null) as [
        string,
        number | null,
      ][],
    ),
    fairness,
    importances: r.explanations?.shapley?.meanAbs ?? [],
  };
}

/** A recorded document (evidence of kind `document`) as documents quote it. */
export function documentOf(e: EvidenceRecord): DocumentSummary {
  const r = e.result as { documentKind: string; title: string; uri?: string; content?: string };
  return {
    id: e.id,
    kind: r.documentKind,
    title: r.title,
    contentHash: e.contentHash,
    createdAt: e.createdAt,
    content: r.content ?? null,
    uri: r.uri ?? null,
  };
}
