// The governance programme's own indicators: what each KPI means, how its target is judged, and
// the order statistics they are made of. Pure: the governance feature gathers the counts.

/** The KPIs Steward computes, in the order the dashboard shows them. */
export const KPIS = [
  {
    id: 'inventory-coverage',
    title: 'Inventory coverage',
    unit: 'share',
    better: 'higher',
    description: 'deployed versions whose use case has a current (not overdue) risk assessment',
  },
  {
    id: 'high-risk-compliance',
    title: 'High-risk versions fully evidenced',
    unit: 'share',
    better: 'higher',
    description: 'tier 3-4 versions in a process with every requirement satisfied',
  },
  {
    id: 'evidence-coverage',
    title: 'Evidence coverage',
    unit: 'share',
    better: 'higher',
    description: 'requirements satisfied over all assessed versions (per consideration in the detail)',
  },
  {
    id: 'promotion-decision-median-hours',
    title: 'Promotion decision time (median)',
    unit: 'hours',
    better: 'lower',
    description: 'hours from a promotion request to its decision over the last 90 days (per tier in the detail)',
  },
  {
    id: 'promotion-decision-p90-hours',
    title: 'Promotion decision time (p90)',
    unit: 'hours',
    better: 'lower',
    description: '90th percentile of the hours from a promotion request to its decision over the last 90 days',
  },
  {
    id: 'overdue-reviews',
    title: 'Overdue reviews and sign-offs',
    unit: 'count',
    better: 'lower',
    description: 'open review, re-review and sign-off tasks past their due date',
  },
  {
    id: 'overdue-tasks',
    title: 'Overdue tasks',
    unit: 'count',
    better: 'lower',
    description: 'open tasks of any kind past their due date',
  },
  {
    id: 'overdue-assessments',
    title: 'Overdue risk re-assessments',
    unit: 'count',
    better: 'lower',
    description: 'use cases whose current assessment is past its review date',
  },
  {
    id: 'stale-approvals',
    title: 'Stale approvals',
    unit: 'count',
    better: 'lower',
    description: 'approvals whose evidence changed after they were signed (open re-review tasks)',
  },
  {
    id: 'open-findings',
    title: 'Open findings',
    unit: 'count',
    better: 'lower',
    description: 'validation findings not closed (by severity and age in the detail)',
  },
  {
    id: 'incidents-late',
    title: 'Incidents reported late',
    unit: 'count',
    better: 'lower',
    description: 'serious incidents reported after their EU AI Act Art. 73 deadline, or unreported past it',
  },
  {
    id: 'incident-report-median-hours',
    title: 'Incident time to report (median)',
    unit: 'hours',
    better: 'lower',
    description: 'hours from awareness to report, over incidents reported in the last 365 days',
  },
  {
    id: 'incident-close-median-days',
    title: 'Incident time to close (median)',
    unit: 'days',
    better: 'lower',
    description: 'days from opening to closing, over incidents closed in the last 365 days',
  },
  {
    id: 'monitoring-coverage',
    title: 'Monitoring coverage',
    unit: 'share',
    better: 'higher',
    description: 'versions deployed in production whose monitor computed a window in the last 7 days',
  },
  {
    id: 'discovery-untriaged',
    title: 'Ungoverned models awaiting triage',
    unit: 'count',
    better: 'lower',
    description:
      'models found outside the inventory (MLflow servers, artefact roots, admission, intake) not yet adopted or dismissed',
  },
  {
    id: 'dsr-overdue',
    title: 'Data-subject requests overdue',
    unit: 'count',
    better: 'lower',
    description: 'open data-subject requests past their GDPR Art. 12(3) due date (open requests in the detail)',
  },
  {
    id: 'overdue-attestations',
    title: 'Overdue attestations',
    unit: 'count',
    better: 'lower',
    description:
      'open owner attestations and validator revalidations past their due date (share settled on time in the detail)',
  },
  {
    id: 'training-currency',
    title: 'Training currency',
    unit: 'share',
    better: 'higher',
    description: 'people holding a role that requires training whose required trainings are all current',
  },
] as const;

export type KpiId = (typeof KPIS)[number]['id'];
export const KPI_IDS = KPIS.map((k) => k.id) as [KpiId, ...KpiId[]];

/** One computed value of a KPI, for the whole organisation (`team` '*') or one team. */
export interface KpiValue {
  kpi: KpiId;
  team: string;
  /** null when there is nothing to measure (no deployed versions, no decided promotions). */
  value: number | null;
  numerator?: number | null;
  denominator?: number | null;
  detail?: Record<string, unknown>;
}

export interface KpiTarget {
  kpi: KpiId;
  comparator: '>=' | '<=';
  target: number;
}

/**
 * Whether a value misses its target. A KPI with nothing to measure (null) misses nothing: an empty
 * inventory is not a failing programme.
 */
export function missesTarget(value: number | null, target: KpiTarget): boolean {
  if (value === null) return false;
  return target.comparator === '>=' ? value < target.target : value > target.target;
}

/**
 * The q-quantile of values (0 ≤ q ≤ 1) by linear interpolation between closest ranks (numpy's
 * default), or null for no values. Sorts a copy.
 */
export function quantile(values: readonly number[], q: number): number | null {
  if (values.length === 0) return null;
  const sorted = Float64Array.from(values).sort();
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/** A share, or null when there is nothing to share out. */
export const share = (numerator: number, denominator: number): number | null =>
  denominator === 0 ? null : numerator / denominator;

/** Age buckets of open findings, in days. */
export const AGE_BUCKETS = [
  { id: '0-30', max: 30 },
  { id: '31-90', max: 90 },
  { id: '91-180', max: 180 },
  { id: 'over-180', max: Infinity },
] as const;

/** The age bucket of something opened `days` ago. */
export const ageBucket = (days: number): string => AGE_BUCKETS.find((b) => days <= b.max)!.id;
