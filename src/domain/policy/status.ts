import { DEFAULT_RECENT_WINDOWS } from '../monitoring/families.ts';
import type { PolicyPack } from './pack.schema.ts';
import { regionWithin } from './regions.ts';
import {
  acceptanceCounts,
  describeRule,
  OWNER_TEAM_RULE,
  type AcceptanceRule,
  type DocumentReviewRecord,
} from './review.ts';

type Measure = PolicyPack['measures'][number];
type Evidence = Measure['evidence'][number];
type CheckEvidence = Extract<Evidence, { kind: 'check' }>;
type DocumentEvidence = Extract<Evidence, { kind: 'document' }>;

/** A piece of recorded evidence, as the evidence and lifecycle features will store it. */
export interface EvidenceRecord {
  id: string;
  kind: 'document' | 'check' | 'signoff' | 'monitoring' | 'dataset' | 'alignment';
  documentKind?: string;
  metric?: string;
  value?: number;
  monitor?: string;
  /** For sign-offs: who signed and in which role. */
  signer?: string;
  role?: string;
  /** The artefact the evidence was produced for (sha256:...), when it concerns a model version. */
  artifactDigest?: string | null;
  /** When it was recorded (ISO-8601): for checks, the latest result per artefact and dataset decides. */
  recordedAt?: string;
  /** For checks: the digest of the data the metric was computed on (one "dataset" per digest). */
  dataDigest?: string | null;
  /** For checks: the roles (training, evaluation, validation) that data has among the version's datasets. */
  datasetRoles?: string[];
  /** For `dataset` records (data residency): the dataset version as `name/version`, and its legal region. */
  dataset?: string;
  region?: string;
  /**
   * For `alignment` records: the use case's alignment with the current ethical position
   * (`not-required` below the tier that needs one, `no-position` when none is published).
   */
  alignment?: 'not-required' | 'no-position' | 'missing' | 'aligned' | 'review';
  /** For `alignment` records: the position version it aligned with last, and the current one. */
  alignedWith?: number | null;
  currentPosition?: number | null;
  /**
   * Monitoring: how many windows ago the family was last computed (0: the latest window). Absent
   * when it never was; `reason` then says why (e.g. a challenger that logged no predictions).
   */
  windowsAgo?: number;
  reason?: string;
  /** Champion/challenger: this version's side, and per metric the improvement and paired p-value. */
  comparison?: { role: 'champion' | 'challenger'; metrics: Record<string, { improvement: number; p: number }> };
  /** Documents: who submitted it (an independent reviewer must be someone else). */
  author?: string | null;
  /** Documents: the review decision on this revision, if any. */
  review?: DocumentReviewRecord;
  /** Documents computed by Steward itself (explanations of an evaluation): they need no review. */
  computed?: boolean;
  /** Documents: a newer revision of the same kind was submitted; this one no longer counts. */
  superseded?: boolean;
}

/** Why a measure failed: the evidence that decided and what it showed. */
export interface Failure {
  /** The evidence record that decided (an evaluation id, a dataset version, the use case's alignment). */
  evidence: string;
  /** The measure's evidence item, as `describe` says it. */
  expected: string;
  /** For checks: the metric, observed value, comparator and threshold, and the data it was computed on. */
  metric?: string;
  observed?: number;
  comparator?: string;
  threshold?: number;
  dataDigest?: string | null;
  /** For data residency: the dataset version, its legal region and the use case's regions. */
  dataset?: string;
  region?: string;
  regions?: string[];
  /** One sentence a person can act on. */
  detail: string;
}

/** One check result a measure looked at, oldest first; `decides` marks the ones its status rests on. */
export interface Considered {
  evidence: string;
  metric: string;
  observed: number;
  comparator: string;
  threshold: number;
  holds: boolean;
  dataDigest: string | null;
  artifactDigest: string | null;
  recordedAt: string | null;
  /** False when it was recorded for another artefact digest (the version changed since). */
  current: boolean;
  decides: boolean;
}

export type MeasureStatus =
  | { status: 'satisfied'; by: string[]; considered?: Considered[] }
  | { status: 'failed'; by: string[]; unmet: string[]; failures: Failure[]; considered?: Considered[] }
  | { status: 'missing'; unmet: string[]; considered?: Considered[] }
  | { status: 'stale'; by: string[]; reason: string; considered?: Considered[] };

/** An approved exception that waives one measure until it expires. */
export interface Waiver {
  exception: string;
  measure: string;
  approvedBy: string;
  expiresAt: string;
}

/**
 * `status` under a valid waiver of its measure: an unmet measure shows as `waived`, naming the
 * exception, its approver and expiry, and keeping what it would be without (`underlying`); a
 * satisfied one stays satisfied (the waiver is not needed).
 */
