import { createHash } from 'node:crypto';
import type { RequestContext } from '../../context.ts';
import { actorId } from '../../context.ts';
import type { Executor, Tx } from '../../db/database.ts';
import type { UseCaseDocumentTable } from '../../db/schema.ts';
import { canonicalize } from '../../domain/jcs.ts';
import { assertTransition, evaluateGates, type RequirementStatus } from '../../domain/lifecycle/gate.ts';
import { gateStepOf, processFor } from '../../domain/lifecycle/process.ts';
import { tasksOnEntering } from '../../domain/lifecycle/tasks.ts';
import { requiredMeasures } from '../../domain/policy/evaluate.ts';
import { acceptanceRule } from '../../domain/policy/review.ts';
import { measureStatus, withWaiver } from '../../domain/policy/status.ts';
import { DomainError, notFound } from '../../errors.ts';
import { authorize } from '../common/authorize.ts';
import type { LifecycleCore, LifecycleDeps } from './core.service.ts';
import { useCaseEvidenceRecords, useCaseRevision, useCaseSignatures } from './governance.service.ts';
import { documentRules, documentViews } from './reviews.fns.ts';
import { routeReviewTasks } from './reviews.service.ts';

/**
 * A use case's own progress through the steps of its process marked `scope: use-case` (scoping,
 * ideation): their gates read the use case's documents and signatures. Once past them the use
 * case is in the first version step, and its versions carry the process on.
 */
