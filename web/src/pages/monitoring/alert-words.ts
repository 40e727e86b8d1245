// Alert conditions in plain words: monitoring metric ids (`drift.dataset >= 1`) mean little to
// the people who act on alerts.

const COMPARE: Record<string, string> = {
  '>=': 'at least',
  '>': 'above',
  '<=': 'at most',
  '<': 'below',
  '==': 'equal to',
  '!=': 'not equal to',
};

/** A number as people read it: integers without decimals, others to four significant places. */
export const plainNumber = (v: number | null | undefined): string =>
  v === null || v === undefined ? '—' : Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(4)));

/** What a metric measures, in words. */
export function metricInWords(metric: string): string {
  if (metric === 'drift.dataset') return 'input data drift';
  if (metric === 'drift.share') return 'share of drifted features';
  if (metric === 'predictions.rows') return 'predictions in the window';
  if (metric.startsWith('drift.column.')) return `drift of feature ${metric.slice('drift.column.'.length)}`;
  if (metric.startsWith('performance.')) {
    const rest = metric.slice('performance.'.length);
    return rest.endsWith('.decay') ? `loss of ${rest.slice(0, -'.decay'.length)} since evaluation` : rest;
  }
  if (metric.startsWith('kpi.')) {
    const rest = metric.slice('kpi.'.length);
    return rest.endsWith('.missed') ? `KPI ${rest.slice(0, -'.missed'.length)} missing its target` : `KPI ${rest}`;
  }
  if (metric.startsWith('challenger.')) {
    const rest = metric.slice('challenger.'.length);
    if (rest.endsWith('.improvement')) return `challenger's gain in ${rest.slice(0, -'.improvement'.length)}`;
    if (rest.endsWith('.p')) return `p-value of the challenger's ${rest.slice(0, -'.p'.length)} gain`;
  }
  return metric;
}

/** Flags are 0 or 1: "input data drift detected" says more than "input data drift at least 1". */
const isFlag = (metric: string) =>
  metric === 'drift.dataset' || metric.startsWith('drift.column.') || /^kpi\..+\.missed$/.test(metric);

/** The condition an alert fired on, in words. */
export function conditionInWords(a: { metric: string; comparator: string; threshold: number }): string {
  const what = metricInWords(a.metric);
  if (isFlag(a.metric) && ((a.comparator === '>=' && a.threshold === 1) || a.comparator === '>'))
    return `${what} detected`;
  return `${what} ${COMPARE[a.comparator] ?? a.comparator} ${plainNumber(a.threshold)}`;
}

/** The value an alert saw: yes/no for flags, else the number. */
export function valueInWords(a: { metric: string; value: number | null }): string {
  if (a.value === null) return '—';
  if (isFlag(a.metric) && (a.value === 0 || a.value === 1)) return a.value === 1 ? 'yes' : 'no';
  return plainNumber(a.value);
}