export function withWaiver<S extends { status: string }>(
  status: S,
  waiver: Waiver | undefined,
): S | (Omit<S, 'status'> & { status: 'waived'; underlying: S['status']; waiver: Waiver }) {
  if (!waiver || status.status === 'satisfied') return status;
  return { ...status, status: 'waived', underlying: status.status, waiver };
}

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

/**
 * A plain-language description of one evidence item of a measure (what `unmet` lists); for
 * documents, who must accept them and where the current revision stands.
 */
export function describe(
  e: Evidence,
  rule: (e: DocumentEvidence) => AcceptanceRule = () => OWNER_TEAM_RULE,
  records: EvidenceRecord[] = [],
): string {
  switch (e.kind) {
    case 'document': {
      const current = records.find(
        (r) => r.kind === 'document' && r.documentKind === e.documentKind && !r.superseded && !r.computed,
      );
      const state = !current
        ? ''
        : !current.review
          ? ` (revision ${current.id} awaits review)`
          : current.review.decision === 'rejected'
            ? ` (revision ${current.id} was rejected)`
            : ` (revision ${current.id} was accepted by someone who may not accept it)`;
      return `a '${e.documentKind}' document ${describeRule(rule(e))}${state}`;
    }
    case 'check':
      return `check ${e.metric} ${e.comparator} ${e.threshold}${e.datasetRoles ? ` on ${e.datasetRoles.join(' or ')} data` : ''}`;
    case 'monitoring':
      return e.beats
        ? `challenger beats champion on ${e.beats.metric} by >= ${e.beats.by} with p < ${e.beats.p} in the last ${e.windows ?? DEFAULT_RECENT_WINDOWS} windows`
        : `monitor '${e.monitor}' computed in the last ${e.windows ?? DEFAULT_RECENT_WINDOWS} windows`;
    case 'signoff':
      return `${e.signers ?? 1} sign-off(s) by ${e.roles.join(' or ')}${e.independent ? ', independent' : ''}`;
    case 'data-residency':
      return "training and evaluation data held in the use case's regions";
    case 'ethical-alignment':
      return 'alignment with the current ethical position';
  }
}

/** Records in the order they were made: by `recordedAt` where given, otherwise as passed (stable). */
const chronological = (rs: EvidenceRecord[]) =>
  rs
    .map((r, i) => ({ r, i }))
    .sort((a, b) => {
      const x = a.r.recordedAt ?? '';
      const y = b.r.recordedAt ?? '';
      return x && y && x !== y ? (x < y ? -1 : 1) : a.i - b.i;
    })
    .map(({ r }) => r);

type ItemOutcome =
  | { state: 'met'; by: string[]; stale: boolean }
  | { state: 'failed'; by: string[]; failures: Failure[] }
  | { state: 'missing'; detail?: string };

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
 * A check item: of the results for its metric, the latest per artefact and dataset decides, and
 * every deciding result must hold. A newer failing result therefore outweighs an older passing one
 * on the same data. When the item names `datasetRoles`, only results on data of those roles count
 * and every one of them decides (a failure there is not washed out by re-evaluating). Results for
 * the current artefact decide when there are any; otherwise those for other artefacts can only make
 * it stale (when they all hold) or leave it missing.
 */
function judgeCheck(
  e: CheckEvidence,
  records: EvidenceRecord[],
  current: (r: EvidenceRecord) => boolean,
  considered: Considered[],
): ItemOutcome {
  const results = chronological(
    records.filter(
      (r) =>
        r.kind === 'check' &&
        r.metric === e.metric &&
        typeof r.value === 'number' &&
        (!e.datasetRoles || (r.datasetRoles ?? []).some((role) => e.datasetRoles!.includes(role as never))),
    ),
  );
  const latest = (rs: EvidenceRecord[]) => {
    if (e.datasetRoles) return rs;
    const byData = new Map<string, EvidenceRecord>();
    for (const r of rs) byData.set(`${r.artifactDigest ?? ''} ${r.dataDigest ?? ''}`, r);
    return [...byData.values()];
  };
  const fresh = results.filter(current);
  const deciding = fresh.length > 0 ? latest(fresh) : latest(results);
  const holds = (r: EvidenceRecord) => compare(r.value!, e.comparator, e.threshold);
  for (const r of results)
    considered.push({
      evidence: r.id,
      metric: e.metric,
      observed: r.value!,
      comparator: e.comparator,
      threshold: e.threshold,
      holds: holds(r),
      dataDigest: r.dataDigest ?? null,
      artifactDigest: r.artifactDigest ?? null,
      recordedAt: r.recordedAt ?? null,
      current: current(r),
      decides: deciding.includes(r),
    });
  if (deciding.length === 0) return { state: 'missing' };
  const failing = deciding.filter((r) => !holds(r));
  if (fresh.length === 0)
    return failing.length === 0
      ? { state: 'met', by: deciding.map((r) => r.id), stale: true }
      : { state: 'missing', detail: `${describe(e)} (last result, for another artefact, did not hold)` };
  if (failing.length === 0) return { state: 'met', by: deciding.map((r) => r.id), stale: false };
  return {
    state: 'failed',
    by: failing.map((r) => r.id),
    failures: failing.map((r) => ({
      evidence: r.id,
      expected: describe(e),
      metric: e.metric,
      observed: r.value!,
      comparator: e.comparator,
      threshold: e.threshold,
      dataDigest: r.dataDigest ?? null,
      detail: `${describe(e)} failed: observed ${r.value} (evidence ${r.id})`,
    })),
  };
}

