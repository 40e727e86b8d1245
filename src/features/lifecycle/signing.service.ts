import { createHash } from 'node:crypto';
import type { Emit } from '../../events.ts';
import type { RequestContext } from '../../context.ts';
import { actorId } from '../../context.ts';
import type { Executor, Tx } from '../../db/database.ts';
import type { PromotionTable } from '../../db/schema.ts';
import { ORGANISATION, type Principal } from '../../domain/authz.ts';
import { canonicalDigest, canonicalize } from '../../domain/jcs.ts';
import type { Blocker } from '../../domain/lifecycle/gate.ts';
import type { Meaning, Reauthentication, SignatureManifest, UseCaseManifest } from '../../domain/lifecycle/manifest.ts';
import type { Environment } from '../../domain/lifecycle/process.ts';
import { DomainError, notFound } from '../../errors.ts';
import { authorize } from '../common/authorize.ts';
import { useCaseKey, versionKey, type LifecycleCore, type LifecycleDeps } from './core.service.ts';
import type { Serially } from '../../lib/keyed-serial.ts';
import { useCaseSignatures, type SignatureView } from './governance.service.ts';
import { createPromotionDecider } from './promotions.service.ts';
import type { RecordRefusal } from '../audit/refusals.ts';
import { independenceRefusal, insteadOf, useCaseIndependenceRefusal, type Eligibility } from './eligibility.service.ts';

export const DEPLOYMENT_MODES = ['single', 'replicated', 'shadow', 'challenger', 'batch'] as const;
export type DeploymentMode = (typeof DEPLOYMENT_MODES)[number];

import type { Signing, SigningCredentials } from '../common/signing.ts';
export type { SigningCredentials };

export interface SigningServiceDeps extends LifecycleDeps {
  events: Emit;
  core: LifecycleCore;
  lock(tx: Tx, model: string, version: number): Promise<void>;
  /** Queues commands on one record in memory before they take a connection (see `createKeyedSerial`). */
  serially: Serially;
  /** The training gate, then re-authentication (see `Signing`). */
  reauthenticate: Signing['reauthenticate'];
  signDigest(digest: string): string;
  /** After a use-case signature: the use case's met sign-off tasks are closed. */
  useCaseSigned?: (tx: Tx, useCaseId: string, signerId: string, role: string) => Promise<void>;
  /** Who granted the assignments through which a user holds a role in a team (or organisation-wide). */
  grantors?: (exec: Executor, userId: string, role: string, team: string) => Promise<(string | null)[]>;
  /** Writes a refused signature to the audit trail, outside the command's rolled-back transaction. */
  refused?: RecordRefusal;
  /** Who could give a refused sign-off instead (named in the refusal). */
  whoCanSign?: Eligibility['whoCanSign'];
  whoCanSignUseCase?: Eligibility['whoCanSignUseCase'];
  /** Records a document as evidence of a version, in the caller's transaction. */
  recordDocument?: (
    tx: Tx,
    ctx: RequestContext,
    model: string,
    version: number,
    doc: { kind: string; title: string; content?: string },
  ) => Promise<unknown>;
}

export interface Promotion {
  id: string;
  model: string;
  version: number;
  environment: string;
  reason: string;
  mode: string;
  status: 'pending' | 'blocked' | 'approved' | 'rejected' | 'completed' | 'cancelled';
  blockers: Blocker[];
  reasons: string[];
  requestedBy: string | null;
  requestedAt: string;
  decidedAt: string | null;
}

const toPromotion = (p: PromotionTable, model: string, version: number): Promotion => {
  const b = JSON.parse(p.blockers) as { blockers: Blocker[]; reasons: string[] };
  return {
    id: p.id,
    model,
    version,
    environment: p.environment,
    reason: p.reason,
    mode: p.mode,
    status: p.status as Promotion['status'],
    blockers: b.blockers,
    reasons: b.reasons,
    requestedBy: p.requested_by,
    requestedAt: p.requested_at,
    decidedAt: p.decided_at,
  };
};

