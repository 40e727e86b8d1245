import type { Executor } from '../../db/database.ts';
import type { Answers } from '../../domain/policy/evaluate.ts';
import type { PolicyPack } from '../../domain/policy/pack.schema.ts';
import { effectiveTier } from './assessments.service.ts';
import type { PolicyRepo } from './policy.repo.ts';

/** The policy in force for a use case: its current assessment and the pack it was made under. */
export interface PolicyContext {
  /** The use case's current assessment. */
  assessmentId: string;
  packId: string;
  pack: PolicyPack;
  name: string;
  version: string;
  tier: number;
  tags: string[];
  answers: Answers;
  /** A newer pack the use case should be re-assessed under, if any. */
  reevaluateUnder: string | null;
}

/**
 * Reads a use case's policy context. Packs are immutable once stored, so each is parsed once per
 * process and kept.
 */
export function createPolicyContextReader(repo: Pick<PolicyRepo, 'currentAssessment' | 'pack'>) {
  const packs = new Map<string, PolicyPack>();
  return async (exec: Executor, useCaseId: string): Promise<PolicyContext | null> => {
    const a = await repo.currentAssessment(exec, useCaseId);
    if (!a) return null;
    let pack = packs.get(a.pack_id);
    if (!pack) packs.set(a.pack_id, (pack = JSON.parse((await repo.pack(exec, a.pack_id))!.content) as PolicyPack));
    return {
      assessmentId: a.id,
      packId: a.pack_id,
      pack,
      name: pack.name,
      version: pack.version,
      tier: effectiveTier(a),
      tags: JSON.parse(a.tags) as string[],
      answers: JSON.parse(a.answers) as PolicyContext['answers'],
      reevaluateUnder: a.reevaluate_under,
    };
  };
}

export type PolicyContextReader = ReturnType<typeof createPolicyContextReader>;
