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
 * Reads use cases' policy contexts: `read` one, `readMany` several together (one statement for
 * their assessments). Packs are immutable once stored, so each is parsed once per process and kept.
 */
export function createPolicyContextReader(repo: Pick<PolicyRepo, 'currentAssessmentsOf' | 'pack'>) {
  const packs = new Map<string, PolicyPack>();
  async function readMany(exec: Executor, useCaseIds: string[]): Promise<Map<string, PolicyContext | null>> {
    const assessments = await repo.currentAssessmentsOf(exec, useCaseIds);
    const out = new Map<string, PolicyContext | null>();
    for (const id of useCaseIds) {
      const a = assessments.get(id);
      if (!a) {
        out.set(id, null);
        continue;
      }
      let pack = packs.get(a.pack_id);
      if (!pack) packs.set(a.pack_id, (pack = JSON.parse((await repo.pack(exec, a.pack_id))!.content) as PolicyPack));
      out.set(id, {
        assessmentId: a.id,
        packId: a.pack_id,
        pack,
        name: pack.name,
        version: pack.version,
        tier: effectiveTier(a),
        tags: JSON.parse(a.tags) as string[],
        answers: JSON.parse(a.answers) as PolicyContext['answers'],
        reevaluateUnder: a.reevaluate_under,
      });
    }
    return out;
  }
  return {
    read: async (exec: Executor, useCaseId: string) => (await readMany(exec, [useCaseId])).get(useCaseId)!,
    readMany,
  };
}

export type PolicyContextReader = ReturnType<typeof createPolicyContextReader>['read'];
