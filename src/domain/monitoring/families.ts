// The monitor families Steward computes. A policy pack's monitoring measure names one; only a
// version whose monitoring produced that family's computation recently satisfies it.

/** Each computed family and what counts as one of its windows. */
export const MONITOR_FAMILIES = {
  'input-drift': 'a drift window: input drift of the monitored features against the frozen reference',
  'performance-decay': 'a labelled window: performance computed on labelled predictions',
  'kpi-tracking': "a value of every KPI of the use case recorded within the window's schedule",
  'event-logging': 'prediction logs ingested into a window',
  'champion-challenger':
    'a comparison of champion and challenger on records both logged (same record ids) and labelled',
} as const;
export type MonitorFamily = keyof typeof MONITOR_FAMILIES;
export const MONITOR_FAMILY_IDS = Object.keys(MONITOR_FAMILIES) as MonitorFamily[];

/** A family's window counts when it is among the last this many windows of the version's monitor. */
export const DEFAULT_RECENT_WINDOWS = 3;

/** Whether a name is a family Steward computes. */
export const isMonitorFamily = (name: string): name is MonitorFamily => name in MONITOR_FAMILIES;

/**
 * How many whole windows ago a window ending at `endMs` closed, seen at `nowMs` (0 for the current
 * or the latest closed window): the freshness a monitoring measure's `windows` is compared with.
 */
export function windowsAgo(endMs: number, nowMs: number, windowMs: number): number {
  return Math.max(0, Math.floor((nowMs - endMs) / windowMs));
}
