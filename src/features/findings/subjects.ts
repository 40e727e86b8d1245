import type { Executor } from '../../db/database.ts';
import type { PolicyPack } from '../../domain/policy/pack.schema.ts';
import { DomainError, notFound } from '../../errors.ts';

/** What a finding or an exception is about: a use case, or a model version. */
export type SubjectRef = { useCase: string } | { model: string; version: number };

export interface Subject {
  type: 'use-case' | 'model-version';
  id: string;
  useCaseId: string;
  team: string;
  /** How people name it: the use case's name, or model/version. */
  label: string;
  model: string | null;
  version: number | null;
}

/** A subject as findings and exceptions show it. */
export interface SubjectView {
  type: Subject['type'];
  id: string;
  useCaseId: string;
  label: string;
  model: string | null;
  version: number | null;
}

/** A resolved subject as findings and exceptions show it. */
export const subjectView = ({ team: _team, ...s }: Subject): SubjectView => s;

/** What resolving subjects needs from the inventory and the lifecycle. */
export interface SubjectDeps {
  /** A use case by id or name (inventory). */
  useCase(exec: Executor, ref: string): Promise<{ id: string; name: string; ownerTeam: string } | undefined>;
  /** A version's owner by name (lifecycle). */
  owner(
    exec: Executor,
    model: string,
    version: number,
  ): Promise<{ versionId: string; useCaseId: string; team: string } | undefined>;
  /** A version's names by id (lifecycle). */
  names(exec: Executor, versionId: string): Promise<{ model: string; version: number } | undefined>;
  /** The pack in force for a use case: its assessment's, else the active one (policy). */
  pack(exec: Executor, useCaseId: string): Promise<PolicyPack>;
}

/** The subject a reference names; `not_found` when it names none. */
export async function resolveSubject(deps: SubjectDeps, exec: Executor, ref: SubjectRef): Promise<Subject> {
  if ('useCase' in ref) {
    const u = await deps.useCase(exec, ref.useCase);
    if (!u) throw notFound('use case', ref.useCase);
    return {
      type: 'use-case',
      id: u.id,
      useCaseId: u.id,
      team: u.ownerTeam,
      label: u.name,
      model: null,
      version: null,
    };
  }
  const o = await deps.owner(exec, ref.model, ref.version);
  if (!o) throw notFound('model version', `${ref.model}/${ref.version}`);
  return {
    type: 'model-version',
    id: o.versionId,
    useCaseId: o.useCaseId,
    team: o.team,
    label: `${ref.model}/${ref.version}`,
    model: ref.model,
    version: ref.version,
  };
}

/** The subject reference of a list filter: none, a use case, or a version (both halves needed). */
export function filterRef(q: { useCase?: string; model?: string; version?: number }): SubjectRef | null {
  if (q.model !== undefined || q.version !== undefined) {
    if (q.model === undefined || q.version === undefined)
      throw new DomainError('validation_failed', 'a version is named by model and version together', {
        errors: [
          { pointer: q.model === undefined ? '/model' : '/version', message: 'give model and version together' },
        ],
      });
    return { model: q.model, version: q.version };
  }
  return q.useCase !== undefined ? { useCase: q.useCase } : null;
}

/**
 * What a list filter narrows the rows to: a version's own rows (`subjectId`), a use case's rows
 * with its versions' (`useCaseId`), or nothing.
 */
export async function listScope(
  deps: SubjectDeps,
  exec: Executor,
  q: { useCase?: string; model?: string; version?: number },
): Promise<{ subjectId?: string; useCaseId?: string }> {
  const ref = filterRef(q);
  const subject = ref ? await resolveSubject(deps, exec, ref) : null;
  if (subject?.type === 'model-version') return { subjectId: subject.id };
  if (subject?.type === 'use-case') return { useCaseId: subject.id };
  return {};
}

/** Splits a `limit + 1` fetch into its page and the id of the page's last row as the next cursor. */
export function idPage<R extends { id: string }>(rows: R[], limit: number): { page: R[]; nextCursor: string | null } {
  const page = rows.slice(0, limit);
  return { page, nextCursor: rows.length > limit ? page.at(-1)!.id : null };
}

/** The subject a request names: a use case, or a model and version; exactly one of the two. */
export function refOf(input: { useCase?: string; model?: string; version?: number }): SubjectRef {
  const ref = filterRef(input);
  if (!ref || (input.useCase !== undefined && 'model' in ref))
    throw new DomainError('validation_failed', 'name the subject: a use case, or a model and version', {
      errors: [{ pointer: '', message: 'give either useCase, or model and version (not both)' }],
    });
  return ref;
}
