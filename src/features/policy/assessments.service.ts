import type { RequestContext } from '../../context.ts';
import { actorId } from '../../context.ts';
import type { Executor } from '../../db/database.ts';
import type { AssessmentTable } from '../../db/schema.ts';

import { checkAnswers, classify, requiredMeasures, type Answers, type RuleFiring } from '../../domain/policy/evaluate.ts';
import { measureStatus, type EvidenceRecord, type MeasureStatus } from '../../domain/policy/status.ts';
import { DomainError, notFound } from '../../errors.ts';
import { authorize } from '../common/authorize.ts';
import type { CommandDeps } from '../common/deps.ts';
import type { PolicyRepo } from './policy.repo.ts';
import type { PolicyService } from './policy.service.ts';

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
  override: null | { tier: number; reason: string; status: string; requestedBy: string | null; requestedAt: string; decidedBy: string | null; decidedAt: string | null };
  createdAt: string;
  createdBy: string | null;
}

export interface AssessmentServiceDeps extends CommandDeps {
  repo: PolicyRepo;
  policies: Pick<PolicyService, 'active' | 'packOf'>;
  useCases: { teamOf(db: Executor, id: string): Promise<string | undefined> };
  /** Evidence recorded for a use case or a model version (evidence and lifecycle features fill this in). */
  evidence: { forUseCase(db: Executor, useCaseId: string): Promise<EvidenceRecord[]>; forVersion(db: Executor, versionId: string): Promise<EvidenceRecord[]> };
}

