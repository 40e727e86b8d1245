import type { DocumentReviewTable } from '../../db/schema.ts';
import type { PolicyPack } from '../../domain/policy/pack.schema.ts';
import {
  acceptanceRule,
  type AcceptanceRule,
  type DocumentReviewRecord,
  type ReviewState,
} from '../../domain/policy/review.ts';
import type { EvidenceRecord } from '../../domain/policy/status.ts';
import type { SignedRecord } from '../common/signing.ts';

/** A document revision as the review machinery sees it (a version's document evidence or a use-case document). */
export interface DocumentRevision {
  id: string;
  kind: string;
  title: string;
  contentHash: string;
  createdAt: string;
  createdBy: string | null;
}

/** A review decision, as shown with its document. */
export interface ReviewView {
  id: string;
  decision: 'accepted' | 'rejected';
  role: string;
  comment: string;
  reviewer: { id: string; name: string };
  reviewedAt: string;
  manifestDigest: string;
  serverSignature: string;
}

export const reviewView = (r: DocumentReviewTable): ReviewView => {
  const signed = JSON.parse(r.signature) as SignedRecord<unknown>;
  return {
    id: r.id,
    decision: r.decision,
    role: r.role,
    comment: r.comment,
    reviewer: { id: r.reviewer_id, name: r.reviewer_name },
    reviewedAt: r.created_at,
    manifestDigest: signed.manifestDigest,
    serverSignature: signed.serverSignature,
  };
};

/**
 * Each revision's review state. Revisions are given oldest first; the latest of a kind is the
 * current one and every earlier one of that kind is superseded (a superseded revision keeps its
 * review, shown in the history, but no longer counts).
 */
export function reviewStates(
  docs: DocumentRevision[],
  reviews: DocumentReviewTable[],
): Map<string, { state: ReviewState; review: DocumentReviewTable | null; superseded: boolean }> {
  const byDoc = new Map(reviews.map((r) => [r.document_id, r]));
  const latest = new Map<string, string>();
  for (const d of docs) latest.set(d.kind, d.id);
  const out = new Map<string, { state: ReviewState; review: DocumentReviewTable | null; superseded: boolean }>();
  for (const d of docs) {
    const review = byDoc.get(d.id) ?? null;
    const superseded = latest.get(d.kind) !== d.id;
    out.set(d.id, {
      review,
      superseded,
      state: superseded ? 'superseded' : review ? review.decision : 'submitted',
    });
  }
  return out;
}

/** Adds review decisions and supersession to the document records of `docs` (other records pass unchanged). */
export function withReviews(
  records: EvidenceRecord[],
  docs: DocumentRevision[],
  reviews: DocumentReviewTable[],
): EvidenceRecord[] {
  const states = reviewStates(docs, reviews);
  return records.map((r) => {
    const s = r.kind === 'document' && !r.computed ? states.get(r.id) : undefined;
    if (!s) return r;
    const review: DocumentReviewRecord | undefined = s.review
      ? { decision: s.review.decision, reviewer: s.review.reviewer_id, role: s.review.role }
      : undefined;
    return { ...r, superseded: s.superseded, ...(review ? { review } : {}) };
  });
}

/**
 * The acceptance rules a document of `kind` answers to: those of the required measures asking for
 * that kind, or the pack's default for the kind at the tier when no required measure asks for it.
 */
export function documentRules(
  pack: PolicyPack,
  tier: number,
  required: { measure: string }[],
  kind: string,
): AcceptanceRule[] {
  const byId = new Map(pack.measures.map((m) => [m.id, m]));
  const rules = required.flatMap((m) =>
    (byId.get(m.measure)?.evidence ?? []).flatMap((e) =>
      e.kind === 'document' && e.documentKind === kind ? [acceptanceRule(pack, tier, e)] : [],
    ),
  );
  return rules.length > 0 ? rules : [acceptanceRule(pack, tier, { documentKind: kind })];
}

/** A document with its review state and who may accept it, as the console shows it. */
export interface DocumentView extends DocumentRevision {
  state: ReviewState;
  review: ReviewView | null;
  /** Who may accept it (any one rule suffices); empty when the use case is not governed. */
  acceptance: AcceptanceRule[];
}

/** Documents with their review states and acceptance rules, newest first. */
export function documentViews(
  docs: DocumentRevision[],
  reviews: DocumentReviewTable[],
  rules: (kind: string) => AcceptanceRule[],
): DocumentView[] {
  const states = reviewStates(docs, reviews);
  return docs
    .map((d) => {
      const s = states.get(d.id)!;
      return { ...d, state: s.state, review: s.review && reviewView(s.review), acceptance: rules(d.kind) };
    })
    .reverse();
}
