import { createHash } from 'node:crypto';
import type { RequestContext } from '../../context.ts';
import { actorId } from '../../context.ts';
import type { Tx } from '../../db/database.ts';
import type { PromotionTable } from '../../db/schema.ts';
import { ORGANISATION } from '../../domain/authz.ts';
import { canonicalize } from '../../domain/jcs.ts';
import type { Blocker } from '../../domain/lifecycle/gate.ts';
import type { Meaning, SignatureManifest } from '../../domain/lifecycle/manifest.ts';
import { stepsRequiredFor, type Environment } from '../../domain/lifecycle/process.ts';
import { DomainError, notFound } from '../../errors.ts';
import { authorize } from '../common/authorize.ts';
import type { LifecycleCore, LifecycleDeps } from './core.ts';
import type { Governance, SignatureView } from './governance.ts';
import { reasonsAgainst } from './lifecycle.service.ts';

export const DEPLOYMENT_MODES = ['single', 'replicated', 'shadow', 'challenger', 'batch'] as const;
export type DeploymentMode = (typeof DEPLOYMENT_MODES)[number];

/** Credentials re-presented at the moment of signing (Part 11 §11.200): the password, or a `sign`-scoped token. */
export interface SigningCredentials {
  password?: string;
  token?: string;
}

export interface SigningServiceDeps extends LifecycleDeps {
  core: LifecycleCore;
  lock(tx: Tx, model: string, version: number): Promise<void>;
  /** Throws `reauthentication_failed` unless the credentials are the caller's own, re-entered now. */
  reauthenticate(ctx: RequestContext, credentials: SigningCredentials): Promise<void>;
  signDigest(digest: string): string;
}

export interface Promotion {
  id: string;
  model: string;
  version: number;
  environment: string;
  reason: string;
  mode: string;
  status: 'pending' | 'blocked' | 'approved' | 'rejected' | 'completed';
  blockers: Blocker[];
  reasons: string[];
  requestedBy: string | null;
  requestedAt: string;
  decidedAt: string | null;
}

const toPromotion = (p: PromotionTable, model: string, version: number): Promotion => {
  const b = JSON.parse(p.blockers) as { blockers: Blocker[]; reasons: string[] };
  return { id: p.id, model, version, environment: p.environment, reason: p.reason, mode: p.mode, status: p.status as Promotion['status'], blockers: b.blockers, reasons: b.reasons, requestedBy: p.requested_by, requestedAt: p.requested_at, decidedAt: p.decided_at };
};

