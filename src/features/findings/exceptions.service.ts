import type { RequestContext } from '../../context.ts';
import type { Executor, Tx } from '../../db/database.ts';
import type { MeasureExceptionTable } from '../../db/schema-findings.ts';
import type { Emit } from '../../events.ts';
import { exceptionRules } from '../../domain/policy/pack-governance.ts';
import type { PolicyPack } from '../../domain/policy/pack.schema.ts';
import { DomainError, notFound } from '../../errors.ts';
import type { RecordRefusal } from '../audit/refusals.ts';
import { heldRole, permissionRefusal, roleRefusal } from '../common/authorize.ts';
import type { CommandDeps } from '../common/deps.ts';
import { hintOf, refuse, refusalError, type ActionHint, type Refusal } from '../common/hints.ts';
import {
  seal,
  signerPart,
  signerRefusal,
  signingPrincipal,
  trainingOnce,
  type ManifestSigner,
  type Signing,
  type SignedRecord,
  type SigningCredentials,
} from '../common/signing.ts';
import { memoize } from '../../lib/memo.ts';
import type { FindingsRepo } from './findings.repo.ts';
import {
  type SubjectView,
  idPage,
  listScope,
  refOf,
  resolveSubject,
  subjectView,
  type Subject,
  type SubjectDeps,
  type SubjectRef,
} from './subjects.ts';

/** Opens a task in a subject's inbox (lifecycle). */
export type CreateTasks = (
  tx: Tx,
  subject: { type: 'model-version' | 'use-case'; id: string; team: string },
  pack: PolicyPack,
  step: string,
  specs: { kind: 'exception-expired'; title: string; role: string; raci: string; details: Record<string, unknown> }[],
) => Promise<unknown[]>;

export interface ExceptionsDeps extends CommandDeps, SubjectDeps {
  repo: FindingsRepo;
  events: Emit;
  signing: Signing;
  createTasks: CreateTasks;
  refused?: RecordRefusal;
}

export interface ExceptionManifest extends ManifestSigner {
  exception: { id: string; subject: { type: string; id: string }; measure: string; expiresAt: string; reason: string };
}

export interface MeasureException {
  id: string;
  subject: SubjectView;
  team: string;
  measure: string;
  reason: string;
  expiresAt: string;
  /** requested | approved | rejected | expired; `valid` says whether it waives the measure now. */
  status: 'requested' | 'approved' | 'rejected' | 'expired';
  valid: boolean;
  requestedBy: string;
  requestedAt: string;
  decidedBy: string | null;
  decidedAt: string | null;
  comment: string | null;
  signature: SignedRecord<ExceptionManifest> | null;
}

/** What the caller may do with an exception now, as the decision command decides (on reads only). */
export interface ExceptionActions {
  approve: ActionHint;
  reject: ActionHint;
}

/** An exception as a signed-in caller reads it: with what they may do with it. */
export type ExceptionRead = MeasureException & { actions: ExceptionActions };

const DAY = 86_400_000;

/** Why the caller may not request an exception on `subject`, or null: the write permission of its kind, in its team. */
export const requestRefusal = (ctx: RequestContext, subject: Pick<Subject, 'type' | 'team'>): Refusal | null =>
  permissionRefusal(ctx, subject.type === 'use-case' ? 'use-case:write' : 'version:write', subject.team);

/** Why exception `e` cannot be decided `decision` at `now` whoever asks, or null: only a request is decided, before it expires. */
export function stateRefusal(e: MeasureExceptionTable, decision: 'approve' | 'reject', now: string): Refusal | null {
  if (e.status !== 'requested')
    return {
      code: 'conflict',
      message: `exception ${e.id} is already ${e.status}`,
      reason: `The exception is already ${e.status}.`,
    };
  if (decision === 'approve' && e.expires_at <= now)
    return {
      code: 'conflict',
      message: `exception ${e.id} expired at ${e.expires_at} before it was approved`,
      reason: `It expired at ${e.expires_at} before it was approved: request a new one.`,
    };
  return null;
}

