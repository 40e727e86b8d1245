import type { Executor } from '../../db/database.ts';
import { ORGANISATION } from '../../domain/authz.ts';
import type { PolicyPack } from '../../domain/policy/pack.schema.ts';
import type { EvidenceRecord } from '../../domain/policy/status.ts';
import type { PasswordGuard } from '../identity/password-guard.ts';
import type { RecordRefusal } from '../audit/refusals.ts';
import type { App } from '../../http/app-types.ts';
import type { CommandDeps } from '../common/deps.ts';
import { evidenceRepo } from '../evidence/evidence.repo.ts';
import { identityRepo } from '../identity/identity.repo.ts';
import { effectiveTier } from '../policy/assessments.service.ts';
import { policyRepo } from '../policy/policy.repo.ts';
import { versionRepo } from '../versions/versions.repo.ts';
import { createLifecycleCore } from './core.ts';
import type { GovernanceDeps, PolicyContext } from './governance.ts';
import { lifecycleRepo } from './lifecycle.repo.ts';
import { lifecycleRoutes } from './lifecycle.routes.ts';
import { createLifecycleService, type LifecycleServiceDeps } from './lifecycle.service.ts';
import { createReauthenticator } from './reauth.ts';
import { createSigningService, type SigningServiceDeps } from './signing.service.ts';
import { createUseCaseLifecycle } from './use-case-lifecycle.service.ts';

/** The governed lifecycle: processes and gates, electronic signatures, promotions, deployments, tasks. */
export function createLifecycleFeature(
  deps: CommandDeps & {
    evaluationRecords: (exec: Executor, versionId: string) => Promise<EvidenceRecord[]>;
    passwords: PasswordGuard;
    signDigest: (digest: string) => string;
    registrationChecks: LifecycleServiceDeps['registrationChecks'];
    recordDocument: SigningServiceDeps['recordDocument'];
    holds?: LifecycleServiceDeps['holds'];
    /** Writes refused signatures (separation of duties) to the audit trail. */
    refused?: RecordRefusal;
    /** A version was signed (after commit): its record shows its signatures. */
    signed?: (model: string) => Promise<void>;
  },
) {
  const packs = new Map<string, PolicyPack>();
  const governance: GovernanceDeps = {
    repo: lifecycleRepo,
    version: (exec, model, version) => versionRepo.get(exec, model, version),
    async policy(exec, useCaseId): Promise<PolicyContext | null> {
      const a = await policyRepo.currentAssessment(exec, useCaseId);
      if (!a) return null;
      let pack = packs.get(a.pack_id);
      if (!pack)
        packs.set(a.pack_id, (pack = JSON.parse((await policyRepo.pack(exec, a.pack_id))!.content) as PolicyPack));
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
    },
    evidence: { rows: (exec, id) => evidenceRepo.ofVersion(exec, id), records: deps.evaluationRecords },
    today: () => deps.clock.now().toISOString().slice(0, 10),
  };
  const base = {
    db: deps.db,
    transact: deps.transact,
    audit: deps.audit,
    clock: deps.clock,
    ids: deps.ids,
    repo: lifecycleRepo,
    governance,
  };
  const core = createLifecycleCore(base);
  const lock = (tx: Parameters<typeof versionRepo.lock>[0], model: string, version: number) =>
    versionRepo.lock(tx, model, version);
  const lifecycle = createLifecycleService({
    ...base,
    core,
    lock,
    registrationChecks: deps.registrationChecks,
    ...(deps.holds ? { holds: deps.holds } : {}),
  });
  const useCases = createUseCaseLifecycle({
    ...base,
    core,
    versionsChanged: (tx, ctx, id) => lifecycle.versionsChanged(tx, ctx, id),
  });
  const reauthenticate = createReauthenticator({ db: deps.db, repo: identityRepo, passwords: deps.passwords });
  const signing = createSigningService({
    useCaseSigned: (tx, id, signer, role) => useCases.signed(tx, id, signer, role),
    ...base,
    core,
    lock,
    reauthenticate,
    signDigest: deps.signDigest,
    ...(deps.recordDocument ? { recordDocument: deps.recordDocument } : {}),
    ...(deps.refused ? { refused: deps.refused } : {}),
    grantors: (exec, userId, role, team) => identityRepo.grantorsOf(exec, userId, role, [team, ORGANISATION]),
  });
  // The version record lists its signatures: a cached read of it must not outlive a new one.
  const sign = signing.sign.bind(signing);
  signing.sign = async (ctx, model, version, input, credentials, ifMatch) => {
    const view = await sign(ctx, model, version, input, credentials, ifMatch);
    await deps.signed?.(model);
    return view;
  };
  return {
    lifecycle,
    signing,
    useCases,
    governance,
    createTasks: core.createSubjectTasks,
    reauthenticate,
    routes: (app: App) => lifecycleRoutes(app, { lifecycle, signing, useCases }),
  };
}

export type LifecycleFeature = ReturnType<typeof createLifecycleFeature>;
