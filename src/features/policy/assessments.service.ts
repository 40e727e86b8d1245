import type { RequestContext } from '../../context.ts';
import type { Emit } from '../../events.ts';
import { actorId } from '../../context.ts';
import type { Executor, Tx } from '../../db/database.ts';
import type { AssessmentTable } from '../../db/schema.ts';

import {
  checkAnswers,
  classify,
  requiredMeasures,
  type Answers,
  type RuleFiring,
} from '../../domain/policy/evaluate.ts';
import { acceptanceRule } from '../../domain/policy/review.ts';
import {
  measureStatus,
  withWaiver,
  type EvidenceRecord,
  type MeasureStatus,
  type Waiver,
} from '../../domain/policy/status.ts';
import { DomainError, notFound } from '../../errors.ts';
import { authorize, permissionRefusal, roleRefusal } from '../common/authorize.ts';
import type { CommandDeps } from '../common/deps.ts';
import { hintOf, refuse, type ActionHint, type Refusal } from '../common/hints.ts';
import {
  seal,
  signerPart,
  signerRefusal,
  signingPrincipal,
  trainingRefusal,
  type ManifestSigner,
  type SignedRecord,
  type Signing,
  type SigningCredentials,
} from '../common/signing.ts';
import type { PolicyRepo } from './policy.repo.ts';
import type { PolicyService } from './policy.service.ts';

/**
 * Why the caller may not decide the pending override of `current` (a use case of `team`), or null:
 * assessment:confirm in the team, a person, a risk-audit user (an administrator's blanket rights
 * are not enough), an override pending, and not its requester. The decision command and its
 * eligibility read share this rule.
 */
export function overrideDecisionRefusal(
  ctx: RequestContext,
  team: string,
  current: Pick<AssessmentTable, 'pending_tier' | 'pending_requested_by'>,
): Refusal | null {
  const denied = permissionRefusal(ctx, 'assessment:confirm', team) ?? signerRefusal(ctx);
  if (denied) return denied;
  const role = roleRefusal(ctx, ['risk-audit'], team, 'decide a tier override');
  if (role) return { ...role, message: 'only a risk-audit user may decide a tier override' };
  if (current.pending_tier === null)
    return {
      code: 'conflict',
      message: 'no override is pending for this assessment',
      reason: 'No override is pending.',
    };
  if (current.pending_requested_by !== null && current.pending_requested_by === actorId(ctx))
    return {
      code: 'forbidden',
      message: 'the requester of an override cannot decide it: another risk-audit user must',
      reason: 'You requested this override: another risk-audit user has to confirm or reject it.',
    };
  return null;
}

export interface Assessment {
  id: string;
  useCaseId: string;
  policy: { id: string; name: string; version: string };
  answers: Answers;
  assessedTier: number;
  /** The tier in force: a confirmed override, otherwise the assessed tier. */
  tier: number;
  tags: string[];
  euAiAct: string;
  trace: RuleFiring[];
  reviewBy: string;
  overdue: boolean;
  current: boolean;
  reevaluateUnder: string | null;
  /** The override in force, confirmed by a second risk-audit user. */
  override: null | {
    tier: number;
    reason: string;
    requestedBy: string | null;
    requestedAt: string;
    confirmedBy: string | null;
    confirmedAt: string | null;
    /** The confirmation's e-signature (null for overrides confirmed before signatures were required). */
    signature: SignedRecord<OverrideManifest> | null;
  };
  /** A requested override waiting for confirmation (the one in force, if any, stays in force). */
  pendingOverride: null | { tier: number; reason: string; requestedBy: string | null; requestedAt: string };
  createdAt: string;
  createdBy: string | null;
}

/** What a tier-override decision signs: the assessment, the tiers, the reason, who asked, and the decision. */
export interface OverrideManifest extends ManifestSigner {
  subject: { type: 'assessment'; id: string; useCaseId: string; policy: { id: string; digest: string } };
  assessedTier: number;
  tierInForce: number;
  requestedTier: number;
  reason: string;
  requestedBy: string | null;
  decision: 'confirmed' | 'rejected';
}

/** The tier in force for a stored assessment. */
export const effectiveTier = (r: Pick<AssessmentTable, 'tier' | 'override_tier'>): number => r.override_tier ?? r.tier;

