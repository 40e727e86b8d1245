import { createKeyedSerial } from '../../lib/keyed-serial.ts';
import type { Executor, Tx } from '../../db/database.ts';
import { ORGANISATION } from '../../domain/authz.ts';
import type { EvidenceRecord } from '../../domain/policy/status.ts';
import type { RecordRefusal } from '../audit/refusals.ts';
import type { Feature, FeatureDeps } from '../feature.ts';
import type { PolicyContext } from '../policy/index.ts';
import { createLifecycleCore } from './core.service.ts';
import { useCaseEvidenceRecords, useCaseSignatures, type GovernanceDeps } from './governance.service.ts';
import { lifecycleRepo } from './lifecycle.repo.ts';
import { lifecycleRoutes } from './lifecycle.routes.ts';
import { createLifecycleService, type LifecycleServiceDeps } from './lifecycle.service.ts';
import type { Signing } from '../common/signing.ts';
import { createEligibility, type EligibilityDeps } from './eligibility.service.ts';
import { createSigningService, type SigningServiceDeps } from './signing.service.ts';
import { createUseCaseLifecycle } from './use-case-lifecycle.service.ts';
import { reviewsRepo } from './reviews.repo.ts';
import { reviewRoutes } from './reviews.routes.ts';
import { createReviewService } from './reviews.service.ts';

export interface LifecycleFeatureDeps extends FeatureDeps {
  /** The use case's policy in force (from the policy feature). */
  policy: (exec: Executor, useCaseId: string) => Promise<PolicyContext | null>;
  /** The policy in force of each of several use cases, read together. */
  policies: GovernanceDeps['policies'];
  /** The versions' definitions by id (from the inventory). */
  versions: GovernanceDeps['versions'];
  /** Takes the version's row lock (from the inventory). */
  lock: (tx: Tx, model: string, version: number) => Promise<void>;
  /** The versions' evidence rows and records (from the evidence feature). */
  evidence: GovernanceDeps['evidence'];
  /** The use case's ethical alignment at a tier, as evidence (from policy). */
  alignment: GovernanceDeps['alignment'];
  alignments: GovernanceDeps['alignments'];
  /** Registered dataset versions by digest with their legal regions (from the inventory). */
  datasetRegions: GovernanceDeps['datasetRegions'];
  /** Re-authenticates a signer at the moment of signing (from identity). */
  reauthenticate: Signing['reauthenticate'];
  /** Who granted a user's role in the given scopes (from identity; separation of duties). */
  grantorsOf: (exec: Executor, userId: string, role: string, scopes: string[]) => Promise<(string | null)[]>;
  signDigest: (digest: string) => string;
  /** The training gate alone, for asking whether someone could sign before they type a password (from trainings). */
  trainingGate: EligibilityDeps['trainingGate'];
  /** Active people holding a role in the given scopes (from identity; who can sign instead). */
  roleHolders: EligibilityDeps['holders'];
  registrationChecks: LifecycleServiceDeps['registrationChecks'];
  recordDocument: SigningServiceDeps['recordDocument'];
  /** Reasons from outside the lifecycle why a version may not run now (human-oversight suspensions). */
  holds: NonNullable<LifecycleServiceDeps['holds']>;
  /** Writes refused signatures (separation of duties) to the audit trail. */
  refused?: RecordRefusal;
  /** Blocking findings and valid waivers of a version (from the findings feature). */
  outside?: GovernanceDeps['outside'];
  useCaseWaivers?: GovernanceDeps['useCaseWaivers'];
}

