import type { Serially } from '../../lib/keyed-serial.ts';
import type { RequestContext } from '../../context.ts';
import { actorId } from '../../context.ts';
import type { Executor, Tx } from '../../db/database.ts';
import type { Emit } from '../../events.ts';
import type { TaskTable } from '../../db/schema.ts';
import { ORGANISATION, type Role } from '../../domain/authz.ts';
import { assertTransition } from '../../domain/lifecycle/gate.ts';
import { independenceRefusal } from '../../domain/lifecycle/tasks.ts';
import { environmentOfAlias, type Environment } from '../../domain/lifecycle/process.ts';
import type { RegisteredVersion } from '../../domain/registration-checks.ts';
import type { VersionRecord } from '../versions/versions.repo.ts';
import { DomainError, notFound } from '../../errors.ts';
import { loadGovernanceOf, type GovernedVersion } from './governance.service.ts';
import { authorize, requireWriteScope } from '../common/authorize.ts';
import { versionKey, type LifecycleCore, type LifecycleDeps } from './core.service.ts';
import { createPromotionDecider, reasonsAgainst } from './promotions.service.ts';
import { routeReviewTasks } from './reviews.service.ts';
import type { InboxFilter, SubjectNames } from './lifecycle.repo.ts';

export interface Task {
  id: string;
  subject: { type: string; id: string };
  /** The model and version, for a version's task. */
  model: string | null;
  version: number | null;
  /** The use case's name, for a use case's own task. */
  useCase: string | null;
  /** The use case the subject is, or the one the version's model serves: where its tasks repeat. */
  useCaseId: string | null;
  /** Inbox only: why the caller cannot complete it although their role is asked. */
  blocked: string | null;
  kind: string;
  step: string;
  title: string;
  team: string;
  role: string;
  raci: string;
  details: unknown;
  status: string;
  due: string;
  overdue: boolean;
  createdAt: string;
  closedAt: string | null;
  closedBy: string | null;
  /** The person the task is assigned to, when it is. */
  assignee: { id: string; username: string; at: string } | null;
}

/** Which of the caller's tasks the inbox lists (and counts). */
export interface InboxOptions {
  status?: 'open' | 'done' | 'cancelled' | 'all';
  overdue?: boolean;
  /** Only the tasks assigned to the caller. */
  assignedToMe?: boolean;
}

/** The (team, role) pairs whose tasks reach the caller; `*` stands for every team. */
const inboxAssignments = (ctx: RequestContext) =>
  (ctx.principal?.roles ?? []).map((a) => ({
    team: a.scope === ORGANISATION ? '*' : a.scope,
    role: a.role as Role as string,
  }));

export interface LifecycleServiceDeps extends LifecycleDeps {
  core: LifecycleCore;
  /** Emits `deployment.changed` when a promotion completes. */
  events: Emit;
  lock(tx: Tx, model: string, version: number): Promise<void>;
  /** Queues commands on one record in memory before they take a connection (see `createKeyedSerial`). */
  serially: Serially;
  /** Records the automated registration checks of a new governed version as evidence. */
  registrationChecks?: (tx: Tx, ctx: RequestContext, versionId: string, version: RegisteredVersion) => Promise<void>;
  /**
   * Reasons from outside the lifecycle why each of the versions may not run now (a human-oversight
   * suspension), by version id; a version nothing holds may be absent.
   */
  holds?: (exec: Executor, versionIds: string[]) => Promise<Map<string, string[]>>;
}