export function createSigningService(deps: SigningServiceDeps) {
  const { db, transact, audit, clock, ids, repo, core, lock, reauthenticate, signDigest } = deps;

  /** Blockers of a promotion of `g` to `env`, gate by gate, plus step and rejection reasons. */
  function assess(g: Governance, env: Environment): { blockers: Blocker[]; reasons: string[] } {
    const steps = g.policy && g.process ? stepsRequiredFor(g.policy.pack, g.process, env) : [];
    return { blockers: g.gates(steps).flatMap((x) => x.blockers), reasons: reasonsAgainst(g, env) };
  }

  /** Completes a passing promotion: the deployment record replaces the one active in its environment and mode. */
  async function complete(tx: Tx, ctx: RequestContext, g: Governance, p: PromotionTable): Promise<void> {
    const now = clock.now().toISOString();
    for (const d of await repo.activeDeployments(tx, { modelId: g.owner.modelId, environment: p.environment })) {
      if (d.mode !== p.mode) continue;
      if (d.model_version_id === g.owner.versionId) throw new DomainError('conflict', `${g.version.model}/${g.version.version} is already deployed to ${p.environment} (${p.mode})`);
      await repo.endDeployment(tx, d.id, now);
    }
    const deploymentId = ids.next();
    await repo.insertDeployment(tx, { id: deploymentId, model_id: g.owner.modelId, model_version_id: g.owner.versionId, environment: p.environment, mode: p.mode, promotion_id: p.id, since: now, until: null, verified_by: null, verified_at: null, active_key: `${g.owner.modelId}:${p.environment}:${p.mode}` });
    await repo.updatePromotion(tx, p.id, { status: 'completed', decided_at: now, open_key: null, blockers: JSON.stringify({ blockers: [], reasons: [] }) });
    await audit.append(tx, ctx, { action: 'promotion.complete', subject: { type: 'model-version', id: g.owner.versionId }, after: { promotion: p.id, environment: p.environment, mode: p.mode, deployment: deploymentId } });
  }

  /** Re-decides the version's open promotions after something changed (a signature, a rejection). */
  async function recheck(tx: Tx, ctx: RequestContext, g: Governance): Promise<void> {
    for (const p of await repo.promotions(tx, g.owner.versionId)) {
      if (p.open_key === null) continue;
      const { blockers, reasons } = assess(g, p.environment as Environment);
      if (g.signatures.some((s) => s.status === 'valid' && s.meaning === 'reject')) {
        await repo.updatePromotion(tx, p.id, { status: 'rejected', decided_at: clock.now().toISOString(), open_key: null, blockers: JSON.stringify({ blockers, reasons }) });
        await audit.append(tx, ctx, { action: 'promotion.reject', subject: { type: 'model-version', id: g.owner.versionId }, after: { promotion: p.id, reasons } });
      } else if (reasons.length === 0) await complete(tx, ctx, g, p);
      else await repo.updatePromotion(tx, p.id, { blockers: JSON.stringify({ blockers, reasons }) });
    }
  }

  return {
    /**
     * Records an electronic signature: the signer re-authenticates, must hold the role they sign in,
     * and, where a measure needs independence, must not have built or authored the version. The
     * manifest binds the signature to the version's definition, evidence, requirement statuses and
     * policy pack; it is signed by the server key and written to the audit trail.
     */
    async sign(ctx: RequestContext, model: string, version: number, input: { role: string; meaning: Meaning; comment?: string }, credentials: SigningCredentials): Promise<SignatureView> {
      const p = ctx.principal;
      if (!p) throw new DomainError('forbidden', 'only a person can sign');
      const owner = await repo.owner(db, model, version);
      if (!owner) throw notFound('model version', `${model}/${version}`);
      if (!p.roles.some((a) => a.role === input.role && (a.scope === ORGANISATION || a.scope === owner.team))) {
        throw new DomainError('forbidden', `${p.username} does not hold the role ${input.role} in team '${owner.team}' (or organisation-wide), so cannot sign as ${input.role}`);
      }
      await reauthenticate(ctx, credentials);
      return transact(async (tx) => {
        await lock(tx, model, version);
        const g = await core.load(tx, model, version);
        if (!g.policy || !g.covered) throw new DomainError('conflict', `the use case of ${model} has no risk assessment: there is nothing to sign against yet`);
        if (input.meaning === 'approve' || input.meaning === 'review') {
          const independent = g.requirements.some((r) => g.policy!.pack.measures.find((m) => m.id === r.measure)!.evidence.some((e) => e.kind === 'signoff' && e.independent && e.roles.includes(input.role as never)));
          if (independent && g.authors.includes(p.userId)) {
            throw new DomainError('separation_of_duties', `${p.username} created or authored ${model}/${version}; an ${input.role} sign-off on it must be independent (effective challenge), so another ${input.role} has to sign`, { extra: { role: input.role } });
          }
        }
        const now = clock.now().toISOString();
        const manifest: SignatureManifest = {
          subject: { type: 'model-version', id: g.owner.versionId, model, version },
          ...g.covered,
          step: g.step!,
          signer: { id: p.userId, username: p.username, name: p.displayName },
          role: input.role,
          meaning: input.meaning,
          comment: input.comment ?? '',
          signedAt: now,
        };
        const canonical = canonicalize(manifest);
        const digest = `sha256:${createHash('sha256').update(canonical).digest('hex')}`;
        // Deduplicated on the covered state, not on the time: re-signing an unchanged record is one signature.
        const coveredDigest = `sha256:${createHash('sha256').update(canonicalize(g.covered)).digest('hex')}`;
        const id = ids.next();
        await repo.insertSignature(tx, { id, model_version_id: g.owner.versionId, signer_id: p.userId, signer_name: p.displayName, role: input.role, meaning: input.meaning, comment: input.comment ?? '', step: g.step!, manifest: canonical, manifest_digest: digest, covered_digest: coveredDigest, server_signature: signDigest(digest), audit_seq: null, created_at: now });
        const seq = await audit.append(tx, ctx, { action: 'signature.create', subject: { type: 'model-version', id: g.owner.versionId }, after: { id, manifestDigest: digest, coveredDigest, manifest } });
        await repo.setSignatureAuditSeq(tx, id, seq);
        // Sign-off tasks of this role on this version are done once its holder signs.
        const open = await repo.openTasks(tx, g.owner.versionId);
        await repo.closeTasks(tx, open.filter((t) => (t.kind === 'signoff' || t.kind === 're-review') && t.role === input.role).map((t) => t.id), p.userId, now, 'done');
        const after = await core.load(tx, model, version);
        await recheck(tx, ctx, after);
        return after.signatures.find((s) => s.id === id)!;
      });
    },

    /**
     * Requests a promotion to an environment: completed at once when every gate it needs passes
     * (the deployment is recorded), otherwise blocked with every unmet measure and missing
     * signature, and completed later when a signature makes it pass.
     */
    async promote(ctx: RequestContext, model: string, version: number, input: { environment: Environment; reason: string; mode: DeploymentMode }): Promise<Promotion> {
      return transact(async (tx) => {
        const owner = await repo.owner(tx, model, version);
        if (!owner) throw notFound('model version', `${model}/${version}`);
        authorize(ctx, 'alias:write', owner.team);
        await lock(tx, model, version);
        const g = await core.load(tx, model, version);
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
        const rejected = g.signatures.some((s) => s.status === 'valid' && s.meaning === 'reject');
        if (rejected) Object.assign(row, { status: 'rejected', decided_at: row.requested_at, open_key: null });
        else if (reasons.length > 0) row.status = 'blocked';
        await repo.insertPromotion(tx, row);
        await audit.append(tx, ctx, { action: 'promotion.request', subject: { type: 'model-version', id: owner.versionId }, after: { id: row.id, environment: row.environment, mode: row.mode, reason: row.reason, status: row.status, reasons } });
        if (row.status === 'pending') await complete(tx, ctx, g, row);
        return toPromotion((await repo.promotion(tx, row.id))!, model, version);
      });
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
        if (d.verified_at) throw new DomainError('conflict', `deployment ${deploymentId} was verified by ${d.verified_by} at ${d.verified_at}`);
        await repo.verifyDeployment(tx, deploymentId, actorId(ctx) ?? 'system', clock.now().toISOString());
        await audit.append(tx, ctx, { action: 'deployment.verify', subject: { type: 'model-version', id: owner.versionId }, after: { deployment: deploymentId, environment: d.environment } });
      });
    },
  };
}

export type SigningService = ReturnType<typeof createSigningService>;