/**
 * A data-residency item: every registered dataset version the version was trained or evaluated on
 * must have its legal region within one of the use case's regions. No registered data leaves it
 * missing: residency cannot be judged on data Steward does not know.
 */
function judgeResidency(e: Evidence, records: EvidenceRecord[], regions: string[] | undefined): ItemOutcome {
  const data = records.filter((r) => r.kind === 'dataset' && r.region !== undefined);
  if (data.length === 0)
    return { state: 'missing', detail: `${describe(e)} (no registered dataset version is recorded as its data)` };
  if (!regions || regions.length === 0)
    return { state: 'missing', detail: `${describe(e)} (the use case names no regions)` };
  const outside = data.filter((r) => !regions.some((u) => regionWithin(r.region!, u)));
  if (outside.length === 0) return { state: 'met', by: data.map((r) => r.id), stale: false };
  return {
    state: 'failed',
    by: outside.map((r) => r.id),
    failures: outside.map((r) => ({
      evidence: r.id,
      expected: describe(e),
      dataset: r.dataset ?? r.id,
      region: r.region!,
      regions,
      detail: `dataset ${r.dataset ?? r.id} is held in ${r.region}, which is not among the use case's regions (${regions.join(', ')})`,
    })),
  };
}

/**
 * An ethical-alignment item: met when the use case is aligned with the current ethical position,
 * or need not be (below the tier that requires it, or no position is published); failed when its
 * alignment predates the current position (`review`); missing when none was recorded.
 */
function judgeAlignment(e: Evidence, records: EvidenceRecord[]): ItemOutcome {
  const a = records.filter((r) => r.kind === 'alignment').at(-1);
  if (!a || a.alignment === 'missing')
    return {
      state: 'missing',
      detail: `${describe(e)} (none recorded${a?.currentPosition ? ` for position version ${a.currentPosition}` : ''})`,
    };
  if (a.alignment === 'review')
    return {
      state: 'failed',
      by: [a.id],
      failures: [
        {
          evidence: a.id,
          expected: describe(e),
          detail: `the use case aligned with ethical position version ${a.alignedWith}, but version ${a.currentPosition} is current: its alignment needs review`,
        },
      ],
    };
  return { state: 'met', by: [a.id], stale: false };
}

/**
 * The status of a measure given the evidence recorded: `failed` when evidence exists for an item and
 * does not hold (a check's latest result per artefact and dataset misses its threshold, data held
 * outside the use case's regions, an alignment with an outdated ethical position), with each
 * failure's observed value, comparator, threshold and evidence id; otherwise `missing` when an item
 * has no evidence, naming what is unmet; `stale` when met only by records made for another artefact
 * digest (the version changed since); else `satisfied`. `creators` are the people an independent
 * sign-off must not come from; `regions` are the use case's regions (data residency). The sign-off
 * items of one measure need different people: one person holding two roles cannot be both
 * signatures. Measures with checks list every check result they looked at, oldest first, in
 * `considered`, marking those that decide.
 */
