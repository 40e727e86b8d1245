import type { RequestContext } from '../../context.ts';
import type { Executor } from '../../db/database.ts';
import type { Transact } from '../../db/transact.ts';
import type { AuditEventRecord } from '../../domain/audit-event.ts';
import { actionPatterns, subjectTerm } from '../../domain/audit-search.ts';
import { csvLine } from '../../domain/exports/tabular.ts';
import { DomainError } from '../../errors.ts';
import type { AuditRepo, EventFilter, SubjectName } from './audit.repo.ts';
import type { AuditLog } from './audit.service.ts';

/** What a person filters the log by: codes and ids for tools, words for people. */
export interface AuditQuery {
  subjectType?: string;
  subjectId?: string;
  actorId?: string;
  /** An exact action code. */
  action?: string;
  /** Words for what happened: an action family ("approve", "deploy") or part of a code. */
  actionFamily?: string;
  /** Part of the actor's display name or username. */
  actorName?: string;
  /** Part of the subject's name, or a model version as `model v3`. */
  subjectName?: string;
  from?: string;
  to?: string;
  order: 'asc' | 'desc';
}

export type NamedEvent = Omit<AuditEventRecord, 'subject'> & {
  subject: { type: string; id: string; name: string | null; model: string | null; version: number | null };
};

const EXPORT_PAGE = 500;
const CSV_HEAD = [
  'seq',
  'time',
  'actor',
  'actor_kind',
  'actor_id',
  'action',
  'subject_type',
  'subject_id',
  'subject_name',
  'reason',
  'request_id',
  'source',
];

export function createAuditSearch(deps: {
  db: Executor;
  repo: Pick<AuditRepo, 'events' | 'subjectNames' | 'head'>;
  transact: Transact;
  audit: Pick<AuditLog, 'append'>;
}) {
  /** The repository's filter for a query; a range that ends before it starts is refused. */
  function filterOf(q: AuditQuery): Omit<EventFilter, 'limit'> {
    const from = q.from === undefined ? undefined : new Date(q.from).toISOString();
    const to = q.to === undefined ? undefined : new Date(q.to).toISOString();
    if (from !== undefined && to !== undefined && to <= from)
      throw new DomainError('validation_failed', `the date range ends (${to}) before it starts (${from})`, {
        errors: [{ pointer: '/to', message: 'must be later than from' }],
      });
    return {
      subjectType: q.subjectType,
      subjectId: q.subjectId,
      actorId: q.actorId,
      action: q.action,
      actionLike: q.actionFamily === undefined ? undefined : actionPatterns(q.actionFamily),
      actorText: q.actorName?.trim() || undefined,
      subjectText: q.subjectName?.trim() ? subjectTerm(q.subjectName) : undefined,
      from,
      to,
      order: q.order,
    };
  }

  async function named(db: Executor, events: AuditEventRecord[]): Promise<NamedEvent[]> {
    const names = await deps.repo.subjectNames(
      db,
      events.map((e) => e.subject),
    );
    return events.map((e) => {
      const n: SubjectName | undefined = names.get(`${e.subject.type}:${e.subject.id}`);
      return {
        ...e,
        // Stored as canonical JSON text inside the leaf; read back as the values they were.
        before: e.before === null ? null : JSON.parse(e.before as string),
        after: e.after === null ? null : JSON.parse(e.after as string),
        subject: { ...e.subject, name: n?.name ?? null, model: n?.model ?? null, version: n?.version ?? null },
      };
    });
  }

  return {
    /** One page of matching events with their subjects' names; `after` is the last seq of the previous page. */
    async page(q: AuditQuery, limit: number, after?: number): Promise<{ items: NamedEvent[]; more: boolean }> {
      const rows = await deps.repo.events(deps.db, { ...filterOf(q), afterSeq: after, limit: limit + 1 });
      return { items: await named(deps.db, rows.slice(0, limit)), more: rows.length > limit };
    },

    /**
     * Every matching event as CSV or JSON, streamed page by page. The export is audited before the
     * first byte leaves (an `export.generate` of the audit trail, with the filter), and covers the log
     * as it stood then: the export's own event and anything later are not in it.
     */
    async export(ctx: RequestContext, q: AuditQuery, format: 'csv' | 'json'): Promise<AsyncIterable<string>> {
      const filter = filterOf(q);
      const size = await deps.transact(async (tx) => {
        const head = await deps.repo.head(tx);
        await deps.audit.append(tx, ctx, {
          action: 'export.generate',
          subject: { type: 'audit-trail', id: 'events' },
          after: { document: 'audit-events', format, filter: { ...q }, upToSeq: head.size },
        });
        return head.size;
      });
      const db = deps.db;
      const repo = deps.repo;
      return (async function* () {
        let cursor: number | undefined = filter.order === 'desc' ? size + 1 : undefined;
        let first = true;
        yield format === 'csv' ? csvLine(CSV_HEAD) : '[';
        for (;;) {
          const rows = await repo.events(db, { ...filter, afterSeq: cursor, maxSeq: size, limit: EXPORT_PAGE });
          for (const e of await named(db, rows)) {
            if (format === 'csv')
              yield csvLine([
                e.seq,
                e.time,
                e.actor.name,
                e.actor.kind,
                e.actor.id,
                e.action,
                e.subject.type,
                e.subject.id,
                e.subject.name,
                e.reason,
                e.requestId,
                e.source,
              ]);
            else {
              yield `${first ? '' : ','}\n${JSON.stringify(e)}`;
              first = false;
            }
          }
          if (rows.length < EXPORT_PAGE) break;
          cursor = rows[rows.length - 1]!.seq;
        }
        if (format === 'json') yield '\n]\n';
      })();
    },
  };
}

export type AuditSearch = ReturnType<typeof createAuditSearch>;
