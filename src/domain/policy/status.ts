import { DEFAULT_RECENT_WINDOWS } from '../monitoring/families.ts';
import type { PolicyPack } from './pack.schema.ts';

type Measure = PolicyPack['measures'][number];
type Evidence = Measure['evidence'][number];

/** A piece of recorded evidence, as the evidence and lifecycle features will store it. */
export interface EvidenceRecord {
  id: string;
  kind: 'document' | 'check' | 'signoff' | 'monitoring';
  documentKind?: string;
  metric?: string;
  value?: number;
  monitor?: string;
  /** For sign-offs: who signed and in which role. */
  signer?: string;
  role?: string;
  /** The artefact the evidence was produced for (sha256:...), when it concerns a model version. */
  artifactDigest?: string | null;
  /**
   * Monitoring: how many windows ago the family was last computed (0: the latest window). Absent
   * when it never was; `reason` then says why (e.g. a challenger that logged no predictions).
   */
  windowsAgo?: number;
  reason?: string;
  /** Champion/challenger: this version's side, and per metric the improvement and paired p-value. */
  comparison?: { role: 'champion' | 'challenger'; metrics: Record<string, { improvement: number; p: number }> };
}

export type MeasureStatus =
  | { status: 'satisfied'; by: string[] }
  | { status: 'missing'; unmet: string[] }
  | { status: 'stale'; by: string[]; reason: string };

const compare = (value: number, op: string, threshold: number): boolean =>
  op === '>='
    ? value >= threshold
    : op === '>'
      ? value > threshold
      : op === '<='
        ? value <= threshold
        : op === '<'
          ? value < threshold
          : value === threshold;

function describe(e: Evidence): string {
  switch (e.kind) {
    case 'document':
      return `a '${e.documentKind}' document`;
    case 'check':
      return `check ${e.metric} ${e.comparator} ${e.threshold}`;
    case 'monitoring':
      return e.beats
        ? `challenger beats champion on ${e.beats.metric} by >= ${e.beats.by} with p < ${e.beats.p} in the last ${e.windows ?? DEFAULT_RECENT_WINDOWS} windows`
        : `monitor '${e.monitor}' computed in the last ${e.windows ?? DEFAULT_RECENT_WINDOWS} windows`;
    case 'signoff':
      return `${e.signers ?? 1} sign-off(s) by ${e.roles.join(' or ')}${e.independent ? ', independent' : ''}`;
  }
}

type MonitoringEvidence = Extract<Evidence, { kind: 'monitoring' }>;

/**
 * Whether a monitoring record meets a monitoring evidence item: the same family, computed (not
 * declared) within the item's last N windows, and, for `beats`, a comparison in which this
 * version is the challenger and improves on the champion by at least `by` with p below `p`.
 */
function monitoringMeets(e: MonitoringEvidence, r: EvidenceRecord): boolean {
  if (r.monitor !== e.monitor || r.windowsAgo === undefined || r.reason !== undefined) return false;
  if (r.windowsAgo >= (e.windows ?? DEFAULT_RECENT_WINDOWS)) return false;
  if (!e.beats) return true;
  const m = r.comparison?.role === 'challenger' ? r.comparison.metrics[e.beats.metric] : undefined;
  return m !== undefined && m.improvement >= e.beats.by && m.p < e.beats.p;
}

/** Why an unmet monitoring item is unmet, when the records say more than "nothing computed". */
function whyNot(e: MonitoringEvidence, records: EvidenceRecord[]): string {
  const mine = records.filter((r) => r.kind === 'monitoring' && r.monitor === e.monitor);
  const reasons = [...new Set(mine.flatMap((r) => (r.reason ? [r.reason] : [])))];
  if (reasons.length > 0) return ` (${reasons.join('; ')})`;
  const computed = mine.filter((r) => r.windowsAgo !== undefined);
  if (computed.length === 0) return ' (nothing computed yet)';
  const latest = Math.min(...computed.map((r) => r.windowsAgo!));
  if (latest >= (e.windows ?? DEFAULT_RECENT_WINDOWS)) return ` (last computed ${latest} windows ago)`;
  if (e.beats) {
    const m = computed.find((r) => r.comparison?.role === 'challenger')?.comparison?.metrics[e.beats.metric];
    return m
      ? ` (latest: improvement ${m.improvement.toPrecision(4)}, p = ${m.p.toPrecision(4)})`
      : ` (no comparison of ${e.beats.metric} with this version as challenger)`;
  }
  return '';
}

/**
 * The status of a measure given the evidence recorded: `satisfied` when every evidence item of the
 * measure is met by records for the current artefact; `stale` when it is met only by records made
 * for another artefact digest (the version changed since); otherwise `missing`, naming what is
 * unmet. `creators` are the people an independent sign-off must not come from. The sign-off items of
 * one measure need different people: one person holding two roles cannot be both signatures.
 */
export function measureStatus(
  measure: Measure,
  records: EvidenceRecord[],
  opts: { artifactDigest?: string | null; creators?: string[] } = {},
): MeasureStatus {
  const current = (r: EvidenceRecord) =>
    !opts.artifactDigest || !r.artifactDigest || r.artifactDigest === opts.artifactDigest;
  const unmet: string[] = [];
  const by: string[] = [];
  let stale = false;
  // Signers already counted for an earlier sign-off item of this measure.
  const used = new Set<string>();
  for (const e of measure.evidence) {
    const matches = records.filter((r) => {
      if (r.kind !== e.kind) return false;
      if (e.kind === 'document') return r.documentKind === e.documentKind;
      if (e.kind === 'monitoring') return monitoringMeets(e, r);
      if (e.kind === 'check')
        return r.metric === e.metric && typeof r.value === 'number' && compare(r.value, e.comparator, e.threshold);
      return (
        r.role !== undefined &&
        e.roles.includes(r.role as never) &&
        !(e.independent && r.signer && opts.creators?.includes(r.signer)) &&
        !(r.signer && used.has(r.signer))
      );
    });
    const enough = (rs: EvidenceRecord[]) =>
      e.kind === 'signoff' ? new Set(rs.map((r) => r.signer)).size >= (e.signers ?? 1) : rs.length > 0;
    const fresh = matches.filter(current);
    const take = (rs: EvidenceRecord[]) => {
      by.push(...rs.map((r) => r.id));
      if (e.kind === 'signoff')
        for (const signer of [...new Set(rs.map((r) => r.signer!))].slice(0, e.signers ?? 1)) used.add(signer);
    };
    if (enough(fresh)) take(fresh);
    else if (enough(matches)) {
      stale = true;
      take(matches);
    } else unmet.push(describe(e) + (e.kind === 'monitoring' ? whyNot(e, records) : ''));
  }
  if (unmet.length > 0) return { status: 'missing', unmet };
  if (stale) return { status: 'stale', by, reason: 'satisfied only by evidence recorded for another artefact digest' };
  return { status: 'satisfied', by };
}

/**
 * The records that speak to a measure's non-sign-off evidence, whether or not they meet it (a
 * check that fails its threshold still concerns the measure): which gates a piece of evidence is
 * about.
 */
export function concerning(measure: Measure, records: EvidenceRecord[]): string[] {
  return records
    .filter((r) =>
      measure.evidence.some((e) => {
        if (e.kind === 'signoff' || r.kind !== e.kind) return false;
        if (e.kind === 'document') return r.documentKind === e.documentKind;
        if (e.kind === 'monitoring') return r.monitor === e.monitor;
        return r.metric === e.metric;
      }),
    )
    .map((r) => r.id);
}
