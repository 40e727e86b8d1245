import { OWNER_TEAM, type PolicyPack } from './pack.schema.ts';

type DocumentEvidence = Extract<PolicyPack['measures'][number]['evidence'][number], { kind: 'document' }>;

/** Who must accept a document for it to count toward a measure. */
export interface AcceptanceRule {
  /** Roles, or `owner-team` (any role held in the use case's owning team). */
  acceptedBy: string[];
  /** The reviewer must be neither the document's author nor one of the work's creators. */
  independent: boolean;
}

/** A document's review decision, as the status machinery reads it. */
export interface DocumentReviewRecord {
  decision: 'accepted' | 'rejected';
  reviewer: string;
  role: string;
}

/** A document's review state: `superseded` once a newer revision of the same kind was submitted. */
export type ReviewState = 'submitted' | 'accepted' | 'rejected' | 'superseded';

/** The default rule when a pack says nothing: the owner's team, not independent. */
export const OWNER_TEAM_RULE: AcceptanceRule = { acceptedBy: [OWNER_TEAM], independent: false };

/**
 * Who accepts documents of `documentKind` at `tier`: the measure's own `acceptedBy`/`independent`
 * when it gives them, otherwise the first `documentReview` entry of the pack whose tiers (and kinds,
 * when listed) match, otherwise the owner's team. A measure that names only one of the two takes the
 * other from the default.
 */
export function acceptanceRule(
  pack: Pick<PolicyPack, 'documentReview'>,
  tier: number | null,
  e: Pick<DocumentEvidence, 'documentKind' | 'acceptedBy' | 'independent'>,
): AcceptanceRule {
  const entry =
    tier === null
      ? undefined
      : pack.documentReview?.find(
          (d) => d.tiers.includes(tier) && (!d.documentKinds || d.documentKinds.includes(e.documentKind)),
        );
  const fallback = entry ? { acceptedBy: entry.acceptedBy, independent: entry.independent ?? false } : OWNER_TEAM_RULE;
  return {
    acceptedBy: e.acceptedBy ?? fallback.acceptedBy,
    independent: e.independent ?? fallback.independent,
  };
}

/** Whether a reviewer signing in `role` may decide under `rule` (roles only; independence is separate). */
export const roleAccepts = (rule: AcceptanceRule, role: string): boolean =>
  rule.acceptedBy.includes(OWNER_TEAM) || rule.acceptedBy.includes(role);

/**
 * Whether an acceptance counts under `rule`: given in an accepted role and, where independence is
 * required, by someone other than the author and the work's creators.
 */
export function acceptanceCounts(
  rule: AcceptanceRule,
  review: DocumentReviewRecord | undefined,
  notIndependent: (string | null | undefined)[],
): boolean {
  if (!review || review.decision !== 'accepted' || !roleAccepts(rule, review.role)) return false;
  return !(rule.independent && notIndependent.includes(review.reviewer));
}

/** Human-readable form of a rule, for unmet requirements and task titles. */
export function describeRule(rule: AcceptanceRule): string {
  const who = rule.acceptedBy.map((r) => (r === OWNER_TEAM ? "the owner's team" : r)).join(' or ');
  return `accepted by ${who}${rule.independent ? ', independent of its author' : ''}`;
}
