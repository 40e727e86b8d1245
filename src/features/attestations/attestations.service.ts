import type { RequestContext } from '../../context.ts';
import type { Executor, Tx } from '../../db/database.ts';
import type { TaskTable } from '../../db/schema.ts';
import type { AttestationTable } from '../../db/schema-attestations.ts';
import { ORGANISATION } from '../../domain/authz.ts';
import {
  addDays,
  campaignDue,
  decisionsFor,
  nextDueOn,
  overdueOn,
  remindable,
  type AttestationDecision,
  type AttestationKind,
} from '../../domain/attestations.ts';
import type { TaskSpec } from '../../domain/lifecycle/tasks.ts';
import { attestationRules, type AttestationRules } from '../../domain/policy/pack-attestations.ts';
import type { PolicyPack } from '../../domain/policy/pack.schema.ts';
import { DomainError, notFound } from '../../errors.ts';
import type { RecordRefusal } from '../audit/refusals.ts';
import { authorize, heldRole } from '../common/authorize.ts';
import type { CommandDeps } from '../common/deps.ts';
import { hintOf, refusalError, refusalOf, type ActionHint } from '../common/hints.ts';
import {
  seal,
  signerPart,
  signingPrincipal,
  trainingOnce,
  type ManifestSigner,
  type Signing,
  type SignedRecord,
  type SigningCredentials,
} from '../common/signing.ts';
import { decideRefusal, decidersOf } from './attestations.fns.ts';
import { memoize } from '../../lib/memo.ts';
import type { AttestationsRepo } from './attestations.repo.ts';

type Subject = { type: 'model-version' | 'use-case'; id: string; team: string };

export interface AttestationsDeps extends CommandDeps {
  repo: AttestationsRepo;
  signing: Signing;
  /** Use cases with a current assessment: the tier in force and when they were assessed (policy). */
  assessed(exec: Executor): Promise<{ useCaseId: string; tier: number; assessedAt: string }[]>;
  /** The pack a use case was assessed under (policy). */
  pack(exec: Executor, useCaseId: string): Promise<PolicyPack | null>;
  /** A use case by id or name (inventory). */
  useCase(exec: Executor, ref: string): Promise<{ id: string; name: string; ownerTeam: string } | undefined>;
  /** Opens tasks on a use case, and marks tasks done (lifecycle). */
  createTasks(tx: Tx, subject: Subject, pack: PolicyPack, step: string, specs: TaskSpec[]): Promise<TaskTable[]>;
  closeTasks(tx: Tx, ids: string[], by: string | null, at: string): Promise<void>;
  refused?: RecordRefusal;
}

export interface AttestationManifest extends ManifestSigner {
  attestation: {
    id: string;
    kind: AttestationKind;
    useCase: { id: string; name: string };
    tier: number;
    dueOn: string;
  };
  decision: AttestationDecision;
}

export interface Attestation {
  id: string;
  useCase: { id: string; name: string };
  team: string;
  kind: AttestationKind;
  tier: number;
  dueOn: string;
  overdue: boolean;
  status: 'open' | 'decided';
  decision: AttestationDecision | null;
  comment: string | null;
  decided: { by: string; at: string; signature: SignedRecord<AttestationManifest> } | null;
  taskId: string | null;
  followUpTaskId: string | null;
  remindedAt: string | null;
  escalatedAt: string | null;
  openedAt: string;
}

/** An attestation as a signed-in caller reads it: whether they may decide it now. */
export type AttestationRead = Attestation & { actions: { decide: ActionHint } };

/** A use case's standing in the campaigns: what the inventory shows. */
export interface AttestationStatus {
  useCase: { id: string; name: string };
  team: string;
  tier: number;
  /** never: no campaign yet; open / overdue: one awaits a decision; current: the last cycle is settled; retired: its owner retired it. */
  status: 'never' | 'open' | 'overdue' | 'current' | 'retired';
  lastAttestedOn: string | null;
  nextDueOn: string | null;
}

