import type { RequestContext } from '../../context.ts';
import type { Executor } from '../../db/database.ts';
import { ORGANISATION, rolesGranting } from '../../domain/authz.ts';
import {
  combinedStatus,
  environmentRules,
  nextActions,
  versionStatus,
  type MissingItem,
  type NextAction,
  type SubjectStatus,
} from '../../domain/lifecycle/next-actions.ts';
import { ENVIRONMENTS, type Environment } from '../../domain/lifecycle/process.ts';
import type { PolicyPack } from '../../domain/policy/pack.schema.ts';
import { DomainError, notFound } from '../../errors.ts';
import { createGenerationCache } from '../../lib/generation-cache.ts';
import type { LifecycleService } from '../lifecycle/lifecycle.service.ts';
import type { UseCaseLifecycle } from '../lifecycle/use-case-lifecycle.service.ts';
import type { LiveVersionRow } from '../use-cases/use-cases.repo.ts';

type Standing = Awaited<ReturnType<LifecycleService['standing']>>;
type Person = { id: string; username: string; displayName: string; role: string };
type VersionRow = Omit<LiveVersionRow, 'createdBy'>;

export interface NextActionsDeps {
  db: Executor;
  lifecycle: Pick<LifecycleService, 'standing' | 'standingsOf' | 'inbox'>;
  useCases: Pick<UseCaseLifecycle, 'status'>;
  /** The pack a use case is assessed under (policy). */
  pack: (exec: Executor, useCaseId: string) => Promise<PolicyPack | null>;
  useCase: (exec: Executor, id: string) => Promise<{ id: string; name: string; ownerTeam: string } | undefined>;
  versionsOf: (
    exec: Executor,
    where: { useCaseIds?: string[]; modelIds?: string[]; createdBy?: string; latestOr?: string[] },
  ) => Promise<VersionRow[]>;
  ownedBy: (exec: Executor, userId: string, teams: string[]) => Promise<{ id: string; name: string; team: string }[]>;
  /**
   * Ids of these models' versions deployed somewhere or suspended now: with each model's latest,
   * they stand for it.
   */
  notableVersions: (exec: Executor, modelIds: string[]) => Promise<Set<string>>;
  holders: (exec: Executor, team: string, roles: string[]) => Promise<Person[]>;
  /**
   * Where this process sees every write (SQLite): a value equal only while nothing that a status is
   * computed from has changed (the data, and the clock to the granularity a status may move by).
   * The inventory's statuses are kept while it holds. Absent elsewhere: computed on every read.
   */
  generation?: () => Promise<string>;
  user: (exec: Executor, id: string) => Promise<{ id: string; username: string; displayName: string } | undefined>;
}

/** Every document kind the pack's measures name: the choices of an "add document" form. */
const documentKinds = (pack: PolicyPack | null | undefined): string[] =>
  [
    ...new Set(
      (pack?.measures ?? []).flatMap((m) => m.evidence.flatMap((e) => (e.kind === 'document' ? [e.documentKind] : []))),
    ),
  ].sort();

/** How many models' inventory statuses are kept at most (a few MiB). */
const STATUS_CACHE_MAX = 20_000;

const total = (steps: { met: number; total: number }[]) => ({
  met: steps.reduce((n, s) => n + s.met, 0),
  total: steps.reduce((n, s) => n + s.total, 0),
});

/**
 * What is next for a version or a use case (progress per step, each missing item with its owners
 * and one-click actions), one status each (the page banner and the inventory row read the same),
 * and a person's own work. It reads the lifecycle, policy, inventory and identity; it owns no table.
 */
