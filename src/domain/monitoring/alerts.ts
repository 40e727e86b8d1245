// Alert rules and their evaluation, monitoring health, and the EU AI Act Art. 73 reporting clock.

export const SEVERITIES = ['info', 'warning', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];
export const COMPARATORS = ['>=', '>', '<=', '<', '==', '!='] as const;
export type Comparator = (typeof COMPARATORS)[number];

export interface AlertRule {
  id: string;
  title?: string;
  /**
   * What is watched: `drift.dataset` (1 when the window drifted), `drift.share`,
   * `drift.column.<feature>` (1 when that feature drifted), `performance.<metric>`,
   * `performance.<metric>.decay` (how much worse than at evaluation: positive is worse),
   * `predictions.rows`, `kpi.<name>` and `kpi.<name>.missed` (1 when the value misses its target),
   * `challenger.<metric>.improvement` (how much better the challenger is than the champion on the
   * jointly labelled records) and `challenger.<metric>.p` (the paired test's p-value).
   * One `*` segment matches any name (e.g. `kpi.*.missed`).
   */
  metric: string;
  comparator: Comparator;
  threshold: number;
  severity: Severity;
  /** Applies only at these tiers (default pack rules); absent: every tier. */
  tiers?: number[];
}

/** Whether `value comparator threshold` holds. */
export function compare(value: number, comparator: Comparator, threshold: number): boolean {
  switch (comparator) {
    case '>=':
      return value >= threshold;
    case '>':
      return value > threshold;
    case '<=':
      return value <= threshold;
    case '<':
      return value < threshold;
    case '==':
      return value === threshold;
    case '!=':
      return value !== threshold;
  }
}

export type Family = 'drift' | 'performance' | 'predictions' | 'kpi' | 'challenger';

/** The family of a metric (or metric pattern): the first segment. */
export function familyOf(metric: string): Family {
  return metric.split('.')[0] as Family;
}

/**
 * A metric read as family, name and suffix: `drift.column.<name>`, `performance.<name>[.decay]`,
 * `kpi.<name>[.missed]`, `challenger.<name>.improvement|.p`; the others (`drift.dataset`, `drift.share`, `predictions.rows`) are
 * fixed names. Names may contain dots.
 */
function parseMetric(metric: string): { head: string; name: string | null; suffix: string } {
  for (const [head, suffixes] of [
    ['drift.column.', []],
    ['performance.', ['.decay']],
    ['kpi.', ['.missed']],
    ['challenger.', ['.improvement', '.p']],
  ] as const) {
    if (!metric.startsWith(head)) continue;
    const rest = metric.slice(head.length);
    for (const suffix of suffixes as readonly string[])
      if (rest.endsWith(suffix)) return { head, name: rest.slice(0, -suffix.length), suffix };
    return { head, name: rest, suffix: '' };
  }
  return { head: metric, name: null, suffix: '' };
}

/** Does a rule's metric pattern match a concrete metric? A `*` name matches any name, never a suffix. */
export function metricMatches(pattern: string, metric: string): boolean {
  const p = parseMetric(pattern);
  const m = parseMetric(metric);
  return p.head === m.head && p.suffix === m.suffix && (p.name === '*' || p.name === m.name);
}

export interface RuleOutcome {
  rule: AlertRule;
  /** The concrete metric the rule looked at. */
  metric: string;
  value: number;
  firing: boolean;
}

/**
 * Evaluates rules against the metrics of one window (or one KPI value). A rule whose metric is
 * absent (e.g. no labels yet for a performance metric) has no outcome: it neither fires nor clears.
 */
export function evaluateRules(rules: AlertRule[], metrics: Record<string, number>): RuleOutcome[] {
  const out: RuleOutcome[] = [];
  for (const rule of rules) {
    for (const [metric, value] of Object.entries(metrics)) {
      if (!metricMatches(rule.metric, metric) || Number.isNaN(value)) continue;
      out.push({ rule, metric, value, firing: compare(value, rule.comparator, rule.threshold) });
    }
  }
  return out;
}

/** Rules for a model: the pack's defaults for its tier, replaced rule by rule (same id) or extended by its own. */
export function effectiveRules(packRules: AlertRule[], tier: number | null, overrides: AlertRule[]): AlertRule[] {
  const byId = new Map<string, AlertRule>();
  for (const r of packRules) if (!r.tiers || (tier !== null && r.tiers.includes(tier))) byId.set(r.id, r);
  for (const r of overrides) byId.set(r.id, r);
  return [...byId.values()];
}

export type Health = 'ok' | 'warning' | 'alerting' | 'no-data';

/**
 * Health of a monitored version: `alerting` with an unresolved critical alert, `warning` with an
 * unresolved warning, `no-data` when nothing arrived for two windows (or ever), else `ok`.
 */
export function health(openSeverities: string[], lastDataMs: number | null, nowMs: number, windowMs: number): Health {
  if (openSeverities.includes('critical')) return 'alerting';
  if (openSeverities.includes('warning')) return 'warning';
  if (lastDataMs === null || nowMs - lastDataMs > 2 * windowMs) return 'no-data';
  return 'ok';
}

/** EU AI Act Art. 73 serious-incident categories and their reporting deadlines in days. */
export const ART73_DAYS = { standard: 15, widespread: 2, 'critical-infrastructure': 2, death: 10 } as const;
export type Art73Category = keyof typeof ART73_DAYS;

/**
 * When an Art. 73 report is due: the category's days after the provider became aware of the
 * incident (Art. 73(2)-(4)).
 */
export function art73Deadline(awareAt: Date, category: Art73Category): Date {
  return new Date(awareAt.getTime() + ART73_DAYS[category] * 86_400_000);
}

/** Aligns a timestamp to the start of its fixed window (windows start at the Unix epoch). */
export function windowStart(tsMs: number, windowMs: number): number {
  return Math.floor(tsMs / windowMs) * windowMs;
}
