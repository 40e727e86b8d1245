import type { Executor } from '../../db/database.ts';
import { createWriteBatcher, type Transact } from '../../db/transact.ts';
import type { RequestContext } from '../../context.ts';
import { DomainError } from '../../errors.ts';
import type { DomainEvents, Emit } from '../../events.ts';
import type { AuditAppender, AuditEntry } from '../audit/audit.service.ts';
import {
  annotatedVersion,
  ANNOTATIONS,
  environmentOf,
  imageDigests,
  readReview,
  type AdmissionEnvironment,
  type Workload,
} from './admission.fns.ts';
import type { AdmissionReviewResponse } from './admission.schema.ts';

/** One decision to record: its audit event, and what discovery hears of a workload nobody inventoried. */
interface Decision {
  ctx: RequestContext;
  entry: AuditEntry;
  unidentified: DomainEvents['admission.unidentified'] | null;
}

export interface AdmissionDeps {
  db: Executor;
  transact: Transact;
  audit: AuditAppender;
  /** Tells discovery about workloads whose model is not in the inventory (`admission.unidentified`). */
  events: Emit;
  /**
   * The deployment check (`GET /check`), the one rule admission applies, with the version it loaded
   * (id and recorded serving image); throws `not_found` for a version not in the inventory.
   */
  decide: (
    model: string,
    version: number,
    environment: AdmissionEnvironment,
  ) => Promise<{ versionId: string; imageDigest: string | null; allowed: boolean; reasons: string[] }>;
  /** Versions a workload's image digests or model URIs identify. */
  deployable: (
    exec: Executor,
    by: { imageDigests: string[]; artifactUris: string[] },
  ) => Promise<{ model: string; version: number; imageDigest: string | null }[]>;
  /** Namespace → environment, for workloads that do not annotate one. */
  namespaces: Record<string, string>;
}

// The message the API server shows to whoever applied the workload; Kubernetes truncates long ones.
const MAX_MESSAGE = 2000;
const clip = (m: string) => (m.length <= MAX_MESSAGE ? m : `${m.slice(0, MAX_MESSAGE - 1)}…`);

/**
 * Kubernetes validating admission: a workload that runs a model version is admitted only when the
 * deployment check would allow that version in its environment. Everything else fails closed.
 */