export function createNextActionsService(deps: NextActionsDeps) {
  const { db } = deps;

  /** Adds the people holding each missing item's roles in `team`. */
  async function withPeople(team: string, missing: MissingItem[]) {
    const roles = [...new Set(missing.flatMap((m) => m.roles))];
    const people = await deps.holders(db, team, roles);
    return missing.map((m) => {
      const holding = people.filter((p) => m.roles.includes(p.role));
      // Administrators can do anything: they are named only where nobody in an owning role is.
      const owners = holding.some((p) => p.role !== 'admin') ? holding.filter((p) => p.role !== 'admin') : holding;
      return {
        ...m,
        people: owners.map((p) => ({ id: p.id, username: p.username, displayName: p.displayName, role: p.role })),
      };
    });
  }

  function statusOf(s: Standing): SubjectStatus {
    return versionStatus({
      holds: s.holds,
      deployed: s.deployed.map((environment) => ({ environment, refusals: s.against(environment) })),
      stale: [
        ...s.staleSignatures.map(
          (x) => `${x.meaning} by ${x.signer} (${x.role}) at step ${x.step} is stale: what it covered changed`,
        ),
        ...s.requirements
          .filter((r) => r.status === 'stale')
          .map((r) => `${r.title} (${r.measure}) is met only by evidence for another artefact`),
      ],
    });
  }

  function progressOf(s: Standing) {
    if (!s.policy || !s.process) return { steps: [], missing: [] as MissingItem[] };
    return nextActions(s.policy.pack, s.process, s.step, s.requirements, 'version');
  }

  /** The next step once the current gate passes, and the furthest promotion the check would allow now. */
  function movingOn(s: Standing, missing: MissingItem[]): NextAction[] {
    const next: NextAction[] = [];
    if (s.process && s.step) {
      const at = s.process.steps.indexOf(s.step);
      const to = s.process.steps[at + 1];
      if (to && !missing.some((m) => m.step === s.step))
        next.push({
          kind: 'move-step',
          label: `Move on to step '${to}'`,
          params: { to },
          roles: rolesGranting('version:write'),
        });
    }
    const open = [...ENVIRONMENTS]
      .reverse()
      .find((env: Environment) => !s.deployed.includes(env) && s.against(env).length === 0 && s.holds.length === 0);
    if (open && !ENVIRONMENTS.slice(ENVIRONMENTS.indexOf(open)).some((e) => s.deployed.includes(e)))
      next.push({
        kind: 'request-promotion',
        label: `Promote to ${open}`,
        params: { environment: open },
        roles: rolesGranting('alias:write'),
      });
    return next;
  }

  async function version(model: string, v: number) {
    const s = await deps.lifecycle.standing(model, v);
    const uc = await deps.useCase(db, s.owner.useCaseId);
    const { steps, missing } = progressOf(s);
    const rules = s.policy ? environmentRules(s.policy.pack, s.process) : [];
    return {
      model,
      version: v,
      useCase: { id: s.owner.useCaseId, name: uc?.name ?? '' },
      governed: s.policy !== null,
      status: statusOf(s),
      step: s.step,
      progress: total(steps),
      steps,
      missing: await withPeople(s.owner.team, missing),
      next: movingOn(s, missing),
      environments: rules.map((r) => ({ ...r, deployed: s.deployed.includes(r.id as Environment) })),
      documentKinds: documentKinds(s.policy?.pack),
    };
  }

  /**
   * Status of each version that stands for its model: the latest, and those deployed or suspended,
   * with the standing its progress is computed from where it is shown (`withProgress`).
   */
  async function summaries(rows: VersionRow[], known?: Set<string>) {
    const notable = known ?? (await deps.notableVersions(db, [...new Set(rows.map((r) => r.modelId))]));
    const chosen = rows.filter((r) => r.latest || notable.has(r.id));
    // Read together: a page of the inventory costs a fixed number of reads, not one set per version.
    // The rows name what governs each version, so the versions are not looked up again.
    const standings = new Map(
      (
        await deps.lifecycle.standingsOf(
          chosen.map((r) => ({
            owner: { versionId: r.id, modelId: r.modelId, useCaseId: r.useCaseId, team: r.team },
            model: r.model,
            version: r.version,
          })),
        )
      ).map((s) => [s.owner.versionId, s]),
    );
    return chosen.flatMap((r) => {
      const s = standings.get(r.id);
      // A version deleted since the rows were read has no standing (and no status) any more.
      if (!s) return [];
      return [
        {
          row: r,
          model: r.model,
          version: r.version,
          useCase: { id: r.useCaseId, name: r.useCase },
          step: s.step,
          status: statusOf(s),
          standing: s,
        },
      ];
    });
  }

  /** A summary as shown with its progress (the inventory shows statuses only: progress costs as much again). */
  const withProgress = <T extends { standing: Standing }>({ standing, ...rest }: T) => ({
    ...rest,
    ...total(progressOf(standing).steps),
  });

  const modelStatus = (parts: Awaited<ReturnType<typeof summaries>>) =>
    combinedStatus(parts.map((p) => ({ name: `${p.model} v${p.version}`, status: p.status })));

  async function useCase(id: string) {
    const uc = await deps.useCase(db, id);
    if (!uc) throw notFound('use case', id);
    const [l, pack, rows] = await Promise.all([
      deps.useCases.status(id),
      deps.pack(db, id),
      deps.versionsOf(db, { useCaseIds: [id] }),
    ]);
    const { steps, missing } =
      pack && l.process
        ? nextActions(
            pack,
            l.process,
            l.step,
            l.requirements,
            'use-case',
            l.steps.map((s) => s.id),
          )
        : { steps: [], missing: [] };
    const versions = await summaries(rows);
    const own = l.signatures
      .filter((s) => s.status === 'stale')
      .map((s) => `${s.meaning} by ${s.signer.name} (${s.role}) is stale: what it covered changed`);
    const parts = versions.map((p) => ({ name: `${p.model} v${p.version}`, status: p.status }));
    if (own.length > 0)
      parts.push({
        name: uc.name,
        status: { state: 'stale', environment: null, label: 'Approvals or evidence stale', reasons: own },
      });
    const next: NextAction[] = [];
    const at = l.steps.findIndex((s) => s.id === l.step);
    const to = l.steps[at + 1]?.id;
    if (to && !missing.some((m) => m.step === l.step))
      next.push({
        kind: 'move-step',
        label: `Move on to step '${to}'`,
        params: { to },
        roles: rolesGranting('use-case:write'),
      });
    return {
      useCase: { id: uc.id, name: uc.name, team: uc.ownerTeam },
      governed: l.governed,
      status: combinedStatus(parts),
      step: l.step,
      progress: total(steps),
      steps,
      missing: await withPeople(uc.ownerTeam, missing),
      next,
      documentKinds: documentKinds(pack),
      versions: versions.map(({ row: _row, useCase: _uc, ...v }) => withProgress(v)),
    };
  }

  // The inventory's statuses by model id (null: no live version), for the generation they were
  // computed at: a page read again before anything changed (the common case) costs no standing.
  const cache = createGenerationCache<{ key: string; status: SubjectStatus } | null>(STATUS_CACHE_MAX);

  /**
   * Statuses for inventory rows: each of the models' (keyed `useCaseId/model`), from the same
   * computation as the pages' banners. Only the models asked for: a page of the inventory must not
   * cost the size of the use cases its rows belong to.
   */
  async function statuses(modelIds: string[]) {
    const cached = cache.open(deps.generation ? await deps.generation() : null);
    // Taken out before computing: keeping the rest may drop them (a full cache, a newer generation).
    const known = new Map<string, { key: string; status: SubjectStatus } | null>();
    const wanted: string[] = [];
    for (const id of modelIds)
      if (cached.has(id)) known.set(id, cached.get(id)!);
      else wanted.push(id);
    const computed = new Map<string, { key: string; status: SubjectStatus }>();
    if (wanted.length > 0) {
      const byModel = new Map<string, Awaited<ReturnType<typeof summaries>>>();
      // Only the versions that can stand for a model: its latest, and those deployed or suspended
      // (a model of 100,000 versions is not read whole).
      const notable = await deps.notableVersions(db, wanted);
      const rows = await deps.versionsOf(db, { modelIds: wanted, latestOr: [...notable] });
      for (const p of await summaries(rows, notable))
        byModel.set(p.row.modelId, [...(byModel.get(p.row.modelId) ?? []), p]);
      for (const [id, ps] of byModel)
        computed.set(id, { key: `${ps[0]!.row.useCaseId}/${ps[0]!.model}`, status: modelStatus(ps) });
      cached.keep(wanted.map((id) => [id, computed.get(id) ?? null]));
    }
    const out = new Map<string, SubjectStatus>();
    for (const id of modelIds) {
      const entry = computed.get(id) ?? known.get(id);
      if (entry) out.set(entry.key, entry.status);
    }
    return out;
  }

  /** The caller's own work: use cases they created or work on, versions they made, tasks they can complete. */
  async function myWork(ctx: RequestContext) {
    const userId = ctx.principal?.userId;
    if (!userId) throw new DomainError('forbidden', 'only a signed-in person has work of their own');
    const me = await deps.user(db, userId);
    if (!me) throw notFound('user', userId);
    const teams = [...new Set((ctx.principal?.roles ?? []).map((r) => r.scope).filter((s) => s !== ORGANISATION))];
    const [owned, mine, inbox] = await Promise.all([
      deps.ownedBy(db, userId, teams),
      deps.versionsOf(db, { createdBy: userId }),
      deps.lifecycle.inbox(ctx, { status: 'open', limit: 200 }),
    ]);
    const versions = await summaries(mine.map((r) => ({ ...r, latest: true })));
    const byUseCase = await summaries(await deps.versionsOf(db, { useCaseIds: owned.map((u) => u.id) }));
    return {
      user: { id: me.id, username: me.username, displayName: me.displayName },
      useCases: owned.map((u) => ({
        ...u,
        status: combinedStatus(
          byUseCase
            .filter((p) => p.row.useCaseId === u.id)
            .map((p) => ({ name: `${p.model} v${p.version}`, status: p.status })),
        ),
      })),
      versions: versions.map(({ row: _row, ...v }) => withProgress(v)),
      tasks: inbox.items
        .filter((t) => t.blocked === null)
        .map((t) => ({
          id: t.id,
          title: t.title,
          kind: t.kind,
          role: t.role,
          step: t.step,
          due: t.due,
          overdue: t.overdue,
          model: t.model,
          version: t.version,
          useCase: t.useCase,
          useCaseId: t.useCaseId,
        })),
    };
  }

  return { version, useCase, statuses, myWork };
}

export type NextActionsService = ReturnType<typeof createNextActionsService>;
