import type { Clock } from '../../clock.ts';
import { systemContext } from '../../context.ts';
import type { Db, Tx } from '../../db/database.ts';
import type { RequestContext } from '../../context.ts';
import type { Transact } from '../../db/transact.ts';
import type { EvidenceRecord } from '../../domain/policy/status.ts';
import { validatePack } from '../../domain/policy/validate.ts';
import type { App } from '../../http/app-types.ts';
import type { IdSource } from '../../lib/ids.ts';
import type { AuditAppender } from '../audit/audit.service.ts';
import { useCaseRepo } from '../use-cases/use-cases.repo.ts';
import { createAssessmentService, effectiveTier } from './assessments.service.ts';
import { createEthicsService } from './ethics.service.ts';
import { DEFAULT_PACK_FILE, readPackFile } from './pack-file.ts';
import { policyRepo } from './policy.repo.ts';
import { assessmentRoutes, policyRoutes } from './policy.routes.ts';
import { createPolicyService } from './policy.service.ts';

export function createPolicyFeature(deps: {
  db: Db;
  transact: Transact;
  audit: AuditAppender;
  clock: Clock;
  ids: IdSource;
  assessed?: (tx: Tx, ctx: RequestContext, useCaseId: string) => Promise<void>;
}) {
  const { assessed, ...rest } = deps;
  const base = { ...rest, repo: policyRepo };
  // Evidence is recorded per model version; a use case's list says what applies to its versions.
  const evidence = { forUseCase: async (): Promise<EvidenceRecord[]> => [] };
  const policies = createPolicyService({ ...base, inventory: { useCases: useCaseRepo.withVersions } });
  const assessments = createAssessmentService({
    ...base,
    policies,
    useCases: useCaseRepo,
    evidence,
    ...(assessed ? { assessed } : {}),
  });
  const ethics = createEthicsService({
    ...base,
    useCases: useCaseRepo,
    tierOf: async (db, id) => {
      const current = await policyRepo.currentAssessment(db, id);
      return current ? effectiveTier(current) : null;
    },
  });
  return {
    policies,
    assessments,
    ethics,
    /** On a database without any pack, install the shipped default pack as the active one. */
    async installDefaultPack(): Promise<void> {
      const { doc, problems } = readPackFile(DEFAULT_PACK_FILE);
      const { pack, problems: invalid } = validatePack(doc);
      if (!pack)
        throw new Error(
          `the shipped default policy pack is invalid: ${JSON.stringify([...problems, ...invalid].slice(0, 5))}`,
        );
      try {
        await policies.installDefault(systemContext('bootstrap'), pack);
      } catch (err) {
        // Another replica installed it first.
        if ((await policies.list()).length === 0) throw err;
      }
    },
  };
}

export type PolicyFeature = ReturnType<typeof createPolicyFeature>;

/** Version requirements are served by the lifecycle, which also counts signatures. */
export function policyFeatureRoutes(app: App, feature: PolicyFeature): void {
  policyRoutes(app, feature);
  assessmentRoutes(app, feature);
}
