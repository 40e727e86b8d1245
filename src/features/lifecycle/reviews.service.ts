import type { RequestContext } from '../../context.ts';
import type { Executor, Tx } from '../../db/database.ts';
import type { DocumentReviewTable, TaskTable } from '../../db/schema.ts';
import { ORGANISATION } from '../../domain/authz.ts';
import { reviewTasks } from '../../domain/lifecycle/tasks.ts';
import { requiredMeasures } from '../../domain/policy/evaluate.ts';
import type { PolicyPack } from '../../domain/policy/pack.schema.ts';
import { describeRule, OWNER_TEAM_RULE, roleAccepts, type AcceptanceRule } from '../../domain/policy/review.ts';
import { DomainError, notFound } from '../../errors.ts';
import type { RecordRefusal } from '../audit/refusals.ts';
import {
  seal,
  signerPart,
  signingPrincipal,
  type ManifestSigner,
  type Signing,
  type SigningCredentials,
} from '../common/signing.ts';
import { useCaseKey, versionKey, type LifecycleCore, type LifecycleDeps } from './core.service.ts';
import type { Serially } from '../../lib/keyed-serial.ts';
import { evidenceRevision, useCaseRevision } from './governance.service.ts';
import { documentRules, reviewStates, reviewView, type DocumentRevision, type ReviewView } from './reviews.fns.ts';
import type { ReviewsRepo } from './reviews.repo.ts';
import type { Eligibility, Refusal, Signatory } from './eligibility.service.ts';

export const REVIEW_DECISIONS = ['accepted', 'rejected'] as const;
export type ReviewDecision = (typeof REVIEW_DECISIONS)[number];

export interface ReviewInput {
  decision: ReviewDecision;
  role: string;
  comment?: string;
}

/** What a document review signs: the revision (id, kind, content hash), whose it is, and the decision. */
export interface DocumentReviewManifest extends ManifestSigner {
  subject: { type: 'document'; id: string; kind: string; title: string; contentHash: string };
  of: { type: 'model-version'; id: string; model: string; version: number } | { type: 'use-case'; id: string };
  decision: ReviewDecision;
}

export interface ReviewServiceDeps extends LifecycleDeps, Signing {
  core: LifecycleCore;
  reviews: ReviewsRepo;
  lock(tx: Tx, model: string, version: number): Promise<void>;
  /** Queues commands on one record in memory before they take a connection (see `createKeyedSerial`). */
  serially: Serially;
  /** After a decision on a version's document: stale signatures, promotions re-decided. */
  versionChanged(tx: Tx, ctx: RequestContext, versionId: string): Promise<void>;
  /** After a decision on a use-case document: the same for each of its versions. */
  useCaseChanged(tx: Tx, ctx: RequestContext, useCaseId: string): Promise<void>;
  refused?: RecordRefusal;
  /** The signer checks before credentials (role, token, training) and who holds a role, for the eligibility reads. */
  signers: Pick<Eligibility, 'signerRefusal' | 'holders'>;
}

/** Whether the caller may accept or reject a document revision in a role, and if not why and who can instead. */
export interface ReviewEligibility {
  document: string;
  decision: ReviewDecision;
  role: string;
  allowed: boolean;
  code: Refusal['code'] | null;
  reason: string | null;
  canSign: Signatory[];
  training: { id: string; title: string } | null;
}

/** A document revision under review, with the rules it answers to and who is not independent of it. */
interface UnderReview {
  doc: DocumentRevision;
  all: DocumentRevision[];
  rules: AcceptanceRule[];
  notIndependent: (string | null)[];
}

/** The measures among `required` that ask for documents of `kind`, with their acceptance rules. */
function measuresFor(pack: PolicyPack, tier: number, required: { measure: string; step: string }[], kind: string) {
  return required.flatMap((r) => {
    const m = pack.measures.find((x) => x.id === r.measure)!;
    return m.evidence.some((e) => e.kind === 'document' && e.documentKind === kind)
      ? documentRules(pack, tier, [r], kind).map((rule) => ({ id: m.id, title: m.title, step: r.step, ...rule }))
      : [];
  });
}

/**
 * Opens review tasks for the submitted current revisions that have none, routed through the RACI,
 * and cancels the open review tasks of revisions that were decided or superseded.
 */