/** The governed lifecycle: processes and gates, electronic signatures, promotions, deployments, tasks. */
export function createLifecycleFeature(deps: LifecycleFeatureDeps) {
  const governance: GovernanceDeps = {
    repo: lifecycleRepo,
    versions: deps.versions,
    policy: deps.policy,
    policies: deps.policies,
    evidence: deps.evidence,
    alignment: deps.alignment,
    alignments: deps.alignments,
    datasetRegions: deps.datasetRegions,
    reviews: (exec, subjectId) => reviewsRepo.ofSubject(exec, subjectId),
    reviewsOf: (exec, subjectIds) => reviewsRepo.ofSubjects(exec, subjectIds),
    today: () => deps.clock.now().toISOString().slice(0, 10),
    ...(deps.outside ? { outside: deps.outside } : {}),
    ...(deps.useCaseWaivers ? { useCaseWaivers: deps.useCaseWaivers } : {}),
  };
  const { db, transact, audit, clock, ids, events, lock } = deps;
  // One queue per process for every command that takes a version's or use case's row lock.
  const serially = createKeyedSerial();
  const base = { db, transact, audit, clock, ids, repo: lifecycleRepo, governance, events };
  const core = createLifecycleCore(base);
  const lifecycle = createLifecycleService({
    ...base,
    core,
    lock,
    serially,
    events,
    registrationChecks: deps.registrationChecks,
    holds: deps.holds,
  });
  const useCases = createUseCaseLifecycle({
    ...base,
    core,
    versionsChanged: (tx, ctx, id) => lifecycle.versionsChanged(tx, ctx, id),
  });
  const { reauthenticate } = deps;
  const grantors = (exec: Executor, userId: string, role: string, team: string) =>
    deps.grantorsOf(exec, userId, role, [team, ORGANISATION]);
  const eligibility = createEligibility({
    db,
    repo: lifecycleRepo,
    governance,
    core,
    grantors,
    trainingGate: deps.trainingGate,
    holders: deps.roleHolders,
  });
  const signing = createSigningService({
    useCaseSigned: (tx, id, signer, role) => useCases.signed(tx, id, signer, role),
    ...base,
    core,
    lock,
    serially,
    events,
    reauthenticate,
    signDigest: deps.signDigest,
    ...(deps.recordDocument ? { recordDocument: deps.recordDocument } : {}),
    ...(deps.refused ? { refused: deps.refused } : {}),
    grantors,
    whoCanSign: eligibility.whoCanSign,
    whoCanSignUseCase: eligibility.whoCanSignUseCase,
  });
  const reviews = createReviewService({
    ...base,
    core,
    lock,
    serially,
    reviews: reviewsRepo,
    reauthenticate,
    signDigest: deps.signDigest,
    versionChanged: (tx, ctx, versionId) => lifecycle.evidenceChanged(tx, ctx, versionId),
    useCaseChanged: (tx, ctx, useCaseId) => lifecycle.versionsChanged(tx, ctx, useCaseId),
    signers: eligibility,
    ...(deps.refused ? { refused: deps.refused } : {}),
  });
  const services = {
    lifecycle,
    signing,
    useCases,
    reviews,
    createTasks: core.createSubjectTasks,
    /** Marks open tasks done (a feature settling the work its tasks asked for). */
    closeTasks: (tx: Tx, ids: string[], by: string | null, at: string) =>
      lifecycleRepo.closeTasks(tx, ids, by, at, 'done'),
    /** A version's owner (id, use case, team) by name, and its names by id. */
    owner: (exec: Executor, model: string, version: number) => lifecycleRepo.owner(exec, model, version),
    names: (exec: Executor, versionId: string) => lifecycleRepo.names(exec, versionId),
    /** Whether a version is governed (its use case assessed), and where it is deployed. */
    governed: (exec: Executor, versionId: string) => lifecycleRepo.governed(exec, versionId),
    /** A use case's documents with their content (for generated documents that quote them). */
    useCaseDocuments: (exec: Executor, useCaseId: string) => lifecycleRepo.useCaseDocuments(exec, useCaseId),
    /** Tasks for the notifications feature: read one, assign it, and what their subjects are called. */
    tasks: {
      get: (exec: Executor, id: string) => lifecycleRepo.task(exec, id),
      assign: (tx: Tx, id: string, to: { id: string; username: string } | null, at: string) =>
        lifecycleRepo.assignTask(tx, id, to, at),
      subjects: async (exec: Executor, ids: string[]) =>
        new Map(
          [...(await lifecycleRepo.subjectNames(exec, ids))].map(([id, n]) => [
            id,
            n.model
              ? {
                  label: `${n.model} v${n.version}`,
                  link: `/models/${encodeURIComponent(n.model)}/versions/${n.version}?tab=Governance`,
                }
              : { label: n.useCase ?? 'use case', link: `/use-cases/${id}` },
          ]),
        ),
    },
    activeDeployments: (...args: Parameters<typeof lifecycleRepo.activeDeployments>) =>
      lifecycleRepo.activeDeployments(...args),
    /** The versions of these models deployed somewhere now. */
    deployedVersionsOf: (exec: Executor, modelIds: string[]) => lifecycleRepo.deployedVersionsOf(exec, modelIds),
  };
  return {
    services,
    routes: (api) => {
      lifecycleRoutes(api, { lifecycle, signing, useCases, eligibility });
      reviewRoutes(api, reviews);
    },
    on: (bus) => {
      // New evidence may make approvals stale: re-review tasks, promotions re-decided.
      bus.on('evidence.recorded', (tx, { ctx, versionId }) => lifecycle.evidenceChanged(tx, ctx, versionId));
      // A new version of a governed model enters its process.
      bus.on('version.created', (tx, { ctx, version }) => lifecycle.versionCreated(tx, ctx, version));
      // An alias serving an environment moves only where a promotion there would be allowed.
      bus.on('alias.moving', (tx, { ctx, model, alias, version }) =>
        lifecycle.aliasMove(tx, ctx, model, alias, version),
      );
      // An alignment with the ethical position may meet ai-policy: blocked promotions are re-decided.
      bus.on('use-case.aligned', (tx, { ctx, useCaseId }) => lifecycle.versionsChanged(tx, ctx, useCaseId));
      // A finding or an exception changed what a gate weighs: promotions are re-decided.
      bus.on('requirements.changed', (tx, { ctx, subject }) =>
        subject.type === 'model-version'
          ? lifecycle.evidenceChanged(tx, ctx, subject.id)
          : lifecycle.versionsChanged(tx, ctx, subject.useCaseId),
      );
      bus.on('use-case.assessed', async (tx, { ctx, useCaseId }) => {
        await useCases.assessed(tx, ctx, useCaseId);
        await lifecycle.useCaseAssessed(tx, ctx, useCaseId);
      });
      // A requirement that took effect or lapsed changes what every version of the use case needs.
      bus.on('regulation.changed', (tx, { ctx, useCaseId }) => lifecycle.versionsChanged(tx, ctx, useCaseId));
    },
  } satisfies Feature<typeof services>;
}

export type LifecycleServices = ReturnType<typeof createLifecycleFeature>['services'];

/** The use case's own evidence (documents, valid approvals) under an assessment, for the policy feature. */
export async function useCaseEvidence(
  exec: Executor,
  useCaseId: string,
  assessmentId: string,
): Promise<EvidenceRecord[]> {
  const [documents, signatures, reviews] = await Promise.all([
    lifecycleRepo.useCaseDocuments(exec, useCaseId),
    lifecycleRepo.signatures(exec, useCaseId),
    reviewsRepo.ofSubject(exec, useCaseId),
  ]);
  return useCaseEvidenceRecords(documents, useCaseSignatures(signatures, { assessmentId }), reviews);
}

/** The services other features are given (a narrowed view is picked where they are wired). */
export type LifecycleFeature = LifecycleServices;