export function createLifecycleService(deps: LifecycleServiceDeps) {
  const { db, transact, audit, clock, repo, core, lock, governance } = deps;
  const promotions = createPromotionDecider(deps);
  const holdsOf = async (versionId: string) => (await deps.holds?.(db, [versionId]))?.get(versionId) ?? [];

  const toTask = (t: TaskTable, names: SubjectNames | undefined, blocked: string | null = null): Task => ({
    id: t.id,
    subject: { type: t.subject_type, id: t.subject_id },
    model: names?.model ?? null,
    version: names?.version ?? null,
    useCase: names?.model ? null : (names?.useCase ?? null),
    useCaseId: names?.useCaseId ?? null,
    blocked,
    kind: t.kind,
    step: t.step,
    title: t.title,
    team: t.team,
    role: t.role,
    raci: t.raci,
    details: JSON.parse(t.details),
    status: t.status,
    due: t.due_at,
    overdue: t.status === 'open' && t.due_at < clock.now().toISOString(),
    createdAt: t.created_at,
    closedAt: t.closed_at,
    closedBy: t.closed_by,
    assignee: t.assignee ? { id: t.assignee, username: t.assignee_name ?? t.assignee, at: t.assigned_at ?? '' } : null,
  });

  /** The inbox's options as the repository's filter: overdue means open and past due now. */
  const inboxFilter = (ctx: RequestContext, opts: InboxOptions): InboxFilter => ({
    ...(opts.status === 'all' ? {} : { status: opts.overdue ? 'open' : (opts.status ?? 'open') }),
    ...(opts.overdue ? { dueBefore: clock.now().toISOString() } : {}),
    ...(opts.assignedToMe ? { assignee: ctx.principal?.userId ?? '' } : {}),
  });

  /** Each of `versions` that is live, in their order, with what governs it. */
  async function live(versions: { model: string; version: number }[]) {
    const owners = await repo.owners(db, versions);
    return versions.flatMap((v) => {
      const owner = owners.get(`${v.model}/${v.version}`);
      return owner ? [{ owner, model: v.model, version: v.version }] : [];
    });
  }

  /**
   * The standing of each of `found` (versions with what governs them, as the caller read them: the
   * inventory reads them with its rows), in their order, read together: a fixed number of
   * statements for any number of versions (the inventory computes a page's statuses).
   */
  async function standingsOf(found: GovernedVersion[]) {
    const ids = found.map((v) => v.owner.versionId);
    const [loaded, holds, deployments] = await Promise.all([
      loadGovernanceOf(governance, db, found),
      deps.holds?.(db, ids) ?? new Map<string, string[]>(),
      repo.activeDeploymentsOf(db, ids),
    ]);
    return loaded.map((g) => ({
      owner: g.owner,
      createdBy: g.version.createdBy,
      policy: g.policy && { pack: g.policy.pack, tier: g.policy.tier },
      process: g.process,
      step: g.step,
      requirements: g.requirements,
      staleSignatures: g.signatures
        .filter((s) => s.status === 'stale')
        .map((s) => ({ signer: s.signer.name, role: s.role, meaning: s.meaning, step: s.step })),
      holds: holds.get(g.owner.versionId) ?? [],
      deployed: [...new Set((deployments.get(g.owner.versionId) ?? []).map((d) => d.environment as Environment))],
      /** What the deployment check says against `env` now (asked for only where a status needs it). */
      against: (env: Environment) => reasonsAgainst(g, env),
    }));
  }

  async function decide(
    model: string,
    version: number,
    environment: Environment,
  ): Promise<{ versionId: string; imageDigest: string | null; allowed: boolean; reasons: string[] }> {
    const g = await core.load(db, model, version);
    const reasons = [...(await holdsOf(g.owner.versionId)), ...reasonsAgainst(g, environment)];
    const deployed = await repo.activeDeployments(db, { versionId: g.owner.versionId, environment });
    if (deployed.length === 0)
      reasons.push(
        `no completed promotion to ${environment}: request one with POST /api/v1/models/${model}/versions/${version}/promotions`,
      );
    const imageDigest = g.version.environment?.imageDigest ?? null;
    return { versionId: g.owner.versionId, imageDigest, allowed: reasons.length === 0, reasons };
  }

  return {
    /**
     * `requirements` of each of `versions` that is live, read together (the KPI snapshot's pass over
     * every governed version), keyed `model/version`.
     */
    async requirementsOf(versions: { model: string; version: number }[]) {
      const found = await live(versions);
      const names = new Map(found.map((v) => [v.owner.versionId, `${v.model}/${v.version}`]));
      return new Map(
        (await loadGovernanceOf(governance, db, found)).map((g) => [
          names.get(g.owner.versionId)!,
          { assessed: g.policy !== null, requirements: g.requirements },
        ]),
      );
    },

    /** Every measure that applies to the version, where it comes from, and its status for this exact artefact. */
    async requirements(model: string, version: number) {
      const g = await core.load(db, model, version);
      if (!g.policy) return { assessed: false as const, requirements: [] };
      return {
        assessed: true as const,
        policy: { id: g.policy.packId, name: g.policy.name, version: g.policy.version },
        tier: g.policy.tier,
        reevaluateUnder: g.policy.reevaluateUnder,
        requirements: g.requirements,
      };
    },

    /** The version's process, where it stands, each step's gate, requirements and signatures. */
    async status(model: string, version: number) {
      const g = await core.load(db, model, version);
      const etag = await core.tag(db, g);
      const [promotions, deployments, tasks] = await Promise.all([
        repo.promotions(db, g.owner.versionId),
        repo.deploymentsOf(db, g.owner.versionId),
        repo.openTasks(db, g.owner.versionId),
      ]);
      const names = { model, version };
      const at = g.process ? g.process.steps.indexOf(g.step!) : -1;
      return {
        etag,
        model,
        version,
        team: g.owner.team,
        governed: g.policy !== null,
        coveredDigest: g.coveredDigest,
        policy: g.policy && {
          id: g.policy.packId,
          name: g.policy.name,
          version: g.policy.version,
          tier: g.policy.tier,
        },
        process: g.process,
        step: g.step,
        steps: (g.process?.steps ?? []).map((s, i) => ({
          id: s,
          title: g.policy!.pack.steps.find((x) => x.id === s)!.title,
          state: (i < at ? 'done' : i === at ? 'current' : 'upcoming') as 'done' | 'current' | 'upcoming',
          gate: g.gates([s])[0]!,
        })),
        requirements: g.requirements,
        signatures: g.signatures,
        documents: g.documents,
        promotions: promotions.map((p) => ({
          id: p.id,
          environment: p.environment,
          status: p.status,
          requestedAt: p.requested_at,
        })),
        deployments: deployments.map((d) => ({
          id: d.id,
          environment: d.environment,
          mode: d.mode,
          since: d.since,
          until: d.until,
          active: d.active_key !== null,
          verifiedBy: d.verified_by,
          verifiedAt: d.verified_at,
        })),
        tasks: tasks.map((t) => toTask(t, names)),
      };
    },

    /**
     * Moves the version to the next step of its process once the current step's gate passes, or
     * back to an earlier step (rework). Skipping a step is refused with the step and gate first due.
     */
    async transition(
      ctx: RequestContext,
      model: string,
      version: number,
      to: string,
      ifMatch?: string,
    ): Promise<{ step: string }> {
      return deps.serially(versionKey(model, version), () =>
        transact(async (tx) => {
          const owner = await repo.owner(tx, model, version);
          if (!owner) throw notFound('model version', `${model}/${version}`);
          authorize(ctx, 'version:write', owner.team);
          await lock(tx, model, version);
          const g = await core.load(tx, model, version);
          await core.expectTag(tx, g, ifMatch);
          if (!g.policy || !g.process)
            throw new DomainError(
              'conflict',
              `the use case of ${model} has no risk assessment, so it has no process yet: assess it first`,
            );
          const steps = g.process.steps;
          const from = steps.indexOf(g.step!);
          assertTransition(steps, g.step!, to, {
            who: `${model}/${version}`,
            what: 'step',
            process: g.process.id,
            gate: () => g.gates([g.step!])[0]!,
          });
          if (!(await repo.state(tx, owner.versionId)))
            await repo.setState(tx, {
              model_version_id: owner.versionId,
              process_id: g.process.id,
              step: steps[from]!,
              entered_at: g.version.createdAt,
              entered_by: g.version.createdBy,
            });
          await core.enter(tx, ctx, g, to);
          await audit.append(tx, ctx, {
            action: 'lifecycle.transition',
            subject: { type: 'model-version', id: owner.versionId },
            before: { step: steps[from] },
            after: { step: to, process: g.process.id },
          });
          await promotions.recheck(tx, ctx, await core.load(tx, model, version));
          return { step: to };
        }),
      );
    },

    /** Why a promotion of the version to `environment` would be blocked now (empty: it would pass). */
    async gateReasons(model: string, version: number, environment: Environment): Promise<string[]> {
      const g = await core.load(db, model, version);
      return [...(await holdsOf(g.owner.versionId)), ...reasonsAgainst(g, environment)];
    },

    /**
     * What a version's status and next actions are computed from, read once: its requirements,
     * stale signatures, suspensions, where it runs and what the check says against each environment.
     */
    async standing(model: string, version: number) {
      const [s] = await standingsOf(await live([{ model, version }]));
      if (!s) throw notFound('model version', `${model}/${version}`);
      return s;
    },

    standingsOf,

    /** Whether `version` may run in `environment` now: its gates pass, it was promoted there, nothing rejected it. */
    async check(
      model: string,
      version: number,
      environment: Environment,
    ): Promise<{ allowed: boolean; reasons: string[] }> {
      const { allowed, reasons } = await decide(model, version, environment);
      return { allowed, reasons };
    },

    /**
     * The deployment check together with the version it loaded (id and recorded serving image), so
     * admission control identifies the workload's version and decides in one load.
     */
    decide,

    /** The caller's tasks: those of every (team, role) they hold, open by default. */
    async inbox(
      ctx: RequestContext,
      opts: InboxOptions & { limit: number; after?: string },
    ): Promise<{ items: Task[]; nextCursor: string | null }> {
      const rows = await repo.inbox(db, inboxAssignments(ctx), {
        ...inboxFilter(ctx, opts),
        limit: opts.limit + 1,
        ...(opts.after ? { after: opts.after } : {}),
      });
      const page = rows.slice(0, opts.limit);
      const names = await repo.subjectNames(db, [...new Set(page.map((t) => t.subject_id))]);
      const me = ctx.principal?.userId;
      return {
        items: page.map((t) => {
          const n = names.get(t.subject_id);
          return toTask(
            t,
            n,
            me && n?.createdBy === me ? independenceRefusal({ ...t, details: JSON.parse(t.details) }, n) : null,
          );
        }),
        nextCursor: rows.length > opts.limit ? page.at(-1)!.id : null,
      };
    },

    /**
     * How many tasks the caller's inbox holds with these filters, counted in the database: the
     * console's menu shows it on every page, and listing up to 500 tasks to count them cost more.
     */
    async inboxCount(ctx: RequestContext, opts: InboxOptions): Promise<number> {
      return repo.inboxCount(db, inboxAssignments(ctx), inboxFilter(ctx, opts));
    },

    /** Marks one of the caller's tasks done; tasks that stand for a measure close only when it is met. */
    async completeTask(ctx: RequestContext, id: string): Promise<Task> {
      requireWriteScope(ctx, 'complete tasks');
      return transact(async (tx) => {
        const t = await repo.task(tx, id);
        if (!t) throw notFound('task', id);
        const mine = (ctx.principal?.roles ?? []).some(
          (a) => a.role === t.role && (a.scope === ORGANISATION || a.scope === t.team),
        );
        if (ctx.principal && !mine)
          throw new DomainError(
            'forbidden',
            `task ${id} is assigned to ${t.role} in team '${t.team}', a role ${ctx.principal.username} does not hold there`,
          );
        if (t.status !== 'open') throw new DomainError('conflict', `task ${id} is already ${t.status}`);
        // A review task closes when its document is accepted or rejected by an e-signature.
        if (t.kind === 'review')
          throw new DomainError(
            'conflict',
            `task ${id} asks for a review of a document: accept or reject the document, and the task closes`,
          );
        // A task that stands for a measure closes when the measure is met (its signatures given),
        // never by declaration: marking it done would hide an unmet requirement from the inbox.
        const measure = (JSON.parse(t.details) as { measure?: string }).measure;
        if (measure !== undefined)
          throw new DomainError(
            'conflict',
            `task ${id} closes by itself when measure '${measure}' is met: sign it (or provide its evidence) instead of marking it done`,
            { extra: { measure } },
          );
        const at = clock.now().toISOString();
        await repo.closeTasks(tx, [id], actorId(ctx), at, 'done');
        await audit.append(tx, ctx, {
          action: 'task.complete',
          subject: { type: 'task', id },
          after: { status: 'done' },
        });
        return toTask(
          { ...t, status: 'done', closed_at: at, closed_by: actorId(ctx) },
          (await repo.subjectNames(tx, [t.subject_id])).get(t.subject_id),
        );
      });
    },

    /**
     * After a (re-)assessment of a use case: versions registered before it was governed enter their
     * process's first step; signatures the new assessment made stale get re-review tasks; open
     * promotions are re-decided.
     */
    async useCaseAssessed(tx: Tx, ctx: RequestContext, useCaseId: string): Promise<void> {
      for (const v of await repo.versionsOfUseCase(tx, useCaseId)) {
        const owner = (await repo.owner(tx, v.model, v.version))!;
        if (!(await repo.state(tx, owner.versionId))) {
          const g = await core.load(tx, v.model, v.version);
          await core.enter(tx, ctx, g, g.process!.steps[0]!);
        }
        await this.evidenceChanged(tx, ctx, owner.versionId);
      }
    },

    /** Something every version of the use case depends on changed: stale signatures get re-review tasks, promotions are re-decided. */
    async versionsChanged(tx: Tx, ctx: RequestContext, useCaseId: string): Promise<void> {
      for (const v of await repo.versionsOfUseCase(tx, useCaseId))
        await this.evidenceChanged(tx, ctx, (await repo.owner(tx, v.model, v.version))!.versionId);
    },

    /** A new version of a governed model starts at the first step of its process, with that step's tasks. */
    async versionCreated(tx: Tx, ctx: RequestContext, v: VersionRecord): Promise<void> {
      if (!(await repo.modelGoverned(tx, v.modelId))) return;
      await deps.registrationChecks?.(tx, ctx, v.id, {
        model: v.model,
        version: v.version,
        artifactUri: v.artifactUri,
        artifactDigest: v.artifactDigest,
        code: v.code,
        datasets: v.datasets,
      });
      const g = await core.load(tx, v.model, v.version);
      await core.enter(tx, ctx, g, g.process!.steps[0]!);
    },

    /**
     * Moving an alias that serves an environment (champion: production, challenger: preproduction
     * in the default pack) on a governed model follows the rule of a promotion there.
     */
    async aliasMove(tx: Tx, _ctx: RequestContext, model: string, alias: string, version: number): Promise<void> {
      const owner = await repo.owner(tx, model, version);
      if (!owner || !(await repo.governed(tx, owner.versionId))) return;
      let g = await core.load(tx, model, version);
      const env = environmentOfAlias(g.policy!.pack, alias);
      if (!env) return;
      // Only moves that are promotions take the version lock (serialising them with signatures and evidence).
      await lock(tx, model, version);
      g = await core.load(tx, model, version);
      const reasons = reasonsAgainst(g, env);
      if (reasons.length > 0) {
        throw new DomainError(
          'gate_not_passed',
          `alias '${alias}' serves ${env}, and ${model}/${version} may not run there yet: ${reasons.join('; ')}`,
          { extra: { environment: env, reasons } },
        );
      }
    },

    /**
     * After evidence of a version changed (inside the same transaction): every signature that went
     * stale gets a re-review task for its signer's role, showing what changed since it was signed.
     */
    async evidenceChanged(tx: Tx, ctx: RequestContext, versionId: string): Promise<void> {
      const names = await repo.names(tx, versionId);
      if (!names) return;
      const g = await core.load(tx, names.model, names.version);
      if (!g.policy) return;
      const open = await repo.openTasks(tx, versionId);
      const reviewed = new Set(
        open
          .filter((t) => t.kind === 're-review')
          .map((t) => (JSON.parse(t.details) as { signature: string }).signature),
      );
      const stale = g.signatures.filter((s) => s.status === 'stale' && s.meaning !== 'author' && !reviewed.has(s.id));
      const created = await core.createTasks(
        tx,
        g,
        g.step!,
        stale.map((s) => ({
          kind: 're-review',
          title: `Re-review: ${s.signer.name}'s '${s.meaning}' went stale`,
          role: s.role,
          raci: 'A',
          details: { signature: s.id, signer: s.signer, signedAt: s.signedAt, changes: s.changes },
        })),
      );
      // Submitted documents get review tasks; decided or superseded ones lose theirs.
      await routeReviewTasks(
        tx,
        { repo, core },
        ctx,
        { type: 'model-version', id: versionId, team: g.owner.team },
        { pack: g.policy.pack, tier: g.policy.tier, required: g.requirements },
        [...g.documents].reverse(),
        await governance.reviews(tx, versionId),
        clock.now().toISOString(),
      );
      await promotions.recheck(tx, ctx, g);
      if (created.length > 0)
        await audit.append(tx, ctx, {
          action: 'signature.stale',
          subject: { type: 'model-version', id: versionId },
          after: { signatures: stale.map((s) => ({ id: s.id, changes: s.changes })), tasks: created.map((t) => t.id) },
        });
    },
  };
}

export type LifecycleService = ReturnType<typeof createLifecycleService>;
