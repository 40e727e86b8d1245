import type { RequestContext } from '../../context.ts';
import type { Tx } from '../../db/database.ts';
import type { PromotionTable } from '../../db/schema.ts';
import type { Blocker } from '../../domain/lifecycle/gate.ts';
import type { Emit } from '../../events.ts';
import { stepsRequiredFor, type Environment } from '../../domain/lifecycle/process.ts';
import { DomainError } from '../../errors.ts';
import type { LifecycleDeps } from './core.service.ts';
import type { Governance } from './governance.service.ts';

/** Why a version may not be in `env`, from its governance (empty: it may). */
export function reasonsAgainst(g: Governance, env: Environment): string[] {
  if (!g.policy || !g.process)
    return env === 'development'
      ? []
      : ['the use case has no risk assessment: assess it before promoting beyond development'];
  const steps = stepsRequiredFor(g.policy.pack, g.process, env);
  const reasons: string[] = [];
  const last = steps.at(-1);
  if (last && g.process.steps.indexOf(g.step!) < g.process.steps.indexOf(last))
    reasons.push(`the version is at step '${g.step}'; it must reach step '${last}' first`);
  for (const gate of g.gates(steps))
    for (const b of gate.blockers)
      reasons.push(`gate '${gate.step}': ${b.title} (${b.measure}) is ${b.status}: ${b.detail.join('; ')}`);
  for (const f of g.findings)
    if (f.environments.includes(env))
      reasons.push(
        `open ${f.severity} finding ${f.id} blocks ${env}: ${f.title} (close it by a validator's signature)`,
      );
  for (const s of g.vetoes)
    reasons.push(`rejected by ${s.signer.name} (${s.role}) at ${s.signedAt}: ${s.comment || 'no comment'}`);
  return reasons;
}

/** Deciding promotions: what blocks them, completing them, and re-deciding open ones after a change. */
export function createPromotionDecider({
  repo,
  audit,
  clock,
  ids,
  events,
}: Pick<LifecycleDeps, 'repo' | 'audit' | 'clock' | 'ids'> & { events: Emit }) {
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
      if (d.model_version_id === g.owner.versionId)
        throw new DomainError(
          'conflict',
          `${g.version.model}/${g.version.version} is already deployed to ${p.environment} (${p.mode})`,
        );
      await repo.endDeployment(tx, d.id, now);
    }
    const deploymentId = ids.next();
    await repo.insertDeployment(tx, {
      id: deploymentId,
      model_id: g.owner.modelId,
      model_version_id: g.owner.versionId,
      environment: p.environment,
      mode: p.mode,
      promotion_id: p.id,
      since: now,
      until: null,
      verified_by: null,
      verified_at: null,
      active_key: `${g.owner.modelId}:${p.environment}:${p.mode}`,
    });
    await repo.updatePromotion(tx, p.id, {
      status: 'completed',
      decided_at: now,
      open_key: null,
      blockers: JSON.stringify({ blockers: [], reasons: [] }),
    });
    await audit.append(tx, ctx, {
      action: 'promotion.complete',
      subject: { type: 'model-version', id: g.owner.versionId },
      after: { promotion: p.id, environment: p.environment, mode: p.mode, deployment: deploymentId },
    });
    await events.emit(tx, 'deployment.changed', { ctx, modelId: g.owner.modelId });
  }

  /** Re-decides the version's open promotions after something changed (a signature, a rejection). */
  async function recheck(tx: Tx, ctx: RequestContext, g: Governance): Promise<void> {
    for (const p of await repo.promotions(tx, g.owner.versionId)) {
      if (p.open_key === null) continue;
      const { blockers, reasons } = assess(g, p.environment as Environment);
      if (g.vetoes.length > 0) {
        await repo.updatePromotion(tx, p.id, {
          status: 'rejected',
          decided_at: clock.now().toISOString(),
          open_key: null,
          blockers: JSON.stringify({ blockers, reasons }),
        });
        await audit.append(tx, ctx, {
          action: 'promotion.reject',
          subject: { type: 'model-version', id: g.owner.versionId },
          after: { promotion: p.id, reasons },
        });
      } else if (reasons.length === 0) await complete(tx, ctx, g, p);
      else await repo.updatePromotion(tx, p.id, { blockers: JSON.stringify({ blockers, reasons }) });
    }
  }

  return { assess, complete, recheck };
}