export function createAdmissionService(deps: AdmissionDeps) {
  const { db } = deps;
  // Decisions are audited before they are answered; those arriving together share one commit and
  // are appended to the log together.
  const batched = createWriteBatcher<Decision>(deps.transact, async (tx, decisions) => {
    for (const d of decisions) if (d.unidentified) await deps.events.emit(tx, 'admission.unidentified', d.unidentified);
    await deps.audit.appendAll(
      tx,
      decisions.map((d) => ({ ctx: d.ctx, entry: d.entry })),
    );
  });

  const answer = (
    uid: string,
    allowed: boolean,
    reasons: string[],
    warnings: string[] = [],
  ): AdmissionReviewResponse => {
    const message = reasons.join('; ');
    return {
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      response: {
        uid,
        allowed,
        ...(allowed
          ? message
            ? { status: { code: 200, message: clip(message) } }
            : {}
          : {
              status: {
                code: 403,
                reason: 'Forbidden',
                message: clip(`Steward: ${message}`),
              },
            }),
        ...(warnings.length > 0 ? { warnings } : {}),
      },
    };
  };

  type Unknown = { model: { name: string; version: number | null } | null; images: string[] };

  /** Which version the workload names or runs, or why it cannot be told. */
  async function identify(
    w: Workload,
  ): Promise<{ model: string; version: number; annotated: boolean } | { reason: string; unknown?: Unknown }> {
    const named = annotatedVersion(w);
    if (named && 'reason' in named) return named;
    if (named) return { ...named, annotated: true };
    const found = await deps.deployable(db, { imageDigests: imageDigests(w.images), artifactUris: w.storageUris });
    const distinct = [...new Map(found.map((f) => [`${f.model}\u0000${f.version}`, f])).values()];
    if (distinct.length === 0)
      return {
        unknown: { model: null, images: w.images },
        reason: `no model version identified: annotate ${ANNOTATIONS.model} and ${ANNOTATIONS.version}, run an image whose digest is registered on the version, or mark a workload that serves no model with ${ANNOTATIONS.exempt}`,
      };
    if (distinct.length > 1)
      return {
        reason: `the workload matches several model versions (${distinct.map((d) => `${d.model} v${d.version}`).join(', ')}): annotate ${ANNOTATIONS.model} and ${ANNOTATIONS.version}`,
      };
    return { model: distinct[0]!.model, version: distinct[0]!.version, annotated: false };
  }

  /**
   * The identified version's deployment decision, loaded once; or why there is none (not in the
   * inventory, or an annotation contradicting the image the version is pinned to).
   */
  async function decideFor(
    w: Workload,
    target: { model: string; version: number; annotated: boolean },
    environment: AdmissionEnvironment,
  ): Promise<{ versionId: string; allowed: boolean; reasons: string[] } | { reason: string; unknown?: Unknown }> {
    let d: Awaited<ReturnType<AdmissionDeps['decide']>>;
    try {
      d = await deps.decide(target.model, target.version, environment);
    } catch (err) {
      if (!(err instanceof DomainError) || err.code !== 'not_found') throw err;
      const reason = `model version ${target.model} v${target.version} is not in the inventory`;
      return target.annotated
        ? { reason, unknown: { model: { name: target.model, version: target.version }, images: w.images } }
        : { reason };
    }
    // A version that records its serving image is pinned to it: the annotation alone cannot vouch
    // for an image nobody governed.
    if (target.annotated && d.imageDigest && !imageDigests(w.images).includes(d.imageDigest))
      return {
        reason: `${target.model} v${target.version} is registered with image ${d.imageDigest}, which no container of this workload runs by digest`,
      };
    return d;
  }

  async function record(
    ctx: RequestContext,
    w: Workload,
    subject: { type: string; id: string },
    outcome: Record<string, unknown>,
    unknown?: Unknown,
  ): Promise<void> {
    if (w.dryRun) return;
    await batched({
      ctx,
      unidentified:
        unknown && (unknown.model || unknown.images.length > 0)
          ? {
              ctx,
              namespace: w.namespace,
              workload: `${w.kind.replace(/^\//, '')}/${w.name}`,
              model: unknown.model,
              images: unknown.images,
              allowed: outcome.allowed === true,
              reason: Array.isArray(outcome.reasons) ? outcome.reasons.join('; ') : '',
            }
          : null,
      entry: {
        action: 'admission.review',
        subject,
        after: {
          uid: w.uid,
          operation: w.operation,
          kind: w.kind.replace(/^\//, ''),
          namespace: w.namespace,
          name: w.name,
          ...outcome,
        },
      },
    });
  }

  return {
    /** Answers one AdmissionReview; never throws for what the review contains. */
    async review(ctx: RequestContext, body: unknown): Promise<AdmissionReviewResponse> {
      const read = readReview(body);
      if (!read.ok) return answer(read.uid, false, [read.reason]);
      const w = read.workload;
      if (w.operation === 'DELETE' || w.operation === 'CONNECT') return answer(w.uid, true, []);
      const workloadSubject = { type: 'workload', id: `${w.namespace}/${w.name}`.slice(0, 500) };
      const exempt = w.annotations[ANNOTATIONS.exempt];
      if (exempt !== undefined) {
        const why = exempt.trim().slice(0, 500);
        if (!why) return answer(w.uid, false, [`${ANNOTATIONS.exempt} needs a reason as its value`]);
        await record(ctx, w, workloadSubject, { allowed: true, exempt: why });
        return answer(w.uid, true, [], [`admitted without a model check: ${why}`]);
      }
      const env = environmentOf(w, deps.namespaces);
      if ('reason' in env) {
        await record(ctx, w, workloadSubject, { allowed: false, reasons: [env.reason] });
        return answer(w.uid, false, [env.reason]);
      }
      const refuse = async (why: { reason: string; unknown?: Unknown }) => {
        await record(
          ctx,
          w,
          workloadSubject,
          { allowed: false, environment: env.environment, reasons: [why.reason] },
          why.unknown,
        );
        return answer(w.uid, false, [why.reason]);
      };
      const target = await identify(w);
      if ('reason' in target) return refuse(target);
      const decision = await decideFor(w, target, env.environment);
      if ('reason' in decision) return refuse(decision);
      await record(
        ctx,
        w,
        { type: 'model-version', id: decision.versionId },
        {
          allowed: decision.allowed,
          model: target.model,
          version: target.version,
          environment: env.environment,
          reasons: decision.reasons,
        },
      );
      const subject = `${target.model} v${target.version}`;
      if (decision.allowed) return answer(w.uid, true, [`${subject} may run in ${env.environment}`]);
      return answer(w.uid, false, [
        `${subject} may not run in ${env.environment} (GET /api/v1/check?model=${encodeURIComponent(target.model)}&version=${target.version}&environment=${env.environment} lists every reason): ${decision.reasons.join('; ')}`,
      ]);
    },
  };
}

export type AdmissionService = ReturnType<typeof createAdmissionService>;