const PERMISSION = 'policy:admin';
const BATCH = 100;

/**
 * Periodic attestation and revalidation: campaigns open per use case by its tier's cadence (the
 * pack decides), owners and validators decide by e-signature, open attestations are reminded
 * before they fall due and escalated once they are late.
 */
export function createAttestationsService(deps: AttestationsDeps) {
  const { db, transact, audit, clock, ids, repo } = deps;
  const today = () => clock.now().toISOString().slice(0, 10);
  // Read each time: use cases can be renamed.
  const nameOf = async (exec: Executor, useCaseId: string): Promise<string> =>
    (await deps.useCase(exec, useCaseId))?.name ?? useCaseId;

  async function rulesOf(exec: Executor, useCaseId: string): Promise<{ pack: PolicyPack; rules: AttestationRules }> {
    const pack = await deps.pack(exec, useCaseId);
    if (!pack) throw new DomainError('conflict', `use case '${useCaseId}' has no current assessment`);
    return { pack, rules: attestationRules(pack) };
  }

  async function view(exec: Executor, r: AttestationTable): Promise<Attestation> {
    return {
      id: r.id,
      useCase: { id: r.use_case_id, name: await nameOf(exec, r.use_case_id) },
      team: r.team,
      kind: r.kind as AttestationKind,
      tier: r.tier,
      dueOn: r.due_on,
      overdue: r.status === 'open' && overdueOn(r.due_on, today()),
      status: r.status as Attestation['status'],
      decision: r.decision as AttestationDecision | null,
      comment: r.comment,
      decided:
        r.decided_by && r.decided_at && r.signature
          ? {
              by: r.decided_by,
              at: r.decided_at,
              signature: JSON.parse(r.signature) as SignedRecord<AttestationManifest>,
            }
          : null,
      taskId: r.task_id,
      followUpTaskId: r.follow_up_task_id,
      remindedAt: r.reminded_at,
      escalatedAt: r.escalated_at,
      openedAt: r.opened_at,
    };
  }

  async function load(exec: Executor, id: string): Promise<AttestationTable> {
    const row = await repo.get(exec, id);
    if (!row) throw notFound('attestation', id);
    return row;
  }

  /**
   * Attestations with whether the caller may decide each now, by the decision command's own rule
   * (and the training gate's, asked once per role).
   */
  async function reads(ctx: RequestContext, rows: AttestationTable[]): Promise<AttestationRead[]> {
    const cycles = await byUseCase(db, [...new Set(rows.map((r) => r.use_case_id))]);
    const trained = trainingOnce(deps.signing, ctx);
    const rulesOnce = memoize((useCaseId: string) => rulesOf(db, useCaseId));
    return Promise.all(
      rows.map(async (r) => {
        const shown = await view(db, r);
        let rules: AttestationRules | undefined;
        const unassessed = await refusalOf(
          async () => void (rules = (await rulesOnce(r.use_case_id)).rules),
          () => 'The use case has no current assessment.',
        );
        if (!rules) return { ...shown, actions: { decide: hintOf(unassessed) } };
        const role = heldRole(ctx, decidersOf(r.kind as AttestationKind, rules), r.team);
        const refusal =
          decideRefusal(ctx, r, rules, cycles.get(r.use_case_id) ?? [], shown.useCase.name) ??
          (role ? await trained(role) : null);
        return { ...shown, actions: { decide: hintOf(refusal) } };
      }),
    );
  }

  /** The day the last settled cycle was settled (its latest decision), if any. */
  function lastSettled(rows: AttestationTable[]): string | null {
    const latest = rows[0]?.due_on;
    if (latest === undefined) return null;
    const cycle = rows.filter((r) => r.due_on === latest);
    if (cycle.some((r) => r.status === 'open')) return null;
    return cycle.reduce((max, r) => ((r.decided_at ?? '') > max ? r.decided_at! : max), '').slice(0, 10) || null;
  }

  /** A use case's standing from its rows (latest cycle first) and its assessment. */
  function standing(
    rows: AttestationTable[],
    a: { tier: number; assessedAt: string },
    rules: AttestationRules,
  ): Pick<AttestationStatus, 'status' | 'lastAttestedOn' | 'nextDueOn'> {
    const owner = rows.find((r) => r.kind === 'owner' && r.status === 'decided');
    const lastAttestedOn = owner?.decided_at?.slice(0, 10) ?? null;
    if (rows.some((r) => r.decision === 'retire')) return { status: 'retired', lastAttestedOn, nextDueOn: null };
    const open = rows.filter((r) => r.status === 'open');
    if (open.length > 0) {
      const due = open.map((r) => r.due_on).sort()[0]!;
      return { status: overdueOn(due, today()) ? 'overdue' : 'open', lastAttestedOn, nextDueOn: due };
    }
    const settled = lastSettled(rows);
    const base = settled && settled > a.assessedAt.slice(0, 10) ? settled : a.assessedAt.slice(0, 10);
    return {
      status: rows.length === 0 ? 'never' : 'current',
      lastAttestedOn,
      nextDueOn: nextDueOn({ assessedOn: base, lastSettledOn: null, everyDays: rules.everyDays[a.tier]! }),
    };
  }

  async function byUseCase(exec: Executor, useCaseIds: string[]): Promise<Map<string, AttestationTable[]>> {
    const grouped = new Map<string, AttestationTable[]>();
    for (const r of await repo.ofUseCases(exec, useCaseIds))
      grouped.set(r.use_case_id, [...(grouped.get(r.use_case_id) ?? []), r]);
    return grouped;
  }

  /** Opens this cycle's rows and tasks for one use case; the cycle key makes a second run a no-op. */
  async function openCampaign(
    ctx: RequestContext,
    a: { useCaseId: string; tier: number },
    pack: PolicyPack,
    rules: AttestationRules,
    dueOn: string,
  ): Promise<Attestation[]> {
    return transact(async (tx) => {
      const uc = await deps.useCase(tx, a.useCaseId);
      if (!uc) return [];
      const kinds: AttestationKind[] = rules.revalidateTiers.includes(a.tier) ? ['owner', 'validator'] : ['owner'];
      const opened: Attestation[] = [];
      const now = clock.now().toISOString();
      for (const kind of kinds) {
        const row: AttestationTable = {
          id: ids.next(),
          use_case_id: uc.id,
          team: uc.ownerTeam,
          kind,
          tier: a.tier,
          due_on: dueOn,
          status: 'open',
          decision: null,
          comment: null,
          decided_by: null,
          decided_at: null,
          signature: null,
          task_id: null,
          follow_up_task_id: null,
          reminded_at: null,
          escalated_at: null,
          escalation_task_id: null,
          opened_at: now,
        };
        if (!(await repo.open(tx, row))) continue;
        const role = (kind === 'owner' ? rules.attestedBy : rules.revalidatedBy)[0]!;
        const title =
          kind === 'owner'
            ? `Attest that use case '${uc.name}' is still accurately described and in use, or retire it (due ${dueOn})`
            : `Revalidate use case '${uc.name}' (tier ${a.tier}) independently of its owners (due ${dueOn})`;
        const [task] = await deps.createTasks(
          tx,
          { type: 'use-case', id: uc.id, team: uc.ownerTeam },
          pack,
          pack.steps[0]!.id,
          [
            {
              kind: kind === 'owner' ? 'attestation' : 'revalidation',
              title,
              role,
              raci: 'A',
              details: { attestation: row.id, dueOn, roles: kind === 'owner' ? rules.attestedBy : rules.revalidatedBy },
              dueAt: `${dueOn}T23:59:59.999Z`,
            },
          ],
        );
        row.task_id = task!.id;
        await repo.update(tx, row.id, { task_id: row.task_id });
        const after = await view(tx, row);
        await audit.append(tx, ctx, {
          action: 'attestation.open',
          subject: { type: 'attestation', id: row.id },
          after,
        });
        opened.push(after);
      }
      return opened;
    });
  }

  /** Opens the campaigns of every use case due by its tier's cadence. */
  async function openDue(ctx: RequestContext): Promise<Attestation[]> {
    const day = today();
    const assessed = await deps.assessed(db);
    const rows = await byUseCase(
      db,
      assessed.map((a) => a.useCaseId),
    );
    const opened: Attestation[] = [];
    for (const a of assessed) {
      const mine = rows.get(a.useCaseId) ?? [];
      if (mine.some((r) => r.status === 'open' || r.decision === 'retire')) continue;
      const pack = await deps.pack(db, a.useCaseId);
      if (!pack) continue;
      const rules = attestationRules(pack);
      const next = standing(mine, a, rules).nextDueOn!;
      const dueOn = campaignDue(next, day, rules.openDaysBefore);
      if (dueOn) opened.push(...(await openCampaign(ctx, a, pack, rules, dueOn)));
    }
    return opened;
  }

  /** Open rows page by page (by id), each handled by `each`. */
  async function sweep(
    fetch: (after: string | undefined) => Promise<AttestationTable[]>,
    each: (r: AttestationTable, rules: AttestationRules, pack: PolicyPack) => Promise<boolean>,
  ): Promise<number> {
    let count = 0;
    let after: string | undefined;
    for (;;) {
      const page = await fetch(after);
      for (const r of page) {
        const pack = await deps.pack(db, r.use_case_id);
        if (pack && (await each(r, attestationRules(pack), pack))) count++;
      }
      if (page.length < BATCH) return count;
      after = page.at(-1)!.id;
    }
  }

  /** Records `attestation.remind` once per open attestation entering its reminder window (webhooks deliver it). */
  async function remind(ctx: RequestContext): Promise<number> {
    const day = today();
    return sweep(
      (after) => repo.unreminded(db, day, after, BATCH),
      async (r, rules) => {
        if (!remindable(r.due_on, day, rules.remindDaysBefore)) return false;
        return transact(async (tx) => {
          if (!(await repo.mark(tx, r.id, 'reminded_at', clock.now().toISOString()))) return false;
          await audit.append(tx, ctx, {
            action: 'attestation.remind',
            subject: { type: 'attestation', id: r.id },
            after: {
              useCaseId: r.use_case_id,
              team: r.team,
              kind: r.kind,
              dueOn: r.due_on,
              roles: r.kind === 'owner' ? rules.attestedBy : rules.revalidatedBy,
            },
          });
          return true;
        });
      },
    );
  }

  /** Escalates each overdue attestation once: a task for the escalation roles of its team, and an audit event. */
  async function escalate(ctx: RequestContext): Promise<number> {
    const day = today();
    return sweep(
      (after) => repo.unescalated(db, day, after, BATCH),
      async (r, rules, pack) =>
        transact(async (tx) => {
          const now = clock.now().toISOString();
          if (!(await repo.mark(tx, r.id, 'escalated_at', now))) return false;
          const name = await nameOf(tx, r.use_case_id);
          const what = r.kind === 'owner' ? 'attestation' : 'revalidation';
          const tasks = await deps.createTasks(
            tx,
            { type: 'use-case', id: r.use_case_id, team: r.team },
            pack,
            pack.steps[0]!.id,
            rules.escalateTo.map((role) => ({
              kind: 'attestation-escalation' as const,
              title: `Overdue: the ${what} of use case '${name}' was due ${r.due_on}; see that it is made`,
              role,
              raci: 'A',
              details: { attestation: r.id, dueOn: r.due_on, kind: r.kind },
              dueAt: `${addDays(day, 7)}T23:59:59.999Z`,
            })),
          );
          await repo.update(tx, r.id, { escalation_task_id: tasks[0]?.id ?? null });
          await audit.append(tx, ctx, {
            action: 'attestation.escalate',
            subject: { type: 'attestation', id: r.id },
            after: {
              useCaseId: r.use_case_id,
              team: r.team,
              kind: r.kind,
              dueOn: r.due_on,
              escalatedTo: rules.escalateTo,
              tasks: tasks.map((t) => t.id),
            },
          });
          return true;
        }),
    );
  }

  /** The work a decision leaves behind: a re-assessment, or the retirement of the use case's versions. */
  function followUp(decision: AttestationDecision, name: string, id: string): TaskSpec | null {
    if (decision === 'description-changed')
      return {
        kind: 're-assessment',
        title: `Re-assess use case '${name}': its owner attested that its description changed`,
        role: 'business-stakeholder',
        raci: 'A',
        details: { attestation: id },
      };
    if (decision === 'retire')
      return {
        kind: 'retirement',
        title: `Retire the model versions of use case '${name}': its owner attested it is no longer in use`,
        role: 'data-scientist',
        raci: 'R',
        details: { attestation: id },
      };
    return null;
  }

  return {
    /**
     * The campaign run (the daily job, or on demand): opens what is due, reminds what is about to
     * be, escalates what is late. Each part acts once per attestation, however often it runs.
     */
    async run(ctx: RequestContext): Promise<{ opened: Attestation[]; reminded: number; escalated: number }> {
      authorize(ctx, PERMISSION, ORGANISATION);
      const opened = await openDue(ctx);
      const reminded = await remind(ctx);
      const escalated = await escalate(ctx);
      return { opened, reminded, escalated };
    },

    async list(
      ctx: RequestContext,
      q: {
        useCase?: string;
        team?: string;
        kind?: AttestationKind;
        status?: 'open' | 'decided';
        overdue?: boolean;
        after?: string;
        limit: number;
      },
    ): Promise<{ items: AttestationRead[]; nextCursor: string | null }> {
      let useCaseId: string | undefined;
      if (q.useCase !== undefined) {
        const uc = await deps.useCase(db, q.useCase);
        if (!uc) throw notFound('use case', q.useCase);
        useCaseId = uc.id;
      }
      const rows = await repo.list(db, {
        ...(useCaseId ? { useCaseId } : {}),
        ...(q.team ? { team: q.team } : {}),
        ...(q.kind ? { kind: q.kind } : {}),
        ...(q.status ? { status: q.status } : {}),
        ...(q.overdue ? { overdueBefore: today() } : {}),
        ...(q.after ? { after: q.after } : {}),
        limit: q.limit + 1,
      });
      const page = rows.slice(0, q.limit);
      return { items: await reads(ctx, page), nextCursor: rows.length > q.limit ? page.at(-1)!.id : null };
    },

    async get(ctx: RequestContext, id: string): Promise<AttestationRead> {
      return (await reads(ctx, [await load(db, id)]))[0]!;
    },

    /** Each assessed use case's standing (the inventory's attestation column), by use case id. */
    async status(q: { team?: string; after?: string; limit: number }) {
      const assessed = (await deps.assessed(db))
        .filter((a) => !q.after || a.useCaseId > q.after)
        .sort((x, y) => (x.useCaseId < y.useCaseId ? -1 : 1));
      const items: AttestationStatus[] = [];
      let i = 0;
      for (; i < assessed.length && items.length < q.limit; i++) {
        const a = assessed[i]!;
        const uc = await deps.useCase(db, a.useCaseId);
        if (!uc || (q.team && uc.ownerTeam !== q.team)) continue;
        const pack = await deps.pack(db, a.useCaseId);
        if (!pack) continue;
        const rows = (await byUseCase(db, [a.useCaseId])).get(a.useCaseId) ?? [];
        items.push({
          useCase: { id: uc.id, name: uc.name },
          team: uc.ownerTeam,
          tier: a.tier,
          ...standing(rows, a, attestationRules(pack)),
        });
      }
      return { items, nextCursor: i < assessed.length ? (items.at(-1)?.useCase.id ?? null) : null };
    },

    /**
     * An owner attests (still accurate, retire, description changed) or a validator revalidates, by
     * e-signature. Owners hold an attesting role in the use case's team; validators a revalidating
     * role, and are independent of the owners: neither an owner of the use case nor the one who
     * made the cycle's other decision.
     */
    async decide(
      ctx: RequestContext,
      id: string,
      input: { decision: string; comment?: string } & SigningCredentials,
    ): Promise<Attestation> {
      const r0 = await load(db, id);
      const kind = r0.kind as AttestationKind;
      const allowed = decisionsFor(kind);
      if (!allowed.includes(input.decision as AttestationDecision))
        throw new DomainError('validation_failed', `'${input.decision}' is not a decision on a ${kind} attestation`, {
          errors: [{ pointer: '/decision', message: `must be one of: ${allowed.join(', ')}` }],
          extra: { allowed },
        });
      const decision = input.decision as AttestationDecision;
      const { pack, rules } = await rulesOf(db, r0.use_case_id);
      const name = await nameOf(db, r0.use_case_id);
      const refusal = decideRefusal(ctx, r0, rules, await repo.ofUseCases(db, [r0.use_case_id]), name);
      if (refusal?.code === 'separation_of_duties')
        await deps.refused?.(ctx, {
          action: 'authz.separation-of-duties',
          account: ctx.principal!.username,
          subject: { type: 'attestation', id },
          detail: { useCaseId: r0.use_case_id, kind, ...refusal.detail },
        });
      if (refusal) throw refusalError(refusal);
      const role = heldRole(ctx, decidersOf(kind, rules), r0.team)!;
      const p = signingPrincipal(ctx);
      const how = await deps.signing.reauthenticate(ctx, input, [role]);
      return transact(async (tx) => {
        const at = clock.now().toISOString();
        const manifest: AttestationManifest = {
          attestation: { id, kind, useCase: { id: r0.use_case_id, name }, tier: r0.tier, dueOn: r0.due_on },
          decision,
          ...signerPart(
            p,
            {
              role,
              meaning: kind === 'owner' ? 'attest' : 'review',
              ...(input.comment ? { comment: input.comment } : {}),
            },
            at,
            how,
          ),
        };
        const signed = seal(manifest, deps.signing.signDigest);
        const set: Partial<AttestationTable> = {
          decision,
          comment: input.comment ?? null,
          decided_by: p.userId,
          decided_at: at,
          signature: JSON.stringify(signed),
        };
        if (!(await repo.decide(tx, id, set)))
          throw new DomainError('conflict', `attestation ${id} was decided meanwhile`);
        if (r0.task_id) await deps.closeTasks(tx, [r0.task_id], p.userId, at);
        const spec = followUp(decision, name, id);
        if (spec) {
          const [task] = await deps.createTasks(
            tx,
            { type: 'use-case', id: r0.use_case_id, team: r0.team },
            pack,
            pack.steps[0]!.id,
            [spec],
          );
          set.follow_up_task_id = task!.id;
          await repo.update(tx, id, { follow_up_task_id: task!.id });
        }
        const after = await view(tx, { ...r0, ...set, status: 'decided' });
        await audit.append(tx, ctx, {
          action: kind === 'owner' ? 'attestation.attest' : 'attestation.revalidate',
          subject: { type: 'attestation', id },
          before: { status: 'open' },
          after,
        });
        return after;
      });
    },
  };
}

export type AttestationsService = ReturnType<typeof createAttestationsService>;
