import type { RequestContext } from '../../context.ts';
import type { Executor, Tx } from '../../db/database.ts';
import type { FindingTable } from '../../db/schema-findings.ts';
import type { Emit } from '../../events.ts';
import { heldRole, permissionRefusal, roleRefusal } from '../common/authorize.ts';
import { ORGANISATION } from '../../domain/authz.ts';
import { blocks, findingsRules, type FindingsRules } from '../../domain/policy/pack-governance.ts';
import { DomainError, notFound } from '../../errors.ts';
import type { CommandDeps } from '../common/deps.ts';
import { hintOf, refuse, type ActionHint, type Refusal } from '../common/hints.ts';
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

export interface FindingsDeps extends CommandDeps, SubjectDeps {
  repo: FindingsRepo;
  events: Emit;
  signing: Signing;
  /** A user by id or username (identity). */
  user(exec: Executor, ref: string): Promise<{ id: string; username: string; displayName: string } | undefined>;
}

export interface FindingInput {
  severity: string;
  title: string;
  description: string;
  owner: string;
  dueDate: string;
  remediation: string;
}
export type RaiseInput = { useCase?: string; model?: string; version?: number } & FindingInput;
export type FindingPatch = Partial<FindingInput> & { status?: 'open' | 'remediating' };

export interface CloseManifest extends ManifestSigner {
  finding: { id: string; subject: { type: string; id: string }; severity: string; title: string };
}

export interface Finding {
  id: string;
  subject: SubjectView;
  team: string;
  severity: string;
  title: string;
  description: string;
  owner: { id: string; username: string };
  dueDate: string;
  overdue: boolean;
  remediation: string;
  status: 'open' | 'remediating' | 'closed';
  /** Environments promotion to which this finding blocks while it is open (the pack decides). */
  blocks: string[];
  raisedBy: string;
  raisedAt: string;
  updatedAt: string;
  closed: { at: string; by: string; signature: SignedRecord<CloseManifest> } | null;
  revision: number;
}

/** What the caller may do with a finding now, as the commands decide (on reads only). */
export interface FindingActions {
  /** Move it between open and remediating and revise the plan (its owner, or a validator). */
  remediate: ActionHint;
  /** Close it by e-signature (a validator). */
  close: ActionHint;
}

/** A finding as a signed-in caller reads it: with what they may do with it. */
export type FindingRead = Finding & { actions: FindingActions };

// Its owner may change these (and only these) without a validator's role.
const OWNER_FIELDS = new Set(['status', 'remediation']);

const closedRefusal = (f: Pick<FindingTable, 'id' | 'status'>, what: string): Refusal | null =>
  f.status === 'closed'
    ? { code: 'conflict', message: `finding ${f.id} is ${what}`, reason: 'The finding is closed.' }
    : null;

/** Why the caller may not raise a finding on `subject`, or null: the pack names the validators. */
export const raiseRefusal = (ctx: RequestContext, subject: Pick<Subject, 'team' | 'label'>, rules: FindingsRules) =>
  roleRefusal(ctx, rules.raisedBy, subject.team, `raise findings on ${subject.label}`);

/**
 * Why the caller may not change `fields` of finding `f`, or null: validators change anything but
 * its closing; its owner moves it between open and remediating and revises the plan.
 */
export function updateRefusal(
  ctx: RequestContext,
  f: FindingTable,
  rules: FindingsRules,
  fields: readonly string[],
): Refusal | null {
  const closed = closedRefusal(f, 'closed');
  if (closed) return closed;
  const owner = fields.every((k) => OWNER_FIELDS.has(k));
  if (owner && ctx.principal?.userId === f.owner_id) return permissionRefusal(ctx, 'inventory:read', ORGANISATION);
  return roleRefusal(
    ctx,
    rules.raisedBy,
    f.team,
    `update finding ${f.id}`,
    owner ? "be the finding's owner" : undefined,
  );
}

/** Why the caller may not close `f` by e-signature, or null (credentials and training aside). */
export const closeRefusal = (ctx: RequestContext, f: FindingTable, rules: FindingsRules): Refusal | null =>
  roleRefusal(ctx, rules.raisedBy, f.team, `close finding ${f.id} (its raiser or another validator signs)`) ??
  signerRefusal(ctx) ??
  closedRefusal(f, 'already closed');

const DATE = /^\d{4}-\d{2}-\d{2}$/;