export interface AssessmentServiceDeps extends CommandDeps {
  repo: PolicyRepo;
  policies: Pick<PolicyService, 'active' | 'packOf'>;
  useCases: { teamOf(db: Executor, id: string): Promise<string | undefined>; lock(tx: Tx, id: string): Promise<void> };
  /** The use case's own evidence (documents, sign-offs) under its current assessment. */
  evidence: {
    forUseCase(db: Executor, useCaseId: string, assessmentId: string, tier: number): Promise<EvidenceRecord[]>;
  };
  /** Emits `use-case.assessed` in the assessing transaction (the lifecycle re-decides the use case's versions). */
  events: Emit;
  /** Re-authentication and the server key: a tier-override decision is an e-signature. */
  signing: Signing;
  /** Valid waivers of the use case's measures (from the findings feature). */
  waivers?(db: Executor, useCaseId: string): Promise<Waiver[]>;
}

export function createAssessmentService({
  db,
  transact,
  audit,
  clock,
  ids,
  repo,
  policies,
  useCases,
  evidence,
  events,
  signing,
  waivers,
}: AssessmentServiceDeps) {
  const today = () => clock.now().toISOString().slice(0, 10);

  async function toAssessment(exec: Executor, r: AssessmentTable): Promise<Assessment> {
    const pack = await repo.pack(exec, r.pack_id);
    return {
      id: r.id,
      useCaseId: r.use_case_id,
      policy: { id: r.pack_id, name: pack?.name ?? '?', version: pack?.version ?? '?' },
      answers: JSON.parse(r.answers) as Answers,
      assessedTier: r.tier,
      tier: effectiveTier(r),
      tags: JSON.parse(r.tags) as string[],
      euAiAct: r.eu_ai_act,
      trace: JSON.parse(r.trace) as RuleFiring[],
      reviewBy: r.review_by,
      overdue: r.current === 1 && r.review_by < today(),
      current: r.current === 1,
      reevaluateUnder: r.reevaluate_under,
      override:
        r.override_tier === null
          ? null
          : {
              tier: r.override_tier,
              reason: r.override_reason ?? '',
              requestedBy: r.override_requested_by,
              requestedAt: r.override_requested_at ?? '',
              confirmedBy: r.override_confirmed_by,
              confirmedAt: r.override_confirmed_at,
              signature: r.override_signature
                ? (JSON.parse(r.override_signature) as SignedRecord<OverrideManifest>)
                : null,
            },
      pendingOverride:
        r.pending_tier === null
          ? null
          : {
              tier: r.pending_tier,
              reason: r.pending_reason ?? '',
              requestedBy: r.pending_requested_by,
              requestedAt: r.pending_requested_at ?? '',
            },
      createdAt: r.created_at,
      createdBy: r.created_by,
    };
  }

  async function teamOf(exec: Executor, useCaseId: string): Promise<string> {
    const team = await useCases.teamOf(exec, useCaseId);
    if (!team) throw notFound('use case', useCaseId);
    return team;
  }

  async function mustCurrent(exec: Executor, useCaseId: string): Promise<AssessmentTable> {
    await teamOf(exec, useCaseId);
    const current = await repo.currentAssessment(exec, useCaseId);
    if (!current)
      throw new DomainError('conflict', `use case '${useCaseId}' has not been assessed yet: PUT its assessment first`);
    return current;
  }

  return {
    /** Answers the questionnaire under the active pack; the previous assessment stays in the history. */
    async assess(ctx: RequestContext, useCaseId: string, answers: Answers): Promise<Assessment> {
      return transact(async (tx) => {
        authorize(ctx, 'assessment:write', await teamOf(tx, useCaseId));
        // Serialise with other assessments of this use case and with pack activation.
        await useCases.lock(tx, useCaseId);
        await repo.lockActivePack(tx);
        const { row, pack } = await policies.active(tx);
        const problems = checkAnswers(pack, answers);
        if (problems.length > 0) {
          throw new DomainError(
            'validation_failed',
            `the answers do not fit policy pack ${pack.name} ${pack.version}: ${problems.map((p) => `${p.question} ${p.message}`).join('; ')}`,
            {
              errors: problems.map((p) => ({ pointer: `/answers/${p.question}`, message: p.message })),
            },
          );
        }
        const c = classify(pack, answers);
        const now = clock.now();
        const previous = await repo.currentAssessment(tx, useCaseId);
        // A confirmed override was signed off by risk; answering again does not undo it.
        const carried = previous?.override_tier != null ? previous : null;
        const days = pack.tiers.find((t) => t.tier === (carried?.override_tier ?? c.tier))!.reviewEveryDays;
        const record: AssessmentTable = {
          id: ids.next(),
          use_case_id: useCaseId,
          pack_id: row.id,
          answers: JSON.stringify(answers),
          tier: c.tier,
          tags: JSON.stringify(c.tags),
          eu_ai_act: c.euAiAct,
          trace: JSON.stringify(c.trace),
          review_by: new Date(now.getTime() + days * 86_400_000).toISOString().slice(0, 10),
          current: 1,
          reevaluate_under: null,
          override_tier: carried?.override_tier ?? null,
          override_reason: carried?.override_reason ?? null,
          override_requested_by: carried?.override_requested_by ?? null,
          override_requested_at: carried?.override_requested_at ?? null,
          override_confirmed_by: carried?.override_confirmed_by ?? null,
          override_confirmed_at: carried?.override_confirmed_at ?? null,
          override_signature: carried?.override_signature ?? null,
          pending_tier: null,
          pending_reason: null,
          pending_requested_by: null,
          pending_requested_at: null,
          created_at: now.toISOString(),
          created_by: actorId(ctx),
        };
        await repo.insertAssessment(tx, record);
        const assessment = await toAssessment(tx, record);
        await audit.append(tx, ctx, {
          action: 'assessment.create',
          subject: { type: 'use-case', id: useCaseId },
          before: previous ? await toAssessment(tx, previous) : null,
          after: assessment,
        });
        await events.emit(tx, 'use-case.assessed', { ctx, useCaseId });
        return assessment;
      });
    },

    async history(useCaseId: string): Promise<{ current: Assessment | null; history: Assessment[] }> {
      await teamOf(db, useCaseId);
      const all = await Promise.all((await repo.assessments(db, useCaseId)).map((r) => toAssessment(db, r)));
      return { current: all.find((a) => a.current) ?? null, history: all };
    },

    /** Asks for another tier than the questionnaire gave; pending until a different risk-audit user confirms. */
    async requestOverride(ctx: RequestContext, useCaseId: string, tier: number, reason: string): Promise<Assessment> {
      return transact(async (tx) => {
        authorize(ctx, 'assessment:write', await teamOf(tx, useCaseId));
        await useCases.lock(tx, useCaseId);
        const current = await mustCurrent(tx, useCaseId);
        if (current.pending_tier !== null)
          throw new DomainError(
            'conflict',
            'an override is already pending for this assessment: confirm or reject it first',
          );
        const changes = {
          pending_tier: tier,
          pending_reason: reason,
          pending_requested_by: actorId(ctx),
          pending_requested_at: clock.now().toISOString(),
        };
        await repo.updateAssessment(tx, current.id, changes);
        const after = await toAssessment(tx, { ...current, ...changes });
        await audit.append(tx, ctx, {
          action: 'assessment.override-request',
          subject: { type: 'use-case', id: useCaseId },
          before: await toAssessment(tx, current),
          after,
        });
        return after;
      });
    },

    /**
     * A risk-audit user other than the requester confirms or rejects a pending override, by an
     * e-signature (re-authenticated; the manifest names the assessment, the tiers and the reason).
     */
    /** Whether the caller may decide the pending override now: asked before the dialog asks for a password. */
    async overrideEligibility(ctx: RequestContext, useCaseId: string): Promise<ActionHint> {
      const team = await teamOf(db, useCaseId);
      const refusal = overrideDecisionRefusal(ctx, team, await mustCurrent(db, useCaseId));
      return hintOf(refusal ?? (await trainingRefusal(signing, ctx, ['risk-audit'])));
    },

    async decideOverride(
      ctx: RequestContext,
      useCaseId: string,
      decision: 'confirmed' | 'rejected',
      credentials: SigningCredentials,
      comment?: string,
    ): Promise<Assessment> {
      const team = await teamOf(db, useCaseId);
      refuse(permissionRefusal(ctx, 'assessment:confirm', team));
      const p = signingPrincipal(ctx);
      const decidable = (current: AssessmentTable): AssessmentTable & { pending_tier: number } => {
        refuse(overrideDecisionRefusal(ctx, team, current));
        return current as AssessmentTable & { pending_tier: number };
      };
      // Refused before the password is asked for; checked again in the deciding transaction.
      decidable(await mustCurrent(db, useCaseId));
      const reauthenticatedWith = await signing.reauthenticate(ctx, credentials, ['risk-audit']);
      return transact(async (tx) => {
        authorize(ctx, 'assessment:confirm', await teamOf(tx, useCaseId));
        await useCases.lock(tx, useCaseId);
        const current = decidable(await mustCurrent(tx, useCaseId));
        const now = clock.now().toISOString();
        const packRow = (await repo.pack(tx, current.pack_id))!;
        const manifest: OverrideManifest = {
          subject: {
            type: 'assessment',
            id: current.id,
            useCaseId,
            policy: { id: packRow.id, digest: packRow.digest },
          },
          assessedTier: current.tier,
          tierInForce: effectiveTier(current),
          requestedTier: current.pending_tier,
          reason: current.pending_reason ?? '',
          requestedBy: current.pending_requested_by,
          decision,
          ...signerPart(
            p,
            {
              role: 'risk-audit',
              meaning: decision === 'confirmed' ? 'approve' : 'reject',
              ...(comment !== undefined ? { comment } : {}),
            },
            now,
            reauthenticatedWith,
          ),
        };
        const signed = seal(manifest, signing.signDigest);
        const cleared = {
          pending_tier: null,
          pending_reason: null,
          pending_requested_by: null,
          pending_requested_at: null,
        };
        let changes: Partial<AssessmentTable> = cleared;
        if (decision === 'confirmed') {
          // The review cadence follows the tier in force.
          const pack = policies.packOf(packRow);
          const days = pack.tiers.find((t) => t.tier === current.pending_tier)!.reviewEveryDays;
          changes = {
            ...cleared,
            override_tier: current.pending_tier,
            override_reason: current.pending_reason,
            override_requested_by: current.pending_requested_by,
            override_requested_at: current.pending_requested_at,
            override_confirmed_by: actorId(ctx),
            override_confirmed_at: now,
            override_signature: JSON.stringify(signed),
            review_by: new Date(Date.parse(current.created_at) + days * 86_400_000).toISOString().slice(0, 10),
          };
        }
        await repo.updateAssessment(tx, current.id, changes);
        const after = await toAssessment(tx, { ...current, ...changes });
        await audit.append(tx, ctx, {
          action: `assessment.override-${decision === 'confirmed' ? 'confirm' : 'reject'}`,
          subject: { type: 'use-case', id: useCaseId },
          before: await toAssessment(tx, current),
          after: { ...after, signature: signed },
        });
        return after;
      });
    },

    async overdue(): Promise<Assessment[]> {
      return Promise.all(
        (await repo.currentAssessments(db, { reviewBefore: today() })).map((r) => toAssessment(db, r)),
      );
    },

    async all(): Promise<Assessment[]> {
      return Promise.all((await repo.currentAssessments(db)).map((r) => toAssessment(db, r)));
    },

    /**
     * What a use case must satisfy under the pack it was assessed under: each measure, where it
     * comes from, its step, and its status from the recorded evidence. (A version's requirements,
     * which also count its signatures, come from the lifecycle.)
     */
    async requirements(useCaseId: string) {
      await teamOf(db, useCaseId);
      const current = await repo.currentAssessment(db, useCaseId);
      if (!current) return { assessed: false as const, requirements: [] };
      const assessment = await toAssessment(db, current);
      const row = (await repo.pack(db, current.pack_id))!;
      const pack = policies.packOf(row);
      const records = await evidence.forUseCase(db, useCaseId, current.id, assessment.tier);
      const measures = requiredMeasures(
        pack,
        { tier: assessment.tier, tags: assessment.tags },
        assessment.answers,
        today(),
      );
      const byId = new Map(pack.measures.map((m) => [m.id, m]));
      const waived = new Map(((await waivers?.(db, useCaseId)) ?? []).map((w) => [w.measure, w]));
      return {
        assessed: true as const,
        policy: assessment.policy,
        tier: assessment.tier,
        reevaluateUnder: assessment.reevaluateUnder,
        requirements: measures.map((m) => {
          const status = withWaiver<MeasureStatus>(
            measureStatus(byId.get(m.measure)!, records, {
              acceptance: (e) => acceptanceRule(pack, assessment.tier, e),
            }),
            waived.get(m.measure),
          );
          return { ...m, evidence: byId.get(m.measure)!.evidence, ...status };
        }),
      };
    },
  };
}

export type AssessmentService = ReturnType<typeof createAssessmentService>;
