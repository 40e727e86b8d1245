import { actorId, type RequestContext } from '../../context.ts';
import type { Executor } from '../../db/database.ts';
import { assertRevision } from '../../domain/revision.ts';
import { DomainError, notFound } from '../../errors.ts';
import { authorize } from '../common/authorize.ts';
import type { CommandDeps } from '../common/deps.ts';
import { decodeCursor, toPage, type Page } from '../../lib/pagination.ts';
import type { UseCaseRecord, UseCaseRepo } from './use-cases.repo.ts';
import type { CreateUseCaseBody, PatchUseCaseBody } from './use-cases.schema.ts';

export interface UseCaseServiceDeps extends CommandDeps {
  useCases: Pick<UseCaseRepo, 'get' | 'resolve' | 'insert' | 'update' | 'list' | 'lock'>;
  teams: { exists(db: Executor, name: string): Promise<boolean> };
}

export function createUseCaseService({ db, transact, useCases, teams, audit, clock, ids }: UseCaseServiceDeps) {
  async function requireTeam(exec: Executor, team: string): Promise<void> {
    if (!(await teams.exists(exec, team)))
      throw new DomainError('invalid_reference', `team '${team}' does not exist`, {
        errors: [{ pointer: '/ownerTeam', message: 'no such team' }],
      });
  }

  return {
    async create(ctx: RequestContext, input: CreateUseCaseBody): Promise<UseCaseRecord> {
      const now = clock.now().toISOString();
      const record: UseCaseRecord = {
        id: ids.next(),
        ...input,
        kpis: input.kpis ?? [],
        createdAt: now,
        updatedAt: now,
        createdBy: actorId(ctx),
        revision: 1,
      };
      await transact(async (tx) => {
        authorize(ctx, 'use-case:write', input.ownerTeam);
        await requireTeam(tx, input.ownerTeam);
        await useCases.insert(tx, record);
        await audit.append(tx, ctx, {
          action: 'use-case.create',
          subject: { type: 'use-case', id: record.id },
          after: record,
        });
      });
      return record;
    },

    /** A use case by id or name. */
    async get(ref: string): Promise<UseCaseRecord> {
      const found = await useCases.resolve(db, ref);
      if (!found) throw notFound('use case', ref);
      return found;
    },

    async update(
      ctx: RequestContext,
      id: string,
      patch: PatchUseCaseBody,
      expectedRevision: number | undefined,
    ): Promise<UseCaseRecord> {
      return transact(async (tx) => {
        await useCases.lock(tx, id);
        const current = await useCases.get(tx, id);
        if (!current) throw notFound('use case', id);
        authorize(ctx, 'use-case:write', current.ownerTeam);
        if (patch.ownerTeam !== undefined && patch.ownerTeam !== current.ownerTeam) {
          authorize(ctx, 'use-case:write', patch.ownerTeam);
          await requireTeam(tx, patch.ownerTeam);
        }
        assertRevision('use case', current.revision, expectedRevision);
        const next: UseCaseRecord = {
          ...current,
          ...patch,
          updatedAt: clock.now().toISOString(),
          revision: current.revision + 1,
        };
        if (!(await useCases.update(tx, next, current.revision))) assertRevision('use case', -1, current.revision);
        await audit.append(tx, ctx, {
          action: 'use-case.update',
          subject: { type: 'use-case', id },
          before: current,
          after: next,
        });
        return next;
      });
    },

    async list(opts: { limit: number; cursor?: string; ownerTeam?: string }): Promise<Page<UseCaseRecord>> {
      const after = decodeCursor(opts.cursor, ['string', 'string']) as [string, string] | undefined;
      const rows = await useCases.list(db, { after, limit: opts.limit + 1, ownerTeam: opts.ownerTeam });
      return toPage(rows, opts.limit, (u) => [u.createdAt, u.id]);
    },
  };
}

export type UseCaseService = ReturnType<typeof createUseCaseService>;