export function createSigningService(deps: SigningServiceDeps) {
  const { db, transact, audit, clock, ids, repo, core, lock, reauthenticate, signDigest, serially } = deps;

  const { assess, complete, recheck } = createPromotionDecider(deps);

  /** Runs a signing command; a separation-of-duties refusal is also recorded in the audit trail. */
  async function audited<T>(
    ctx: RequestContext,
    p: Principal,
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
          account: p.username,
          subject,
          detail: { role, refusal: err.message },
        });
      throw err;
    }
  }

  /** The person signing: a token needs the sign (or write) scope, and the signer must hold the role in the owning team. */
  function signer(ctx: RequestContext, role: string, team: string): Principal {
    const p = ctx.principal;
    if (!p) throw new DomainError('forbidden', 'only a person can sign');
    if (p.scopes && !p.scopes.includes('write') && !p.scopes.includes('sign'))
      throw new DomainError(
        'forbidden',
        `a token with scopes [${p.scopes.join(', ')}] may not sign: it needs the sign (or write) scope`,
      );
    if (!p.roles.some((a) => a.role === role && (a.scope === ORGANISATION || a.scope === team))) {
      throw new DomainError(
        'forbidden',
        `${p.username} does not hold the role ${role} in team '${team}' (or organisation-wide), so cannot sign as ${role}`,
      );
    }
    return p;
  }

  const signerPart = (
    p: Principal,
    input: { role: string; meaning: Meaning; comment?: string },
    now: string,
    reauthenticatedWith: Reauthentication,
  ) => ({
    signer: { id: p.userId, username: p.username, name: p.displayName },
    role: input.role,
    meaning: input.meaning,
    comment: input.comment ?? '',
    signedAt: now,
    reauthenticatedWith,
  });

  /**
   * Stores a signature: its manifest's digest signed by the server key, deduplicated on the state
   * it covers (not on its time), and the manifest written to the audit trail.
   */
  async function record(
    tx: Tx,
    ctx: RequestContext,
    subject: { type: 'model-version' | 'use-case'; id: string },
    manifest: object,
    covered: unknown,
    step: string,
    p: Principal,
    input: { role: string; meaning: Meaning; comment?: string },
    now: string,
  ): Promise<string> {
    const canonical = canonicalize(manifest);
    const digest = `sha256:${createHash('sha256').update(canonical).digest('hex')}`;
    const coveredDigest = canonicalDigest(covered);
    const id = ids.next();
    await repo.insertSignature(tx, {
      id,
      subject_type: subject.type,
      subject_id: subject.id,
      signer_id: p.userId,
      signer_name: p.displayName,
      role: input.role,
      meaning: input.meaning,
      comment: input.comment ?? '',
      step,
      manifest: canonical,
      manifest_digest: digest,
      covered_digest: coveredDigest,
      server_signature: signDigest(digest),
      audit_seq: null,
      created_at: now,
    });
    const seq = await audit.append(tx, ctx, {
      action: 'signature.create',
      subject,
      after: { id, manifestDigest: digest, coveredDigest, manifest },
    });
    await repo.setSignatureAuditSeq(tx, id, seq);
    return id;
  }

  return {
    /**
     * Records an electronic signature: the signer re-authenticates, must hold the role they sign in,
     * and, where a measure needs independence, must not have built or authored the version. The
     * manifest binds the signature to the version's definition, evidence, requirement statuses and
     * policy pack; it is signed by the server key and written to the audit trail.
     */
    async sign(
      ctx: RequestContext,
      model: string,
      version: number,
      input: { role: string; meaning: Meaning; comment?: string; coveredDigest?: string },
      credentials: SigningCredentials,
      ifMatch?: string,
    ): Promise<SignatureView> {
      const owner = await repo.owner(db, model, version);
      if (!owner) throw notFound('model version', `${model}/${version}`);
      const p = signer(ctx, input.role, owner.team);
      const reauthenticatedWith = await reauthenticate(ctx, credentials, [input.role]);
      const subject = { type: 'model-version', id: owner.versionId };
      return audited(ctx, p, subject, input.role, () =>
        serially(versionKey(model, version), () =>
          transact(async (tx) => {
            await lock(tx, model, version);
            const g = await core.load(tx, model, version);
            await core.expectTag(tx, g, ifMatch);
            if (!g.policy || !g.covered)
              throw new DomainError(
                'conflict',
                `the use case of ${model} has no risk assessment: there is nothing to sign against yet`,
              );
            // The signer says which state they reviewed (GET .../lifecycle gives its coveredDigest); a record that changed meanwhile is not signed unseen.
            if (input.coveredDigest !== undefined && input.coveredDigest !== g.coveredDigest) {
              throw new DomainError(
                'precondition_failed',
                `${model}/${version} changed since it was reviewed (state ${input.coveredDigest}, now ${g.coveredDigest}): review it again before signing`,
                { extra: { coveredDigest: g.coveredDigest } },
              );
            }
            const sod = await independenceRefusal(tx, g, p, input, deps.grantors, `${model} v${version}`);
            if (sod) {
              const canSign = (await deps.whoCanSign?.(tx, g, p.userId, input, model, version)) ?? [];
              throw new DomainError(
                'separation_of_duties',
                `You cannot sign ${model} v${version} as ${input.role}: ${sod}. ${insteadOf(input.role, owner.team, canSign)}`,
                { extra: { role: input.role, reason: sod, canSign } },
              );
            }
            const now = clock.now().toISOString();
            const manifest: SignatureManifest = {
              subject: { type: 'model-version', id: g.owner.versionId, model, version },
              ...g.covered,
              step: g.step!,
              ...signerPart(p, input, now, reauthenticatedWith),
            };
            // Deduplicated on the covered state, not on the time: re-signing an unchanged record is one signature.
            const id = await record(
              tx,
              ctx,
              { type: 'model-version', id: g.owner.versionId },
              manifest,
              g.covered,
              g.step!,
              p,
              input,
              now,
            );
            const after = await core.load(tx, model, version);
            // A sign-off task is done when its measure is satisfied (two signers may be needed); a
            // re-review task when the person whose signature went stale has signed again.
            const satisfied = new Set(after.requirements.filter((r) => r.status === 'satisfied').map((r) => r.measure));
            const open = await repo.openTasks(tx, g.owner.versionId);
            const done = open.filter((t) => {
              const details = JSON.parse(t.details) as { measure?: string; signer?: { id: string } };
              if (t.kind === 'signoff')
                return t.role === input.role && details.measure !== undefined && satisfied.has(details.measure);
              return t.kind === 're-review' && t.role === input.role && details.signer?.id === p.userId;
            });
            await repo.closeTasks(
              tx,
              done.map((t) => t.id),
              p.userId,
              now,
              'done',
            );
            await recheck(tx, ctx, after);
            await deps.events.emit(tx, 'version.signed', { ctx, model, version });
            return after.signatures.find((s) => s.id === id)!;
          }),
        ),
      );
    },

    /**
     * Signs a use case: the sign-offs of its use-case steps (scoping), given once for every version
     * of its models and valid while its risk assessment stands. Same re-authentication, role and
     * independence rules as a version signature; the manifest binds it to the assessment.
     */
    async signUseCase(
      ctx: RequestContext,
      useCaseId: string,
      input: { role: string; meaning: Meaning; comment?: string },
      credentials: SigningCredentials,
    ): Promise<SignatureView> {
      const uc = await repo.useCase(db, useCaseId);
      if (!uc) throw notFound('use case', useCaseId);
      const p = signer(ctx, input.role, uc.team);
      const reauthenticatedWith = await reauthenticate(ctx, credentials, [input.role]);
      return audited(ctx, p, { type: 'use-case', id: uc.id }, input.role, () =>
        serially(useCaseKey(useCaseId), () =>
          transact(async (tx) => {
            await repo.lockUseCase(tx, useCaseId);
            const policy = await deps.governance.policy(tx, useCaseId);
            if (!policy)
              throw new DomainError(
                'conflict',
                `use case '${uc.name}' has no risk assessment: there is nothing to sign against yet`,
              );
            const sod = useCaseIndependenceRefusal(policy, uc, p, input);
            if (sod) {
              const canSign = (await deps.whoCanSignUseCase?.(tx, policy, uc, p.userId, input)) ?? [];
              throw new DomainError(
                'separation_of_duties',
                `You cannot sign use case '${uc.name}' as ${input.role}: ${sod}. ${insteadOf(input.role, uc.team, canSign)}`,
                { extra: { role: input.role, reason: sod, canSign } },
              );
            }
            const now = clock.now().toISOString();
            const assessment = {
              id: policy.assessmentId,
              tier: policy.tier,
              policy: { id: policy.packId, name: policy.name, version: policy.version },
            };
            const manifest: UseCaseManifest = {
              subject: { type: 'use-case', id: uc.id, name: uc.name },
              assessment,
              ...signerPart(p, input, now, reauthenticatedWith),
            };
            const id = await record(
              tx,
              ctx,
              { type: 'use-case', id: uc.id },
              manifest,
              assessment,
              'use-case',
              p,
              input,
              now,
            );
            await deps.useCaseSigned?.(tx, uc.id, p.userId, input.role);
            // Every version of the use case may now pass its scoping gates: close met sign-off tasks, re-decide promotions.
            for (const v of await repo.versionsOfUseCase(tx, uc.id)) {
              const g = await core.load(tx, v.model, v.version);
              const satisfied = new Set(g.requirements.filter((r) => r.status === 'satisfied').map((r) => r.measure));
              const open = await repo.openTasks(tx, g.owner.versionId);
              await repo.closeTasks(
                tx,
                open
                  .filter(
                    (t) =>
                      t.kind === 'signoff' &&
                      t.role === input.role &&
                      satisfied.has((JSON.parse(t.details) as { measure?: string }).measure ?? ''),
                  )
                  .map((t) => t.id),
                p.userId,
                now,
                'done',
              );
              await recheck(tx, ctx, g);
            }
            return useCaseSignatures(
              (await repo.signatures(tx, uc.id)).filter((s) => s.id === id),
              policy,
            )[0]!;
          }),
        ),
      );
    },

    async useCaseSignatures(useCaseId: string): Promise<SignatureView[]> {
      if (!(await repo.useCase(db, useCaseId))) throw notFound('use case', useCaseId);
      return useCaseSignatures(await repo.signatures(db, useCaseId), await deps.governance.policy(db, useCaseId));
    },

    /**
     * Requests a promotion to an environment: completed at once when every gate it needs passes
     * (the deployment is recorded), otherwise blocked with every unmet measure and missing
     * signature, and completed later when a signature makes it pass.
     */
    async promote(
      ctx: RequestContext,
      model: string,
      version: number,
      input: { environment: Environment; reason: string; mode: DeploymentMode },
      ifMatch?: string,
    ): Promise<Promotion> {
      return serially(versionKey(model, version), () =>
        transact(async (tx) => {
          const owner = await repo.owner(tx, model, version);
          if (!owner) throw notFound('model version', `${model}/${version}`);
          authorize(ctx, 'alias:write', owner.team);
          await lock(tx, model, version);
          const g = await core.load(tx, model, version);
          await core.expectTag(tx, g, ifMatch);
          const { blockers, reasons } = assess(g, input.environment);
          const row: PromotionTable = {
            id: ids.next(),
            model_version_id: owner.versionId,
            environment: input.environment,
            reason: input.reason,
            mode: input.mode,
            status: 'pending',
            blockers: JSON.stringify({ blockers, reasons }),
            requested_by: actorId(ctx),
            requested_at: clock.now().toISOString(),
            decided_at: null,
            open_key: `${owner.versionId}:${input.environment}:${input.mode}`,
          };
          const rejected = g.vetoes.length > 0;
          if (rejected) Object.assign(row, { status: 'rejected', decided_at: row.requested_at, open_key: null });
          else if (reasons.length > 0) row.status = 'blocked';
          await repo.insertPromotion(tx, row);
          await audit.append(tx, ctx, {
            action: 'promotion.request',
            subject: { type: 'model-version', id: owner.versionId },
            after: {
              id: row.id,
              environment: row.environment,
              mode: row.mode,
              reason: row.reason,
              status: row.status,
              reasons,
            },
          });
          if (row.status === 'pending') await complete(tx, ctx, g, row);
          return toPromotion((await repo.promotion(tx, row.id))!, model, version);
        }),
      );
    },

    /** Withdraws an open (pending or blocked) promotion request. */
    async cancelPromotion(ctx: RequestContext, model: string, version: number, id: string): Promise<Promotion> {
      return serially(versionKey(model, version), () =>
        transact(async (tx) => {
          const owner = await repo.owner(tx, model, version);
          if (!owner) throw notFound('model version', `${model}/${version}`);
          authorize(ctx, 'alias:write', owner.team);
          await lock(tx, model, version);
          const p = await repo.promotion(tx, id);
          if (!p || p.model_version_id !== owner.versionId) throw notFound('promotion', id);
          if (p.open_key === null) throw new DomainError('conflict', `promotion ${id} is already ${p.status}`);
          await repo.updatePromotion(tx, id, {
            status: 'cancelled',
            decided_at: clock.now().toISOString(),
            open_key: null,
          });
          await audit.append(tx, ctx, {
            action: 'promotion.cancel',
            subject: { type: 'model-version', id: owner.versionId },
            after: { promotion: id },
          });
          return toPromotion((await repo.promotion(tx, id))!, model, version);
        }),
      );
    },

    async promotions(model: string, version: number): Promise<Promotion[]> {
      const owner = await repo.owner(db, model, version);
      if (!owner) throw notFound('model version', `${model}/${version}`);
      return (await repo.promotions(db, owner.versionId)).map((p) => toPromotion(p, model, version));
    },

    async promotion(model: string, version: number, id: string): Promise<Promotion> {
      const found = (await this.promotions(model, version)).find((p) => p.id === id);
      if (!found) throw notFound('promotion', id);
      return found;
    },

    /** Records who verified a deployment (deployment verification is evidence like any other). */
    async verifyDeployment(ctx: RequestContext, model: string, version: number, deploymentId: string): Promise<void> {
      await transact(async (tx) => {
        const owner = await repo.owner(tx, model, version);
        if (!owner) throw notFound('model version', `${model}/${version}`);
        authorize(ctx, 'alias:write', owner.team);
        const d = (await repo.deploymentsOf(tx, owner.versionId)).find((x) => x.id === deploymentId);
        if (!d) throw notFound('deployment', deploymentId);
        if (d.verified_at)
          throw new DomainError(
            'conflict',
            `deployment ${deploymentId} was verified by ${d.verified_by} at ${d.verified_at}`,
          );
        const at = clock.now().toISOString();
        await repo.verifyDeployment(tx, deploymentId, actorId(ctx) ?? 'system', at);
        await audit.append(tx, ctx, {
          action: 'deployment.verify',
          subject: { type: 'model-version', id: owner.versionId },
          after: { deployment: deploymentId, environment: d.environment },
        });
        // Verification is evidence like any other: it satisfies the policy's deployment-verification measure.
        await deps.recordDocument?.(tx, ctx, model, version, {
          kind: 'deployment-verification',
          title: `Deployment to ${d.environment} (${d.mode}) verified`,
          content: `Deployment ${deploymentId} of ${model} version ${version} to ${d.environment} (${d.mode}, since ${d.since}) verified by ${ctx.principal?.displayName ?? 'the system'} at ${at}.`,
        });
      });
    },
  };
}

export type SigningService = ReturnType<typeof createSigningService>;