export function measureStatus(
  measure: Measure,
  records: EvidenceRecord[],
  opts: {
    artifactDigest?: string | null;
    creators?: string[];
    regions?: string[];
    /** Who must accept each document evidence item (default: the owner's team). */
    acceptance?: (e: DocumentEvidence) => AcceptanceRule;
  } = {},
): MeasureStatus {
  const rule = opts.acceptance ?? (() => OWNER_TEAM_RULE);
  const current = (r: EvidenceRecord) =>
    !opts.artifactDigest || !r.artifactDigest || r.artifactDigest === opts.artifactDigest;
  const unmet: string[] = [];
  const by: string[] = [];
  const failures: Failure[] = [];
  const considered: Considered[] = [];
  let stale = false;
  // Signers already counted for an earlier sign-off item of this measure.
  const used = new Set<string>();
  for (const e of measure.evidence) {
    let outcome: ItemOutcome;
    if (e.kind === 'check') outcome = judgeCheck(e, records, current, considered);
    else if (e.kind === 'data-residency') outcome = judgeResidency(e, records, opts.regions);
    else if (e.kind === 'ethical-alignment') outcome = judgeAlignment(e, records);
    else {
      const matches = records.filter((r) => {
        if (r.kind !== e.kind) return false;
        // Only the current revision counts, and only once accepted by whom the measure names.
        if (e.kind === 'document')
          return (
            r.documentKind === e.documentKind &&
            !r.superseded &&
            (r.computed === true || acceptanceCounts(rule(e), r.review, [r.author, ...(opts.creators ?? [])]))
          );
        if (e.kind === 'monitoring') return monitoringMeets(e, r);
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
      const take = enough(fresh) ? fresh : enough(matches) ? matches : null;
      if (take && e.kind === 'signoff')
        for (const signer of [...new Set(take.map((r) => r.signer!))].slice(0, e.signers ?? 1)) used.add(signer);
      outcome = take ? { state: 'met', by: take.map((r) => r.id), stale: take !== fresh } : { state: 'missing' };
    }
    if (outcome.state === 'met') {
      by.push(...outcome.by);
      stale ||= outcome.stale;
    } else if (outcome.state === 'failed') {
      by.push(...outcome.by);
      failures.push(...outcome.failures);
      unmet.push(...outcome.failures.map((f) => f.detail));
    } else
      unmet.push(outcome.detail ?? describe(e, rule, records) + (e.kind === 'monitoring' ? whyNot(e, records) : ''));
  }
  const checked = measure.evidence.some((e) => e.kind === 'check') ? { considered } : {};
  if (failures.length > 0) return { status: 'failed', by, unmet, failures, ...checked };
  if (unmet.length > 0) return { status: 'missing', unmet, ...checked };
  if (stale)
    return {
      status: 'stale',
      by,
      reason: 'satisfied only by evidence recorded for another artefact digest',
      ...checked,
    };
  return { status: 'satisfied', by, ...checked };
}

/**
 * What a record is about, as a key `measureReads` lists: its kind, and for checks, documents and
 * monitoring the metric, document kind or monitor.
 */
export function recordKey(r: EvidenceRecord): string {
  if (r.kind === 'check') return `check:${r.metric}`;
  if (r.kind === 'document') return `document:${r.documentKind}`;
  if (r.kind === 'monitoring') return `monitoring:${r.monitor}`;
  return r.kind;
}

/**
 * The keys (`recordKey`) of every record `measureStatus` may read for the measure. A measure none
 * of whose keys any record has is judged on nothing: its status is the one it has with no records
 * at all, whoever the version's creators, whatever its artefact and regions.
 */
export function measureReads(measure: Measure): string[] {
  return [
    ...new Set(
      measure.evidence.map((e) => {
        switch (e.kind) {
          case 'check':
            return `check:${e.metric}`;
          case 'document':
            return `document:${e.documentKind}`;
          case 'monitoring':
            return `monitoring:${e.monitor}`;
          case 'signoff':
            return 'signoff';
          case 'data-residency':
            return 'dataset';
          case 'ethical-alignment':
            return 'alignment';
        }
      }),
    ),
  ];
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
        if (e.kind === 'signoff') return false;
        if (e.kind === 'data-residency') return r.kind === 'dataset';
        if (e.kind === 'ethical-alignment') return r.kind === 'alignment';
        if (r.kind !== e.kind) return false;
        if (e.kind === 'document') return r.documentKind === e.documentKind;
        if (e.kind === 'monitoring') return r.monitor === e.monitor;
        return r.metric === e.metric;
      }),
    )
    .map((r) => r.id);
}

/** One check of a pack judged against one evaluation's metrics. */
export interface PackCheckResult {
  measure: string;
  metric: string;
  observed: number;
  comparator: string;
  threshold: number;
  holds: boolean;
}

/**
 * The checks of a pack's measures that an evaluation's metrics speak to, each judged: what
 * `steward evaluate` flags (e.g. the four-fifths rule, `demographic-parity-ratio >= 0.8`). Metrics
 * that are absent or not numbers are skipped; each (measure, metric) pair is listed once.
 */
export function judgeMetrics(pack: PolicyPack, metrics: Record<string, unknown>): PackCheckResult[] {
  const out: PackCheckResult[] = [];
  for (const m of pack.measures)
    for (const e of m.evidence) {
      const value = e.kind === 'check' ? metrics[e.metric] : undefined;
      if (e.kind !== 'check' || typeof value !== 'number' || !Number.isFinite(value)) continue;
      if (out.some((r) => r.measure === m.id && r.metric === e.metric)) continue;
      out.push({
        measure: m.id,
        metric: e.metric,
        observed: value,
        comparator: e.comparator,
        threshold: e.threshold,
        holds: compare(value, e.comparator, e.threshold),
      });
    }
  return out;
}