export async function routeReviewTasks(
  tx: Tx,
  deps: {
    repo: Pick<LifecycleDeps['repo'], 'openTasks' | 'closeTasks'>;
    core: Pick<LifecycleCore, 'createSubjectTasks'>;
  },
  ctx: RequestContext,
  subject: { type: 'model-version' | 'use-case'; id: string; team: string },
  policy: { pack: PolicyPack; tier: number; required: { measure: string; step: string }[] },
  docs: DocumentRevision[],
  reviews: DocumentReviewTable[],
  now: string,
): Promise<TaskTable[]> {
  const states = reviewStates(docs, reviews);
  const open = (await deps.repo.openTasks(tx, subject.id)).filter((t) => t.kind === 'review');
  const docOf = (t: TaskTable) => (JSON.parse(t.details) as { document?: string }).document ?? '';
  const settled = open.filter((t) => states.get(docOf(t))?.state !== 'submitted');
  await deps.repo.closeTasks(
    tx,
    settled.map((t) => t.id),
    ctx.principal?.userId ?? null,
    now,
    'cancelled',
  );
  const routed = new Set(open.map(docOf));
  const created: TaskTable[] = [];
  for (const d of docs) {
    if (states.get(d.id)!.state !== 'submitted' || routed.has(d.id)) continue;
    const measures = measuresFor(policy.pack, policy.tier, policy.required, d.kind);
    const specs = reviewTasks(policy.pack, d, measures);
    // Due by the step of the first measure the document serves.
    if (specs.length > 0)
      created.push(...(await deps.core.createSubjectTasks(tx, subject, policy.pack, measures[0]!.step, specs)));
  }
  return created;
}

/**
 * Document reviews: a reviewer accepts or rejects one revision of a document by an electronic
 * signature (meaning `review`, re-authenticated, manifest signed by the server key and audited).
 * Only an accepted current revision counts toward a measure.
 */