export function createFindingsService(deps: FindingsDeps) {
  const { db, transact, audit, clock, ids, repo } = deps;

  const rulesOf = async (exec: Executor, useCaseId: string) => findingsRules(await deps.pack(exec, useCaseId));

  async function view(exec: Executor, f: FindingTable, known?: FindingsRules): Promise<Finding> {
    const rules = known ?? (await rulesOf(exec, f.use_case_id));
    const names = f.subject_type === 'model-version' ? await deps.names(exec, f.subject_id) : undefined;
    const owner = await deps.user(exec, f.owner_id);
    const today = clock.now().toISOString().slice(0, 10);
    const open = f.status !== 'closed';
    return {
      id: f.id,
      subject: {
        type: f.subject_type as Subject['type'],
        id: f.subject_id,
        useCaseId: f.use_case_id,
        label: names
          ? `${names.model}/${names.version}`
          : ((await deps.useCase(exec, f.use_case_id))?.name ?? f.use_case_id),
        model: names?.model ?? null,
        version: names?.version ?? null,
      },
      team: f.team,
      severity: f.severity,
      title: f.title,
      description: f.description,
      owner: { id: f.owner_id, username: owner?.username ?? f.owner_id },
      dueDate: f.due_date,
      overdue: open && f.due_date < today,
      remediation: f.remediation,
      status: f.status as Finding['status'],
      blocks: open ? rules.gates.filter((env) => blocks(rules, f.severity, env)) : [],
      raisedBy: f.raised_by,
      raisedAt: f.raised_at,
      updatedAt: f.updated_at,
      closed:
        f.closed_at && f.closed_by && f.close_signature
          ? {
              at: f.closed_at,
              by: f.closed_by,
              signature: JSON.parse(f.close_signature) as SignedRecord<CloseManifest>,
            }
          : null,
      revision: f.revision,
    };
  }

  /** Checks the parts of a finding the pack and the directory decide; returns the owner's id. */
  async function checked(exec: Executor, severities: string[], input: Partial<FindingInput>) {
    const errors: { pointer: string; message: string }[] = [];
    if (input.severity !== undefined && !severities.includes(input.severity))
      errors.push({ pointer: '/severity', message: `must be one of the pack's severities: ${severities.join(', ')}` });
    if (input.dueDate !== undefined && (!DATE.test(input.dueDate) || Number.isNaN(Date.parse(input.dueDate))))
      errors.push({ pointer: '/dueDate', message: 'must be a date, YYYY-MM-DD' });
    const owner = input.owner === undefined ? undefined : await deps.user(exec, input.owner);
    if (input.owner !== undefined && !owner)
      errors.push({ pointer: '/owner', message: `no user '${input.owner}' (give a username or user id)` });
    if (errors.length > 0)
      throw new DomainError('validation_failed', 'the finding is not valid', {
        errors,
        ...(input.severity !== undefined && !severities.includes(input.severity)
          ? { extra: { allowed: severities } }
          : {}),
      });
    return owner?.id;
  }

  /** Open promotions of the subject are re-decided: a blocking finding opened or closed. */
  const changed = (tx: Tx, ctx: RequestContext, s: Pick<FindingTable, 'subject_type' | 'subject_id' | 'use_case_id'>) =>
    deps.events.emit(tx, 'requirements.changed', {
      ctx,
      subject: { type: s.subject_type as Subject['type'], id: s.subject_id, useCaseId: s.use_case_id },
    });

  async function load(exec: Executor, id: string): Promise<FindingTable> {
    const f = await repo.finding(exec, id);
    if (!f) throw notFound('finding', id);
    return f;
  }

  /** What a page of reads asks once: each use case's rules, and the training gate per role. */
  const pageOf = (ctx: RequestContext) => ({
    rules: memoize((useCaseId: string) => rulesOf(db, useCaseId)),
    trained: trainingOnce(deps.signing, ctx),
  });

  /** A finding with what the caller may do with it, by the commands' own rules. */
  async function read(ctx: RequestContext, f: FindingTable, page: ReturnType<typeof pageOf>): Promise<FindingRead> {
    const rules = await page.rules(f.use_case_id);
    const role = heldRole(ctx, rules.raisedBy, f.team);
    const close = closeRefusal(ctx, f, rules) ?? (role ? await page.trained(role) : null);
    return {
      ...(await view(db, f, rules)),
      actions: { remediate: hintOf(updateRefusal(ctx, f, rules, ['status', 'remediation'])), close: hintOf(close) },
    };
  }

  return {
    /** A validator raises a finding against a use case or a version. */
    async raise(ctx: RequestContext, input: RaiseInput): Promise<Finding> {
      return transact(async (tx) => {
        const subject = await resolveSubject(deps, tx, refOf(input));
        const rules = await rulesOf(tx, subject.useCaseId);
        refuse(raiseRefusal(ctx, subject, rules));
        const ownerId = (await checked(tx, rules.severities, input))!;
        const now = clock.now().toISOString();
        const row: FindingTable = {
          id: ids.next(),
          subject_type: subject.type,
          subject_id: subject.id,
          use_case_id: subject.useCaseId,
          team: subject.team,
          severity: input.severity,
          title: input.title,
          description: input.description,
          owner_id: ownerId,
          due_date: input.dueDate,
          remediation: input.remediation,
          status: 'open',
          raised_by: ctx.principal?.userId ?? 'system',
          raised_at: now,
          updated_at: now,
          closed_at: null,
          closed_by: null,
          close_signature: null,
          revision: 1,
        };
        await repo.insertFinding(tx, row);
        const f = await view(tx, row);
        await audit.append(tx, ctx, { action: 'finding.raise', subject: { type: 'finding', id: row.id }, after: f });
        await changed(tx, ctx, row);
        return f;
      });
    },

    /** Every finding on these subjects, oldest first (for documents). */
    async of(subjectIds: string[]): Promise<Finding[]> {
      return Promise.all((await repo.on(db, subjectIds)).map((f) => view(db, f)));
    },

    async get(ctx: RequestContext, id: string): Promise<FindingRead> {
      return read(ctx, await load(db, id), pageOf(ctx));
    },

    /** Whether the caller may raise a finding on a subject, before they fill in the form. */
    async eligibility(
      ctx: RequestContext,
      ref: SubjectRef,
    ): Promise<{ subject: SubjectView; raise: ActionHint; severities: string[] }> {
      const subject = await resolveSubject(deps, db, ref);
      const rules = await rulesOf(db, subject.useCaseId);
      return {
        subject: subjectView(subject),
        raise: hintOf(raiseRefusal(ctx, subject, rules)),
        severities: rules.severities,
      };
    },

    async list(
      ctx: RequestContext,
      q: {
        useCase?: string;
        model?: string;
        version?: number;
        status?: string;
        severity?: string;
        limit: number;
        after?: string;
      },
    ): Promise<{ items: FindingRead[]; nextCursor: string | null }> {
      const rows = await repo.findings(db, {
        ...(await listScope(deps, db, q)),
        ...(q.status ? { status: q.status } : {}),
        ...(q.severity ? { severity: q.severity } : {}),
        ...(q.after ? { after: q.after } : {}),
        limit: q.limit + 1,
      });
      const { page, nextCursor } = idPage(rows, q.limit);
      const once = pageOf(ctx);
      return { items: await Promise.all(page.map((f) => read(ctx, f, once))), nextCursor };
    },

    /**
     * Updates a finding: validators may change anything but its closing; its owner may move it
     * between open and remediating and revise the remediation plan.
     */
    async update(ctx: RequestContext, id: string, patch: FindingPatch): Promise<Finding> {
      return transact(async (tx) => {
        const f = await load(tx, id);
        const rules = await rulesOf(tx, f.use_case_id);
        refuse(updateRefusal(ctx, f, rules, Object.keys(patch)));
        const ownerId = await checked(tx, rules.severities, patch);
        const set: Partial<FindingTable> = {
          ...(patch.severity !== undefined ? { severity: patch.severity } : {}),
          ...(patch.title !== undefined ? { title: patch.title } : {}),
          ...(patch.description !== undefined ? { description: patch.description } : {}),
          ...(ownerId !== undefined ? { owner_id: ownerId } : {}),
          ...(patch.dueDate !== undefined ? { due_date: patch.dueDate } : {}),
          ...(patch.remediation !== undefined ? { remediation: patch.remediation } : {}),
          ...(patch.status !== undefined ? { status: patch.status } : {}),
          updated_at: clock.now().toISOString(),
        };
        if (!(await repo.updateFinding(tx, id, f.revision, set)))
          throw new DomainError('conflict', `finding ${id} changed meanwhile; fetch it again and retry`);
        const before = await view(tx, f);
        const after = await view(tx, { ...f, ...set, revision: f.revision + 1 });
        await audit.append(tx, ctx, { action: 'finding.update', subject: { type: 'finding', id }, before, after });
        if (patch.severity !== undefined) await changed(tx, ctx, f);
        return after;
      });
    },

    /** Closes a finding by the e-signature (meaning `close`) of its raiser or another validator. */
    async close(ctx: RequestContext, id: string, input: { comment?: string } & SigningCredentials): Promise<Finding> {
      const f0 = await load(db, id);
      const rules = await rulesOf(db, f0.use_case_id);
      // Refused before the password is verified; the state is checked again on the locked row.
      refuse(closeRefusal(ctx, f0, rules));
      const role = heldRole(ctx, rules.raisedBy, f0.team)!;
      const p = signingPrincipal(ctx);
      const how = await deps.signing.reauthenticate(ctx, input, [role]);
      return transact(async (tx) => {
        const f = await load(tx, id);
        refuse(closedRefusal(f, 'already closed'));
        const at = clock.now().toISOString();
        const manifest: CloseManifest = {
          finding: { id, subject: { type: f.subject_type, id: f.subject_id }, severity: f.severity, title: f.title },
          ...signerPart(p, { role, meaning: 'close', ...(input.comment ? { comment: input.comment } : {}) }, at, how),
        };
        const signed = seal(manifest, deps.signing.signDigest);
        const set = {
          status: 'closed',
          closed_at: at,
          closed_by: p.userId,
          close_signature: JSON.stringify(signed),
          updated_at: at,
        };
        if (!(await repo.updateFinding(tx, id, f.revision, set)))
          throw new DomainError('conflict', `finding ${id} changed meanwhile; fetch it again and retry`);
        const after = await view(tx, { ...f, ...set, revision: f.revision + 1 });
        await audit.append(tx, ctx, {
          action: 'finding.close',
          subject: { type: 'finding', id },
          before: { status: f.status },
          after,
        });
        await changed(tx, ctx, f);
        return after;
      });
    },
  };
}

export type FindingsService = ReturnType<typeof createFindingsService>;
