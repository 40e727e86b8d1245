import { systemContext } from '../../context.ts';
import type { Executor } from '../../db/database.ts';
import { independentRoles } from '../../domain/policy/independence.ts';
import { ConditionSchema, type PolicyPack } from '../../domain/policy/pack.schema.ts';
import type { PolicyPackTable } from '../../db/schema.ts';
import type { EvidenceRecord, Waiver } from '../../domain/policy/status.ts';
import { validatePack } from '../../domain/policy/validate.ts';
import type { RecordRefusal } from '../audit/refusals.ts';
import type { Signing } from '../common/signing.ts';
import type { Feature, FeatureDeps } from '../feature.ts';
import { createAssessmentService, effectiveTier } from './assessments.service.ts';
import { createPolicyContextReader } from './context.service.ts';
import { alignmentRecord, alignmentRecords, createEthicsService } from './ethics.service.ts';
import { DEFAULT_PACK_FILE, readPackFile } from './pack-file.ts';
import { policyRepo } from './policy.repo.ts';
import { assessmentRoutes, policyRoutes } from './policy.routes.ts';
import { createPolicyService } from './policy.service.ts';

export interface PolicyFeatureDeps extends FeatureDeps {
  useCases: Parameters<typeof createAssessmentService>[0]['useCases'] & {
    withVersions: Parameters<typeof createPolicyService>[0]['inventory']['useCases'];
  };
  /** The use case's own evidence (documents, sign-offs) under its current assessment. */
  useCaseEvidence: (exec: Executor, useCaseId: string, assessmentId: string) => Promise<EvidenceRecord[]>;
  /** Re-authentication (from identity) and the server key: activations and override confirmations are e-signatures. */
  signing: Signing;
  /** Writes refused governance changes (separation of duties) to the audit trail. */
  refused?: RecordRefusal;
  /** Valid waivers of a use case's measures (from the findings feature). */
  waivers?: (exec: Executor, useCaseId: string) => Promise<Waiver[]>;
}

/** Governance policy as code: packs, risk assessments, the ethical position. */
export function createPolicyFeature(deps: PolicyFeatureDeps) {
  const { useCases, useCaseEvidence, signing, refused, ...rest } = deps;
  const base = { ...rest, repo: policyRepo };
  const policies = createPolicyService({
    ...base,
    inventory: { useCases: useCases.withVersions },
    signing,
    ...(refused ? { refused } : {}),
  });
  const assessments = createAssessmentService({
    ...base,
    ...(deps.waivers ? { waivers: deps.waivers } : {}),
    signing,
    policies,
    useCases,
    evidence: {
      // The use case's documents and sign-offs, and its ethical alignment at the tier in force.
      forUseCase: async (exec, useCaseId, assessmentId, tier) => [
        ...(await useCaseEvidence(exec, useCaseId, assessmentId)),
        await alignmentRecord(policyRepo, exec, useCaseId, tier),
      ],
    },
  });
  const ethics = createEthicsService({
    ...base,
    useCases,
    tierOf: async (db, id) => {
      const current = await policyRepo.currentAssessment(db, id);
      return current ? effectiveTier(current) : null;
    },
  });
  const contexts = createPolicyContextReader(policyRepo);
  const services = {
    policies,
    assessments,
    ethics,
    /** The policy in force for a use case (its current assessment and pack). */
    context: contexts.read,
    /** The policy in force for each of several use cases, read together, by use case id. */
    contexts: contexts.readMany,
    /** The use case's current assessment row, if it was assessed. */
    currentAssessment: (exec: Executor, useCaseId: string) => policyRepo.currentAssessment(exec, useCaseId),
    /** The use case's alignment with the current ethical position, as evidence, at the given tier. */
    alignment: (exec: Executor, useCaseId: string, tier: number | null) =>
      alignmentRecord(policyRepo, exec, useCaseId, tier),
    /** The same for several use cases at the tiers given, read together, by use case id. */
    alignments: (exec: Executor, cases: { useCaseId: string; tier: number | null }[]) =>
      alignmentRecords(policyRepo, exec, cases),
    /** The EU AI Act category of the use case's current assessment, or null when not assessed. */
    euAiAct: async (exec: Executor, useCaseId: string) =>
      (await policyRepo.currentAssessment(exec, useCaseId))?.eu_ai_act ?? null,
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
  return {
    services,
    schemas: [structuredClone(ConditionSchema)],
    routes: (api) => {
      policyRoutes(api, services);
      assessmentRoutes(api, services);
    },
  } satisfies Feature<typeof services>;
}

export type PolicyServices = ReturnType<typeof createPolicyFeature>['services'];
export type { PolicyContext } from './context.service.ts';

/** Reads of the policy packs other features need before the policy feature is built. */
export const policyReaders = {
  /** The roles any stored pack requires to sign off independently of the work (four eyes on granting them). */
  independentRoles: async (exec: Executor) => independentRoles(await policyRepo.packContents(exec)),
  /** The active pack (trainings read it to gate signatures), or undefined before any is installed. */
  activePack: async (exec: Executor) => packRef(await policyRepo.activePack(exec)),
  /** A stored pack by id. */
  pack: async (exec: Executor, id: string) => packRef(await policyRepo.pack(exec, id)),
  /** Use cases with a current assessment: the tier in force and when it was assessed (attestation cadence). */
  currentAssessments: async (exec: Executor) =>
    (await policyRepo.currentAssessments(exec)).map((a) => ({
      useCaseId: a.use_case_id,
      tier: effectiveTier(a),
      assessedAt: a.created_at,
    })),
};

function packRef(row: PolicyPackTable | undefined) {
  if (!row) return undefined;
  const pack = JSON.parse(row.content) as PolicyPack;
  return {
    id: row.id,
    name: row.name,
    version: row.version,
    digest: row.digest,
    status: row.status,
    trainings: pack.trainings,
  };
}