export function createReviewService(deps: ReviewServiceDeps) {
  const { db, transact, audit, clock, ids, repo, reviews, core, governance } = deps;

  /** The reviewer must hold the role they review in, in the owning team or organisation-wide. */
  function reviewer(ctx: RequestContext, role: string, team: string) {
    const p = signingPrincipal(ctx);
    if (!p.roles.some((a) => a.role === role && (a.scope === ORGANISATION || a.scope === team)))
      throw new DomainError(
        'forbidden',
        `${p.username} does not hold the role ${role} in team '${team}' (or organisation-wide), so cannot review as ${role}`,
      );
    return p;
  }

  /**
   * Why a decision breaks the rules the document answers to (a role they do not name, or an
   * acceptance that must be independent of the author), or null. The review commands and the
   * eligibility reads share it.
   */
  function ruleRefusal(
    p: { userId: string; username: string },
    input: Pick<ReviewInput, 'decision' | 'role'>,
    r: UnderReview,
    you = false,
  ): Refusal | null {
    const { doc, rules, notIndependent } = r;
    const who = you ? 'you' : p.username;
    const allowed = rules.filter((x) => roleAccepts(x, input.role));
    if (allowed.length === 0)
      return {
        code: 'forbidden',
        reason: `a '${doc.kind}' document is ${rules.map(describeRule).join('; or ')}: ${who} cannot review it as ${input.role}`,
      };
    if (input.decision === 'accepted' && allowed.every((x) => x.independent) && notIndependent.includes(p.userId))
      return {
        code: 'separation_of_duties',
        reason: `${who} wrote '${doc.title}' or built what it documents; a '${doc.kind}' document must be accepted independently of its author, so another ${input.role} has to review it`,
      };
    return null;
  }

  /** Checks a decision against the rules the document answers to; returns nothing or throws 403. */
  function judge(p: { userId: string; username: string }, input: ReviewInput, r: UnderReview) {
    const refusal = ruleRefusal(p, input, r);
    if (refusal) throw new DomainError(refusal.code, refusal.reason, { extra: { role: input.role } });
  }

  /** Why the revision cannot be decided (superseded or already decided), or null. */
  function closedRefusal(doc: DocumentRevision, all: DocumentRevision[], existing: DocumentReviewTable[]) {
    const s = reviewStates(all, existing).get(doc.id)!;
    if (s.superseded)
      return `'${doc.title}' (${doc.id}) is superseded by a newer '${doc.kind}' revision: review the current one`;
    if (s.review)
      return `'${doc.title}' (${doc.id}) was already ${s.review.decision} by ${s.review.reviewer_name}: submit a new revision to change it`;
    return null;
  }

  /** A version's document under review (404 when it is not one of the version's documents). */
  async function versionDocument(
    exec: Executor,
    model: string,
    version: number,
    versionId: string,
    documentId: string,
  ): Promise<UnderReview> {
    const rows = ((await governance.evidence.rows(exec, [versionId])).get(versionId) ?? []).filter(
      (e) => e.kind === 'document',
    );
    const all = rows.map(evidenceRevision);
    const doc = all.find((d) => d.id === documentId);
    if (!doc) throw notFound('document', documentId);
    const g = await core.load(exec, model, version);
    const rules = g.documents.find((d) => d.id === doc.id)!.acceptance;
    return {
      doc,
      all,
      rules: rules.length > 0 ? rules : [OWNER_TEAM_RULE],
      notIndependent: [doc.createdBy, ...g.authors],
    };
  }

  /** A use case's own document under review (404 when it is not one of the use case's documents). */
  async function useCaseDocument(
    exec: Executor,
    uc: { id: string; createdBy: string | null },
    documentId: string,
  ): Promise<UnderReview> {
    const all = (await repo.useCaseDocuments(exec, uc.id)).map(useCaseRevision);
    const doc = all.find((d) => d.id === documentId);
    if (!doc) throw notFound('document', documentId);
    const policy = await governance.policy(exec, uc.id);
    const required = policy
      ? requiredMeasures(policy.pack, { tier: policy.tier, tags: policy.tags }, policy.answers, governance.today())
      : [];
    const rules = policy ? documentRules(policy.pack, policy.tier, required, doc.kind) : [OWNER_TEAM_RULE];
    return { doc, all, rules, notIndependent: [doc.createdBy, uc.createdBy] };
  }

  /**
   * The "can I review this?" read: the refusals the review command gives before and after the
   * credentials (role in the team, token, training, a closed revision, the document's acceptance
   * rule, independence from its author), worded for the reviewer, with who can review instead.
   */
  async function eligibilityOf(
    ctx: RequestContext,
    team: string,
    r: UnderReview,
    existing: DocumentReviewTable[],
    input: Pick<ReviewInput, 'decision' | 'role'>,
  ): Promise<ReviewEligibility> {
    const p = ctx.principal;
    if (!p) throw new DomainError('forbidden', 'only a person can review');
    const closed = closedRefusal(r.doc, r.all, existing);
    const refusal =
      (await deps.signers.signerRefusal(ctx, input.role, team, 'review')) ??
      (closed ? { code: 'conflict' as const, reason: closed } : null) ??
      ruleRefusal(p, input, r, true);
    const people = await deps.signers.holders(db, input.role, [team, ORGANISATION]);
    const canSign = people
      .filter((h) => h.id !== p.userId && ruleRefusal({ userId: h.id, username: h.username }, input, r) === null)
      .map((h) => ({ username: h.username, displayName: h.displayName }));
    const base = { document: r.doc.id, ...input, canSign };
    return refusal
      ? { ...base, allowed: false, code: refusal.code, reason: refusal.reason, training: refusal.training ?? null }
      : { ...base, allowed: true, code: null, reason: null, training: null };
  }

  /** Checks the revision is current and undecided (409 otherwise). */
  function mustBeOpen(doc: DocumentRevision, all: DocumentRevision[], existing: DocumentReviewTable[]) {
    const closed = closedRefusal(doc, all, existing);
    if (closed) throw new DomainError('conflict', closed);
  }

  async function store(
    tx: Tx,
    ctx: RequestContext,
    subject: { type: 'model-version' | 'use-case'; id: string },
    doc: DocumentRevision,
    manifest: DocumentReviewManifest,
    input: ReviewInput,
  ): Promise<ReviewView> {
    const signed = seal(manifest, deps.signDigest);
    const row: DocumentReviewTable = {
      id: ids.next(),
      document_id: doc.id,
      subject_type: subject.type,
      subject_id: subject.id,
      decision: input.decision,
      role: input.role,
      comment: input.comment ?? '',
      reviewer_id: manifest.signer.id,
      reviewer_name: manifest.signer.name,
      signature: JSON.stringify(signed),
      created_at: manifest.signedAt,
    };
    await reviews.insert(tx, row);
    await audit.append(tx, ctx, {
      action: 'document.review',
      subject,
      after: {
        id: row.id,
        document: doc.id,
        documentKind: doc.kind,
        decision: row.decision,
        role: row.role,
        comment: row.comment,
        manifestDigest: signed.manifestDigest,
        manifest,
      },
    });
    // The review tasks of this revision are done.
    const open = (await repo.openTasks(tx, subject.id)).filter(
      (t) => t.kind === 'review' && (JSON.parse(t.details) as { document?: string }).document === doc.id,
    );
    await repo.closeTasks(
      tx,
      open.map((t) => t.id),
      manifest.signer.id,
      manifest.signedAt,
      'done',
    );
    return reviewView(row);
  }

  /** Runs a review; a separation-of-duties refusal is also written to the audit trail. */
  async function audited<T>(
    ctx: RequestContext,
    subject: { type: string; id: string },
    role: string,
    command: () => Promise<T>,
  ): Promise<T> {
    try {
      return await command();
    } catch (err) {
      if (err instanceof DomainError && err.code === 'separation_of_duties')
        await deps.refused?.(ctx, {
          action: 'authz.separation-of-duties',
          account: ctx.principal?.username ?? 'unknown',
          subject,
          detail: { role, refusal: err.message },
        });
      throw err;
    }
  }

  const signed = async (ctx: RequestContext, input: ReviewInput, credentials: SigningCredentials) => {
    const reauthenticatedWith = await deps.reauthenticate(ctx, credentials, [input.role]);
    return (now: string) => signerPart(ctx.principal!, { ...input, meaning: 'review' }, now, reauthenticatedWith);
  };

  /** Stores a decision on `doc` of the subject `of`, with its signed manifest (both review commands). */
  const decide = (
    tx: Tx,
    ctx: RequestContext,
    subject: Parameters<typeof store>[2],
    doc: Parameters<typeof store>[3],
    of: Parameters<typeof store>[4]['of'],
    input: ReviewInput,
    part: (now: string) => ManifestSigner,
  ) =>
    store(
      tx,
      ctx,
      subject,
      doc,
      {
        subject: { type: 'document', id: doc.id, kind: doc.kind, title: doc.title, contentHash: doc.contentHash },
        of,
        decision: input.decision,
        ...part(clock.now().toISOString()),
      },
      input,
    );

  return {
    /** Accepts or rejects a document of a model version. */
    async reviewVersionDocument(
      ctx: RequestContext,
      model: string,
      version: number,
      documentId: string,
      input: ReviewInput,
      credentials: SigningCredentials,
    ): Promise<ReviewView> {
      const owner = await repo.owner(db, model, version);
      if (!owner) throw notFound('model version', `${model}/${version}`);
      const p = reviewer(ctx, input.role, owner.team);
      const part = await signed(ctx, input, credentials);
      const subject = { type: 'model-version' as const, id: owner.versionId };
      return audited(ctx, subject, input.role, () =>
        deps.serially(versionKey(model, version), () =>
          transact(async (tx) => {
            await deps.lock(tx, model, version);
            const r = await versionDocument(tx, model, version, owner.versionId, documentId);
            const { doc } = r;
            mustBeOpen(doc, r.all, await reviews.ofSubject(tx, owner.versionId));
            judge(p, input, r);
            const view = await decide(
              tx,
              ctx,
              subject,
              doc,
              { type: 'model-version', id: owner.versionId, model, version },
              input,
              part,
            );
            await deps.versionChanged(tx, ctx, owner.versionId);
            return view;
          }),
        ),
      );
    },

    /** Accepts or rejects a document of a use case's own steps. */
    async reviewUseCaseDocument(
      ctx: RequestContext,
      useCaseId: string,
      documentId: string,
      input: ReviewInput,
      credentials: SigningCredentials,
    ): Promise<ReviewView> {
      const uc = await repo.useCase(db, useCaseId);
      if (!uc) throw notFound('use case', useCaseId);
      const p = reviewer(ctx, input.role, uc.team);
      const part = await signed(ctx, input, credentials);
      const subject = { type: 'use-case' as const, id: uc.id };
      return audited(ctx, subject, input.role, () =>
        deps.serially(useCaseKey(useCaseId), () =>
          transact(async (tx) => {
            await repo.lockUseCase(tx, useCaseId);
            const r = await useCaseDocument(tx, uc, documentId);
            const { doc } = r;
            mustBeOpen(doc, r.all, await reviews.ofSubject(tx, useCaseId));
            judge(p, input, r);
            const view = await decide(tx, ctx, subject, doc, { type: 'use-case', id: uc.id }, input, part);
            await deps.useCaseChanged(tx, ctx, useCaseId);
            return view;
          }),
        ),
      );
    },

    /** Whether the caller may decide a version's document in a role, asked before the password is typed. */
    async versionEligibility(
      ctx: RequestContext,
      model: string,
      version: number,
      documentId: string,
      input: Pick<ReviewInput, 'decision' | 'role'>,
    ): Promise<ReviewEligibility> {
      const owner = await repo.owner(db, model, version);
      if (!owner) throw notFound('model version', `${model}/${version}`);
      const r = await versionDocument(db, model, version, owner.versionId, documentId);
      return eligibilityOf(ctx, owner.team, r, await reviews.ofSubject(db, owner.versionId), input);
    },

    /** Whether the caller may decide a use case's document in a role, asked before the password is typed. */
    async useCaseEligibility(
      ctx: RequestContext,
      useCaseId: string,
      documentId: string,
      input: Pick<ReviewInput, 'decision' | 'role'>,
    ): Promise<ReviewEligibility> {
      const uc = await repo.useCase(db, useCaseId);
      if (!uc) throw notFound('use case', useCaseId);
      const r = await useCaseDocument(db, uc, documentId);
      return eligibilityOf(ctx, uc.team, r, await reviews.ofSubject(db, useCaseId), input);
    },

    /** The reviews of a version's or use case's documents, for the history. */
    async history(exec: Executor, subjectId: string): Promise<ReviewView[]> {
      return (await reviews.ofSubject(exec, subjectId)).map(reviewView);
    },
  };
}

export type ReviewService = ReturnType<typeof createReviewService>;