export function createAssessmentService({ db, transact, audit, clock, ids, repo, policies, useCases, evidence }: AssessmentServiceDeps) {
  const today = () => clock.now().toISOString().slice(0, 10);

  async function toAssessment(exec: Executor, r: AssessmentTable): Promise<Assessment> {
    const pack = await repo.pack(exec, r.pack_id);
    const confirmed = r.override_status === 'confirmed' && r.override_tier !== null;
    return {
      id: r.id,
      useCaseId: r.use_case_id,
      policy: { id: r.pack_id, name: pack?.name ?? '?', version: pack?.version ?? '?' },
      answers: JSON.parse(r.answers) as Answers,
      assessedTier: r.tier,
      tier: confirmed ? r.override_tier! : r.tier,
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
          : { tier: r.override_tier, reason: r.override_reason ?? '', status: r.override_status ?? 'pending', requestedBy: r.override_requested_by, requestedAt: r.override_requested_at ?? '', decidedBy: r.override_decided_by, decidedAt: r.override_decided_at },
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
    if (!current) throw new DomainError('conflict', `use case '${useCaseId}' has not been assessed yet: PUT its assessment first`);
    return current;
  }

  return {
    /** Answers the questionnaire under the active pack; the previous assessment stays in the history. */
    async assess(ctx: RequestContext, useCaseId: string, answers: Answers): Promise<Assessment> {
      return transact(async (tx) => {
        authorize(ctx, 'assessment:write', await teamOf(tx, useCaseId));
        const { row, pack } = await policies.active(tx);
        const problems = checkAnswers(pack, answers);
        if (problems.length > 0) {
          throw new DomainError('validation_failed', `the answers do not fit policy pack ${pack.name} ${pack.version}: ${problems.map((p) => `${p.question} ${p.message}`).join('; ')}`, {
            errors: problems.map((p) => ({ pointer: `/body/answers/${p.question}`, message: p.message })),
          });
        }
        const c = classify(pack, answers);
        const now = clock.now();
        const days = pack.tiers.find((t) => t.tier === c.tier)!.reviewEveryDays;
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
          override_tier: null,
          override_reason: null,
          override_status: null,
          override_requested_by: null,
          override_requested_at: null,
          override_decided_by: null,
          override_decided_at: null,
          created_at: now.toISOString(),
          created_by: actorId(ctx),
        };
        const previous = await repo.currentAssessment(tx, useCaseId);
        await repo.insertAssessment(tx, record);
        const assessment = await toAssessment(tx, record);
        await audit.append(tx, ctx, {
          action: 'assessment.create',
          subject: { type: 'use-case', id: useCaseId },
          before: previous ? await toAssessment(tx, previous) : null,
          after: assessment,
        });
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
        await repo.lockCurrent(tx, useCaseId);
        const current = await mustCurrent(tx, useCaseId);
        if (current.override_status === 'pending') throw new DomainError('conflict', 'an override is already pending for this assessment: confirm or reject it first');
        const changes = { override_tier: tier, override_reason: reason, override_status: 'pending', override_requested_by: actorId(ctx), override_requested_at: clock.now().toISOString(), override_decided_by: null, override_decided_at: null };
        await repo.updateAssessment(tx, current.id, changes);
        const after = await toAssessment(tx, { ...current, ...changes });
        await audit.append(tx, ctx, { action: 'assessment.override-request', subject: { type: 'use-case', id: useCaseId }, before: await toAssessment(tx, current), after });
        return after;
      });
    },

    /** A risk-audit user other than the requester confirms or rejects a pending override. */
    async decideOverride(ctx: RequestContext, useCaseId: string, decision: 'confirmed' | 'rejected'): Promise<Assessment> {
      return transact(async (tx) => {
        authorize(ctx, 'assessment:confirm', await teamOf(tx, useCaseId));
        await repo.lockCurrent(tx, useCaseId);
        const current = await mustCurrent(tx, useCaseId);
        if (current.override_status !== 'pending') throw new DomainError('conflict', 'no override is pending for this assessment');
        if (current.override_requested_by !== null && current.override_requested_by === actorId(ctx)) {
          throw new DomainError('forbidden', 'the requester of an override cannot decide it: another risk-audit user must');
        }
        const changes = { override_status: decision, override_decided_by: actorId(ctx), override_decided_at: clock.now().toISOString() };
        await repo.updateAssessment(tx, current.id, changes);
        const after = await toAssessment(tx, { ...current, ...changes });
        await audit.append(tx, ctx, { action: `assessment.override-${decision === 'confirmed' ? 'confirm' : 'reject'}`, subject: { type: 'use-case', id: useCaseId }, before: await toAssessment(tx, current), after });
        return after;
      });
    },

    async overdue(): Promise<Assessment[]> {
      return Promise.all((await repo.currentAssessments(db, { reviewBefore: today() })).map((r) => toAssessment(db, r)));
    },

    async all(): Promise<Assessment[]> {
      return Promise.all((await repo.currentAssessments(db)).map((r) => toAssessment(db, r)));
    },

    /**
     * What a use case (or one of its model versions) must satisfy under the pack it was assessed
     * under: each measure, where it comes from, its step, and its status from the recorded evidence.
     */
    async requirements(useCaseId: string, version?: { id: string; artifactDigest: string | null; createdBy: string | null }) {
      await teamOf(db, useCaseId);
      const current = await repo.currentAssessment(db, useCaseId);
      if (!current) return { assessed: false as const, requirements: [] };
      const assessment = await toAssessment(db, current);
      const row = (await repo.pack(db, current.pack_id))!;
      const pack = policies.packOf(row);
      const records = version ? await evidence.forVersion(db, version.id) : await evidence.forUseCase(db, useCaseId);
      const measures = requiredMeasures(pack, { tier: assessment.tier, tags: assessment.tags }, assessment.answers, today());
      const byId = new Map(pack.measures.map((m) => [m.id, m]));
      return {
        assessed: true as const,
        policy: assessment.policy,
        tier: assessment.tier,
        reevaluateUnder: assessment.reevaluateUnder,
        requirements: measures.map((m) => {
          const status: MeasureStatus = measureStatus(byId.get(m.measure)!, records, { artifactDigest: version?.artifactDigest ?? null, creators: version?.createdBy ? [version.createdBy] : [] });
          return { ...m, evidence: byId.get(m.measure)!.evidence, ...status };
        }),
      };
    },
  };
}

export type AssessmentService = ReturnType<typeof createAssessmentService>;
