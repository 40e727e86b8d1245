import type { RequestContext } from '../../context.ts';
import { actorId } from '../../context.ts';
import type { Executor, Tx } from '../../db/database.ts';
import type { TaskTable } from '../../db/schema.ts';
import { dueDaysOf, gateStepOf } from '../../domain/lifecycle/process.ts';
import { tasksOnEntering, type TaskSpec } from '../../domain/lifecycle/tasks.ts';
import type { PolicyPack } from '../../domain/policy/pack.schema.ts';
import { createHash } from 'node:crypto';
import { canonicalize } from '../../domain/jcs.ts';
import { DomainError, notFound } from '../../errors.ts';
import type { CommandDeps } from '../common/deps.ts';
import type { Emit } from '../../events.ts';
import { loadGovernance, type Governance, type GovernanceDeps } from './governance.service.ts';
import type { LifecycleRepo } from './lifecycle.repo.ts';

/** The key under which commands taking a version's row lock queue (see `createKeyedSerial`). */
export const versionKey = (model: string, version: number): string => `model-version:${model}/${version}`;
/** The key under which commands taking a use case's row lock queue. */
export const useCaseKey = (useCaseId: string): string => `use-case:${useCaseId}`;

export interface LifecycleDeps extends CommandDeps {
  repo: LifecycleRepo;
  events: Emit;
  governance: GovernanceDeps;
}

/** What the lifecycle services share: loading a version's governance and creating its tasks. */
export function createLifecycleCore({ repo, governance, clock, ids, audit, events }: LifecycleDeps) {
  async function load(exec: Executor, model: string, version: number): Promise<Governance> {
    const owner = await repo.owner(exec, model, version);
    if (!owner) throw notFound('model version', `${model}/${version}`);
    return loadGovernance(governance, exec, owner, model, version);
  }

  /** Inserts tasks for `specs` on the version, due after the step's due days, and returns them. */
  const createTasks = (tx: Tx, g: Governance, step: string, specs: TaskSpec[]) =>
    createSubjectTasks(
      tx,
      { type: 'model-version', id: g.owner.versionId, team: g.owner.team },
      g.policy!.pack,
      step,
      specs,
    );

  /** Inserts tasks for `specs` on a version or use case, due after the step's due days. */
  async function createSubjectTasks(
    tx: Tx,
    subject: { type: 'model-version' | 'use-case'; id: string; team: string },
    pack: PolicyPack,
    step: string,
    specs: TaskSpec[],
  ): Promise<TaskTable[]> {
    const now = clock.now();
    const due = new Date(now.getTime() + dueDaysOf(pack, step) * 86_400_000).toISOString();
    const rows: TaskTable[] = specs.map((t) => ({
      id: ids.next(),
      subject_type: subject.type,
      subject_id: subject.id,
      kind: t.kind,
      step,
      title: t.title,
      team: subject.team,
      role: t.role,
      raci: t.raci,
      details: JSON.stringify(t.details),
      status: 'open',
      due_at: t.dueAt ?? due,
      created_at: now.toISOString(),
      closed_at: null,
      closed_by: null,
      assignee: null,
      assignee_name: null,
      assigned_at: null,
    }));
    await repo.insertTasks(tx, rows);
    if (rows.length > 0)
      await events.emit(tx, 'tasks.opened', {
        tasks: rows.map((r) => ({
          id: r.id,
          kind: r.kind,
          title: r.title,
          team: r.team,
          role: r.role,
          subject: { type: r.subject_type, id: r.subject_id },
          due: r.due_at,
        })),
      });
    return rows;
  }

  /**
   * Enters `step`: records the state, closes the open tasks of the step left, opens the RACI and
   * sign-off tasks of the new one, and publishes the Consulted/Informed notification as an audited event.
   */
  async function enter(tx: Tx, ctx: RequestContext, g: Governance, step: string): Promise<void> {
    const now = clock.now().toISOString();
    await repo.setState(tx, {
      model_version_id: g.owner.versionId,
      process_id: g.process!.id,
      step,
      entered_at: now,
      entered_by: actorId(ctx),
    });
    const open = await repo.openTasks(tx, g.owner.versionId);
    await repo.closeTasks(
      tx,
      // Re-review and document review tasks follow their signature or document, not the step.
      open
        .filter(
          (t) => t.step !== step && t.kind !== 're-review' && t.kind !== 'review' && t.kind !== 'exception-expired',
        )
        .map((t) => t.id),
      actorId(ctx),
      now,
      'cancelled',
    );
    const gateMeasures = g.requirements
      .filter((r) => gateStepOf(g.policy!.pack, g.process!, r.step) === step)
      .map((r) => r.measure);
    const { tasks, notify } = tasksOnEntering(g.policy!.pack, gateMeasures, step);
    const created = await createTasks(tx, g, step, tasks);
    if (notify.length > 0 || created.length > 0) {
      await audit.append(tx, ctx, {
        action: 'lifecycle.notify',
        subject: { type: 'model-version', id: g.owner.versionId },
        after: {
          step,
          team: g.owner.team,
          tasks: created.map((t) => ({ id: t.id, role: t.role, raci: t.raci, title: t.title, due: t.due_at })),
          notify,
        },
      });
    }
  }

  /**
   * The lifecycle's entity tag: its step, the covered state, the signatures and the open
   * promotions. A command sent with `If-Match` acts only on the state its sender saw.
   */
  async function tag(exec: Executor, g: Governance): Promise<string> {
    const open = (await repo.promotions(exec, g.owner.versionId)).filter((p) => p.open_key !== null).map((p) => p.id);
    const state = canonicalize({
      step: g.step,
      covered: g.coveredDigest,
      signatures: g.signatures.map((s) => s.id),
      open,
    });
    return `"lifecycle-${createHash('sha256').update(state).digest('hex').slice(0, 32)}"`;
  }

  /** Throws 412 unless `ifMatch` (when given) is the lifecycle's current tag. */
  async function expectTag(exec: Executor, g: Governance, ifMatch: string | undefined): Promise<void> {
    if (ifMatch === undefined || ifMatch === '*') return;
    const current = await tag(exec, g);
    if (
      !ifMatch
        .split(',')
        .map((t) => t.trim().replace(/^W\//, ''))
        .includes(current)
    ) {
      throw new DomainError(
        'precondition_failed',
        `the lifecycle of ${g.version.model}/${g.version.version} changed since it was read (If-Match ${ifMatch}, now ${current}): read it again`,
        { extra: { etag: current } },
      );
    }
  }

  return { load, enter, createTasks, createSubjectTasks, tag, expectTag };
}

export type LifecycleCore = ReturnType<typeof createLifecycleCore>;