/**
 * Why the caller may not decide exception `e` (credentials and training aside), or null: a role the
 * pack names, in the exception's team; a person; never the requester's own approval (four eyes).
 */
export function decideRefusal(
  ctx: RequestContext,
  e: MeasureExceptionTable,
  approvedBy: readonly string[],
  decision: 'approve' | 'reject',
  now: string,
): Refusal | null {
  const role = roleRefusal(ctx, approvedBy, e.team, `${decision} exception ${e.id}`);
  if (role) return role;
  const signer = signerRefusal(ctx);
  if (signer) return signer;
  const p = ctx.principal!;
  if (decision === 'approve' && p.userId === e.requested_by)
    return {
      code: 'separation_of_duties',
      message: `${p.username} requested exception ${e.id} and may not approve it: another ${approvedBy.join(' or ')} has to`,
      reason: `You requested this exception: another ${approvedBy.join(' or ')} of team '${e.team}' has to approve it.`,
      extra: { exception: e.id },
    };
  return stateRefusal(e, decision, now);
}

export function createExceptionsService(deps: ExceptionsDeps) {
  const { db, transact, audit, clock, ids, repo } = deps;

  async function view(exec: Executor, e: MeasureExceptionTable): Promise<MeasureException> {
    const names = e.subject_type === 'model-version' ? await deps.names(exec, e.subject_id) : undefined;
    const now = clock.now().toISOString();
    const lapsed = e.status === 'approved' && e.expires_at <= now;
    return {
      id: e.id,
      subject: {
        type: e.subject_type as Subject['type'],
        id: e.subject_id,
        useCaseId: e.use_case_id,
        label: names
          ? `${names.model}/${names.version}`
          : ((await deps.useCase(exec, e.use_case_id))?.name ?? e.use_case_id),
        model: names?.model ?? null,
        version: names?.version ?? null,
      },
      team: e.team,
      measure: e.measure,
      reason: e.reason,
      expiresAt: e.expires_at,
      // An approval past its expiry no longer waives, whether or not the expiry job has run yet.
      status: lapsed ? 'expired' : (e.status as MeasureException['status']),
      valid: e.status === 'approved' && !lapsed,
      requestedBy: e.requested_by,
      requestedAt: e.requested_at,
      decidedBy: e.decided_by,
      decidedAt: e.decided_at,
      comment: e.decision_comment,
      signature: e.signature ? (JSON.parse(e.signature) as SignedRecord<ExceptionManifest>) : null,
    };
  }

  async function load(exec: Executor, id: string): Promise<MeasureExceptionTable> {
    const e = await repo.exception(exec, id);
    if (!e) throw notFound('exception', id);
    return e;
  }

  /** What a page of reads asks once: each use case's pack, and the training gate per role. */
  const pageOf = (ctx: RequestContext) => ({
    pack: memoize((useCaseId: string) => deps.pack(db, useCaseId)),
    trained: trainingOnce(deps.signing, ctx),
  });

  /** An exception with what the caller may do with it, by the decision command's own rule. */
  async function read(
    ctx: RequestContext,
    e: MeasureExceptionTable,
    page: ReturnType<typeof pageOf>,
  ): Promise<ExceptionRead> {
    const { approvedBy } = exceptionRules(await page.pack(e.use_case_id));
    const role = heldRole(ctx, approvedBy, e.team);
    const now = clock.now().toISOString();
    const hint = async (decision: 'approve' | 'reject') =>
      hintOf(decideRefusal(ctx, e, approvedBy, decision, now) ?? (role ? await page.trained(role) : null));
    return { ...(await view(db, e)), actions: { approve: await hint('approve'), reject: await hint('reject') } };
  }

  const changed = (tx: Tx, ctx: RequestContext, e: MeasureExceptionTable) =>
    deps.events.emit(tx, 'requirements.changed', {
      ctx,
      subject: { type: e.subject_type as Subject['type'], id: e.subject_id, useCaseId: e.use_case_id },
    });

  return {
    /** Requests an exception of one measure for a use case or version, with a reason and an expiry. */
    async request(
      ctx: RequestContext,
      input: { useCase?: string; model?: string; version?: number; measure: string; reason: string; expiresAt: string },
    ): Promise<MeasureException> {
      return transact(async (tx) => {
        const subject = await resolveSubject(deps, tx, refOf(input));
        refuse(requestRefusal(ctx, subject));
        const pack = await deps.pack(tx, subject.useCaseId);
        const { maxDays } = exceptionRules(pack);
        const errors: { pointer: string; message: string }[] = [];
        const measures = pack.measures.map((m) => m.id);
        if (!measures.includes(input.measure))
          errors.push({ pointer: '/measure', message: `no measure '${input.measure}' in policy pack ${pack.name}` });
        const now = clock.now();
        const expires = Date.parse(input.expiresAt);
        if (Number.isNaN(expires)) errors.push({ pointer: '/expiresAt', message: 'must be a date-time' });
        else if (expires <= now.getTime()) errors.push({ pointer: '/expiresAt', message: 'must be in the future' });
        else if (expires > now.getTime() + maxDays * DAY)
          errors.push({
            pointer: '/expiresAt',
            message: `must be at most ${maxDays} days ahead (the policy pack's maximum), i.e. by ${new Date(now.getTime() + maxDays * DAY).toISOString()}`,
          });
        if (errors.length > 0)
          throw new DomainError('validation_failed', 'the exception request is not valid', {
            errors,
            extra: { maxDays },
          });
        const row: MeasureExceptionTable = {
          id: ids.next(),
          subject_type: subject.type,
          subject_id: subject.id,
          use_case_id: subject.useCaseId,
          team: subject.team,
          measure: input.measure,
          reason: input.reason,
          expires_at: new Date(expires).toISOString(),
          status: 'requested',
          requested_by: ctx.principal?.userId ?? 'system',
          requested_at: now.toISOString(),
          decided_by: null,
          decided_at: null,
          decision_comment: null,
          signature: null,
          expired_at: null,
        };
        await repo.insertException(tx, row);
        const e = await view(tx, row);
        await audit.append(tx, ctx, {
          action: 'exception.request',
          subject: { type: 'exception', id: row.id },
          after: e,
        });
        return e;
      });
    },

    async get(ctx: RequestContext, id: string): Promise<ExceptionRead> {
      return read(ctx, await load(db, id), pageOf(ctx));
    },

    /** Whether the caller may request an exception on a subject, before they fill in the form. */
    async eligibility(ctx: RequestContext, ref: SubjectRef): Promise<{ subject: SubjectView; request: ActionHint }> {
      const subject = await resolveSubject(deps, db, ref);
      return { subject: subjectView(subject), request: hintOf(requestRefusal(ctx, subject)) };
    },

    async list(
      ctx: RequestContext,
      q: {
        useCase?: string;
        model?: string;
        version?: number;
        status?: string;
        measure?: string;
        limit: number;
        after?: string;
      },
    ): Promise<{ items: ExceptionRead[]; nextCursor: string | null }> {
      const rows = await repo.exceptions(db, {
        ...(await listScope(deps, db, q)),
        ...(q.status ? { status: q.status } : {}),
        ...(q.measure ? { measure: q.measure } : {}),
        ...(q.after ? { after: q.after } : {}),
        limit: q.limit + 1,
      });
      const { page, nextCursor } = idPage(rows, q.limit);
      const once = pageOf(ctx);
      return { items: await Promise.all(page.map((e) => read(ctx, e, once))), nextCursor };
    },

    /**
     * Approves (or rejects) a requested exception by an e-signature of a role the pack names; the
     * requester may never approve their own (four eyes).
     */
    async decide(
      ctx: RequestContext,
      id: string,
      decision: 'approve' | 'reject',
      input: { comment?: string } & SigningCredentials,
    ): Promise<MeasureException> {
      const e0 = await load(db, id);
      const { approvedBy } = exceptionRules(await deps.pack(db, e0.use_case_id));
      // Refused before the password is verified; the state is checked again on the row in the transaction.
      const refusal = decideRefusal(ctx, e0, approvedBy, decision, clock.now().toISOString());
      if (refusal?.code === 'separation_of_duties')
        await deps.refused?.(ctx, {
          action: 'authz.separation-of-duties',
          account: ctx.principal!.username,
          subject: { type: 'exception', id },
          detail: { measure: e0.measure, rule: 'an exception is approved by someone other than its requester' },
        });
      if (refusal) throw refusalError(refusal);
      const role = heldRole(ctx, approvedBy, e0.team)!;
      const p = signingPrincipal(ctx);
      const how = await deps.signing.reauthenticate(ctx, input, [role]);
      return transact(async (tx) => {
        const e = await load(tx, id);
        const at = clock.now().toISOString();
        refuse(stateRefusal(e, decision, at));
        const manifest: ExceptionManifest = {
          exception: {
            id,
            subject: { type: e.subject_type, id: e.subject_id },
            measure: e.measure,
            expiresAt: e.expires_at,
            reason: e.reason,
          },
          ...signerPart(p, { role, meaning: decision, ...(input.comment ? { comment: input.comment } : {}) }, at, how),
        };
        const signed = seal(manifest, deps.signing.signDigest);
        const set = {
          status: decision === 'approve' ? 'approved' : 'rejected',
          decided_by: p.userId,
          decided_at: at,
          decision_comment: input.comment ?? null,
          signature: JSON.stringify(signed),
        };
        if (!(await repo.decideException(tx, id, 'requested', set)))
          throw new DomainError('conflict', `exception ${id} was decided meanwhile`);
        const after = await view(tx, { ...e, ...set });
        await audit.append(tx, ctx, {
          action: decision === 'approve' ? 'exception.approve' : 'exception.reject',
          subject: { type: 'exception', id },
          before: { status: 'requested' },
          after,
        });
        if (decision === 'approve') await changed(tx, ctx, e);
        return after;
      });
    },

    /**
     * Expires approved exceptions whose time is up (the expiry job): each is marked expired and
     * audited (webhooks see it), the subject's owners get an inbox task, and the subject's open
     * promotions are re-decided without the waiver.
     */
    async expireDue(ctx: RequestContext): Promise<number> {
      let count = 0;
      for (;;) {
        const due = await repo.due(db, clock.now().toISOString(), 50);
        if (due.length === 0) return count;
        for (const e of due)
          await transact(async (tx) => {
            const at = clock.now().toISOString();
            if (!(await repo.decideException(tx, e.id, 'approved', { status: 'expired', expired_at: at }))) return;
            const pack = await deps.pack(tx, e.use_case_id);
            const measure = pack.measures.find((m) => m.id === e.measure);
            const step = measure?.step ?? pack.steps[0]!.id;
            // The task goes to whoever is accountable for the measure's step, else the owning stakeholder.
            const accountable = pack.raci.find((r) => r.step === step);
            const role =
              Object.entries(accountable?.roles ?? {}).find(([, raci]) => String(raci).includes('A'))?.[0] ??
              'business-stakeholder';
            const after = await view(tx, { ...e, status: 'expired', expired_at: at });
            await deps.createTasks(
              tx,
              { type: e.subject_type as Subject['type'], id: e.subject_id, team: e.team },
              pack,
              step,
              [
                {
                  kind: 'exception-expired',
                  title: `Exception of '${e.measure}' on ${after.subject.label} expired: meet the measure or request a new exception`,
                  role,
                  raci: 'A',
                  details: { exception: e.id, waived: e.measure, expiredAt: e.expires_at },
                },
              ],
            );
            await audit.append(tx, ctx, {
              action: 'exception.expire',
              subject: { type: 'exception', id: e.id },
              before: { status: 'approved' },
              after,
            });
            await changed(tx, ctx, e);
            count++;
          });
      }
    },
  };
}

export type ExceptionsService = ReturnType<typeof createExceptionsService>;