export function createUseCaseLifecycle(
  deps: LifecycleDeps & {
    core: LifecycleCore;
    versionsChanged(tx: Tx, ctx: RequestContext, useCaseId: string): Promise<void>;
  },
) {
  const { db, transact, audit, clock, ids, repo, governance, core } = deps;

  /** Enters a use-case step: closes the other steps' open tasks, opens this one's RACI and sign-off tasks, notifies C/I. */
  async function enter(tx: Tx, ctx: RequestContext, l: Awaited<ReturnType<typeof load>>, step: string): Promise<void> {
    const now = clock.now().toISOString();
    await repo.setUseCaseState(tx, {
      use_case_id: l.uc.id,
      process_id: l.process!.id,
      step,
      entered_at: now,
      entered_by: actorId(ctx),
    });
    const open = await repo.openTasks(tx, l.uc.id);
    await repo.closeTasks(
      tx,
      // Review tasks follow their document, not the step.
      open.filter((t) => t.step !== step && t.kind !== 'review').map((t) => t.id),
      actorId(ctx),
      now,
      'cancelled',
    );
    const pack = l.policy!.pack;
    if (!pack.steps.find((s) => s.id === step && s.scope === 'use-case')) return;
    const gateMeasures = l.requirements
      .filter((r) => gateStepOf(pack, l.process!, r.step) === step)
      .map((r) => r.measure);
    const { tasks, notify } = tasksOnEntering(pack, gateMeasures, step);
    const created = await core.createSubjectTasks(
      tx,
      { type: 'use-case', id: l.uc.id, team: l.uc.team },
      pack,
      step,
      tasks,
    );
    if (notify.length > 0 || created.length > 0)
      await audit.append(tx, ctx, {
        action: 'lifecycle.notify',
        subject: { type: 'use-case', id: l.uc.id },
        after: {
          step,
          team: l.uc.team,
          tasks: created.map((t) => ({ id: t.id, role: t.role, raci: t.raci, title: t.title, due: t.due_at })),
          notify,
        },
      });
  }

  async function load(exec: Executor, useCaseId: string) {
    const uc = await repo.useCase(exec, useCaseId);
    if (!uc) throw notFound('use case', useCaseId);
    const policy = await governance.policy(exec, useCaseId);
    if (!policy)
      return {
        uc,
        policy: null,
        process: null,
        steps: [] as string[],
        step: null,
        requirements: [] as RequirementStatus[],
        documents: await repo.useCaseDocuments(exec, useCaseId),
        reviews: await governance.reviews(exec, useCaseId),
        signatures: useCaseSignatures(await repo.signatures(exec, useCaseId), null),
        required: [] as { measure: string; step: string }[],
      };
    const process = processFor(policy.pack, policy.tier, policy.answers);
    const scoped = new Set(policy.pack.steps.filter((s) => s.scope === 'use-case').map((s) => s.id));
    // The use case's own steps, then the first version step as the state "in development".
    const own = process.steps.filter((s) => scoped.has(s));
    const next = process.steps.find((s) => !scoped.has(s));
    const steps = next ? [...own, next] : own;
    const state = await repo.useCaseState(exec, useCaseId);
    const step = state && steps.includes(state.step) ? state.step : steps[0]!;
    const documents = await repo.useCaseDocuments(exec, useCaseId);
    const signatures = useCaseSignatures(await repo.signatures(exec, useCaseId), policy);
    const reviews = await governance.reviews(exec, useCaseId);
    const records = [
      ...useCaseEvidenceRecords(documents, signatures, reviews),
      await governance.alignment(exec, useCaseId, policy.tier),
    ];
    const byId = new Map(policy.pack.measures.map((m) => [m.id, m]));
    const required = requiredMeasures(
      policy.pack,
      { tier: policy.tier, tags: policy.tags },
      policy.answers,
      clock.now().toISOString().slice(0, 10),
    ).filter((m) => own.includes(gateStepOf(policy.pack, process, m.step)));
    const waivers = new Map(((await governance.useCaseWaivers?.(exec, useCaseId)) ?? []).map((w) => [w.measure, w]));
    const requirements = required.map(
      (m) =>
        ({
          ...m,
          ...withWaiver(
            measureStatus(byId.get(m.measure)!, records, {
              creators: uc.createdBy ? [uc.createdBy] : [],
              regions: uc.regions,
              acceptance: (e) => acceptanceRule(policy.pack, policy.tier, e),
            }),
            waivers.get(m.measure),
          ),
        }) as RequirementStatus,
    );
    return { uc, policy, process, steps, step, requirements, documents, reviews, signatures, required };
  }

  return {
    async status(useCaseId: string) {
      const l = await load(db, useCaseId);
      const at = l.steps.indexOf(l.step ?? '');
      const gates = l.process ? evaluateGates(l.policy!.pack, l.process, l.requirements, l.steps) : [];
      return {
        useCase: { id: l.uc.id, name: l.uc.name },
        governed: l.policy !== null,
        process: l.process,
        step: l.step,
        steps: l.steps.map((s, i) => ({
          id: s,
          state: (i < at ? 'done' : i === at ? 'current' : 'upcoming') as 'done' | 'current' | 'upcoming',
          gate: gates[i]!,
        })),
        requirements: l.requirements,
        documents: documentViews(l.documents.map(useCaseRevision), l.reviews, (kind) =>
          l.policy ? documentRules(l.policy.pack, l.policy.tier, l.required, kind) : [],
        ).map((d) => {
          const row = l.documents.find((x) => x.id === d.id)!;
          return { ...d, uri: row.uri, digest: row.digest };
        }),
        signatures: l.signatures,
      };
    },

    /** Moves the use case to its next step once the current gate passes (or back, for rework). */
    async transition(ctx: RequestContext, useCaseId: string, to: string): Promise<{ step: string }> {
      return transact(async (tx) => {
        const uc = await repo.useCase(tx, useCaseId);
        if (!uc) throw notFound('use case', useCaseId);
        authorize(ctx, 'use-case:write', uc.team);
        await repo.lockUseCase(tx, useCaseId);
        const l = await load(tx, useCaseId);
        if (!l.policy || !l.process)
          throw new DomainError(
            'conflict',
            `use case '${uc.name}' has no risk assessment, so it has no process yet: assess it first`,
          );
        const from = l.steps.indexOf(l.step!);
        assertTransition(l.steps, l.step!, to, {
          who: `use case '${uc.name}'`,
          what: 'use-case step',
          process: l.process.id,
          gate: () => evaluateGates(l.policy!.pack, l.process!, l.requirements, [l.step!])[0]!,
        });
        await enter(tx, ctx, l, to);
        await audit.append(tx, ctx, {
          action: 'lifecycle.transition',
          subject: { type: 'use-case', id: useCaseId },
          before: { step: l.steps[from] },
          after: { step: to, process: l.process.id },
        });
        return { step: to };
      });
    },

    /** A (re-)assessed use case without a step yet enters its process's first step, with its tasks. */
    async assessed(tx: Tx, ctx: RequestContext, useCaseId: string): Promise<void> {
      if (await repo.useCaseState(tx, useCaseId)) return;
      const l = await load(tx, useCaseId);
      if (l.process) await enter(tx, ctx, l, l.steps[0]!);
    },

    /** After a sign-off on the use case: its sign-off tasks whose measure is now met are done. */
    async signed(tx: Tx, useCaseId: string, signerId: string, role: string): Promise<void> {
      const l = await load(tx, useCaseId);
      const satisfied = new Set(l.requirements.filter((r) => r.status === 'satisfied').map((r) => r.measure));
      const open = await repo.openTasks(tx, useCaseId);
      const done = open.filter(
        (t) =>
          t.kind === 'signoff' &&
          t.role === role &&
          satisfied.has((JSON.parse(t.details) as { measure?: string }).measure ?? ''),
      );
      await repo.closeTasks(
        tx,
        done.map((t) => t.id),
        signerId,
        clock.now().toISOString(),
        'done',
      );
    },

    /** Records a document of the use case's own steps (objectives, DPIA, lawful basis...), once for every version. */
    async addDocument(
      ctx: RequestContext,
      useCaseId: string,
      doc: { kind: string; title: string; uri?: string; digest?: string; content?: string },
    ) {
      return transact((tx) => this.recordDocument(tx, ctx, useCaseId, doc));
    },

    /** `addDocument` inside the caller's transaction (a generated document stored with its export's audit event). */
    async recordDocument(
      tx: Tx,
      ctx: RequestContext,
      useCaseId: string,
      doc: { kind: string; title: string; uri?: string; digest?: string; content?: string },
    ) {
      {
        const uc = await repo.useCase(tx, useCaseId);
        if (!uc) throw notFound('use case', useCaseId);
        authorize(ctx, 'use-case:write', uc.team);
        await repo.lockUseCase(tx, useCaseId);
        const row: UseCaseDocumentTable = {
          id: ids.next(),
          use_case_id: useCaseId,
          kind: doc.kind,
          title: doc.title,
          uri: doc.uri ?? null,
          digest: doc.digest ?? null,
          content: doc.content ?? null,
          content_hash: `sha256:${createHash('sha256')
            .update(
              canonicalize({
                kind: doc.kind,
                title: doc.title,
                uri: doc.uri ?? null,
                digest: doc.digest ?? null,
                content: doc.content ?? null,
              }),
            )
            .digest('hex')}`,
          created_at: clock.now().toISOString(),
          created_by: actorId(ctx),
        };
        await repo.insertUseCaseDocument(tx, row);
        await audit.append(tx, ctx, {
          action: 'use-case.document',
          subject: { type: 'use-case', id: useCaseId },
          after: {
            id: row.id,
            kind: row.kind,
            title: row.title,
            uri: row.uri,
            digest: row.digest,
            contentHash: row.content_hash,
          },
        });
        // The new revision awaits review (an earlier one of its kind no longer counts).
        const l = await load(tx, useCaseId);
        if (l.policy)
          await routeReviewTasks(
            tx,
            { repo, core },
            ctx,
            { type: 'use-case', id: uc.id, team: uc.team },
            { pack: l.policy.pack, tier: l.policy.tier, required: l.required },
            l.documents.map(useCaseRevision),
            l.reviews,
            row.created_at,
          );
        // Its versions' requirements changed: their signatures may be stale, their promotions pass.
        await deps.versionsChanged(tx, ctx, useCaseId);
        return {
          id: row.id,
          kind: row.kind,
          title: row.title,
          contentHash: row.content_hash,
          createdAt: row.created_at,
        };
      }
    },
  };
}

export type UseCaseLifecycle = ReturnType<typeof createUseCaseLifecycle>;
