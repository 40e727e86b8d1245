import type { PolicyPack } from './pack.schema.ts';
import {
  acceptanceCounts,
  describeRule,
  OWNER_TEAM_RULE,
  type AcceptanceRule,
  type DocumentReviewRecord,
} from './review.ts';

type Measure = PolicyPack['measures'][number];
type Evidence = Measure['evidence'][number];
type DocumentEvidence = Extract<Evidence, { kind: 'document' }>;

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
  /** Documents: who submitted it (an independent reviewer must be someone else). */
  author?: string | null;
  /** Documents: the review decision on this revision, if any. */
  review?: DocumentReviewRecord;
  /** Documents computed by Steward itself (explanations of an evaluation): they need no review. */
  computed?: boolean;
  /** Documents: a newer revision of the same kind was submitted; this one no longer counts. */
  superseded?: boolean;
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

function describe(e: Evidence, rule: (e: DocumentEvidence) => AcceptanceRule, records: EvidenceRecord[]): string {
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
      return `check ${e.metric} ${e.comparator} ${e.threshold}`;
    case 'monitoring':
      return `monitor '${e.monitor}' configured`;
    case 'signoff':
      return `${e.signers ?? 1} sign-off(s) by ${e.roles.join(' or ')}${e.independent ? ', independent' : ''}`;
  }
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
  opts: {
    artifactDigest?: string | null;
    creators?: string[];
    /** Who must accept each document evidence item (default: the owner's team). */
    acceptance?: (e: DocumentEvidence) => AcceptanceRule;
  } = {},
): MeasureStatus {
  const rule = opts.acceptance ?? (() => OWNER_TEAM_RULE);
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
      // Only the current revision counts, and only once accepted by whom the measure names.
      if (e.kind === 'document')
        return (
          r.documentKind === e.documentKind &&
          !r.superseded &&
          (r.computed === true || acceptanceCounts(rule(e), r.review, [r.author, ...(opts.creators ?? [])]))
        );
      if (e.kind === 'monitoring') return r.monitor === e.monitor;
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
    } else unmet.push(describe(e, rule, records));
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
